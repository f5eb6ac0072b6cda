package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.node.ObjectNode;

/** An announced checkpoint to a loaded model: a corrupt one is refused and the run waits for it to be announced again. */
class CheckpointSwapTest {

    @TempDir
    Path dir;

    /** A real (tiny, random) checkpoint as the trainer publishes one. */
    private Path checkpoint() throws Exception {
        Path source = dir.resolve("trainer/run/iteration-1");
        BpeTrainer.train(List.of("def add(a, b):\n    return a + b\n", "print('hello')\n"), 300,
                List.of(LetiTokenizer.END_OF_TEXT), source.resolve(LetiTokenizer.FILE));
        ObjectNode config = Jsonl.MAPPER.createObjectNode();
        config.put("model_type", "llama").put("vocab_size", 304).put("hidden_size", 16).put("intermediate_size", 32)
                .put("num_hidden_layers", 1).put("num_attention_heads", 2).put("max_position_embeddings", 64);
        try (CausalLm model = Models.random(ModelConfig.parse(config, "test"), Device.cpu(), DataType.FLOAT32, 3)) {
            model.save(source);
        }
        return source;
    }

    private static Map<String, String> digests(Path source) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> listing = Files.list(source)) {
            for (Path file : listing.toList()) {
                files.put(file.getFileName().toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            }
        }
        return files;
    }

    @Test
    void aCorruptCheckpointIsRefusedAndTheReannouncedOneLoaded() throws Exception {
        Path source = checkpoint();
        Map<String, String> honest = digests(source);
        Map<String, String> wrong = new TreeMap<>(honest);
        wrong.put("config.json", "0".repeat(64));
        GeneratorProperties properties = new GeneratorProperties(dir.resolve("state"), List.of(dir), "cpu", 8, List.of(),
                Duration.ofSeconds(30), null, 65536, Precision.F32,
                java.util.Set.of(GeneratorProperties.Role.COORDINATOR, GeneratorProperties.Role.SAMPLER), "sampler-test", 16, 8,
                Duration.ofSeconds(60));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RunInbox inbox = new RunInbox(Duration.ofSeconds(30));
        List<String> problems = new ArrayList<>();
        CheckpointSwap swap = new CheckpointSwap("run", inbox, new CheckpointFetcher(), properties,
                new GeneratorMetrics(registry), problems::add);

        inbox.deliver(new CheckpointAnnouncement("run", 1, source.toUri().toString(), wrong, 1, 0.5, 4, 1.0, null));
        CompletableFuture<CheckpointSwap.Received> received = CompletableFuture.supplyAsync(() -> {
            try {
                return swap.receive(1, "the base model");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (problems.isEmpty()) {
            assertThat(received).as("a corrupt checkpoint is never loaded").isNotDone();
            Thread.sleep(20);
        }
        assertThat(problems.get(0)).contains("refused checkpoint of iteration 1", "config.json", "keeping the base model");
        assertThat(received).as("it waits for the checkpoint to be announced again").isNotDone();

        inbox.deliver(new CheckpointAnnouncement("run", 1, source.toUri().toString(), honest, 1, 0.5, 4, 1.0, null));
        try (var model = received.get(60, TimeUnit.SECONDS).model()) {
            assertThat(model.iteration()).isEqualTo(1);
            assertThat(model.model().config().vocabSize()).isGreaterThanOrEqualTo(model.tokenizer().size());
        }
        assertThat(registry.get(GeneratorMetrics.REFUSED_CHECKPOINTS).counter().count()).isEqualTo(1.0);
        assertThat(dir.resolve("state/run/iteration-1/config.json")).exists();
    }
}
