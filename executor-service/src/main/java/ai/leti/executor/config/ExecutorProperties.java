package ai.leti.executor.config;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code leti.executor.*}: this instance's place in the fleet.
 *
 * @param instanceId  names this instance in every result it publishes (the pod name in Kubernetes)
 * @param concurrency Kafka listener threads; each runs one program at a time. 0 (default): one per sandbox worker,
 *                    spares included ({@link ai.leti.sandbox.SandboxPool#callers()}), so every lane stays
 *                    busy while a slow program finishes in a spare
 * @param partitions  partitions of the candidates topic when this service creates it: the most executor threads
 *                    the whole fleet can use at once
 * @param recentVerdicts how many verdicts this instance keeps to answer a repeated program (same task, program,
 *                    tests and limit) without running it again ({@link ai.leti.executor.verdict.RecentVerdicts}); 0
 *                    runs every candidate
 */
@Validated
@ConfigurationProperties("leti.executor")
public record ExecutorProperties(
        @NotBlank String instanceId,
        @Min(0) @DefaultValue("0") int concurrency,
        @Min(1) @DefaultValue("12") int partitions,
        @Min(0) @DefaultValue("4096") int recentVerdicts) {
}
