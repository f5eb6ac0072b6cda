package ai.leti.model.nn;

/**
 * One weight a family expects: its Hugging Face name, shape, and how a fresh model initialises it.
 * {@code vocabularyRows} marks embedding and output matrices, which may grow when tokens are added.
 */
public record WeightSpec(String name, long[] shape, Init init, boolean vocabularyRows) {

    public enum Init {
        /** N(0, 0.02), as Hugging Face initialises linear and embedding weights. */
        NORMAL,
        ONES,
        ZEROS
    }

    public static WeightSpec normal(String name, long... shape) {
        return new WeightSpec(name, shape, Init.NORMAL, false);
    }

    /** A {@code [vocabulary, hidden]} matrix: token embeddings or the output layer. */
    public static WeightSpec vocabulary(String name, long... shape) {
        return new WeightSpec(name, shape, Init.NORMAL, true);
    }

    public static WeightSpec ones(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ONES, false);
    }

    public static WeightSpec zeros(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ZEROS, false);
    }
}
