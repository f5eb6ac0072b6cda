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
        String problem) {

    /** Held-out results after one iteration. */
    public record Evaluation(int iteration, long gradientSteps, Map<String, Double> passAt1,
            Map<String, Map<String, Integer>> categories) {
    }
}
