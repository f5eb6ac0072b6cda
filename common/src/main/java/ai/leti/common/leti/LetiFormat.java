package ai.leti.common.leti;

/**
 * LETI's sequence format (Wang et al.; see {@code shared/docs/leti-method.md}): the special tokens, the prompt
 * the generator samples from, and the training text built from an executed program.
 */
public final class LetiFormat {

    public static final String GOOD = "<|good|>";
    public static final String BAD = "<|bad|>";
    public static final String FEEDBACK_OPEN = "<|lang_feedback|>";
    public static final String FEEDBACK_CLOSE = "<|/lang_feedback|>";

    private LetiFormat() {
    }

    /** Iteration 1 samples from the bare prompt; later iterations condition on {@code <|good|>}. */
    public static String samplingPrompt(String prompt, int iteration) {
        return iteration <= 1 ? prompt : GOOD + prompt;
    }

    /**
     * The training text of one executed program.
     * <ul>
     * <li>passed: {@code <|good|>} + prompt + program</li>
     * <li>failed, textual: {@code <|bad|><|lang_feedback|>} feedback {@code <|/lang_feedback|>} + prompt + program</li>
     * <li>failed, binary: {@code <|bad|>} + prompt + program</li>
     * <li>none, reference or passing-only (which trains on passing programs only): prompt + program</li>
     * </ul>
     * The feedback is used as given; shortening it (the CPU recipe keeps its last 60 tokens) is the caller's job,
     * in tokens.
     */
    public static String trainingText(FeedbackMode mode, boolean passed, String feedback, String prompt, String program) {
        return switch (mode) {
            case NONE, REFERENCE, PASSING_ONLY -> prompt + program;
            case BINARY -> (passed ? GOOD : BAD) + prompt + program;
            case TEXTUAL -> passed ? GOOD + prompt + program
                    : BAD + FEEDBACK_OPEN + (feedback == null ? "" : feedback) + FEEDBACK_CLOSE + prompt + program;
        };
    }
}
