package ai.leti.generator.run;

import java.util.List;
import java.util.Map;

/**
 * What {@code GET /runs/{id}} answers.
 *
 * @param stage       {@code CREATED}, {@code SAMPLING}, {@code EXECUTING}, {@code TRAINING}, {@code EVALUATING},
 *                    {@code DONE}, {@code STOPPED} or {@code FAILED}
 * @param checkpoint  the checkpoint being sampled from
 * @param evaluations pass@1 per condition after each evaluated iteration (iteration 0 is the base model)
 * @param timeline    each finished iteration's stage times and training figures
 * @param problem     why the run failed or what it refused (a corrupt checkpoint), if anything
 */
public record RunStatus(
        String id,
        String stage,
        int iteration,
        int iterations,
        long sampled,
        long executed,
        long passed,
        String checkpoint,
        List<Evaluation> evaluations,
        List<IterationStats> timeline,
        String problem) {

    /**
     * Held-out results after one iteration, per condition ({@code good}, {@code bad}, {@code plain}; textual runs
     * also {@code bad_empty}: {@code <|bad|>} with an empty feedback span).
     *
     * @param passAtK    pass@k for k = 1 and the larger of 2, 5, 10, 100 that the evaluation's samples allow
     * @param categories failures by error category
     * @param scores     task-specific scores per condition: for event argument extraction
     *                   {@code arg_identification_f1} and {@code arg_classification_f1}; empty for code tasks
     * @param rewardTokenLikelihood the reward token's likelihood probe, in nats per program token (see
     *                   {@code RewardTokenProbe}): {@code passing_good_minus_bad}, {@code failing_good_minus_bad},
     *                   {@code separation}, and for textual runs the same after an empty feedback span
     *                   ({@code ..._empty}); empty where the base model wrote no program to probe with
     */
    public record Evaluation(int iteration, long gradientSteps, Map<String, Double> passAt1,
            Map<String, Map<String, Double>> passAtK, Map<String, Map<String, Integer>> categories,
            Map<String, Map<String, Double>> scores, Map<String, Double> rewardTokenLikelihood) {

        public Evaluation {
            rewardTokenLikelihood = rewardTokenLikelihood == null ? Map.of() : rewardTokenLikelihood;
        }
    }

    /**
     * One iteration, start of sampling to the new checkpoint loaded. Sampling and execution overlap (each candidate
     * is executed as soon as it is sampled); training starts when the iteration's last result is in.
     *
     * @param wallSeconds          start of sampling to the new checkpoint loaded
     * @param samplingSeconds      the generator sampling the iteration's programs
     * @param executionSeconds     first candidate published to last result received
     * @param executionBusySeconds the programs' run times summed over the fleet's workers (a repeated program the
     *                             executor answered from its recent verdicts counts nothing)
     * @param trainingSeconds      the trainer's fine-tuning (as it announced)
     * @param samplePassRate       the fraction of the iteration's sampled programs that passed
     */
    public record IterationStats(int iteration, double wallSeconds, double samplingSeconds, double executionSeconds,
            double executionBusySeconds, double trainingSeconds, long samples, double samplePassRate, double trainingLoss,
            int gradientSteps) {

        /** The stages' times summed: more than the wall time by as much as they overlapped. */
        public double stageSeconds() {
            return samplingSeconds + executionSeconds + trainingSeconds;
        }
    }
}
