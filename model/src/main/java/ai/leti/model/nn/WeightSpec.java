package ai.leti.model.nn;

/**
 * One weight a family expects: its Hugging Face name, shape, and how a fresh model initialises it.
 */
public record WeightSpec(String name, long[] shape, Init init) {

    public enum Init {
        /** N(0, 0.02), as Hugging Face initialises linear and embedding weights. */
        NORMAL,
        ONES,
        ZEROS
    }

    public static WeightSpec normal(String name, long... shape) {
        return new WeightSpec(name, shape, Init.NORMAL);
    }

    public static WeightSpec ones(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ONES);
    }

    public static WeightSpec zeros(String name, long... shape) {
        return new WeightSpec(name, shape, Init.ZEROS);
    }
}
