package ai.leti.cli.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.RunStatus;

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
                        evaluation.iteration(), evaluation.gradientSteps(), pass.get("good"), pass.get("bad"), pass.get("plain"));
                if (pass.containsKey("bad_empty")) {
                    log.printf("  bad+empty span %.3f", pass.get("bad_empty"));
                }
                if (evaluation.scores() != null && evaluation.scores().containsKey("plain")) {
                    log.printf("; argument classification F1 good %.3f  plain %.3f",
                            evaluation.scores().get("good").get("arg_classification_f1"),
                            evaluation.scores().get("plain").get("arg_classification_f1"));
                }
                Double separation = evaluation.rewardTokenLikelihood().get("separation");
                if (separation != null) {
                    log.printf("; reward-token likelihood separation %+.4f nats", separation);
                }
            }
            if (!now.equals(shown)) {
                shown = now;
                stageStarted = System.nanoTime();
                log.printf("%n   iteration %d/%d  %-10s", status.iteration(), status.iterations(), status.stage().toLowerCase());
            } else if (status.stage().equals("SAMPLING") || status.stage().equals("EXECUTING")) {
                log.printf("\r   iteration %d/%d  %-10s sampled %d  executed %d  passed %d  (%.0f s)", status.iteration(),
                        status.iterations(), status.stage().toLowerCase(), status.sampled(), status.executed(), status.passed(),
                        (System.nanoTime() - stageStarted) / 1e9);
            }
            if (List.of("DONE", "FAILED", "STOPPED").contains(status.stage())) {
                log.println();
                return status;
            }
            Thread.sleep(1000);
        }
    }
}
