package ai.leti.generator.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import ai.leti.model.nn.Precision;

/**
 * {@code leti.generator.*}.
 *
 * @param state          where fetched checkpoints live
 * @param dataRoots      the directories whose files a run may name (its model, task and evaluation files), besides
 *                       {@code state}; anything else is refused with 400. {@code LETI_GENERATOR_DATA_ROOTS}, comma
 *                       separated; default {@code /data} (the images' data volume)
 * @param device         DJL device: {@code cpu} or {@code gpu}
 * @param samplingBatch  prompts sampled together
 * @param stop           stop sequences that end a completion (the rest of a program is not the model's to write)
 * @param waitTimeout    how long a stage waits for results or a checkpoint before the run fails
 * @param apiToken       the bearer token the mutating endpoints require; when blank, one is made at start and
 *                       written to {@code <state>/api-token} (readable by the owner only). Never logged.
 * @param maxRequestBytes the largest request body accepted (413 above it)
 * @param precision      {@code bf16} (default): Llama-family and CodeGen models sample on a BF16 decode kernel
 *                       (matmuls in bfloat16; residual, norms, attention and KV cache in float32), about twice as
 *                       fast as float32 on CPUs with AVX-512 BF16; GPT-2 samples in float32 either way.
 *                       {@code f32}: float32 throughout.
 * @param roles          what this process does ({@code LETI_GENERATOR_ROLES}): {@code coordinator} (the REST API, the
 *                       runs, their plans, work and evaluations), {@code sampler} (sampling work from the
 *                       {@code leti.sampling} topic), or both (the default: one process does everything)
 * @param samplerId      this sampler's name in reports and shares ({@code LETI_SAMPLER_ID}; default: the host name)
 * @param workSamples    the most samples of one task in one piece of work (a task with more is split)
 * @param samplerPollItems pieces of work a sampler takes at once and samples together (continuous batching across
 *                       them: a piece is one task's samples, often fewer than the sampling batch)
 * @param samplerRetryAfter how long a sampler that could not load a checkpoint stays out of the group (unready,
 *                       its work left to the others) before it tries again
 */
@Validated
@ConfigurationProperties("leti.generator")
public record GeneratorProperties(
        @NotNull Path state,
        @NotNull @DefaultValue("/data") List<Path> dataRoots,
        @NotBlank @DefaultValue("cpu") String device,
        @Min(1) @DefaultValue("64") int samplingBatch,
        @DefaultValue({"\nassert", "\n\"\"\"", "\nif __name__", "\nprint("}) List<String> stop,
        @NotNull @DefaultValue("30m") Duration waitTimeout,
        String apiToken,
        @Min(1024) @DefaultValue("65536") int maxRequestBytes,
        @NotNull @DefaultValue("bf16") Precision precision,
        @NotNull @DefaultValue({"coordinator", "sampler"}) java.util.Set<Role> roles,
        String samplerId,
        @Min(1) @DefaultValue("16") int workSamples,
        @Min(1) @DefaultValue("8") int samplerPollItems,
        @NotNull @DefaultValue("60s") Duration samplerRetryAfter) {

    /** What a generator process does. */
    public enum Role { COORDINATOR, SAMPLER }

    public GeneratorProperties {
        if (samplerId == null || samplerId.isBlank()) {
            String host = System.getenv("HOSTNAME");
            samplerId = host != null && !host.isBlank() ? host : "sampler-" + ProcessHandle.current().pid();
        }
    }

    @Override
    public String toString() { // the token stays out of logs and actuator output
        return "GeneratorProperties[state=" + state + ", dataRoots=" + dataRoots + ", device=" + device + ", samplingBatch=" + samplingBatch
                + ", waitTimeout=" + waitTimeout + ", apiToken=" + (apiToken == null || apiToken.isBlank() ? "(generated)" : "****")
                + ", maxRequestBytes=" + maxRequestBytes + ", precision=" + precision + ", roles=" + roles + ", samplerId=" + samplerId
                + ", workSamples=" + workSamples + ", samplerPollItems=" + samplerPollItems + ", samplerRetryAfter="
                + samplerRetryAfter + "]";
    }
}
