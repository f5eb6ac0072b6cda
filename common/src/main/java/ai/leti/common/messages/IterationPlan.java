package ai.leti.common.messages;

import java.util.List;

import ai.leti.common.leti.FeedbackMode;

/**
 * The generator's announcement that an iteration's training samples are on their way: the trainer collects
 * exactly {@code trainingSamples} results of this run and iteration (purpose TRAIN), then fine-tunes the
 * checkpoint it names and announces the next one.
 *
 * @param checkpoint         the checkpoint the samples came from: the run's base model (a directory the trainer
 *                           can read) when {@code checkpointIteration} is 0, else that iteration's checkpoint URI
 * @param checkpointIteration the iteration whose checkpoint was sampled (0: the base model). The trainer
 *                           continues from exactly that checkpoint and its optimizer state, or fails the run
 * @param checkpointDigest   {@link CheckpointAnnouncement#digestOf} of that checkpoint's files (null for the base)
 * @param trainingSamples    results to wait for before training
 * @param epochs             passes over the iteration's training texts
 * @param batchSize          sequences per optimizer step
 * @param learningRate       AdamW learning rate
 * @param regularization     plain-code steps per LETI step (1 = the paper's 1:1 alternation, 0 = none)
 * @param regularizationCorpus the trainer's plain-code corpus (a directory of .py files, JSONL with a
 *                           {@code content} field, or {@link #STANDARD_LIBRARY}); required when {@code regularization} > 0
 * @param regularizationBlockTokens tokens per plain-code block (the corpus is concatenated and cut into these)
 * @param excludedPrograms   fingerprints ({@link ai.leti.common.tasks.ProgramFingerprints}) of every reference
 *                           solution in the run's task and evaluation files: a corpus containing one is refused
 * @param feedbackTokens     feedback is cut to its last this many tokens (0 = whole)
 * @param batchOrder         {@link #GENERATION} (the authors': the samples in generation order, one problem's
 *                           samples side by side in a batch, no shuffling) or {@link #LENGTH} (texts of similar
 *                           length share a batch, batches shuffled each epoch: less padding); null means length
 * @param trainingText       {@link #EXECUTED} (the program as it was executed, cut at the generator's stop
 *                           sequences, ending with end-of-text so the model learns to stop) or {@link #RAW} (the
 *                           authors': the raw generation, sampled without stop sequences, with no end-of-text);
 *                           null means executed. Reference solutions always end with end-of-text, as the authors'
 *                           ground-truth baseline did
 */
public record IterationPlan(
        String runId,
        int iteration,
        FeedbackMode mode,
        String checkpoint,
        int checkpointIteration,
        String checkpointDigest,
        int trainingSamples,
        int epochs,
        int batchSize,
        double learningRate,
        int regularization,
        String regularizationCorpus,
        int regularizationBlockTokens,
        List<String> excludedPrograms,
        int feedbackTokens,
        String batchOrder,
        String trainingText) {

    public static final String GENERATION = "generation";
    public static final String LENGTH = "length";
    public static final String EXECUTED = "executed";
    public static final String RAW = "raw";
    /** The regularization corpus that means the trainer's own Python standard library. */
    public static final String STANDARD_LIBRARY = "stdlib";

    public IterationPlan {
        excludedPrograms = excludedPrograms == null ? List.of() : List.copyOf(excludedPrograms);
    }

    /** Whether training texts are the raw generations, without end-of-text (the authors' way). */
    public boolean rawText() {
        return RAW.equals(trainingText);
    }
}
