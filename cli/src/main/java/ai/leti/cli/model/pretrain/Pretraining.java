package ai.leti.cli.model.pretrain;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.corpus.PythonCorpus;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;
import tools.jackson.databind.node.ObjectNode;

/**
 * Trains a small Llama-style code model from scratch on local Python source within a time budget: a byte-level
 * BPE tokenizer first, then causal-LM training on fixed-length windows, with held-out loss reported along the
 * way. The result is an ordinary checkpoint directory (config.json, model.safetensors, tokenizer.json).
 */
public final class Pretraining {

    /** What to build. */
    /**
     * @param steps         a fixed number of optimizer steps (the cosine schedule spans them); 0 = as many as fit in
     *                      {@code minutes}
     * @param buggyFraction for a task corpus, the fraction of training programs given a bug
     */
    public record Settings(Path corpus, Path tasks, Path out, double minutes, int steps, int vocabulary, int layers, int hidden,
            int heads, int sequence, int batch, double learningRate, double buggyFraction, long seed, long maxCorpusBytes) {
    }

    private static final int TOKENIZER_SAMPLE_BYTES = 3 << 20;
    private static final int HELD_OUT_WINDOWS = 48;

    private final Settings settings;
    private final PrintStream log;

    public Pretraining(Settings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
    }

