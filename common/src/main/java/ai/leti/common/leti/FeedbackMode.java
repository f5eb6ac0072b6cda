package ai.leti.common.leti;

import java.util.Locale;

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

    /** How people and reports name it: {@code textual}, {@code passing-only}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The mode of a label ({@code passing-only}) or a name ({@code PASSING_ONLY}), in any case. */
    public static FeedbackMode ofLabel(String label) {
        for (FeedbackMode mode : values()) {
            if (mode.label().equalsIgnoreCase(label) || mode.name().equalsIgnoreCase(label)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown feedback mode '" + label + "' (" + java.util.Arrays.stream(values())
                .map(FeedbackMode::label).collect(java.util.stream.Collectors.joining(", ")) + ")");
    }

    /** Whether a sampled program of this outcome is trained on at all. */
    public boolean trains(boolean passed) {
        return this != PASSING_ONLY || passed;
    }
}
