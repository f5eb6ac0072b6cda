package ai.leti.common.messages;

import ai.leti.common.leti.FeedbackMode;

/**
 * The generator's announcement that an iteration's training samples are on their way: the trainer collects
 * exactly {@code trainingSamples} results of this run and iteration (purpose TRAIN), then fine-tunes the
 * checkpoint it names and announces the next one.
 *
 * @param checkpoint        the checkpoint sampled from (a directory URI the trainer can read)
 * @param trainingSamples   results to wait for before training
 * @param epochs            passes over the iteration's training texts
 * @param batchSize         sequences per optimizer step
 * @param learningRate      AdamW learning rate
 * @param regularization    plain-code steps per LETI step (1 = the paper's 1:1 alternation, 0 = none)
 * @param feedbackTokens    feedback is cut to its last this many tokens (0 = whole)
 */
public record IterationPlan(
        String runId,
        int iteration,
        FeedbackMode mode,
        String checkpoint,
        int trainingSamples,
        int epochs,
        int batchSize,
        double learningRate,
        int regularization,
        int feedbackTokens) {
}
