package ai.leti.generator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.generator.run.RunHistory;
import ai.leti.generator.run.RunStatus;

/** A run's history file, written as a run appends to it, read back and drawn into a report. */
class RunReportTest {

    @TempDir
    Path dir;

    private static RunStatus.Evaluation evaluation(int iteration, long steps, double good) {
        return new RunStatus.Evaluation(iteration, steps, Map.of("good", good, "bad", good / 2, "plain", good * 0.8),
                Map.of("good", Map.of("pass@1", good)), Map.of("good", Map.of("assertion", 3)), Map.of(),
                Map.of("separation", 0.1 * iteration));
    }

    private static RunStatus.IterationStats iteration(int iteration, double loss) {
        return new RunStatus.IterationStats(iteration, 10, 4, 5, 2, 3, 16, 0.25, loss, 8);
    }

    @Test
    void readsTheLastLineOfEachEventAndSkipsKindsItDoesNotKnow() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("run-1"));
        history.evaluation(evaluation(0, 0, 0.1));
        history.iteration(iteration(1, 2.0), 800);
        history.iteration(iteration(1, 1.5), 800); // written again after a crash: the last one counts
        Files.writeString(history.file(), "{\"type\": \"checkpoint\", \"iteration\": 1}\n",
                java.nio.file.StandardOpenOption.APPEND);
        history.evaluation(evaluation(1, 8, 0.3));

        RunHistory.Events events = RunHistory.read(history.file());

        assertThat(events.iterations()).singleElement().satisfies(i -> {
            assertThat(i.stats().trainingLoss()).isEqualTo(1.5);
            assertThat(i.sampledTokens()).isEqualTo(800);
            assertThat(i.tokensPerSecond()).isEqualTo(200.0); // 800 tokens in 4 s of sampling
        });
        assertThat(events.evaluations()).extracting(e -> e.evaluation().iteration()).containsExactly(0, 1);
    }

    @Test
    void drawsEveryPlotThereIsDataForAndATableOfEveryNumber() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("run-2"));
        history.evaluation(evaluation(0, 0, 0.1));
        history.iteration(iteration(1, 1.9), 640);
        history.evaluation(evaluation(1, 8, 0.3));
        history.iteration(iteration(2, 1.2), 700);
        history.evaluation(evaluation(2, 16, 0.45));

        Path page = new RunReport("run-2", "Mode textual.", RunHistory.read(history.file())).write(dir.resolve("report"));

        String html = Files.readString(page);
        assertThat(html).contains("<title>LETI run run-2</title>", "Mode textual.", "pass@1 0.450", "1.2000");
        List<String> expected = List.of("pass1-iterations", "pass1-steps", "loss", "tokens-per-second", "sample-pass-rate",
                "stage-times", "reward-token");
        for (String plot : expected) {
            assertThat(html).contains("src=\"" + plot + ".png\"");
            assertThat(ImageIO.read(dir.resolve("report").resolve(plot + ".png").toFile()).getWidth()).as(plot).isGreaterThan(500);
        }
        assertThat(html).as("no argument F1 for a code run").doesNotContain("argument-f1.png");
    }

    @Test
    void aRunWithNothingFinishedYetSaysSo() throws Exception {
        Path file = Files.createDirectories(dir.resolve("run-3")).resolve(RunHistory.FILE);
        Files.writeString(file, "");
        String html = Files.readString(new RunReport("run-3", "", RunHistory.read(file)).write(dir.resolve("empty")));
        assertThat(html).contains("Nothing to plot yet").doesNotContain("<img");
    }
}
