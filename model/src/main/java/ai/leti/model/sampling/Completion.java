package ai.leti.model.sampling;

/**
 * One finished sequence.
 *
 * @param index  the prompt's position in the request
 * @param tokens generated tokens, without the prompt and without the EOS token
 * @param reason why it ended
 */
public record Completion(int index, int[] tokens, FinishReason reason) {

    public enum FinishReason {
        /** the model wrote its end-of-sequence token */
        EOS,
        /** the stop condition matched (a stop sequence) */
        STOP,
        /** {@code maxNewTokens} reached */
        LENGTH
    }
}
