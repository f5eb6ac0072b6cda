package ai.leti.generator.run;

import java.util.List;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.IterationPlan;

/**
 * A LETI run as a user asks for it. Paths are on the generator's file system (the trainer reads the starting
 * checkpoint from the same path, a shared volume in Kubernetes).
 *
 * @param split              {@code all}, or an MBPP split ({@code train}, {@code test}, {@code validation})
 * @param regularizationRatio plain-code steps per LETI step; 0 for none
 * @param regularizationCorpus the plain code of those steps, as the trainer sees it: a directory of .py files, a
 *                           JSONL file with a {@code content} field per line (The Stack's convention), or
 *                           {@code stdlib} (the trainer's Python standard library); never a task file. Required
 *                           when {@code regularizationRatio} > 0; the trainer refuses one that holds any reference
 *                           solution of this run's task or evaluation files, and the run fails with its reason
 * @param regularizationBlockTokens tokens per plain-code block (absent: 256)
 * @param batchOrder         {@code generation} (the authors': one problem's samples side by side in a batch, in the
 *                           order they were generated, no shuffling) or {@code length} (texts of similar length share
 *                           a batch, shuffled each epoch; the default, and the CPU recipe's)
 * @param trainingText       {@code executed} (the default: training samples end at the generator's stop sequences,
 *                           and the program as executed is trained on, ending with end-of-text) or {@code raw} (the
 *                           authors': training samples run to end-of-text or {@code maxNewTokens} with no stop
 *                           sequence, and the raw generation is executed and trained on, without end-of-text)
 * @param evaluationTopP     nucleus of evaluation sampling (absent: 1.0; HumanEval's protocol: 0.95)
 * @param evaluationStopSequences where an evaluation completion ends (absent: the generator's
 *                           {@code leti.generator.stop}, which training samples always use; HumanEval's protocol:
 *                           {@code \ndef}, {@code \nclass}, {@code \nif}, {@code \n#}, {@code \n@}, {@code \nprint})
 * @param evaluationEvery    evaluate after every this many iterations (and always after the last)
 */
public record RunRequest(
        @NotBlank @Pattern(regexp = "[A-Za-z0-9._-]{1,64}", message = "letters, digits, . _ - only, at most 64") String name,
        @NotBlank String model,
        @NotBlank String taskFile,
        @NotNull @Pattern(regexp = "all|train|test|validation", message = "all, train, test or validation") String split,
        @Min(1) @Max(1024) int samplesPerTask,
        @DecimalMin("0.0") @DecimalMax("2.0") double temperature,
        @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") double topP,
        @Min(1) @Max(2048) int maxNewTokens,
        @Min(1) @Max(1000) int iterations,
        @Min(1) @Max(100) int epochs,
        @NotNull FeedbackMode mode,
        @Min(1) @Max(1024) int batchSize,
        @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") double learningRate,
        @Min(0) @Max(8) int regularizationRatio,
        String regularizationCorpus,
        @Min(16) @Max(4096) Integer regularizationBlockTokens,
        @Min(0) @Max(4096) int feedbackTokens,
        @Pattern(regexp = "generation|length", message = "generation or length") String batchOrder,
        @Pattern(regexp = "executed|raw", message = "executed or raw") String trainingText,
        String evaluationFile,
        @NotNull @Pattern(regexp = "all|train|test|validation", message = "all, train, test or validation") String evaluationSplit,
        @Min(1) @Max(256) int evaluationSamples,
        @DecimalMin("0.0") @DecimalMax("2.0") double evaluationTemperature,
        @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double evaluationTopP,
        @Size(max = 16) List<@NotNull @Size(min = 1, max = 64) String> evaluationStopSequences,
        @Min(1) @Max(1000) int evaluationEvery,
        @DecimalMin(value = "0.1") @DecimalMax("600") double timeoutSeconds,
        long seed) {

    /** Whether training samples run to end-of-text or the token limit, with no stop sequence (the authors'). */
    public boolean rawText() {
        return IterationPlan.RAW.equals(trainingText);
    }

    /**
     * What this run asks the trainer to do with iteration {@code iteration}'s {@code candidates} results, continuing
     * from the checkpoint of iteration {@code completed} ({@code checkpoint}, whose files' digest is
     * {@code checkpointDigest}; null for the base model).
     */
    public IterationPlan plan(String runId, int iteration, String checkpoint, int completed, String checkpointDigest,
            int candidates, List<String> excludedPrograms) {
        return new IterationPlan(runId, iteration, mode, checkpoint, completed, checkpointDigest, candidates, epochs,
                batchSize, learningRate, regularizationRatio, regularizationCorpus,
                regularizationBlockTokens == null ? 0 : regularizationBlockTokens, excludedPrograms, feedbackTokens,
                batchOrder == null ? IterationPlan.LENGTH : batchOrder, rawText() ? IterationPlan.RAW : IterationPlan.EXECUTED);
    }
}
