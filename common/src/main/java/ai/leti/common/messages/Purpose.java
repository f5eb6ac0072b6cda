package ai.leti.common.messages;

/**
 * Why a program was sampled: to train on it, or to evaluate the model on held-out tasks under one of the
 * three conditions the paper reports (prompt prefixed with {@code <|good|>}, with {@code <|bad|>}, or bare), or,
 * for textual runs, under {@code <|bad|>} followed by an empty feedback span: in textual training a {@code <|bad|>}
 * is always followed by a feedback span, so a bare {@code <|bad|>} at evaluation is out of distribution.
 */
public enum Purpose {
    TRAIN,
    EVAL_GOOD,
    EVAL_BAD,
    EVAL_PLAIN,
    EVAL_BAD_EMPTY;

    public boolean isEvaluation() {
        return this != TRAIN;
    }
}
