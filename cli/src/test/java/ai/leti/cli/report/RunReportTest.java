package ai.leti.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunHistory;

/** A run's history file, written as a run appends to it, read back and drawn into a report. */
class RunReportTest {

    @TempDir
    Path dir;

    private static Evaluation evaluation(int iteration, long steps, double good) {
        return new Evaluation(iteration, steps, Map.of("good", good, "bad", good / 2, "plain", good * 0.8),
                Map.of("good", Map.of("pass@1", good)), Map.of("good", Map.of("assertion", 3)), Map.of(),
                Map.of("separation", 0.1 * iteration));
    }

    private static IterationStats iteration(int iteration, double loss) {
        return new IterationStats(iteration, 10, 4, 5, 2, 3, 16, 0.25, loss, 8, Map.of("sampler-1", 16L));
    }

    /** One event as the generator appends it (its {@code HistoryLog}). */
    private static void append(Path file, Object event) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Jsonl.MAPPER.writeValueAsString(event) + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    @Test
    void readsTheLastLineOfEachEventAndSkipsKindsItDoesNotKnow() throws Exception {
        Path history = dir.resolve("run-1").resolve(RunHistory.FILE);
        append(history, RunHistory.EvaluationEvent.of(evaluation(0, 0, 0.1)));
        append(history, RunHistory.IterationEvent.of(iteration(1, 2.0), 800));
        append(history, RunHistory.IterationEvent.of(iteration(1, 1.5), 800)); // written again after a crash: the last counts
        Files.writeString(history, "{\"type\": \"checkpoint\", \"iteration\": 1}\n", StandardOpenOption.APPEND);
        append(history, RunHistory.EvaluationEvent.of(evaluation(1, 8, 0.3)));

        RunHistory.Events events = RunHistory.read(history);

        assertThat(events.iterations()).singleElement().satisfies(i -> {
            assertThat(i.stats().trainingLoss()).isEqualTo(1.5);
            assertThat(i.sampledTokens()).isEqualTo(800);
            assertThat(i.tokensPerSecond()).isEqualTo(200.0); // 800 tokens in 4 s of sampling
        });
        assertThat(events.evaluations()).extracting(e -> e.evaluation().iteration()).containsExactly(0, 1);
    }

    @Test
    void drawsEveryPlotThereIsDataForAndATableOfEveryNumber() throws Exception {
        Path history = dir.resolve("run-2").resolve(RunHistory.FILE);
        append(history, RunHistory.EvaluationEvent.of(evaluation(0, 0, 0.1)));
        append(history, RunHistory.IterationEvent.of(iteration(1, 1.9), 640));
        append(history, RunHistory.EvaluationEvent.of(evaluation(1, 8, 0.3)));
        append(history, RunHistory.IterationEvent.of(iteration(2, 1.2), 700));
        append(history, RunHistory.EvaluationEvent.of(evaluation(2, 16, 0.45)));

        Path page = new RunReport("run-2", "Mode textual.", RunHistory.read(history)).write(dir.resolve("report"));

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
