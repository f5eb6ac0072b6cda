package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.model.nn.WeightedModel;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.model.weights.DType;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loading holds one copy of the weights in the compute dtype plus one shard in flight, and nothing on the Java
 * heap: a BF16 checkpoint in two shards (~100 MB) loads as ~200 MB of float32 in a child JVM whose heap is capped
 * at 64 MB, and that process's peak resident size grows by no more than the weights and one shard.
 */
class LoadMemoryIT {

    @TempDir
    Path dir;

    /** A Qwen2-shaped model of ~50M parameters: 8 layers, hidden 512, a 32k vocabulary. */
    private static ModelConfig config() {
        return ModelConfig.parse((ObjectNode) Jsonl.MAPPER.readTree("{\"model_type\": \"qwen2\", \"vocab_size\": 32000,"
                + " \"hidden_size\": 512, \"intermediate_size\": 2816, \"num_hidden_layers\": 8, \"num_attention_heads\": 8,"
                + " \"num_key_value_heads\": 2, \"max_position_embeddings\": 512, \"tie_word_embeddings\": false}"), "test");
    }

    @Test
    void loadsWithOneCopyOfTheWeightsAndNoHeapCopy() throws Exception {
        Path checkpoint = dir.resolve("checkpoint");
        long weightBytes;
        try (CausalLm model = Models.random(config(), Device.cpu(), DataType.FLOAT32, 1)) {
            weightBytes = model.parameters().values().stream().mapToLong(NDArray::size).sum() * 4;
            ((WeightedModel) model).save(checkpoint, DType.BF16, 80_000_000);
        }
        long largestShard;
        try (Stream<Path> files = Files.list(checkpoint)) {
            List<Path> shards = files.filter(file -> CheckpointFiles.SHARD.matcher(file.getFileName().toString()).matches())
                    .toList();
            assertThat(shards).hasSizeGreaterThanOrEqualTo(2);
            largestShard = shards.stream().mapToLong(file -> file.toFile().length()).max().orElseThrow();
        }
        assertThat(weightBytes).as("the float32 weights are more than three times the heap cap").isGreaterThan(3 * (64L << 20));

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), LoadProbe.class.getName(),
                checkpoint.toString()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        String last = output.lines().filter(line -> line.startsWith("rss ")).reduce((a, b) -> b).orElseThrow(() ->
                new AssertionError(output));
        String[] fields = last.split(" ");
        long before = Long.parseLong(fields[1]);
        long peak = Long.parseLong(fields[2]);
        long loaded = Long.parseLong(fields[3]);
        System.out.printf("weights %d bytes, largest shard %d, peak resident growth while loading %d%n", weightBytes,
                largestShard, peak - before);
        assertThat(loaded).isEqualTo(weightBytes);
        assertThat(peak - before).as("peak resident growth while loading %d bytes of weights (largest shard %d)",
                weightBytes, largestShard).isLessThanOrEqualTo(weightBytes + largestShard);
    }

    /** Loads a checkpoint and prints "rss BEFORE PEAK WEIGHT_BYTES" (bytes): the child process of the test above. */
    public static final class LoadProbe {

        public static void main(String[] args) throws IOException {
            Models.random(ModelConfig.parse((ObjectNode) Jsonl.MAPPER.readTree("{\"model_type\": \"llama\", \"vocab_size\": 8,"
                    + " \"hidden_size\": 8, \"intermediate_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}"),
                    "warm-up"), Device.cpu(), DataType.FLOAT32, 0).close(); // the engine and its libraries, loaded first
            long before = peak();
            try (CausalLm model = Models.load(Path.of(args[0]), Device.cpu(), DataType.FLOAT32)) {
                long bytes = model.parameters().values().stream()
                        .mapToLong(array -> array.size() * array.getDataType().getNumOfBytes()).sum();
                System.out.println("rss " + before + " " + peak() + " " + bytes);
            }
        }

        private static long peak() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("no VmHWM in /proc/self/status");
        }
    }
}
