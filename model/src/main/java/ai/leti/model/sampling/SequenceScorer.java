package ai.leti.model.sampling;

import java.util.Arrays;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.nn.GradMode;

/**
 * How likely a model finds a continuation after a context: the mean log-probability per continuation token, in
 * nats. The reward token's likelihood probe compares one program's score after {@code <|good|>} and after
 * {@code <|bad|>}. Right-padded batches, no cache, no gradient.
 */
public final class SequenceScorer {

    /** A context (the condition and the prompt) and what follows it (the program). */
    public record Item(int[] context, int[] continuation) {
    }

    private final CausalLm model;
    private final int padToken;
    private final int batchSize;

    public SequenceScorer(CausalLm model, int padToken, int batchSize) {
        this.model = model;
        this.padToken = padToken;
        this.batchSize = batchSize;
    }

    /** The mean log-probability per continuation token of each item (items without a continuation: NaN). */
    public double[] meanLogProbabilities(List<Item> items) {
        GradMode.off();
        double[] scores = new double[items.size()];
        for (int start = 0; start < items.size(); start += batchSize) {
            List<Item> batch = items.subList(start, Math.min(items.size(), start + batchSize));
            double[] part = score(batch);
            System.arraycopy(part, 0, scores, start, part.length);
        }
        return scores;
    }

    private double[] score(List<Item> batch) {
        int length = batch.stream().mapToInt(item -> item.context().length + item.continuation().length).max().orElse(1);
        int rows = batch.size();
        long[] tokens = new long[rows * length];
        long[] positions = new long[rows * length];
        float[] mask = new float[rows * length]; // 1 where a token is a continuation token to be predicted
        Arrays.fill(tokens, padToken);
        for (int b = 0; b < rows; b++) {
            int[] context = batch.get(b).context();
            int[] continuation = batch.get(b).continuation();
            for (int t = 0; t < length; t++) {
                positions[b * length + t] = t;
            }
            for (int t = 0; t < context.length; t++) {
                tokens[b * length + t] = context[t];
            }
            for (int t = 0; t < continuation.length; t++) {
                tokens[b * length + context.length + t] = continuation[t];
                mask[b * length + context.length + t] = context.length + t > 0 ? 1 : 0;
            }
        }
        try (NDManager manager = model.manager().newSubManager()) {
            Shape shape = new Shape(rows, length);
            NDArray ids = manager.create(tokens, shape);
            NDArray logits = model.forward(ids, manager.create(positions, shape), null, null);
            NDArray predictions = logits.get(":, :-1, :").toType(DataType.FLOAT32, false).logSoftmax(-1);
            NDArray targets = ids.get(":, 1:").toType(DataType.INT64, false);
            NDArray weights = manager.create(mask, shape).get(":, 1:");
            NDArray picked = predictions.gather(targets.expandDims(-1), -1).squeeze(-1).mul(weights);
            float[] sums = picked.sum(new int[] {1}).toFloatArray();
            float[] counts = weights.sum(new int[] {1}).toFloatArray();
            double[] scores = new double[rows];
            for (int b = 0; b < rows; b++) {
                scores[b] = counts[b] > 0 ? sums[b] / counts[b] : Double.NaN;
            }
            return scores;
        }
    }
}
