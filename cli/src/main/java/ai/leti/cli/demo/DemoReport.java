package ai.leti.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

import ai.leti.cli.report.RunReport;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunStatus;

/**
 * The demo's report: {@code summary.json} with every number, PNG plots, and {@code report.html} that shows them.
 * <p>
 * The headline series is held-out pass@1 conditioned on {@code <|good|>} after each LETI iteration, as the paper
 * evaluates; the base model (iteration 0) has never seen a reward token, so its point is its unconditioned pass@1.
 * The sample-efficiency figure follows the paper's claim: the gradient steps textual feedback needs to reach binary
 * feedback's best held-out pass@1, over the steps binary needed for it.
 */
final class DemoReport {

    private final Path out;
    private final DemoPlan plan;
    private final Map<String, RunStatus> runs;
    private final double minutes;

    DemoReport(Path out, DemoPlan plan, Map<String, RunStatus> runs, double minutes) {
        this.out = out;
        this.plan = plan;
        this.runs = runs;
        this.minutes = minutes;
    }

    /** Held-out pass@1 as the report plots it (see the class comment). */
    static double headline(Evaluation evaluation) {
        return evaluation.passAt1().get(evaluation.iteration() == 0 ? "plain" : "good");
    }

    /** Held-out argument classification F1 of an EAE evaluation, in the headline's condition; null for code tasks. */
    static Double classificationF1(Evaluation evaluation) {
        Map<String, Double> scores = evaluation.scores() == null ? null
                : evaluation.scores().get(evaluation.iteration() == 0 ? "plain" : "good");
        return scores == null ? null : scores.get("arg_classification_f1");
    }

    private boolean extraction() {
        return runs.values().stream().flatMap(run -> run.evaluations().stream()).anyMatch(e -> classificationF1(e) != null);
    }

    void write() throws IOException {
        Files.writeString(out.resolve("summary.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary()));
        save(lines("Held-out pass@1 per iteration", "iteration", false), "pass1-iterations");
        save(lines("Held-out pass@1 per gradient step", "gradient steps", true), "pass1-steps");
        save(rewardToken(), "reward-token");
        save(errorCategories(), "error-categories");
        save(samplePassRate(), "train-pass-rate");
        if (extraction()) {
            save(f1(), "eae-f1");
        }
        Files.writeString(out.resolve("report.html"), html());
    }

    /** One line with the figures the issue asks for. */
    String headline() {
        Map<String, Object> figures = figures();
        StringBuilder line = new StringBuilder("held-out pass@1 (good-conditioned; base unconditioned):");
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            line.append(String.format(Locale.ROOT, "%n  %-9s %s", run.getKey(), run.getValue().evaluations().stream()
                    .map(e -> String.format(Locale.ROOT, "%.3f", headline(e))).toList()));
        }
        if (extraction()) {
            line.append(String.format(Locale.ROOT, "%nheld-out argument classification F1:"));
            for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
                line.append(String.format(Locale.ROOT, "%n  %-9s %s", run.getKey(), run.getValue().evaluations().stream()
                        .map(e -> String.format(Locale.ROOT, "%.3f", classificationF1(e))).toList()));
            }
        }
        if (figures.get("sample_efficiency") instanceof Map<?, ?> efficiency) {
            line.append(String.format(Locale.ROOT, "%n  textual reached binary's best (%.3f) after %s gradient steps; binary after %s (ratio %s)",
                    efficiency.get("binary_best"), efficiency.get("textual_steps"), efficiency.get("binary_steps"),
                    efficiency.get("ratio")));
            if (Boolean.TRUE.equals(efficiency.get("resolved"))) {
                line.append(String.format(Locale.ROOT, "%n  between evaluations (linear): textual after %s, binary after %s (ratio %s)",
                        rounded(efficiency.get("textual_steps_interpolated")), rounded(efficiency.get("binary_steps_interpolated")),
                        efficiency.get("ratio_interpolated") instanceof Double r ? String.format(Locale.ROOT, "%.2f", r) : "none"));
            }
            line.append(String.format(Locale.ROOT, "%n  gain over the base model: textual %+.3f, binary %+.3f%s",
                    efficiency.get("textual_gain_over_base"), efficiency.get("binary_gain_over_base"),
                    Boolean.FALSE.equals(efficiency.get("resolved"))
                            ? " (binary never rose above the base model: no steps ratio means anything)" : ""));
        }
        return line.toString();
    }

