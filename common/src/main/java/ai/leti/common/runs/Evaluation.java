package ai.leti.common.runs;

import java.util.Map;

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
