package ai.leti.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.leti.cli.report.RunReport;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;

/**
 * The demo's report: {@code summary.json} with every number ({@link DemoFigures}), the PNG plots
 * ({@link DemoCharts}), and {@code report.html} that shows them, with a table per mode and a link to each run's own
 * report.
 */
final class DemoReport {

    private static final String GOOD = DemoFigures.GOOD;
    private static final String BAD = DemoFigures.BAD;
    private static final String PLAIN = DemoFigures.PLAIN;
    private static final String BAD_EMPTY = DemoFigures.BAD_EMPTY;

    private final Path out;
    private final DemoPlan plan;
    private final Map<FeedbackMode, DemoRun> runs;
    private final DemoFigures figures;
    private final double minutes;

    DemoReport(Path out, DemoPlan plan, Map<FeedbackMode, DemoRun> runs, double minutes) {
        this.out = out;
        this.plan = plan;
        this.runs = runs;
        this.figures = new DemoFigures(runs);
        this.minutes = minutes;
    }

    void write() throws IOException {
        Files.writeString(out.resolve("summary.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary()));
        List<String> images = new DemoCharts(runs).write(out, figures.extraction());
        Files.writeString(out.resolve("report.html"), html(images));
    }

    /** The figures as the demo prints them at its end. */
    String headline() {
        return figures.headline();
    }

    private Map<String, Object> summary() {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("plan", plan.describe());
        summary.put("minutes", minutes);
        summary.put("figures", figures.figures());
        Map<String, Object> modes = new LinkedHashMap<>();
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            Map<String, Object> mode = new LinkedHashMap<>();
            mode.put("run", run.getValue().id());
            mode.put("held_out_pass_at_1", run.getValue().evaluations().stream().map(DemoFigures::headline).toList());
            mode.put("gradient_steps", run.getValue().evaluations().stream().map(Evaluation::gradientSteps).toList());
            if (figures.extraction()) {
                mode.put("held_out_arg_classification_f1", run.getValue().evaluations().stream()
                        .map(DemoFigures::classificationF1).toList());
            }
            mode.put("evaluations", run.getValue().evaluations());
            mode.put("iterations", run.getValue().timeline());
            modes.put(run.getKey().label(), mode);
        }
        summary.put("modes", modes);
        return summary;
    }

    private String html(List<String> images) {
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
                + " %.1f minutes. Every number is also in <code>summary.json</code>.</p>", plan.task().label(), plan.modes().stream().map(FeedbackMode::label).toList(),
                plan.iterations(), plan.samplesPerTask(), plan.epochs(), plan.batchOrder(),
                plan.batchOrder().equals(IterationPlan.LENGTH)
                        ? "similar lengths together, shuffled: the CPU recipe's; the authors keep generation order"
                        : "the authors': one problem's samples side by side", IterationPlan.RAW.equals(plan.trainingText())
                        ? "raw generations without end-of-text (the authors')"
                        : "programs as executed, cut at stop sequences, ending with end-of-text", evaluation, minutes));
        html.append("<p>Held-out pass@1 is conditioned on <code>&lt;|good|&gt;</code> after each iteration; the base model"
                + " (iteration 0) has never seen a reward token, so its point is unconditioned.</p>");
        if (plan.modes().contains(FeedbackMode.REFERENCE)) {
            html.append("<p><code>reference</code> trains on the task file's reference solutions with these LETI settings:"
                    + " the paper's ground-truth baseline, not LETI. The authors ran it with their own settings (lr 1e-4,"
                    + " batch 384, 30 epochs, no regularization): <code>presets/mbpp-reference.json</code>.</p>");
        }
        html.append("<h2>Figures</h2><pre>").append(RunReport.escape(headline())).append("</pre>");
        for (String image : images) {
            html.append("<p><img src=\"").append(image).append(".png\" alt=\"").append(image).append("\"></p>");
        }
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            html.append("<h2>").append(RunReport.escape(run.getKey().label())).append(" (run ").append(RunReport.escape(run.getValue().id())).append(")</h2>");
            if (Files.exists(out.resolve(run.getKey().label()).resolve("report.html"))) {
                html.append("<p>This run's own report: <a href=\"").append(RunReport.escape(run.getKey().label()))
                        .append("/report.html\">").append(RunReport.escape(run.getKey().label())).append("/report.html</a></p>");
            }
            html.append("<table><tr><th>after iteration</th><th>gradient steps</th><th>pass@1 good</th><th>pass@1 bad</th>"
                    + "<th>pass@1 plain</th><th>pass@1 bad, empty feedback span</th><th>likelihood separation, nats"
                    + " (bad / empty span)</th><th>failures (headline condition)</th></tr>");
            for (Evaluation e : run.getValue().evaluations()) {
                Double badEmpty = e.passAt1().get(BAD_EMPTY); // textual runs only
                Double separation = e.rewardTokenLikelihood().get("separation");
                Double separationEmpty = e.rewardTokenLikelihood().get("separation_empty");
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                        e.iteration(), e.gradientSteps(), e.passAt1().get(GOOD), e.passAt1().get(BAD), e.passAt1().get(PLAIN),
                        badEmpty == null ? "" : String.format(Locale.ROOT, "%.3f", badEmpty),
                        (separation == null ? "" : String.format(Locale.ROOT, "%+.4f", separation))
                                + (separationEmpty == null ? "" : String.format(Locale.ROOT, " / %+.4f", separationEmpty)),
                        RunReport.escape(String.valueOf(e.categories().get(DemoFigures.headlineCondition(e).label())))));
            }
            html.append("</table><table><tr><th>iteration</th><th>wall s</th><th>sampling s</th><th>execution s</th>"
                    + "<th>execution busy s</th><th>training s</th><th>stages summed s</th><th>samples</th>"
                    + "<th>sample pass rate</th><th>training loss</th><th>gradient steps</th><th>candidates by sampler</th></tr>");
            for (IterationStats s : run.getValue().timeline()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
                        + "<td>%.1f</td><td>%.1f</td><td>%d</td><td>%.3f</td><td>%.4f</td><td>%d</td><td>%s</td></tr>", s.iteration(),
                        s.wallSeconds(), s.samplingSeconds(), s.executionSeconds(), s.executionBusySeconds(), s.trainingSeconds(),
                        s.stageSeconds(), s.samples(), s.samplePassRate(), s.trainingLoss(), s.gradientSteps(),
                        RunReport.escape(s.samplers().toString())));
            }
            html.append("</table>");
        }
        return html.append("</body></html>\n").toString();
    }
}
