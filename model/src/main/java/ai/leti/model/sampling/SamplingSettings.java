package ai.leti.model.sampling;

/**
 * How to sample.
 *
 * @param temperature  0 means greedy (argmax); otherwise logits are divided by it
 * @param topP         nucleus: sample among the most likely tokens whose probabilities first reach {@code topP}
 * @param maxNewTokens generated tokens per sequence at most
 * @param seed         the random stream; the same seed, model and prompts give the same samples
 * @param useCache     the KV cache; off only to measure what it saves
 */
public record SamplingSettings(double temperature, double topP, int maxNewTokens, long seed, boolean useCache) {

    public SamplingSettings {
        if (temperature < 0 || !(topP > 0 && topP <= 1) || maxNewTokens < 1) {
            throw new IllegalArgumentException("sampling: temperature >= 0, 0 < top-p <= 1, max new tokens >= 1; got "
                    + temperature + ", " + topP + ", " + maxNewTokens);
        }
    }

    public static SamplingSettings of(double temperature, double topP, int maxNewTokens, long seed) {
        return new SamplingSettings(temperature, topP, maxNewTokens, seed, true);
    }
}
