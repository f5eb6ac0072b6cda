package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.common.json.Jsonl;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;
import tools.jackson.databind.JsonNode;

/**
 * Each family against an independent PyTorch implementation that follows Hugging Face's modeling code
 * ({@code src/test/resources/reference/torch_reference.py}, Debian's python3-torch): the same checkpoint gives
 * the same logits for a right-padded batch, the same logits token by token through the KV cache, and the same
 * loss. Also: a saved and reloaded checkpoint gives identical logits. Skips only where python3-torch is absent.
 */
class TorchParityIT {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final List<int[]> ROWS = List.of(
            new int[] {5, 17, 3, 42, 8, 60, 1, 33, 2, 9, 14, 27},
            new int[] {7, 7, 19, 50, 4, 0, 11},
            new int[] {58, 3, 21, 6, 39, 12, 30, 45, 1});
    private static final int CACHE_STEPS = 4;
    private static final double TOLERANCE = 1e-4;

    @TempDir
    static Path dir;

    @BeforeAll
    static void needsTorch() throws Exception {
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "python3-torch is not installed (./leti setup installs it)");
    }

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("llama", TinyModels.llama()), Arguments.of("qwen2", TinyModels.qwen2()),
                Arguments.of("gpt2", TinyModels.gpt2()), Arguments.of("codegen", TinyModels.codegen()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void matchesPyTorchAndReloadsIdentically(String name, ModelConfig config) throws Exception {
        Path checkpoint = dir.resolve(name);
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 7);
             NDManager step = NDManager.newBaseManager(Device.cpu())) {
            model.save(checkpoint);
            float[] logits = batchLogits(model, step);

            try (CausalLm reloaded = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32)) {
                assertThat(batchLogits(reloaded, step)).as("logits after save and load").containsExactly(logits);
            }

            JsonNode reference = runReference(checkpoint);
            int maxLength = ROWS.stream().mapToInt(row -> row.length).max().orElseThrow();
            int vocab = config.vocabSize();
            double worst = 0;
            for (int b = 0; b < ROWS.size(); b++) {
                for (int t = 0; t < ROWS.get(b).length; t++) {
                    JsonNode expected = reference.get("logits").get(b).get(t);
                    for (int v = 0; v < vocab; v++) {
                        worst = Math.max(worst, Math.abs(expected.get(v).asDouble() - logits[(b * maxLength + t) * vocab + v]));
                    }
                }
            }
            assertThat(worst).as("max |logit difference| over real positions of the padded batch").isLessThan(TOLERANCE);

            List<float[]> cached = cachedLogits(model, step);
            double worstCached = 0;
            for (int s = 0; s < CACHE_STEPS; s++) {
                JsonNode expected = reference.get("cached_logits").get(s);
                for (int v = 0; v < vocab; v++) {
                    worstCached = Math.max(worstCached, Math.abs(expected.get(v).asDouble() - cached.get(s)[v]));
                }
            }
            assertThat(worstCached).as("max |logit difference| token by token with the KV cache").isLessThan(TOLERANCE);

            double loss = batchLoss(model, step);
            assertThat(loss).as("padded-batch loss").isCloseTo(reference.get("loss").asDouble(),
                    org.assertj.core.data.Offset.offset(TOLERANCE));
        }
    }

    private static NDArray[] paddedBatch(NDManager manager) {
        int maxLength = ROWS.stream().mapToInt(row -> row.length).max().orElseThrow();
        long[] tokens = new long[ROWS.size() * maxLength];
        long[] positions = new long[tokens.length];
        float[] mask = new float[tokens.length];
        for (int b = 0; b < ROWS.size(); b++) {
            for (int t = 0; t < maxLength; t++) {
                positions[b * maxLength + t] = t;
                if (t < ROWS.get(b).length) {
                    tokens[b * maxLength + t] = ROWS.get(b)[t];
                    mask[b * maxLength + t] = 1;
                }
            }
        }
        Shape shape = new Shape(ROWS.size(), maxLength);
        return new NDArray[] {manager.create(tokens, shape), manager.create(positions, shape), manager.create(mask, shape)};
    }

    private static float[] batchLogits(CausalLm model, NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray[] batch = paddedBatch(manager);
            return model.forward(batch[0], batch[1], null, null).toFloatArray();
        }
    }

    private static double batchLoss(CausalLm model, NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray[] batch = paddedBatch(manager);
            return Ops.causalLmLoss(model.forward(batch[0], batch[1], null, null), batch[0], batch[2]).getFloat();
        }
    }

    private static List<float[]> cachedLogits(CausalLm model, NDManager parent) {
        int[] row = ROWS.get(0);
        int prefill = row.length - CACHE_STEPS;
        List<float[]> steps = new ArrayList<>();
        try (NDManager manager = parent.newSubManager(); KvCache cache = model.newCache(manager, 1, row.length)) {
            long[] prompt = new long[prefill];
            long[] positions = new long[prefill];
            for (int t = 0; t < prefill; t++) {
                prompt[t] = row[t];
                positions[t] = t;
            }
            model.forward(manager.create(prompt, new Shape(1, prefill)), manager.create(positions, new Shape(1, prefill)),
                    null, cache);
            for (int t = prefill; t < row.length; t++) {
                NDArray logits = model.forward(manager.create(new long[] {row[t]}, new Shape(1, 1)),
                        manager.create(new long[] {t}, new Shape(1, 1)), null, cache);
                steps.add(logits.toFloatArray());
            }
        }
        return steps;
    }

    private static JsonNode runReference(Path checkpoint) throws IOException, InterruptedException {
        Path script = dir.resolve("torch_reference.py");
        if (!Files.exists(script)) {
            try (InputStream resource = TorchParityIT.class.getResourceAsStream("/reference/torch_reference.py")) {
                Files.copy(resource, script);
            }
        }
        Path input = checkpoint.resolve("input.json");
        Path output = checkpoint.resolve("output.json");
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("tokens", ROWS);
        request.put("cache_steps", CACHE_STEPS);
        Files.writeString(input, Jsonl.MAPPER.writeValueAsString(request));
        Process process = new ProcessBuilder(PYTHON.toString(), script.toString(), "--model", checkpoint.toString(),
                "--input", input.toString(), "--output", output.toString()).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        return Jsonl.MAPPER.readTree(Files.readString(output));
    }
}
