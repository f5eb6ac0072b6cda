package ai.leti.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.tasks.eae.EaeScore;
import tools.jackson.databind.JsonNode;

class DemoReportTest {

    @TempDir
    Path out;

    /** A finished run whose held-out pass@1 (good-conditioned) after each iteration is {@code series}. */
    private static DemoRun run(String id, long stepsPerIteration, double... series) {
        return run(id, stepsPerIteration, false, series);
    }

    /** The same for event argument extraction: its argument classification F1 is pass@1 + 0.1. */
    private static DemoRun run(String id, long stepsPerIteration, boolean extraction, double... series) {
        List<Evaluation> evaluations = new ArrayList<>();
        List<IterationStats> timeline = new ArrayList<>();
        for (int i = 0; i < series.length; i++) {
            Map<String, Double> pass = Map.of("good", series[i], "bad", series[i] - 0.01, "plain", series[i]);
            evaluations.add(new Evaluation(i, i * stepsPerIteration, pass,
                    Map.of("good", Map.of("pass@1", series[i]), "bad", Map.of("pass@1", series[i] - 0.01), "plain",
                            Map.of("pass@1", series[i])),
                    Map.of("good", Map.of("assertion", 10 - i), "bad", Map.of(), "plain", Map.of("syntax", 3)),
                    extraction ? Map.of("good", Map.of(EaeScore.CLASSIFICATION_F1, series[i] + 0.1), "plain",
                            Map.of(EaeScore.CLASSIFICATION_F1, series[i] + 0.1)) : Map.of(),
                    Map.of("passing_good_minus_bad", 0.01 * i, "failing_good_minus_bad", -0.02 * i, "separation", 0.03 * i)));
            if (i > 0) {
                timeline.add(new IterationStats(i, 30, 5, 6, 4, 22, 816, 0.2 + i / 10.0, 0.3, (int) stepsPerIteration,
                        Map.of("sampler-1", 400L, "sampler-2", 416L)));
            }
        }
        return new DemoRun(id, evaluations, timeline);
    }

    @Test
    void measuresTheStepsTextualNeedsToReachBinarysBest() {
        Map<String, Object> efficiency = DemoFigures.sampleEfficiency(run("t", 400, 0.24, 0.30, 0.45),
                run("b", 400, 0.24, 0.20, 0.28));
        assertThat(efficiency).containsEntry("binary_best", 0.28).containsEntry("binary_steps", 800L)
                .containsEntry("textual_steps", 400L).containsEntry("ratio", 0.5).containsEntry("resolved", true);
        // between evaluations: textual crosses 0.28 two thirds of the way from 0 to 400 steps (0.24 -> 0.30);
        // binary reaches it at its second evaluation, 800 steps (0.20 -> 0.28)
        assertThat((double) efficiency.get("textual_steps_interpolated")).isCloseTo(266.67, within(0.01));
        assertThat((double) efficiency.get("binary_steps_interpolated")).isCloseTo(800, within(1e-9));
        assertThat((double) efficiency.get("ratio_interpolated")).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(efficiency).containsEntry("claim_holds", true);
        assertThat((double) efficiency.get("binary_gain_over_base")).isCloseTo(0.04, within(1e-9));
        assertThat((double) efficiency.get("textual_gain_over_base")).isCloseTo(0.21, within(1e-9));
    }

    @Test
    void aRatioBelowOneShowsWhenBinarysBestIsItsFirstEvaluation() {
        // Read only at the evaluations, both reach 0.30 at their first (ratio 1). Between them, textual (0.24 -> 0.40)
        // crosses 0.30 at 150 steps, binary (0.24 -> 0.30) at 400.
        Map<String, Object> efficiency = DemoFigures.sampleEfficiency(run("t", 400, 0.24, 0.40, 0.45),
                run("b", 400, 0.24, 0.30, 0.28));
        assertThat(efficiency).containsEntry("ratio", 1.0).containsEntry("resolved", true);
        assertThat((double) efficiency.get("ratio_interpolated")).isCloseTo(0.375, within(1e-9));
        assertThat(efficiency).containsEntry("claim_holds", true);

        Map<String, Object> slower = DemoFigures.sampleEfficiency(run("t", 400, 0.24, 0.20, 0.25),
                run("b", 400, 0.24, 0.30, 0.28));
        assertThat(slower).containsEntry("textual_steps", null).containsEntry("textual_steps_interpolated", null)
                .containsEntry("ratio_interpolated", null).containsEntry("claim_holds", false);
    }