    public Map<String, Object> run() throws Exception {
        long started = System.nanoTime();
        PythonCorpus corpus = settings.tasks() != null
                ? BuggyPrograms.fromTasks(settings.tasks(), settings.buggyFraction(), settings.seed())
                : PythonCorpus.read(settings.corpus(), settings.maxCorpusBytes());
        log.printf("corpus: %d training texts, %d held-out texts from %s%n", corpus.training().size(),
                corpus.heldOut().size(), settings.tasks() != null ? settings.tasks() : settings.corpus());
        Files.createDirectories(settings.out());
        List<String> sample = new ArrayList<>();
        long sampled = 0;
        for (String text : corpus.training()) {
            if (sampled > TOKENIZER_SAMPLE_BYTES) {
                break;
            }
            sample.add(text);
            sampled += text.length();
        }
        BpeTrainer.train(sample, settings.vocabulary(), List.of(LetiTokenizer.END_OF_TEXT),
                settings.out().resolve(LetiTokenizer.FILE));
        try (LetiTokenizer tokenizer = LetiTokenizer.open(settings.out())) {
            tokenizer.save(settings.out()); // with LETI's four tokens, which the model's vocabulary includes
            List<int[]> train = encode(tokenizer, corpus.training());
            List<int[]> heldOut = encode(tokenizer, corpus.heldOut());
            log.printf("tokenizer: %d tokens (%.1f s); training %,d tokens, held-out %,d%n", tokenizer.size(),
                    (System.nanoTime() - started) / 1e9, train.stream().mapToLong(ids -> ids.length).sum(),
                    heldOut.stream().mapToLong(ids -> ids.length).sum());
            ModelConfig config = config(tokenizer.size());
            Random random = new Random(settings.seed());
            // Whole texts are sequences of their own; source files are one stream cut into windows.
            int[] trainStream = corpus.wholeTexts() ? null : concatenate(train);
            java.util.function.Function<Integer, List<int[]>> batches = corpus.wholeTexts()
                    ? count -> pick(train, count, random)
                    : count -> windows(trainStream, count, random);
            List<int[]> heldOutWindows = corpus.wholeTexts()
                    ? heldOut.subList(0, Math.min(heldOut.size(), HELD_OUT_WINDOWS))
                    : windows(concatenate(heldOut), HELD_OUT_WINDOWS, new Random(settings.seed() + 1));
            try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, settings.seed())) {
                long parameters = model.parameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
                log.printf("model: llama-style, %d layers, hidden %d, %,d parameters%n", settings.layers(),
                        settings.hidden(), parameters);
                double budget = settings.minutes() * 60e9;
                long trainStart = System.nanoTime();
                int warmup = settings.steps() > 0 ? Math.min(30, settings.steps() / 10) : 30;
                // Without a step count, it is estimated from the first steps' speed, so the cosine ends with the budget.
                LearningRateSchedule schedule = settings.steps() > 0
                        ? new LearningRateSchedule(settings.learningRate(), warmup, settings.steps(), 0.1)
                        : new LearningRateSchedule(settings.learningRate(), warmup, 0, 1);
                TrainingSettings training = new TrainingSettings(schedule, 0.01, settings.batch(), 1, 1.0, tokenizer.endOfText());
                try (LmTrainer trainer = new LmTrainer(model, training)) {
                    double initial = trainer.loss(heldOutWindows);
                    log.printf("held-out loss before training: %.3f%n", initial);
                    LmTrainer.StepResult last = null;
                    while (settings.steps() > 0 ? last == null || last.step() < settings.steps()
                            : System.nanoTime() - trainStart < budget) {
                        last = trainer.train(batches.apply(settings.batch()));
                        if (settings.steps() == 0 && (last.step() == 5 || last.step() == 50)) {
                            // First steps run slower (allocator and engine warm-up): estimate again at step 50.
                            double perStep = (System.nanoTime() - trainStart) / (double) last.step();
                            int steps = (int) Math.max(warmup + 1, budget / perStep);
                            trainer.schedule(new LearningRateSchedule(settings.learningRate(), warmup, steps, 0.1));
                            log.printf("about %d steps fit in %.1f minutes; cosine schedule over them%n", steps,
                                    settings.minutes());
                        }
                        if (last.step() % 25 == 0) {
                            double elapsed = (System.nanoTime() - trainStart) / 1e9;
                            log.printf("step %5d  loss %.3f  lr %.2e  %.0f s%n", last.step(), last.loss(), last.learningRate(),
                                    elapsed);
                        }
                    }
                    double heldOutLoss = trainer.loss(heldOutWindows);
                    log.printf("held-out loss after %d steps: %.3f (from %.3f)%n", last == null ? 0 : last.step(),
                            heldOutLoss, initial);
                    model.save(settings.out());
                    Map<String, Object> report = new LinkedHashMap<>();
                    report.put("steps", last == null ? 0 : last.step());
                    report.put("parameters", parameters);
                    report.put("vocabulary", tokenizer.size());
                    report.put("sequence", settings.sequence());
                    report.put("batch", settings.batch());
                    report.put("held_out_loss_before", initial);
                    report.put("held_out_loss", heldOutLoss);
                    report.put("train_loss", last == null ? null : last.loss());
                    report.put("minutes", (System.nanoTime() - started) / 60e9);
                    Files.writeString(settings.out().resolve("pretrain_report.json"),
                            Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
                    log.println("wrote " + settings.out());
                    return report;
                }
            }
        }
    }

    private ModelConfig config(int vocabulary) {
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        json.putArray("architectures").add("LlamaForCausalLM");
        json.put("model_type", "llama");
        json.put("vocab_size", vocabulary);
        json.put("hidden_size", settings.hidden());
        json.put("intermediate_size", (settings.hidden() * 8 / 3 + 7) / 8 * 8);
        json.put("num_hidden_layers", settings.layers());
        json.put("num_attention_heads", settings.heads());
        json.put("num_key_value_heads", settings.heads());
        json.put("rms_norm_eps", 1e-5);
        json.put("rope_theta", 10000.0);
        json.put("max_position_embeddings", 2048);
        json.put("tie_word_embeddings", false);
        json.put("bos_token_id", 0);
        json.put("eos_token_id", 0);
        json.put("torch_dtype", "float32");
        return ModelConfig.parse(json, "pretraining config");
    }

    /** Each text's tokens followed by the end-of-text token (so the model learns where a program ends). */
    private static List<int[]> encode(LetiTokenizer tokenizer, List<String> texts) {
        return texts.stream().map(tokenizer::encodeDocument).toList();
    }

    private static int[] concatenate(List<int[]> parts) {
        int[] stream = new int[parts.stream().mapToInt(ids -> ids.length).sum()];
        int offset = 0;
        for (int[] ids : parts) {
            System.arraycopy(ids, 0, stream, offset, ids.length);
            offset += ids.length;
        }
        return stream;
    }

    /** {@code count} texts drawn at random, each cut to the sequence length. */
    private List<int[]> pick(List<int[]> texts, int count, Random random) {
        List<int[]> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] text = texts.get(random.nextInt(texts.size()));
            batch.add(text.length > settings.sequence() ? java.util.Arrays.copyOf(text, settings.sequence()) : text);
        }
        return batch;
    }

    private List<int[]> windows(int[] stream, int count, Random random) {
        List<int[]> windows = new ArrayList<>();
        int length = settings.sequence();
        for (int i = 0; i < count; i++) {
            int start = random.nextInt(Math.max(1, stream.length - length));
            windows.add(java.util.Arrays.copyOfRange(stream, start, Math.min(stream.length, start + length)));
        }
        return windows;
    }
}
