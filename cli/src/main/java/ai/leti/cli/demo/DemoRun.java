package ai.leti.cli.demo;

import java.util.List;

import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunHistory;

/**
 * One finished run as the demo's report reads it: its evaluations and iterations, from the run's history (the REST
 * status is what the demo follows a run by, not what it reports).
 */
record DemoRun(String id, List<Evaluation> evaluations, List<IterationStats> timeline) {

    static DemoRun of(String id, RunHistory.Events history) {
        return new DemoRun(id, history.evaluations().stream().map(RunHistory.EvaluationEvent::evaluation).toList(),
                history.iterations().stream().map(RunHistory.IterationEvent::stats).toList());
    }
}
