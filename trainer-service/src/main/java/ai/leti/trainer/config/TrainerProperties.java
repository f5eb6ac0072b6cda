package ai.leti.trainer.config;

import java.nio.file.Path;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import ai.leti.model.nn.Precision;

/**
 * {@code leti.trainer.*}.
 *
 * @param store                 where checkpoints and the per-iteration journals live (a volume in Kubernetes)
 * @param publicUrl             base URL under which this service's {@code /checkpoints} are reachable by the generator
 * @param device                DJL device: {@code cpu} or {@code gpu}
 * @param microBatch            sequences per forward/backward pass: a plan's batch is one optimizer step over
 *                              micro-batches of this size (gradients accumulated, the loss weighted by tokens, so
 *                              the step is the same), which bounds activation memory at real model sizes
 * @param precision             {@code bf16} (default): Llama-family and CodeGen blocks compute in bfloat16 kernels,
 *                              forward and backward, with float32 weights, gradients and AdamW moments (2.3x
 *                              float32's training speed on these CPUs, README "Benchmark"); {@code f32}: float32
 *                              throughout
 */
@Validated
@ConfigurationProperties("leti.trainer")
public record TrainerProperties(
        @NotNull Path store,
        @NotBlank String publicUrl,
        @NotBlank @DefaultValue("cpu") String device,
        @DefaultValue("0") long seed,
        @Positive @DefaultValue("16") int microBatch,
        @NotNull @DefaultValue("bf16") Precision precision) {
}
