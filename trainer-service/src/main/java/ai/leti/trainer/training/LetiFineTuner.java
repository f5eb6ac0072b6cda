package ai.leti.trainer.training;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.files.ConfinedPaths;
import ai.leti.common.leti.Feedback;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.model.training.AdamW;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;
import ai.leti.trainer.config.TrainerProperties;
import ai.leti.trainer.metrics.TrainerMetrics;

/**
 * One LETI iteration's fine-tuning: every executed program becomes a training text in the run's mode (reward
 * token, and for failures in textual mode the interpreter's feedback cut to its last tokens), the model trains
 * the planned epochs with the plain causal-LM loss over every non-padding token, optionally alternating with
 * steps on plain code ({@link RegularizationCorpus}: blocks of generic Python, never a task's solution), and the
 * result is written as a checkpoint directory with its optimizer state.
 */
@Component
public class LetiFineTuner {

    private static final Logger log = LoggerFactory.getLogger(LetiFineTuner.class);

    /**
     * What an iteration's training did.
     *
     * @param sequences  the LETI training texts (one per executed program), regularization texts not counted
     * @param candidates SHA-256 of the sorted candidate ids trained on: two trainings on the same programs agree
     * @param trainingText {@link IterationPlan#EXECUTED} or {@link IterationPlan#RAW}: how the texts ended
     */
    public record Outcome(double loss, int steps, int sequences, String candidates, long tokens, double seconds,
            String trainingText) {
    }

    /** Tokens per plain-code block when a plan does not say. */
    static final int DEFAULT_BLOCK_TOKENS = 256;

    private final TrainerProperties properties;
    private final TrainerMetrics metrics;
    private String corpusKey;
    private RegularizationCorpus corpus;
    private List<int[]> blocks;

    public LetiFineTuner(TrainerProperties properties, TrainerMetrics metrics) {
        this.properties = properties;
        this.metrics = metrics;
    }

    public Outcome fineTune(IterationPlan plan, List<ExecutionResult> results, Path base, Path out) {
        long started = System.nanoTime();
        try (LetiTokenizer tokenizer = LetiTokenizer.open(base);
             CausalLm model = Models.load(base, Device.fromName(properties.device()), DataType.FLOAT32, tokenizer)) {
            List<int[]> sequences = new ArrayList<>();
            boolean generationOrder = IterationPlan.GENERATION.equals(plan.batchOrder());
            for (ExecutionResult result : generationOrder ? generationOrder(results) : results) {
                // The sandbox's failure says nothing about the program; passing-only trains on passing programs alone.
                if (result.category() != ErrorCategory.SANDBOX && plan.mode().trains(result.passed())) {
                    sequences.add(encode(tokenizer, plan, result));
                }
            }
            List<int[]> plainCode = plan.regularization() > 0 ? regularization(plan, tokenizer) : List.of();
            TrainingSettings settings = new TrainingSettings(LearningRateSchedule.constant(plan.learningRate()), 0.01,
                    Math.min(plan.batchSize(), properties.microBatch()), 1, 1.0, Math.max(0, tokenizer.endOfText()));
            Random random = new Random(properties.seed() * 31 + plan.iteration());
            double lastEpochLoss = 0;
            long tokens = 0;
            int steps = 0;
            try (LmTrainer trainer = new LmTrainer(model, settings)) {
                trainer.precision(properties.precision());
                if (Files.exists(base.resolve(AdamW.FILE))) {
                    trainer.resume(base); // the previous iteration's moments: one optimizer across the run
                }
                List<List<int[]>> batches = generationOrder ? inOrder(sequences, plan.batchSize())
                        : batchesByLength(sequences, plan.batchSize());
                for (int epoch = 1; epoch <= plan.epochs(); epoch++) {
                    if (!generationOrder) {
                        Collections.shuffle(batches, random);
                    }
                    double lossSum = 0;
                    long epochTokens = 0;
                    for (List<int[]> batch : batches) {
                        long stepStarted = System.nanoTime();
                        LmTrainer.StepResult step = trainer.train(batch);
                        metrics.step(step, (System.nanoTime() - stepStarted) / 1e9);
                        lossSum += step.loss() * step.tokens();
                        epochTokens += step.tokens();
                        steps++;
                        for (int r = 0; r < plan.regularization() && !plainCode.isEmpty(); r++) {
                            trainer.train(sample(plainCode, plan.batchSize(), random));
                            steps++;
                        }
                    }
                    lastEpochLoss = lossSum / Math.max(1, epochTokens);
                    tokens += epochTokens;
                    log.info("run {} iteration {} epoch {}/{}: loss {} over {} sequences", plan.runId(), plan.iteration(),
                            epoch, plan.epochs(), String.format("%.4f", lastEpochLoss), sequences.size());
                }
                trainer.save(out);
            }
            tokenizer.save(out);
            return new Outcome(lastEpochLoss, steps, sequences.size(), digest(results), tokens,
                    (System.nanoTime() - started) / 1e9, plan.rawText() ? IterationPlan.RAW : IterationPlan.EXECUTED);
        }
    }