    private Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("plan", plan);
        summary.put("minutes", minutes);
        summary.put("figures", figures());
        Map<String, Object> modes = new LinkedHashMap<>();
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            Map<String, Object> mode = new LinkedHashMap<>();
            mode.put("run", run.getValue().id());
            mode.put("held_out_pass_at_1", run.getValue().evaluations().stream().map(DemoReport::headline).toList());
            mode.put("gradient_steps", run.getValue().evaluations().stream().map(Evaluation::gradientSteps).toList());
            if (extraction()) {
                mode.put("held_out_arg_classification_f1", run.getValue().evaluations().stream()
                        .map(DemoReport::classificationF1).toList());
            }
            mode.put("evaluations", run.getValue().evaluations());
            mode.put("iterations", run.getValue().timeline());
            modes.put(run.getKey(), mode);
        }
        summary.put("modes", modes);
        return summary;
    }

    /** The figures: reward token, textual's rise, sample efficiency, pipeline overlap. */
    Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        Map<String, Object> rewardToken = new LinkedHashMap<>();
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            Evaluation last = evaluations.get(evaluations.size() - 1);
            Map<String, Double> token = new LinkedHashMap<>();
            token.put("good", last.passAt1().get("good"));
            token.put("bad", last.passAt1().get("bad"));
            token.put("good_minus_bad", last.passAt1().get("good") - last.passAt1().get("bad"));
            Double badEmpty = last.passAt1().get("bad_empty"); // textual runs: <|bad|> with an empty feedback span
            if (badEmpty != null) {
                token.put("bad_empty", badEmpty);
                token.put("good_minus_bad_empty", last.passAt1().get("good") - badEmpty);
            }
            rewardToken.put(run.getKey(), token);
        }
        figures.put("reward_token_after_last_iteration", rewardToken);
        Map<String, Object> likelihood = new LinkedHashMap<>();
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            likelihood.put(run.getKey(), run.getValue().evaluations().stream().map(e -> {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("iteration", e.iteration());
                point.putAll(e.rewardTokenLikelihood());
                return point;
            }).toList());
        }
        // nats per program token: passing programs' log p after <|good|> minus after <|bad|>, failing ones' likewise
        figures.put("reward_token_likelihood_nats", likelihood);
        RunStatus textual = runs.get("textual");
        if (textual != null) {
            List<Double> series = textual.evaluations().stream().map(DemoReport::headline).toList();
            figures.put("textual_rise", Map.of("base", series.get(0), "last", series.get(series.size() - 1),
                    "best", series.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        }
        RunStatus binary = runs.get("binary");
        if (textual != null && binary != null) {
            figures.put("sample_efficiency", sampleEfficiency(textual, binary));
        }
        List<Map<String, Object>> overlap = new ArrayList<>();
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            for (IterationStats stats : run.getValue().timeline()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("mode", run.getKey());
                row.put("iteration", stats.iteration());
                row.put("wall_seconds", stats.wallSeconds());
                row.put("stage_seconds", stats.stageSeconds());
                row.put("sampling_seconds", stats.samplingSeconds());
                row.put("execution_seconds", stats.executionSeconds());
                row.put("execution_busy_seconds", stats.executionBusySeconds());
                row.put("training_seconds", stats.trainingSeconds());
                overlap.add(row);
            }
        }
        figures.put("pipeline_overlap", overlap);
        return figures;
    }

    /** Interpolated steps as the headline prints them. */
    private static String rounded(Object steps) {
        return steps instanceof Double value ? Math.round(value) + " steps" : "never";
    }

    /**
     * The paper's sample-efficiency figure: the gradient steps textual feedback needs to reach binary feedback's best
     * held-out pass@1, against binary's own. Read at the evaluations ({@code textual_steps}, {@code binary_steps}),
     * and, since evaluations come once per iteration (hundreds of steps apart), also interpolated linearly between
     * consecutive evaluations, the base model's included ({@code *_interpolated}): there a ratio below 1 can show
     * even when binary's best is its first evaluation. When binary never rose above the base, no ratio means
     * anything ({@code resolved: false}); the gains over the base say what happened.
     */
    static Map<String, Object> sampleEfficiency(RunStatus textual, RunStatus binary) {
        List<Evaluation> binaryRuns = binary.evaluations().stream().filter(e -> e.iteration() > 0).toList();
        double best = binaryRuns.stream().mapToDouble(DemoReport::headline).max().orElse(0);
        Long binarySteps = binaryRuns.stream().filter(e -> headline(e) >= best).map(Evaluation::gradientSteps)
                .findFirst().orElse(null);
        Long textualSteps = textual.evaluations().stream().filter(e -> e.iteration() > 0 && headline(e) >= best)
                .map(Evaluation::gradientSteps).findFirst().orElse(null);
        Map<String, Object> efficiency = new LinkedHashMap<>();
        efficiency.put("binary_best", best);
        efficiency.put("binary_steps", binarySteps);
        efficiency.put("textual_steps", textualSteps);
        efficiency.put("ratio", textualSteps == null || binarySteps == null || binarySteps == 0 ? null
                : textualSteps / (double) binarySteps);
        double base = binary.evaluations().isEmpty() ? 0 : headline(binary.evaluations().get(0));
        boolean binaryRose = best > base;
        Double textualReached = binaryRose ? stepsToReach(textual.evaluations(), best) : null;
        Double binaryReached = binaryRose ? stepsToReach(binary.evaluations(), best) : null;
        efficiency.put("textual_steps_interpolated", textualReached);
        efficiency.put("binary_steps_interpolated", binaryReached);
        Double ratio = textualReached == null || binaryReached == null || binaryReached == 0 ? null
                : textualReached / binaryReached;
        efficiency.put("ratio_interpolated", ratio);
        efficiency.put("claim_holds", ratio != null && ratio <= 0.5);
        // resolved: the interpolated ratio says something, which it cannot when binary never rose above the base
        efficiency.put("resolved", binaryRose);
        efficiency.put("binary_gain_over_base", best - base);
        efficiency.put("textual_gain_over_base", textual.evaluations().stream().mapToDouble(DemoReport::headline).max()
                .orElse(base) - base);
        return efficiency;
    }

    /**
     * The gradient steps at which a run's held-out curve first reaches {@code target}, linear between consecutive
     * evaluations (the base model's at 0 steps included); null if it never does.
     */
    static Double stepsToReach(List<Evaluation> evaluations, double target) {
        for (int i = 0; i < evaluations.size(); i++) {
            Evaluation at = evaluations.get(i);
            double value = headline(at);
            if (value >= target) {
                if (i == 0) {
                    return (double) at.gradientSteps();
                }
                Evaluation before = evaluations.get(i - 1);
                double from = headline(before);
                return before.gradientSteps() + (target - from) / (value - from) * (at.gradientSteps() - before.gradientSteps());
            }
        }
        return null;
    }

    private XYChart lines(String title, String xTitle, boolean bySteps) {
        XYChart chart = xy(title, xTitle, "held-out pass@1");
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey(),
                    evaluations.stream().map(e -> (double) (bySteps ? e.gradientSteps() : e.iteration())).toList(),
                    evaluations.stream().map(DemoReport::headline).toList());
        }
        return chart;
    }

    private XYChart f1() {
        XYChart chart = xy("Held-out argument classification F1 per iteration", "iteration", "argument classification F1");
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey(), evaluations.stream().map(e -> (double) e.iteration()).toList(),
                    evaluations.stream().map(e -> {
                        Double f1 = classificationF1(e);
                        return f1 == null ? 0.0 : f1;
                    }).toList());
        }
        return chart;
    }

    /** The reward token's effect: held-out pass@1 after {@code <|good|>} minus after {@code <|bad|>}. */
    private XYChart rewardToken() {
        XYChart chart = xy("Reward token: pass@1 after <|good|> minus after <|bad|>", "iteration", "good - bad");
        chart.getStyler().setYAxisMin(null);
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey(), evaluations.stream().map(e -> (double) e.iteration()).toList(),
                    evaluations.stream().map(e -> e.passAt1().get("good") - e.passAt1().get("bad")).toList());
        }
        return chart;
    }

    private XYChart samplePassRate() {
        XYChart chart = xy("Pass rate of the sampled training programs", "iteration", "passed / sampled");
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            List<IterationStats> timeline = run.getValue().timeline();
            if (!timeline.isEmpty() && !run.getKey().equals("reference")) { // reference mode samples nothing
                chart.addSeries(run.getKey(), timeline.stream().map(s -> (double) s.iteration()).toList(),
                        timeline.stream().map(IterationStats::samplePassRate).toList());
            }
        }
        return chart;
    }

    /** Failures of the held-out samples by category, per mode and iteration (headline condition). */
    private CategoryChart errorCategories() {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(420).title("Held-out failures by error category")
                .xAxisTitle("mode / iteration").yAxisTitle("failed samples").build();
        chart.getStyler().setStacked(true);
        chart.getStyler().setXAxisLabelRotation(45);
        List<String> columns = new ArrayList<>();
        TreeSet<String> categories = new TreeSet<>();
        List<Map<String, Integer>> counts = new ArrayList<>();
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            for (Evaluation evaluation : run.getValue().evaluations()) {
                columns.add(run.getKey() + " " + evaluation.iteration());
                Map<String, Integer> failures = evaluation.categories().get(evaluation.iteration() == 0 ? "plain" : "good");
                counts.add(failures);
                categories.addAll(failures.keySet());
            }
        }
        if (categories.isEmpty()) {
            categories.add("none");
        }
        for (String category : categories) {
            chart.addSeries(category, columns, counts.stream().map(c -> (Number) c.getOrDefault(category, 0)).toList());
        }
        return chart;
    }

    private static XYChart xy(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(820).height(420).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        return chart;
    }

    private void save(Chart<?, ?> chart, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, out.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private String html() {
        StringBuilder html = new StringBuilder("""
                <!doctype html><html><head><meta charset="utf-8"><title>LETI demo report</title>
                <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
                table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
                th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3}</style></head><body>
                <h1>LETI demo report</h1>
                """);
        String evaluation = plan.authorsExtraction() ? "one greedy sample per task (the authors' EAE protocol)"
                : String.format(Locale.ROOT, "%d sample(s) per task at temperature 0.2", plan.evaluationSamples());
        html.append(String.format(Locale.ROOT, "<p>Task %s; modes %s; %d iterations of %d samples per training task; %d epochs"
                + " per iteration, batches in %s order (%s); training texts: %s; held-out pass@1 from %s;"
                + " %.1f minutes. Every number is also in <code>summary.json</code>.</p>", plan.task(), plan.modes(),
                plan.iterations(), plan.samplesPerTask(), plan.epochs(), plan.batchOrder(),
                plan.batchOrder().equals(IterationPlan.LENGTH)
                        ? "similar lengths together, shuffled: the CPU recipe's; the authors keep generation order"
                        : "the authors': one problem's samples side by side", IterationPlan.RAW.equals(plan.trainingText())
                        ? "raw generations without end-of-text (the authors')"
                        : "programs as executed, cut at stop sequences, ending with end-of-text", evaluation, minutes));
        html.append("<p>Held-out pass@1 is conditioned on <code>&lt;|good|&gt;</code> after each iteration; the base model"
                + " (iteration 0) has never seen a reward token, so its point is unconditioned.</p>");
        if (plan.modes().contains("reference")) {
            html.append("<p><code>reference</code> trains on the task file's reference solutions with these LETI settings:"
                    + " the paper's ground-truth baseline, not LETI. The authors ran it with their own settings (lr 1e-4,"
                    + " batch 384, 30 epochs, no regularization): <code>presets/mbpp-reference.json</code>.</p>");
        }
        html.append("<h2>Figures</h2><pre>").append(RunReport.escape(headline())).append("</pre>");
        List<String> images = new ArrayList<>(List.of("pass1-iterations", "pass1-steps", "reward-token", "train-pass-rate",
                "error-categories"));
        if (extraction()) {
            images.add(1, "eae-f1");
        }
        for (String image : images) {
            html.append("<p><img src=\"").append(image).append(".png\" alt=\"").append(image).append("\"></p>");
        }
        for (Map.Entry<String, RunStatus> run : runs.entrySet()) {
            html.append("<h2>").append(RunReport.escape(run.getKey())).append(" (run ").append(RunReport.escape(run.getValue().id())).append(")</h2>");
            if (Files.exists(out.resolve(run.getKey()).resolve("report.html"))) {
                html.append("<p>This run's own report: <a href=\"").append(RunReport.escape(run.getKey()))
                        .append("/report.html\">").append(RunReport.escape(run.getKey())).append("/report.html</a></p>");
            }
            html.append("<table><tr><th>after iteration</th><th>gradient steps</th><th>pass@1 good</th><th>pass@1 bad</th>"
                    + "<th>pass@1 plain</th><th>pass@1 bad, empty feedback span</th><th>likelihood separation, nats"
                    + " (bad / empty span)</th><th>failures (headline condition)</th></tr>");
            for (Evaluation e : run.getValue().evaluations()) {
                Double badEmpty = e.passAt1().get("bad_empty"); // textual runs only
                Double separation = e.rewardTokenLikelihood().get("separation");
                Double separationEmpty = e.rewardTokenLikelihood().get("separation_empty");
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                        e.iteration(), e.gradientSteps(), e.passAt1().get("good"), e.passAt1().get("bad"), e.passAt1().get("plain"),
                        badEmpty == null ? "" : String.format(Locale.ROOT, "%.3f", badEmpty),
                        (separation == null ? "" : String.format(Locale.ROOT, "%+.4f", separation))
                                + (separationEmpty == null ? "" : String.format(Locale.ROOT, " / %+.4f", separationEmpty)),
                        RunReport.escape(String.valueOf(e.categories().get(e.iteration() == 0 ? "plain" : "good")))));
            }
            html.append("</table><table><tr><th>iteration</th><th>wall s</th><th>sampling s</th><th>execution s</th>"
                    + "<th>execution busy s</th><th>training s</th><th>stages summed s</th><th>samples</th>"
                    + "<th>sample pass rate</th><th>training loss</th><th>gradient steps</th></tr>");
            for (IterationStats s : run.getValue().timeline()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
                        + "<td>%.1f</td><td>%.1f</td><td>%d</td><td>%.3f</td><td>%.4f</td><td>%d</td></tr>", s.iteration(),
                        s.wallSeconds(), s.samplingSeconds(), s.executionSeconds(), s.executionBusySeconds(), s.trainingSeconds(),
                        s.stageSeconds(), s.samples(), s.samplePassRate(), s.trainingLoss(), s.gradientSteps()));
            }
            html.append("</table>");
        }
        return html.append("</body></html>\n").toString();
    }
}
