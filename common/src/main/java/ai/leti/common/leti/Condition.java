package ai.leti.common.leti;

import java.util.List;
import java.util.Locale;

/**
 * What a held-out prompt is prefixed with when the model is evaluated, the three conditions the paper reports and
 * one more for textual runs: {@code <|bad|>} followed by an empty feedback span, the form a textual model always saw
 * {@code <|bad|>} in (a bare {@code <|bad|>} is out of its training distribution). The label is the key of the
 * condition in evaluations, reports and metrics.
 */
public enum Condition {
    GOOD(LetiFormat.GOOD),
    BAD(LetiFormat.BAD),
    PLAIN(""),
    BAD_EMPTY(LetiFormat.BAD + LetiFormat.FEEDBACK_OPEN + LetiFormat.FEEDBACK_CLOSE);

    private final String prefix;

    Condition(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** {@code good}, {@code bad}, {@code plain}, {@code bad_empty}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The conditions a run of this mode is evaluated under. */
    public static List<Condition> evaluatedFor(FeedbackMode mode) {
        return mode == FeedbackMode.TEXTUAL ? List.of(GOOD, BAD, PLAIN, BAD_EMPTY) : List.of(GOOD, BAD, PLAIN);
    }
}