    /** SHA-256 of the sorted candidate ids, one per line. */
    static String digest(List<ExecutionResult> results) {
        String ids = results.stream().map(ExecutionResult::candidateId).sorted().collect(Collectors.joining("\n"));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ids.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The LETI training text of one result, as tokens: ending with end-of-text so the model learns to stop, or, for
     * a plan that trains on raw generations (the authors'), without it; a reference solution always ends with it.
     */
    static int[] encode(LetiTokenizer tokenizer, IterationPlan plan, ExecutionResult result) {
        String feedback = Feedback.forModel(result.feedback(), plan.feedbackTokens(), tokenizer);
        String text = LetiFormat.trainingText(plan.mode(), result.passed(), feedback, result.prompt(), result.completion());
        return plan.rawText() && plan.mode() != FeedbackMode.REFERENCE ? tokenizer.encode(text) : tokenizer.encodeDocument(text);
    }


    /**
     * Results as the generator sampled them: task by task, each task's samples by index (results arrive in the
     * order the executors finish them). Numeric task ids (MBPP's) in numeric order.
     */
    static List<ExecutionResult> generationOrder(List<ExecutionResult> results) {
        Comparator<String> taskOrder = Comparator
                .comparing((String id) -> id.matches("\\d{1,18}") ? Long.parseLong(id) : Long.MAX_VALUE)
                .thenComparing(Comparator.naturalOrder());
        List<ExecutionResult> ordered = new ArrayList<>(results);
        ordered.sort(Comparator.comparing(ExecutionResult::taskId, taskOrder).thenComparingInt(ExecutionResult::sampleIndex));
        return ordered;
    }

    /** The authors' batches: consecutive runs of the texts as given (in generation order), never shuffled. */
    static List<List<int[]>> inOrder(List<int[]> sequences, int batchSize) {
        List<List<int[]>> batches = new ArrayList<>();
        for (int start = 0; start < sequences.size(); start += batchSize) {
            batches.add(new ArrayList<>(sequences.subList(start, Math.min(sequences.size(), start + batchSize))));
        }
        return batches;
    }

    /** Sequences of similar length share a batch, so little of each batch is padding. */
    static List<List<int[]>> batchesByLength(List<int[]> sequences, int batchSize) {
        List<int[]> sorted = new ArrayList<>(sequences);
        sorted.sort(Comparator.comparingInt(sequence -> sequence.length));
        List<List<int[]>> batches = new ArrayList<>();
        for (int start = 0; start < sorted.size(); start += batchSize) {
            batches.add(new ArrayList<>(sorted.subList(start, Math.min(sorted.size(), start + batchSize))));
        }
        return batches;
    }

    /**
     * The plan's plain-code corpus, read and checked against the run's reference solutions (once per corpus and
     * run); null when the plan takes no regularization steps.
     *
     * @throws PlanRefused when it names none, cannot be read, is a task file or contains a reference solution
     */
    public synchronized RegularizationCorpus corpus(IterationPlan plan) {
        if (plan.regularization() <= 0) {
            return null;
        }
        String key = plan.runId() + "\n" + plan.regularizationCorpus();
        if (!key.equals(corpusKey)) {
            String spec = plan.regularizationCorpus();
            if (spec != null && !spec.isBlank() && !IterationPlan.STANDARD_LIBRARY.equals(spec)) {
                readable(spec);
            }
            corpus = RegularizationCorpus.read(spec, Set.copyOf(plan.excludedPrograms()));
            corpusKey = key;
            blocks = null;
            log.info("run {}: regularization corpus {}, checked against {} reference solutions of its tasks",
                    plan.runId(), corpus, plan.excludedPrograms().size());
        }
        return corpus;
    }

    private void readable(String corpus) {
        try {
            properties.readable().check("regularizationCorpus", corpus);
        } catch (ConfinedPaths.OutsideRootsException e) {
            throw new PlanRefused("regularization corpus " + e.reason());
        }
    }

    private synchronized List<int[]> regularization(IterationPlan plan, LetiTokenizer tokenizer) {
        RegularizationCorpus plain = corpus(plan);
        int blockTokens = plan.regularizationBlockTokens() > 0 ? plan.regularizationBlockTokens() : DEFAULT_BLOCK_TOKENS;
        if (blocks == null || blocks.get(0).length != blockTokens) {
            blocks = plain.blocks(tokenizer, blockTokens);
            log.info("run {}: {} plain-code blocks of {} tokens", plan.runId(), blocks.size(), blockTokens);
        }
        return blocks;
    }

    private static List<int[]> sample(List<int[]> sequences, int count, Random random) {
        List<int[]> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(sequences.get(random.nextInt(sequences.size())));
        }
        return batch;
    }
}
