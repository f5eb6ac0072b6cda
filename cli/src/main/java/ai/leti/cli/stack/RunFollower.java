package ai.leti.cli.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

import ai.leti.common.leti.Condition;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.RunStage;
import ai.leti.common.runs.RunStatus;
import ai.leti.common.tasks.eae.EaeScore;

/** Follows a run over REST until it ends, printing each stage change, live counts and each evaluation as it lands. */
public final class RunFollower {

    private final RunClient client;
    private final PrintStream log;

    public RunFollower(RunClient client, PrintStream log) {
        this.client = client;
        this.log = log;
    }

    /** Polls the run until it ends, printing each stage change and each evaluation as it lands. */
    public RunStatus follow(String id) throws IOException, InterruptedException {
        String shown = "";
        int evaluationsShown = 0;
        long stageStarted = System.nanoTime();
        while (true) {
            RunStatus status = client.status(id);
            String now = status.stage() + "/" + status.iteration();
            for (; evaluationsShown < status.evaluations().size(); evaluationsShown++) {
                Evaluation evaluation = status.evaluations().get(evaluationsShown);
                Map<String, Double> pass = evaluation.passAt1();
                log.printf("%n   held-out pass@1 after iteration %d (%d gradient steps): good %.3f  bad %.3f  plain %.3f",
                        evaluation.iteration(), evaluation.gradientSteps(), pass.get(Condition.GOOD.label()),
                        pass.get(Condition.BAD.label()), pass.get(Condition.PLAIN.label()));
                if (pass.containsKey(Condition.BAD_EMPTY.label())) {
                    log.printf("  bad+empty span %.3f", pass.get(Condition.BAD_EMPTY.label()));
                }
                Map<String, Map<String, Double>> scores = evaluation.scores();
                if (scores != null && scores.containsKey(Condition.PLAIN.label()) && scores.containsKey(Condition.GOOD.label())) {
                    log.printf("; argument classification F1 good %.3f  plain %.3f",
                            scores.get(Condition.GOOD.label()).get(EaeScore.CLASSIFICATION_F1),
                            scores.get(Condition.PLAIN.label()).get(EaeScore.CLASSIFICATION_F1));
                }
                Double separation = evaluation.rewardTokenLikelihood().get("separation");
                if (separation != null) {
                    log.printf("; reward-token likelihood separation %+.4f nats", separation);
                }
            }
            if (!now.equals(shown)) {
                shown = now;
                stageStarted = System.nanoTime();
                log.printf("%n   iteration %d/%d  %-10s", status.iteration(), status.iterations(), status.stage().label());
            } else if (status.stage() == RunStage.SAMPLING || status.stage() == RunStage.EXECUTING) {
                log.printf("\r   iteration %d/%d  %-10s sampled %d  executed %d  passed %d  (%.0f s)", status.iteration(),
                        status.iterations(), status.stage().label(), status.sampled(), status.executed(), status.passed(),
                        (System.nanoTime() - stageStarted) / 1e9);
            }
            if (status.stage().ended()) {
                log.println();
                return status;
            }
            Thread.sleep(1000);
        }
    }
}
