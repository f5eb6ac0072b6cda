package ai.leti.trainer.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import ai.leti.common.files.ConfinedPaths;
import ai.leti.model.nn.Precision;

/**
 * {@code leti.trainer.*}.
 *
 * @param store                 where checkpoints and the per-iteration journals live (a volume in Kubernetes)
 * @param dataRoots             the directories, besides {@code store}, from which a plan may name a base model or a
 *                              regularization corpus ({@code LETI_TRAINER_DATA_ROOTS}, comma separated; default
 *                              {@code /data}, the images' data volume); a plan naming anything else is refused
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
        @NotNull @DefaultValue("/data") List<Path> dataRoots,
        @NotBlank String publicUrl,
        @NotBlank @DefaultValue("cpu") String device,
        @DefaultValue("0") long seed,
        @Positive @DefaultValue("16") int microBatch,
        @NotNull @DefaultValue("bf16") Precision precision) {

    /** What a plan may name: files under the data roots or the store. */
    public ConfinedPaths readable() {
        List<Path> roots = new ArrayList<>(dataRoots);
        roots.add(store);
        return new ConfinedPaths(roots);
    }
}
