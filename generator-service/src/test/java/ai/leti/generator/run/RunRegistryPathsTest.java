package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;
import ai.leti.model.nn.Precision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run may name only files under the generator's data roots or its state directory, and no refusal quotes a file:
 * the attacks of the issue that found this (a root-only file, {@code /proc/self/environ}), a climb out with
 * {@code ..}, a symbolic link inside a root, and a readable file inside a root that is not a task file.
 */
class RunRegistryPathsTest {

    private static final String SECRET = "secret-token-4f1d";

    @TempDir
    Path dir;
    Path data;
    RunRegistry runs;

    @BeforeEach
    void registry() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("outside.jsonl"), SECRET + "\n");
        Path base = Files.createDirectories(data.resolve("base"));
        Files.writeString(base.resolve("config.json"), "{}");
        Files.writeString(base.resolve("tokenizer.json"), "{}");
        Files.writeString(data.resolve("train.jsonl"), "{\"task_id\": 1, \"text\": \"Add one.\", \"code\":"
                + " \"def f(x):\\n    return x + 1\\n\", \"test_list\": [\"assert f(1) == 2\"]}\n");
        GeneratorProperties properties = new GeneratorProperties(dir.resolve("state"), List.of(data), "cpu", 4, List.of(),
                Duration.ofMinutes(1), "token-0123456789abcdef", 65536, Precision.F32,
                java.util.Set.of(GeneratorProperties.Role.COORDINATOR, GeneratorProperties.Role.SAMPLER), "sampler-test", 16, 8,
                Duration.ofSeconds(60));
        runs = new RunRegistry(new RecordingSink(), new CheckpointFetcher(), properties, new GeneratorMetrics(new SimpleMeterRegistry()));
    }

    private RunRequest request(Consumer<ObjectNode> change) throws Exception {
        ObjectNode json = (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(Path.of("..", "presets", "mbpp-paper.json")));
        json.put("model", data.resolve("base").toString()).put("taskFile", data.resolve("train.jsonl").toString())
                .put("evaluationFile", data.resolve("heldout.jsonl").toString()).put("split", "all");
        change.accept(json);
        return Jsonl.MAPPER.treeToValue(json, RunRequest.class);
    }

    @Test
    void refusesEveryPathOutsideTheRootsNamingTheFieldAndQuotingNothing() throws Exception {
        Files.createSymbolicLink(data.resolve("link.jsonl"), dir.resolve("outside.jsonl"));
        String[][] attacks = {
            {"taskFile", "/etc/shadow"},
            {"taskFile", "/proc/self/environ"},
            {"taskFile", dir.resolve("outside.jsonl").toString()},
            {"taskFile", data + "/../outside.jsonl"},
            {"taskFile", data.resolve("link.jsonl").toString()},
            {"taskFile", "data/train.jsonl"},
            {"evaluationFile", "/proc/self/environ"},
            {"model", "/etc"},
            {"model", data + "/../.."}};
        for (String[] attack : attacks) {
            assertThatThrownBy(() -> runs.create(request(json -> json.put(attack[0], attack[1]))))
                    .as(attack[0] + " = " + attack[1]).isInstanceOf(RunRegistry.InvalidRunException.class)
                    .hasMessageStartingWith(attack[0] + ": ").hasMessageNotContaining(SECRET)
                    .hasMessageMatching(".*(outside the directories this service reads: " + data + "|is not an absolute path).*")
                    .satisfies(e -> assertThat(((RunRegistry.InvalidRunException) e).field()).isEqualTo(attack[0]));
        }
    }

    @Test
    void aFileInsideTheRootsThatIsNoTaskFileIsRefusedWithoutItsContent() throws Exception {
        Files.writeString(data.resolve("train.jsonl"), SECRET + "\n");
        Files.writeString(data.resolve("typo.jsonl"), "{\"task_id\": \"" + SECRET + "\", \"text\": 1}\n");

        assertThatThrownBy(() -> runs.create(request(json -> { })))
                .hasMessage("taskFile: " + data.resolve("train.jsonl") + " line 1 is not a task of a known format (MBPP,"
                        + " HumanEval, EAE); the generator's log has the reason");
        assertThatThrownBy(() -> runs.create(request(json -> json.put("taskFile", data.resolve("typo.jsonl").toString()))))
                .hasMessage("taskFile: " + data.resolve("typo.jsonl") + " line 1 is not a task of a known format (MBPP,"
                        + " HumanEval, EAE); the generator's log has the reason").hasMessageNotContaining(SECRET);
    }
}
