package ai.leti.model.nn;

import java.util.List;

/**
 * One weight a family expects: its name, shape, and how a fresh model initialises it.
 * {@code vocabularyRows} marks embedding and output matrices, which may grow when tokens are added.
 * A fused weight (q, k and v projections in one matrix, so one matmul does the work of three) lists its
 * Hugging Face {@code parts}, stacked along the first axis: checkpoints keep the Hugging Face names.
 */
public record WeightSpec(String name, long[] shape, Init init, boolean vocabularyRows, List<Part> parts) {

    /** A Hugging Face tensor that is a block of rows of a fused weight. */
    public record Part(String name, long rows) {
    }

    public enum Init {
        /** N(0, 0.02), as Hugging Face initialises linear and embedding weights. */
        NORMAL,
        ONES,
        ZEROS
    }

    public static WeightSpec normal(String name, long... shape) {
        return new WeightSpec(name, shape, Init.NORMAL, false, List.of());
    }

    /** A {@code [vocabulary, hidden]} matrix: token embeddings or the output layer. */
    public static WeightSpec vocabulary(String name, long... shape) {
        return new WeightSpec(name, shape, Init.NORMAL, true, List.of());
    }

    /** A {@code [vocabulary]} bias of an output layer (CodeGen's {@code lm_head.bias}). */
    public static WeightSpec vocabularyBias(String name, long vocabulary) {
        return new WeightSpec(name, new long[] {vocabulary}, Init.ZEROS, true, List.of());
    }

    /** Hugging Face tensors stacked along the first axis into one weight of the given shape. */
    public static WeightSpec fused(String name, Init init, long[] shape, Part... parts) {
        long rows = 0;
        for (Part part : parts) {
            rows += part.rows();
        }
        if (rows != shape[0]) {
            throw new IllegalArgumentException(name + ": parts hold " + rows + " rows, the weight " + shape[0]);
        }
        return new WeightSpec(name, shape, init, false, List.of(parts));
    }

    /** The shape of one part: its rows, and the rest of the fused weight's shape. */
    public long[] shapeOf(Part part) {
        long[] partShape = shape.clone();
        partShape[0] = part.rows();
        return partShape;
    }

    public static WeightSpec ones(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ONES, false, List.of());
    }

    public static WeightSpec zeros(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ZEROS, false, List.of());
    }
}
