package ai.leti.model.sampling;

import java.util.Arrays;
import java.util.Random;

import ai.djl.ndarray.NDArray;

/** One prompt's generation in progress: its own random stream and the tokens it wrote. */
final class Sequence {

    final int index;
    final int promptLength;
    private final Random random;
    private int[] tokens = new int[16];
    private int size;
    private int last;

    Sequence(int index, Prompt prompt) {
        this.index = index;
        this.promptLength = prompt.tokens().length;
        this.random = new Random(prompt.seed());
        this.last = prompt.tokens()[promptLength - 1];
    }

    /** The token the next step feeds: the last one sampled (the prompt's last before that). */
    int last() {
        return last;
    }

    /**
     * Picks the next token from the row at {@code offset} of {@code scores} ({@link #scores}: logits when greedy, else
     * probabilities after temperature); returns why the sequence ended with it (end-of-text, the stop rule, the token
     * limit), or null when it goes on.
     */
    Completion.FinishReason next(float[] scores, int offset, int vocab, SamplingSettings settings, int eos, StopRule stop) {
        int token = settings.temperature() == 0 ? Nucleus.argmax(scores, offset, vocab)
                : Nucleus.fromProbabilities(scores, offset, vocab, settings.topP(), random);
        last = token;
        if (token == eos) {
            return Completion.FinishReason.EOS;
        }
        if (size == tokens.length) {
            tokens = Arrays.copyOf(tokens, 2 * size);
        }
        tokens[size++] = token;
        if (stop.stops(index, generated())) {
            return Completion.FinishReason.STOP;
        }
        return size == settings.maxNewTokens() ? Completion.FinishReason.LENGTH : null;
    }

    /**
     * What {@link #next} reads of a step's logits {@code [rows, vocab]}: the logits themselves when greedy, else the
     * probabilities after temperature, computed by the engine (one op, where Java would take an exp per entry).
     */
    static float[] scores(NDArray logits, SamplingSettings settings) {
        if (settings.temperature() == 0) {
            return logits.toFloatArray();
        }
        NDArray scaled = settings.temperature() == 1 ? logits : logits.div(settings.temperature());
        return scaled.softmax(-1).toFloatArray();
    }

    int[] generated() {
        return Arrays.copyOf(tokens, size);
    }

    Completion completion(Completion.FinishReason reason) {
        return new Completion(index, generated(), reason);
    }
}
