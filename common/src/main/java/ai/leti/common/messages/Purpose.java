package ai.leti.common.messages;

/**
 * Why a program was sampled: to train on it, or to evaluate the model on held-out tasks under one of the
 * three conditions the paper reports (prompt prefixed with {@code <|good|>}, with {@code <|bad|>}, or bare).
 */
public enum Purpose {
    TRAIN,
    EVAL_GOOD,
    EVAL_BAD,
    EVAL_PLAIN;

    public boolean isEvaluation() {
        return this != TRAIN;
    }
}
