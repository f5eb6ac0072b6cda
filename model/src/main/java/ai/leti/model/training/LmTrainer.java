package ai.leti.model.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.leti.common.json.Jsonl;
import ai.leti.model.CausalLm;
import ai.leti.model.nn.GradMode;
import ai.leti.model.nn.Ops;
import ai.leti.model.nn.Precision;
import ai.leti.model.weights.WeightsException;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fine-tunes a {@link CausalLm} with the plain causal-LM loss over every non-padding token: right-padded
 * micro-batches, gradients accumulated over {@code accumulation} of them (the loss weighted by tokens, so
 * it is the mean over the whole step), global-norm clipping, AdamW, a warm-up/cosine schedule. A sub-manager
 * per micro-batch keeps memory flat. Checkpoints carry the optimizer state so training resumes exactly.
 */
public final class LmTrainer implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LmTrainer.class);

    public static final String STATE_FILE = "trainer_state.json";

    private final CausalLm model;
    private final TrainingSettings settings;
    private final AdamW optimizer;
    private LearningRateSchedule schedule;
    private Precision precision = Precision.F32;
    private long skippedSteps;

    public LmTrainer(CausalLm model, TrainingSettings settings) {
        this.model = model;
        this.settings = settings;
        this.optimizer = AdamW.standard(model.manager(), settings.weightDecay());
        this.schedule = settings.schedule();
        model.parameters().values().forEach(parameter -> parameter.setRequiresGradient(true));
    }

    /**
     * What one optimizer step did.
     *
     * @param skipped true when the gradient was not finite and the update was skipped (the weights are unchanged)
     */
    public record StepResult(long step, double loss, long tokens, double learningRate, double gradientNorm,
            boolean skipped) {
    }

    public long step() {
        return optimizer.step();
    }

    /** Steps whose update was skipped because the gradient was not finite. */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * The compute precision of training steps: {@link Precision#BF16} runs the blocks that have a BF16 kernel in
     * bfloat16 (forward and backward), with float32 weights, gradients and AdamW moments, as autocast does.
     */
    public void precision(Precision replacement) {
        this.precision = replacement;
    }

    /** Replaces the schedule, e.g. once a time budget has been turned into a step count. */
    public void schedule(LearningRateSchedule replacement) {
        this.schedule = replacement;
    }

    /**
     * One optimizer step over up to {@code microBatch * accumulation} sequences (token ids, any lengths; each
     * at least 2 tokens long to have a target).
     */
    public StepResult train(List<int[]> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("no sequences to train on");
        }
        long targets = targets(sequences);
        if (targets == 0) {
            throw new IllegalArgumentException("sequences need at least two tokens to have a target");
        }
        double lossSum = 0;
        Map<String, NDArray> parameters = model.parameters();
        for (int start = 0; start < sequences.size(); start += settings.microBatch()) {
            List<int[]> micro = sequences.subList(start, Math.min(sequences.size(), start + settings.microBatch()));
            try (NDManager manager = model.manager().newSubManager();
                 Precision.Scope scope = Precision.use(precision);
                 GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray[] batch = pad(manager, micro);
                NDArray logits = model.forward(batch[0], batch[1], null, null);
                long microTargets = targets(micro);
                NDArray meanLoss = Ops.causalLmLoss(logits, batch[0], batch[2]);
                lossSum += meanLoss.getFloat() * microTargets;
                collector.backward(Ops.mul(meanLoss, (double) microTargets / targets));
            }
        }
        double learningRate = schedule.at(optimizer.step() + 1);
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        try {
            parameters.forEach((name, parameter) -> gradients.put(name, parameter.getGradient()));
            double norm = globalNorm(gradients);
            boolean finite = Double.isFinite(norm);
            if (finite) {
                if (settings.clipNorm() > 0 && norm > settings.clipNorm()) {
                    double scale = settings.clipNorm() / (norm + 1e-6);
                    gradients.values().forEach(gradient -> gradient.muli(scale));
                }
                optimizer.update(parameters, gradients, learningRate);
            } else {
                // As mixed-precision trainers do: a non-finite gradient would poison every weight and both AdamW
                // moments for good, so this step is skipped and reported instead. (The rare NaN steps this guard
                // once caught came from scalar operands freed before the backward pass; see Ops.scalar.)
                skippedSteps++;
                log.warn("step {}: gradient norm is {}; update skipped ({} so far)", optimizer.step() + 1, norm, skippedSteps);
            }
            // PyTorch accumulates until zeroed; a non-finite gradient is replaced, not scaled (NaN * 0 is NaN)
            gradients.values().forEach(gradient -> gradient.set(new NDIndex("..."), 0));
            return new StepResult(optimizer.step(), lossSum / targets, targets, learningRate, norm, !finite);
        } finally {
            gradients.values().forEach(NDArray::close);
        }
    }

    /** The loss over sequences without changing anything (held-out evaluation). */
    public double loss(List<int[]> sequences) {
        GradMode.off();
        double sum = 0;
        long targets = 0;
        for (int start = 0; start < sequences.size(); start += settings.microBatch()) {
            List<int[]> micro = sequences.subList(start, Math.min(sequences.size(), start + settings.microBatch()));
            try (NDManager manager = model.manager().newSubManager()) {
                NDArray[] batch = pad(manager, micro);
                long microTargets = targets(micro);
                sum += Ops.causalLmLoss(model.forward(batch[0], batch[1], null, null), batch[0], batch[2]).getFloat()
                        * microTargets;
                targets += microTargets;
            }
        }
        return sum / Math.max(1, targets);
    }

    /** Predicted tokens: every token but each sequence's first. */
    private static long targets(List<int[]> sequences) {
        return sequences.stream().mapToLong(sequence -> Math.max(0, sequence.length - 1)).sum();
    }

    private static double globalNorm(Map<String, NDArray> gradients) {
        double sum = 0;
        for (NDArray gradient : gradients.values()) {
            try (NDArray squares = gradient.square(); NDArray total = squares.sum()) {
                sum += total.getFloat();
            }
        }
        return Math.sqrt(sum);
    }

    /** Tokens, positions and the real-token mask of a right-padded batch. */
    private NDArray[] pad(NDManager manager, List<int[]> sequences) {
        int length = sequences.stream().mapToInt(sequence -> sequence.length).max().orElseThrow();
        long[] tokens = new long[sequences.size() * length];
        long[] positions = new long[tokens.length];
        float[] mask = new float[tokens.length];
        java.util.Arrays.fill(tokens, settings.padToken());
        for (int b = 0; b < sequences.size(); b++) {
            int[] sequence = sequences.get(b);
            for (int t = 0; t < length; t++) {
                positions[b * length + t] = t;
                if (t < sequence.length) {
                    tokens[b * length + t] = sequence[t];
                    mask[b * length + t] = 1;
                }
            }
        }
        Shape shape = new Shape(sequences.size(), length);
        return new NDArray[] {manager.create(tokens, shape), manager.create(positions, shape), manager.create(mask, shape)};
    }

    /**
     * Writes the model (in its checkpoint dtype, as Hugging Face tools expect it), the optimizer state with
     * full-precision masters of whatever the checkpoint rounded, and the step count.
     */
    public void save(Path directory) {
        model.save(directory);
        Map<String, NDArray> masters = new LinkedHashMap<>();
        int checkpointBytes = model.checkpointDtype().bytes();
        model.parameters().forEach((name, parameter) -> {
            if (parameter.getDataType().getNumOfBytes() > checkpointBytes) {
                masters.put(name, parameter);
            }
        });
        optimizer.save(directory, masters);
        ObjectNode state = Jsonl.MAPPER.createObjectNode();
        state.put("step", optimizer.step());
        try {
            Files.writeString(directory.resolve(STATE_FILE), Jsonl.MAPPER.writeValueAsString(state));
        } catch (IOException e) {
            throw new WeightsException("cannot write " + directory.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Continues from {@link #save}'s optimizer state; the model must already hold that checkpoint's weights, which
     * the saved masters then restore to full precision.
     */
    public void resume(Path directory) {
        optimizer.load(directory, model.parameters());
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
