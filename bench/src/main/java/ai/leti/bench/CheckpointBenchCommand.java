package ai.leti.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.nn.WeightedModel;
import ai.leti.model.sampling.Completion;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;
import ai.leti.model.weights.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./leti bench checkpoint}: a checkpoint of real size, end to end. It writes a random checkpoint at a real
 * model's config (Qwen2.5-Coder-0.5B by default: BF16, in two shards, with a real tokenizer), then, each in a
 * fresh process so each peak resident size is its own, loads it, samples with the KV cache, runs training steps,
 * saves it, and loads the saved copy again, which must give identical logits. Load time, peak resident memory
 * (against the bytes of one float32 copy of the weights) and step time are printed and kept in
 * {@code DIR/figures.json}.
 */
@Command(name = "checkpoint", mixinStandardHelpOptions = true,
        description = "Loads, samples, trains, saves and reloads a random checkpoint of real size, measuring each step.")
public final class CheckpointBenchCommand implements Callable<Integer> {

    @Option(names = "--config", defaultValue = "qwen2.5-coder-0.5b",
            description = "A built-in config (qwen2.5-coder-0.5b, codegen-350M-mono) or a config.json path (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--tokenizer", required = true,
            description = "Directory with the model family's real tokenizer.json (and tokenizer_config.json).")
    Path tokenizer;

    @Option(names = "--dir", required = true, description = "Working directory (the checkpoints are written here).")
    Path dir;

    @Option(names = "--stored", defaultValue = "BF16", description = "Dtype of the random checkpoint (default: ${DEFAULT-VALUE}).")
    DType stored;

    @Option(names = "--max-shard-bytes", defaultValue = "600000000",
            description = "Shard size of the random checkpoint; 0.5B in BF16 (988 MB) makes two (default: ${DEFAULT-VALUE}).")
    long maxShardBytes;

    @Option(names = "--batch", defaultValue = "4", description = "Training sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--sequence", defaultValue = "256", description = "Tokens per training sequence (default: ${DEFAULT-VALUE}).")
    int sequence;

    @Option(names = "--steps", defaultValue = "2", description = "Training steps; the first includes allocation (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--new-tokens", defaultValue = "32", description = "Tokens sampled (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--phase", defaultValue = "all", description = "all, or one of make, measure, reload (run by all in child processes).")
    String phase;

