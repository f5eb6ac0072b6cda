package ai.leti.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./leti bench model}: training and KV-cached sampling throughput of this project's model against PyTorch
 * eager on the same shape, batch and CPU, side by side in one run. PyTorch is run in float32 and under BF16
 * autocast, each under both thread settings that matter on these machines, and its fastest result is kept for
 * each figure; this project's training runs in float32 and on its BF16 kernels, and its faster is kept. The sampling
 * ratio is then measured again in pairs, PyTorch's fastest setting and right after it this project's faster path, and
 * the pairs' median ratio is the figure: on a shared machine throughput drifts over minutes, and a pair's two
 * measurements drift together.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Benchmarks training and sampling against PyTorch eager (Debian's python3-torch).")
public final class ModelBenchCommand implements Callable<Integer> {

    @Option(names = "--python", defaultValue = "/usr/bin/python3")
    Path python;

    @Option(names = "--train-steps", defaultValue = "20")
    int trainSteps;

    @Option(names = "--warmup-steps", defaultValue = "3")
    int warmupSteps;

    @Option(names = "--sample-rounds", defaultValue = "3")
    int sampleRounds;

    @Option(names = "--sampling-pairs", defaultValue = "3",
            description = "Side-by-side sampling measurements, PyTorch's fastest setting then this project's, whose ratios' "
                    + "median is the sampling ratio (default: ${DEFAULT-VALUE}).")
    int samplingPairs;

    @Option(names = "--memory-steps", defaultValue = "500", description = "Steps of the resident-memory check (default: ${DEFAULT-VALUE}).")
    int memorySteps;

    @Option(names = "--pytorch", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the PyTorch baseline (--no-pytorch: this project's figures only, for quick iterations).")
    boolean pytorch;

    private static final int VOCAB = 512;
    private static final int TRAIN_BATCH = 16;
    private static final int TRAIN_SEQUENCE = 256;
    private static final int SAMPLE_BATCH = 32;
    private static final int PROMPT = 16;
    private static final int NEW_TOKENS = 128;

    @Override
    public Integer call() throws Exception {
        System.out.printf("bench model: llama-style, 6 layers, hidden 256, 8 heads, SwiGLU 688, vocab %d, float32, CPU%n", VOCAB);
        System.out.printf("training: batch %d x %d tokens, AdamW, clipping; sampling: batch %d, prompt %d, %d new tokens, "
                + "temperature 1%n%n", TRAIN_BATCH, TRAIN_SEQUENCE, SAMPLE_BATCH, PROMPT, NEW_TOKENS);
        Map<TorchSetting, JsonNode> torch = new LinkedHashMap<>();
        if (pytorch) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (Map<String, String> threads : List.of(Map.of("OMP_NUM_THREADS", "2"),
                        Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "2"))) {
                    torch.put(new TorchSetting(bf16, threads), runTorch(threads, bf16, false));
                }
            }
        }
        double torchTraining = 0;
        double torchSampling = 0;
        TorchSetting torchSampler = null;
        for (Map.Entry<TorchSetting, JsonNode> entry : torch.entrySet()) {
            JsonNode result = entry.getValue();
            System.out.printf("pytorch %s (%s, %d threads): training %.0f tokens/s, sampling %.0f tokens/s "
                    + "(preallocated cache %.0f, concatenated cache %.0f)%n", entry.getKey(), result.path("torch").asString(),
                    result.path("threads").asInt(), result.path("training_tokens_per_second").asDouble(),
                    result.path("sampling_tokens_per_second").asDouble(),
                    result.path("sampling_preallocated_tokens_per_second").asDouble(),
                    result.path("sampling_concat_tokens_per_second").asDouble());
            torchTraining = Math.max(torchTraining, result.path("training_tokens_per_second").asDouble());
            if (result.path("sampling_tokens_per_second").asDouble() > torchSampling) {
                torchSampling = result.path("sampling_tokens_per_second").asDouble();
                torchSampler = entry.getKey();
            }
        }

        ModelConfig config = config();
        double training;
        double uncached;
        double trainingF32;
        double trainingBf16;
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 0)) {
            trainingF32 = trainingThroughput(model, Precision.F32);
            System.out.printf("leti training, float32: %.0f tokens/s%n", trainingF32);
        }
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 0)) {
            trainingBf16 = trainingThroughput(model, Precision.BF16);
            System.out.printf("leti training, BF16 kernels: %.0f tokens/s%n", trainingBf16);
        }
        training = Math.max(trainingF32, trainingBf16);
        double samplingF32;
        double samplingBf16;
        Precision leti;
        List<double[]> pairs = new ArrayList<>();
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 0)) {
            samplingF32 = samplingThroughput(model, true, sampleRounds, NEW_TOKENS, Precision.F32);
            System.out.printf("leti sampling with the KV cache, float32: %.0f tokens/s%n", samplingF32);
            samplingBf16 = samplingThroughput(model, true, sampleRounds, NEW_TOKENS, Precision.BF16);
            System.out.printf("leti sampling with the KV cache, BF16 kernel: %.0f tokens/s%n", samplingBf16);
            leti = samplingBf16 > samplingF32 ? Precision.BF16 : Precision.F32;
            // without a cache a full warm-up round would take half a minute
            uncached = samplingThroughput(model, false, 1, 8, Precision.F32);
            System.out.printf("leti sampling without a cache, float32: %.0f tokens/s (cache speed-up %.1fx)%n", uncached,
                    samplingF32 / uncached);
            if (torchSampler != null) {
                System.out.printf("%nsampling side by side, %d pairs of PyTorch %s then leti %s, each its fastest of %d rounds:%n",
                        samplingPairs, torchSampler, leti, sampleRounds);
                for (int pair = 1; pair <= samplingPairs; pair++) {
                    double theirs = runTorch(torchSampler.threads(), torchSampler.bf16(), true)
                            .path("sampling_tokens_per_second").asDouble();
                    double ours = samplingThroughput(model, true, sampleRounds, NEW_TOKENS, leti);
                    pairs.add(new double[] {theirs, ours, ours / theirs});
                    System.out.printf("pair %d: pytorch %.0f tokens/s, leti %.0f tokens/s, ratio %.2f%n", pair, theirs, ours,
                            ours / theirs);
                }
            }
        }
        long[] memory = residentMemory();
        System.out.printf("resident memory over %d training steps (batch 4 x 64): %d MiB after step 50, %d MiB after step %d%n",
                memorySteps, memory[0] >> 20, memory[1] >> 20, memorySteps);
        System.out.println();
        System.out.printf("pytorch training tokens/s: %.0f%n", torchTraining);
        System.out.printf("leti training tokens/s: %.0f%n", training);
        if (pairs.isEmpty()) {
            System.out.printf("leti sampling tokens/s: %.0f%n", Math.max(samplingF32, samplingBf16));
        } else {
            System.out.printf("pytorch sampling tokens/s: %.0f (median of the pairs)%n", median(pairs, 0));
            System.out.printf("leti sampling tokens/s: %.0f (median of the pairs)%n", median(pairs, 1));
        }
        if (torchTraining > 0) {
            System.out.printf("training ratio: %.2f%n", training / torchTraining);
        }
        if (!pairs.isEmpty()) {
            System.out.printf("sampling ratio: %.2f (median of the pairs' ratios)%n", median(pairs, 2));
        }
        return 0;
    }

    /** A PyTorch baseline setting: precision and the thread variables it runs under. */
    private record TorchSetting(boolean bf16, Map<String, String> threads) {
        @Override
        public String toString() {
            return (bf16 ? "BF16 autocast" : "float32") + ", " + String.join(" ", threads.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(entry -> entry.getKey() + "=" + entry.getValue()).toList());
        }
    }

    private static double median(List<double[]> pairs, int column) {
        double[] values = pairs.stream().mapToDouble(pair -> pair[column]).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    static ModelConfig config() {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        json.put("model_type", "llama");
        json.put("vocab_size", VOCAB);
        json.put("hidden_size", 256);
        json.put("intermediate_size", 688);
        json.put("num_hidden_layers", 6);
        json.put("num_attention_heads", 8);
        json.put("num_key_value_heads", 8);
        json.put("rms_norm_eps", 1e-5);
        json.put("max_position_embeddings", 512);
        return ModelConfig.parse(json, "bench config");
    }

    private static List<int[]> randomSequences(Random random, int count, int length) {
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] sequence = new int[length];
            for (int t = 0; t < length; t++) {
                sequence[t] = random.nextInt(VOCAB);
            }
            sequences.add(sequence);
        }
        return sequences;
    }

    private double trainingThroughput(CausalLm model, Precision precision) {
        Random random = new Random(0);
        TrainingSettings settings = new TrainingSettings(LearningRateSchedule.constant(1e-3), 0.01, TRAIN_BATCH, 1, 1.0, 0);
        try (LmTrainer trainer = new LmTrainer(model, settings)) {
            trainer.precision(precision);
            for (int i = 0; i < warmupSteps; i++) {
                trainer.train(randomSequences(random, TRAIN_BATCH, TRAIN_SEQUENCE));
            }
            List<List<int[]>> batches = new ArrayList<>();
            for (int i = 0; i < trainSteps; i++) {
                batches.add(randomSequences(random, TRAIN_BATCH, TRAIN_SEQUENCE));
            }
            long started = System.nanoTime();
            for (List<int[]> batch : batches) {
                trainer.train(batch);
            }
            return (double) TRAIN_BATCH * TRAIN_SEQUENCE * trainSteps / ((System.nanoTime() - started) / 1e9);
        }
    }

    /**
     * A warm-up round of {@code warmUpTokens} new tokens (the PyTorch side warms up with a full round), then the fastest
     * of {@code rounds} timed rounds, as the PyTorch side measures: on a shared machine the slow rounds measure the
     * neighbours, not the code.
     */
    private static double samplingThroughput(CausalLm model, boolean cache, int rounds, int warmUpTokens, Precision precision) {
        try (Precision.Scope scope = Precision.use(precision); Sampler sampler = new Sampler(model, -1)) {
            List<int[]> prompts = randomSequences(new Random(1), SAMPLE_BATCH, PROMPT);
            SamplingSettings settings = new SamplingSettings(1.0, 1.0, NEW_TOKENS, 7, cache);
            sampler.generate(prompts, new SamplingSettings(1.0, 1.0, warmUpTokens, 7, cache), null, completion -> { });
            double best = 0;
            for (int round = 0; round < rounds; round++) {
                long started = System.nanoTime();
                sampler.generate(prompts, settings, null, completion -> { });
                best = Math.max(best, (double) SAMPLE_BATCH * NEW_TOKENS / ((System.nanoTime() - started) / 1e9));
            }
            return best;
        }
    }

    /** Resident set size after step 50 and after the last step of a long run of small training steps. */
    private long[] residentMemory() throws IOException {
        Random random = new Random(3);
        long[] memory = new long[2];
        TrainingSettings settings = new TrainingSettings(LearningRateSchedule.constant(1e-4), 0.01, 4, 1, 1.0, 0);
        try (CausalLm model = Models.random(config(), Device.cpu(), DataType.FLOAT32, 1);
             LmTrainer trainer = new LmTrainer(model, settings)) {
            for (int step = 1; step <= memorySteps; step++) {
                trainer.train(randomSequences(random, 4, 64));
                if (step == Math.min(50, memorySteps)) {
                    memory[0] = rss();
                }
            }
        }
        memory[1] = rss();
        return memory;
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return 0;
    }

    private JsonNode runTorch(Map<String, String> threads, boolean bf16, boolean samplingOnly)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("leti-bench-torch-");
        Path script = dir.resolve("torch_bench.py");
        try (InputStream resource = getClass().getResourceAsStream("/bench/torch_bench.py")) {
            Files.copy(resource, script);
        }
        List<String> command = new ArrayList<>(List.of(python.toString(), script.toString(),
                "--train-steps", Integer.toString(trainSteps), "--warmup-steps", Integer.toString(warmupSteps),
                "--sample-rounds", Integer.toString(sampleRounds)));
        if (bf16) {
            command.add("--bf16");
        }
        if (samplingOnly) {
            command.add("--skip-training");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().remove("OMP_NUM_THREADS");
        builder.environment().remove("OPENBLAS_NUM_THREADS");
        builder.environment().putAll(threads);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("the PyTorch baseline failed (is python3-torch installed? ./leti setup)");
        }
        Files.deleteIfExists(script);
        Files.deleteIfExists(dir);
        return Jsonl.MAPPER.readTree(output.strip().lines().reduce((a, b) -> b).orElseThrow());
    }
}
