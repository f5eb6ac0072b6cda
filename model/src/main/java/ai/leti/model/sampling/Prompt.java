package ai.leti.model.sampling;

/**
 * One sequence to continue, with the seed of its own random stream: a row's samples depend on its prompt and seed
 * only, not on which prompts share its batch or when it entered it.
 *
 * @param tokens the prompt, at least one token
 * @param seed   the row's random stream
 */
public record Prompt(int[] tokens, long seed) {

    public Prompt {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
    }

    /** The seed of row {@code index} of a request seeded with {@code seed}: distinct streams for neighbouring rows. */
    public static long seedOf(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L); // SplitMix64's mix: nearby inputs, unrelated outputs
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
