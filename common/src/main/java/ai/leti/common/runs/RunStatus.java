package ai.leti.common.runs;

import java.util.List;

/**
 * What the generator's REST API answers for a run ({@code GET /runs/{id}}, and the run's creation, start and stop):
 * the REST body, read by clients such as the command line. The generator's saved state ({@code SavedRun}) and the
 * reports' input ({@link RunHistory}) are records of their own.
 *
 * @param stage       where the run is (its name in JSON: {@code SAMPLING}, {@code DONE}, ...)
 * @param checkpoint  the checkpoint being sampled from
 * @param evaluations pass@1 per condition after each evaluated iteration (iteration 0 is the base model)
 * @param timeline    each finished iteration's stage times and training figures
 * @param problem     why the run failed or what it refused (a corrupt checkpoint), if anything
 */
public record RunStatus(
        String id,
        RunStage stage,
        int iteration,
        int iterations,
        long sampled,
        long executed,
        long passed,
        String checkpoint,
        List<Evaluation> evaluations,
        List<IterationStats> timeline,
        String problem) {
}
