package ai.leti.common.messages;

import ai.leti.common.leti.Condition;

/**
 * Why a program was sampled: to train on it, or to evaluate the model on held-out tasks under one of the
 * three conditions the paper reports (prompt prefixed with {@code <|good|>}, with {@code <|bad|>}, or bare), or,
 * for textual runs, under {@code <|bad|>} followed by an empty feedback span: in textual training a {@code <|bad|>}
 * is always followed by a feedback span, so a bare {@code <|bad|>} at evaluation is out of distribution.
 */
public enum Purpose {
    TRAIN(null),
    EVAL_GOOD(Condition.GOOD),
    EVAL_BAD(Condition.BAD),
    EVAL_PLAIN(Condition.PLAIN),
    EVAL_BAD_EMPTY(Condition.BAD_EMPTY);

    private final Condition condition;

    Purpose(Condition condition) {
        this.condition = condition;
    }

    public boolean isEvaluation() {
        return this != TRAIN;
    }

    /** The evaluation condition of an evaluation sample (null for training samples). */
    public Condition condition() {
        return condition;
    }

    /** The purpose of evaluation samples under {@code condition}. */
    public static Purpose evaluating(Condition condition) {
        for (Purpose purpose : values()) {
            if (purpose.condition == condition) {
                return purpose;
            }
        }
        throw new IllegalArgumentException("no purpose evaluates " + condition);
    }
}
