package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.runs.RunStage;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;
import ai.leti.model.nn.Precision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.node.ObjectNode;

/** A run that ends early (here: its model does not load) withdraws its queued sampling work, after its stage is saved. */
class RunWithdrawalTest {

    @TempDir
    Path dir;

    @Test
    void aFailedRunWithdrawsItsQueuedWork() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(data.resolve("model"));
        Files.writeString(data.resolve("model").resolve("config.json"), "{\"model_type\": \"no-such-family\"}");
        Files.writeString(data.resolve("model").resolve("tokenizer.json"), "{}");
        Files.writeString(data.resolve("tasks.jsonl"), "{\"task_id\": 7, \"text\": \"Double it.\", \"code\":"
                + " \"def g(x):\\n    return 2 * x\\n\", \"test_list\": [\"assert g(2) == 4\"]}\n");
        RecordingSink sink = new RecordingSink();
        GeneratorProperties properties = new GeneratorProperties(dir.resolve("state"), List.of(data), "cpu", 4, List.of(),
                Duration.ofMinutes(1), "token-0123456789abcdef", 65536, Precision.F32,
                Set.of(GeneratorProperties.Role.COORDINATOR), "unused", 16, 8, Duration.ofSeconds(60));
        ObjectNode json = (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(Path.of("..", "presets", "mbpp-paper.json")));
        json.put("model", data.resolve("model").toString()).put("taskFile", data.resolve("tasks.jsonl").toString())
                .put("evaluationFile", data.resolve("tasks.jsonl").toString()).put("split", "all").put("evaluationSplit", "all");
        long before = System.currentTimeMillis();
        try (RunRegistry runs = new RunRegistry(sink, new CheckpointFetcher(), properties,
                new GeneratorMetrics(new SimpleMeterRegistry()))) {
            LetiRun run = runs.create(Jsonl.MAPPER.treeToValue(json, RunRequest.class));
            runs.start(run.id());
            await().atMost(Duration.ofMinutes(1)).until(() -> !sink.withdrawals.isEmpty());
            assertThat(run.status().stage()).isEqualTo(RunStage.FAILED);
            assertThat(sink.withdrawals).singleElement().satisfies(withdrawal -> {
                assertThat(withdrawal.runId()).isEqualTo(run.id());
                assertThat(withdrawal.withdrawnAt()).isGreaterThanOrEqualTo(before);
                assertThat(withdrawal.reason()).startsWith("run " + run.id() + " failed: ");
            });
        }
    }
}
