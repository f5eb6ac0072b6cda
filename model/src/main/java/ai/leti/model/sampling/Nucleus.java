package ai.leti.model.sampling;

import java.util.Random;
import java.util.function.IntToDoubleFunction;

/**
 * Picks the next token from one row: greedy from logits, or temperature + top-p sampling, from logits
 * ({@link #sample}) or from the row's probabilities computed by the engine ({@link #fromProbabilities}: what the
 * sampler does, so that a step costs one softmax op instead of a vocabulary of {@code Math.exp} per row).
 */
public final class Nucleus {

    private Nucleus() {
    }

    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int v = 1; v < vocab; v++) {
            if (logits[offset + v] > logits[offset + best]) {
                best = v;
            }
        }
        return best;
    }

    /**
     * Probabilities after temperature, with everything outside the nucleus set to 0 and the rest renormalised.
     * The nucleus is the smallest set of most likely tokens whose total reaches {@code topP} (the token that
     * crosses the threshold is in it), as Hugging Face's top-p warper keeps it.
     */
    public static double[] probabilities(float[] logits, int offset, int vocab, double temperature, double topP) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[offset + v] / temperature);
        }
        double[] probabilities = new double[vocab];
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            probabilities[v] = Math.exp(logits[offset + v] / temperature - max);
            sum += probabilities[v];
        }
        for (int v = 0; v < vocab; v++) {
            probabilities[v] /= sum;
        }
        if (topP >= 1) {
            return probabilities;
        }
        IntToDoubleFunction probability = v -> probabilities[v];
        boolean[] kept = nucleus(probability, vocab, topP);
        double cumulative = mass(probability, kept, vocab);
        double[] nucleus = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            nucleus[v] = kept[v] ? probabilities[v] / cumulative : 0;
        }
        return nucleus;
    }

    /**
     * A token drawn from {@code probabilities[offset..offset+vocab)} (after temperature, summing to 1 up to rounding),
     * restricted to the nucleus of {@code topP} as {@link #probabilities} makes it: the same draw picks the same token
     * as {@link #sample} on the logits, up to the probabilities' float32 rounding.
     */
    public static int fromProbabilities(float[] probabilities, int offset, int vocab, double topP, Random random) {
        double draw = random.nextDouble();
        if (topP >= 1) {
            return walk(probabilities, offset, vocab, null, draw);
        }
        IntToDoubleFunction probability = v -> probabilities[offset + v];
        boolean[] kept = nucleus(probability, vocab, topP);
        return walk(probabilities, offset, vocab, kept, draw * mass(probability, kept, vocab));
    }

    /** The kept tokens' total probability, summed in id order (the order {@link #walk} sums in). */
    private static double mass(IntToDoubleFunction probability, boolean[] kept, int vocab) {
        double total = 0;
        for (int v = 0; v < vocab; v++) {
            total += kept[v] ? probability.applyAsDouble(v) : 0;
        }
        return total;
    }

    /**
     * The nucleus: the smallest set of most likely tokens whose total reaches {@code topP} (the token that crosses it
     * is in; ties: the lower id first), found by one primitive sort of (probability bits, id) keys.
     */
    private static boolean[] nucleus(IntToDoubleFunction probability, int vocab, double topP) {
        long[] keys = new long[vocab];
        for (int v = 0; v < vocab; v++) {
            keys[v] = ((long) Float.floatToIntBits((float) Math.max(0, probability.applyAsDouble(v))) << 32) | (0xFFFFFFFFL - v);
        }
        java.util.Arrays.sort(keys);
        boolean[] kept = new boolean[vocab];
        double cumulative = 0;
        for (int i = vocab - 1; i >= 0 && cumulative < topP; i--) {
            int v = (int) (0xFFFFFFFFL - (keys[i] & 0xFFFFFFFFL));
            kept[v] = true;
            cumulative += probability.applyAsDouble(v);
        }
        return kept;
    }

    /** The token where the running sum of the (kept) probabilities, in id order, first passes {@code draw}. */
    private static int walk(float[] probabilities, int offset, int vocab, boolean[] kept, double draw) {
        double cumulative = 0;
        int last = 0;
        for (int v = 0; v < vocab; v++) {
            float p = probabilities[offset + v];
            if (p > 0 && (kept == null || kept[v])) {
                cumulative += p;
                last = v;
                if (draw < cumulative) {
                    return v;
                }
            }
        }
        return last; // rounding left the draw just above the total
    }

    /** {@link #fromProbabilities} on {@link #probabilities} of the logits, or the argmax when {@code temperature} is 0. */
    public static int sample(float[] logits, int offset, int vocab, double temperature, double topP, Random random) {
        if (temperature == 0) {
            return argmax(logits, offset, vocab);
        }
        double[] exact = probabilities(logits, offset, vocab, temperature, 1.0);
        float[] probabilities = new float[vocab];
        for (int v = 0; v < vocab; v++) {
            probabilities[v] = (float) exact[v];
        }
        return fromProbabilities(probabilities, 0, vocab, topP, random);
    }
}