    @Test
    void noRatioWhenBinaryNeverRoseAboveTheBase() {
        Map<String, Object> flat = DemoFigures.sampleEfficiency(run("t", 400, 0.24, 0.35, 0.45),
                run("b", 400, 0.24, 0.20, 0.22));
        assertThat(flat).containsEntry("resolved", false).containsEntry("ratio_interpolated", null)
                .containsEntry("claim_holds", false);
        assertThat((double) flat.get("binary_gain_over_base")).isCloseTo(-0.02, within(1e-9));
        assertThat(DemoFigures.stepsToReach(run("b", 400, 0.24, 0.20, 0.22).evaluations(), 0.3)).isNull();
    }

    @Test
    void writesTheSummaryThePlotsAndThePage() throws Exception {
        Map<FeedbackMode, DemoRun> runs = new LinkedHashMap<>();
        runs.put(FeedbackMode.TEXTUAL, run("t", 408, 0.24, 0.35, 0.50));
        runs.put(FeedbackMode.BINARY, run("b", 408, 0.24, 0.20, 0.26));
        new DemoReport(out, DemoPlan.quick(DemoTask.CODE, 0), runs, 3.5).write();

        JsonNode summary = Jsonl.MAPPER.readTree(Files.readString(out.resolve("summary.json")));
        assertThat(summary.at("/figures/textual_rise/base").asDouble()).isEqualTo(0.24);
        assertThat(summary.at("/figures/textual_rise/last").asDouble()).isEqualTo(0.50);
        assertThat(summary.at("/figures/sample_efficiency/ratio").asDouble()).isEqualTo(0.5);
        assertThat(summary.at("/figures/reward_token_after_last_iteration/textual/good_minus_bad").asDouble())
                .isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(summary.at("/figures/pipeline_overlap")).hasSize(4);
        assertThat(summary.at("/modes/binary/held_out_pass_at_1").toString()).isEqualTo("[0.24,0.2,0.26]");
        for (String plot : List.of("pass1-iterations", "pass1-steps", "reward-token", "error-categories", "train-pass-rate")) {
            byte[] png = Files.readAllBytes(out.resolve(plot + ".png"));
            assertThat(png).as(plot).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        }
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<img src=\"pass1-steps.png\"", "textual (run t)", "binary (run b)", "0.500",
                "training texts: programs as executed").doesNotContain("mbpp-reference.json");
    }

    @Test
    void saysWhatRanAndWhereTheAuthorsSettingsAre() throws Exception {
        Map<FeedbackMode, DemoRun> runs = new LinkedHashMap<>();
        runs.put(FeedbackMode.TEXTUAL, run("t", 408, 0.24, 0.35));
        runs.put(FeedbackMode.REFERENCE, run("r", 56, 0.24, 0.60));
        DemoPlan plan = new DemoPlan(DemoTask.EAE_AUTHORS, List.of(FeedbackMode.TEXTUAL, FeedbackMode.REFERENCE), 1, 8, 4, 2, 0, "generation", "raw");
        new DemoReport(out, plan, runs, 1.0).write();
        assertThat(Files.readString(out.resolve("report.html"))).contains("Task eae-authors",
                "the authors': one problem's samples side by side", "raw generations without end-of-text",
                "one greedy sample per task", "presets/mbpp-reference.json");
    }

    @Test
    void plotsTheArgumentF1OfExtractionRuns() throws Exception {
        Map<FeedbackMode, DemoRun> runs = new LinkedHashMap<>();
        runs.put(FeedbackMode.TEXTUAL, run("t", 100, true, 0.2, 0.4));
        runs.put(FeedbackMode.BINARY, run("b", 100, true, 0.2, 0.3));
        new DemoReport(out, DemoPlan.quick(DemoTask.EAE, 0), runs, 2.0).write();
        JsonNode summary = Jsonl.MAPPER.readTree(Files.readString(out.resolve("summary.json")));
        assertThat(summary.at("/modes/textual/held_out_arg_classification_f1/1").asDouble()).isCloseTo(0.5,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(out.resolve("eae-f1.png")).exists();
        assertThat(Files.readString(out.resolve("report.html"))).contains("eae-f1.png", "argument classification F1");
    }
}