    private static final String PROMPT = "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n";

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir);
        switch (phase) {
            case "make" -> make();
            case "measure" -> measure();
            case "reload" -> reload();
            case "all" -> {
                for (String step : List.of("make", "measure", "reload")) {
                    int exit = child(step);
                    if (exit != 0) {
                        System.err.println("bench checkpoint: phase " + step + " failed (exit " + exit + ")");
                        return exit;
                    }
                }
                System.out.println(Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(figures()));
            }
            default -> throw new IllegalArgumentException("--phase: " + phase + " is not all, make, measure or reload");
        }
        return 0;
    }

    /** Runs one phase in a fresh JVM started the way this one was. */
    private int child(String step) throws IOException, InterruptedException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> arguments = List.of(info.arguments().orElseThrow());
        int at = arguments.indexOf("checkpoint");
        if (at < 0) {
            throw new IllegalStateException("cannot find this command's name in " + arguments);
        }
        List<String> command = new ArrayList<>();
        command.add(info.command().orElseThrow());
        command.addAll(arguments.subList(0, at + 1));
        command.addAll(List.of("--config", config, "--tokenizer", tokenizer.toString(), "--dir", dir.toString(),
                "--stored", stored.name(), "--max-shard-bytes", Long.toString(maxShardBytes), "--batch",
                Integer.toString(batch), "--sequence", Integer.toString(sequence), "--steps", Integer.toString(steps),
                "--new-tokens", Integer.toString(newTokens), "--phase", step));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    private Path source() {
        return dir.resolve("random");
    }

    private Path saved() {
        return dir.resolve("saved");
    }

    /** A random checkpoint at the real config, stored as a real one is, with the real tokenizer beside it. */
    private void make() throws IOException {
        long started = System.nanoTime();
        try (LetiTokenizer real = LetiTokenizer.open(tokenizer)) {
            ModelConfig modelConfig = RealShapes.config(config);
            if (real.size() > modelConfig.vocabSize()) {
                throw new IllegalArgumentException("--tokenizer: " + real.size() + " tokens do not fit the config's vocab_size "
                        + modelConfig.vocabSize());
            }
            try (CausalLm model = Models.random(modelConfig, Device.cpu(), DataType.FLOAT32, 0)) {
                ((WeightedModel) model).save(source(), stored, maxShardBytes);
            }
            real.save(source());
        }
        record("make", Map.of("seconds", Measures.seconds(started), "files", Measures.files(source())));
    }

    /** Load, sample, train and save in one process: each step's peak resident size is measured as it ends. */
    private void measure() throws IOException {
        Map<String, Object> figures = new LinkedHashMap<>();
        long started = System.nanoTime();
        try (LetiTokenizer words = LetiTokenizer.open(source());
             CausalLm model = Models.load(source(), Device.cpu(), DataType.FLOAT32, words)) {
            figures.put("load_seconds", Measures.seconds(started));
            long weightBytes = model.parameters().values().stream()
                    .mapToLong(array -> array.size() * array.getDataType().getNumOfBytes()).sum();
            long parameters = model.parameters().values().stream().mapToLong(NDArray::size).sum();
            figures.put("parameters", parameters);
            figures.put("float32_weight_bytes", weightBytes);
            figures.put("peak_rss_after_load_bytes", Measures.peakResident());
            figures.put("java_heap_used_after_load_bytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());

            int[] prompt = words.encode(PROMPT);
            int[][] greedy = new int[2][];
            for (Precision precision : Precision.values()) {
                String prefix = precision == Precision.F32 ? "sample" : "sample_bf16";
                try (Precision.Scope scope = Precision.use(precision); Sampler sampler = new Sampler(model, -1)) {
                    // the first generate derives the decoder's weights (for BF16: folds and casts them); the second
                    // reuses them, as the generator does for every batch of a stage
                    for (String call : new String[] {"_first", ""}) {
                        long sampling = System.nanoTime();
                        sampler.generate(List.of(prompt), SamplingSettings.of(0, 1, newTokens, 0), null,
                                (Completion completion) -> greedy[precision.ordinal()] = completion.tokens());
                        double samplingSeconds = Measures.seconds(sampling);
                        figures.put(prefix + call + "_seconds", samplingSeconds);
                        figures.put(prefix + call + "_tokens_per_second", greedy[precision.ordinal()].length / samplingSeconds);
                    }
                }
                figures.put(prefix + "_tokens", greedy[precision.ordinal()].length);
                figures.put("peak_rss_after_" + prefix + "_bytes", Measures.peakResident());
            }
            // how long BF16's greedy choices follow float32's (random weights: near-flat logits, the hardest case)
            int same = 0;
            while (same < Math.min(greedy[0].length, greedy[1].length) && greedy[0][same] == greedy[1][same]) {
                same++;
            }
            figures.put("bf16_greedy_tokens_equal_to_float32", same);

            Measures.writeLogits(model, prompt, dir.resolve("logits.bin"));

            List<int[]> texts = RealShapes.trainingTexts(words, batch, sequence);
            List<Double> stepSeconds = new ArrayList<>();
            TrainingSettings settings = new TrainingSettings(LearningRateSchedule.constant(1e-5), 0.01, batch, 1, 1.0,
                    Math.max(0, words.endOfText()));
            try (LmTrainer trainer = new LmTrainer(model, settings)) {
                for (int step = 0; step < steps; step++) {
                    long stepStarted = System.nanoTime();
                    LmTrainer.StepResult result = trainer.train(texts);
                    stepSeconds.add(Measures.seconds(stepStarted));
                    System.out.printf("step %d: loss %.4f, %.1f s%n", result.step(), result.loss(), stepSeconds.get(step));
                }
                figures.put("train_batch", batch + " x " + sequence + " tokens");
                figures.put("train_step_seconds", stepSeconds);
                figures.put("peak_rss_after_training_bytes", Measures.peakResident());
                long saving = System.nanoTime();
                trainer.save(saved());
                words.save(saved());
                figures.put("save_seconds", Measures.seconds(saving));
            }
            Measures.writeLogits(model, prompt, dir.resolve("logits-trained.bin"));
        }
        figures.put("saved_files", Measures.files(saved()));
        figures.put("peak_rss_bytes", Measures.peakResident());
        record("measure", figures);
    }

    /**
     * The saved checkpoint in a fresh process. As Hugging Face tools load it, its weights are the trained ones
     * rounded to the checkpoint's dtype; with the optimizer's masters restored (as the trainer resumes), its logits
     * must be identical to the saving model's.
     */
    private void reload() throws IOException {
        long started = System.nanoTime();
        Map<String, Object> figures = new LinkedHashMap<>();
        float[] trained = Measures.readFloats(dir.resolve("logits-trained.bin"));
        try (LetiTokenizer words = LetiTokenizer.open(saved());
             CausalLm model = Models.load(saved(), Device.cpu(), DataType.FLOAT32, words)) {
            figures.put("load_seconds", Measures.seconds(started));
            figures.put("peak_rss_after_load_bytes", Measures.peakResident());
            int[] prompt = words.encode(PROMPT);
            Measures.writeLogits(model, prompt, dir.resolve("logits-reloaded.bin"));
            figures.put("checkpoint_dtype", model.checkpointDtype().name());
            figures.put("max_logit_difference_as_stored", Measures.worstDifference(trained, Measures.readFloats(dir.resolve("logits-reloaded.bin"))));
            try (LmTrainer trainer = new LmTrainer(model, new TrainingSettings(LearningRateSchedule.constant(1e-5), 0.01,
                    batch, 1, 1.0, 0))) {
                trainer.resume(saved());
            }
            Measures.writeLogits(model, prompt, dir.resolve("logits-resumed.bin"));
            figures.put("peak_rss_bytes", Measures.peakResident());
        }
        double worst = Measures.worstDifference(trained, Measures.readFloats(dir.resolve("logits-resumed.bin")));
        figures.put("max_logit_difference_with_masters", worst);
        record("reload", figures);
        if (worst != 0) {
            throw new IllegalStateException("the resumed checkpoint's logits differ from the saving model's by " + worst);
        }
    }

    private void record(String step, Map<String, Object> figures) throws IOException {
        ObjectNode all = figures();
        all.set(step, Jsonl.MAPPER.valueToTree(figures));
        Files.writeString(dir.resolve("figures.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(all));
        System.out.println(step + ": " + Jsonl.MAPPER.writeValueAsString(figures));
    }

    private ObjectNode figures() throws IOException {
        Path file = dir.resolve("figures.json");
        return Files.exists(file) ? (ObjectNode) Jsonl.MAPPER.readTree(Files.readString(file)) : Jsonl.MAPPER.createObjectNode();
    }
}
