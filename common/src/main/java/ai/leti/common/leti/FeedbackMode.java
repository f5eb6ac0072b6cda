package ai.leti.common.leti;

/** What a LETI run trains on, per sampled program. */
public enum FeedbackMode {
    /** LETI: reward token, and for failures the interpreter's feedback span. */
    TEXTUAL,
    /** The binary-feedback ablation: reward token only. */
    BINARY,
    /** No feedback at all: every sampled program as plain text (self-training on everything). */
    NONE,
    /** The paper's comparison baseline: the task file's reference solutions, no sampled programs. */
    REFERENCE,
    /**
     * The control a careful reader asks for: rejection-sampling fine-tuning, on the passing samples alone, with no
     * reward token (the strongest teacher at CPU scale in {@code shared/docs/leti-method.md}).
     */
    PASSING_ONLY;

    /** Whether a sampled program of this outcome is trained on at all. */
    public boolean trains(boolean passed) {
        return this != PASSING_ONLY || passed;
    }
}
