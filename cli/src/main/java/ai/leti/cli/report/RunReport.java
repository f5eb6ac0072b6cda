package ai.leti.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunHistory;
import ai.leti.common.tasks.eae.EaeScore;

/**
 * The report of one run, drawn from its history file ({@link RunHistory}): {@code report.html} with PNG plots of
 * held-out pass@1 per condition (per iteration and per gradient step), training loss, sampling speed, the sampled
 * programs' pass rate, stage times, the reward token's likelihood probe and, for event argument extraction,
 * argument F1; and tables with every number. Any run has one, whether the demo or a REST client started it.
 */
public final class RunReport {

    /** The plots, in the order the page shows them. */
    static final List<String> PLOTS = List.of("pass1-iterations", "pass1-steps", "loss", "tokens-per-second",
            "sample-pass-rate", "stage-times", "reward-token", "argument-f1");

    private final String run;
    private final String description;
    private final RunHistory.Events events;

    /** @param description one line on what the run was (its mode and settings), or empty */
    public RunReport(String run, String description, RunHistory.Events events) {
        this.run = run;
        this.description = description;
        this.events = events;
    }

    /** Writes {@code report.html} and its plots into {@code out}; returns the page. */
    public Path write(Path out) throws IOException {
        Files.createDirectories(out);
        List<String> drawn = new ArrayList<>();
        for (String plot : PLOTS) {
            Chart<?, ?> chart = chart(plot);
            if (chart != null) {
                BitmapEncoder.saveBitmap(chart, out.resolve(plot).toString(), BitmapEncoder.BitmapFormat.PNG);
                drawn.add(plot);
            }
        }
        Path page = out.resolve("report.html");
        Files.writeString(page, html(drawn));
        return page;
    }

    private Chart<?, ?> chart(String plot) {
        List<Evaluation> evaluations = events.evaluations().stream().map(RunHistory.EvaluationEvent::evaluation).toList();
        List<RunHistory.IterationEvent> iterations = events.iterations();
        return switch (plot) {
            case "pass1-iterations" -> perEvaluation("Held-out pass@1 per condition", "after iteration", evaluations,
                    e -> e.iteration(), Evaluation::passAt1);
            case "pass1-steps" -> perEvaluation("Held-out pass@1 per gradient step", "gradient steps", evaluations,
                    Evaluation::gradientSteps, Evaluation::passAt1);
            case "reward-token" -> perEvaluation("Reward-token likelihood probe (nats per program token)",
                    "after iteration", evaluations, e -> e.iteration(), Evaluation::rewardTokenLikelihood);
            case "argument-f1" -> perEvaluation("Held-out argument classification F1 per condition", "after iteration",
                    evaluations, e -> e.iteration(), e -> f1(e));
            case "loss" -> perIteration("Training loss", "loss", iterations, i -> i.stats().trainingLoss());
            case "tokens-per-second" -> perIteration("Sampling speed", "tokens/s", iterations, RunHistory.IterationEvent::tokensPerSecond);
            case "sample-pass-rate" -> perIteration("Sampled programs that passed", "fraction", iterations,
                    i -> i.stats().samplePassRate());
            case "stage-times" -> stageTimes(iterations);
            default -> throw new IllegalArgumentException(plot);
        };
    }

    private static Map<String, Double> f1(Evaluation evaluation) {
        Map<String, Double> f1 = new LinkedHashMap<>();
        if (evaluation.scores() != null) {
            evaluation.scores().forEach((condition, scores) -> {
                if (scores.get(EaeScore.CLASSIFICATION_F1) != null) {
                    f1.put(condition, scores.get(EaeScore.CLASSIFICATION_F1));
                }
            });
        }
        return f1;
    }

    /** One series per key of the per-evaluation map (a condition or a probe measure); null when there is none. */
    private static XYChart perEvaluation(String title, String x, List<Evaluation> evaluations,
            Function<Evaluation, Number> xOf, Function<Evaluation, Map<String, Double>> valuesOf) {
        TreeSet<String> keys = new TreeSet<>();
        evaluations.forEach(e -> keys.addAll(valuesOf.apply(e).keySet()));
        if (keys.isEmpty()) {
            return null;
        }
        XYChart chart = xy(title, x, "");
        for (String key : keys) {
            List<Number> xs = new ArrayList<>();
            List<Number> ys = new ArrayList<>();
            for (Evaluation e : evaluations) {
                Double value = valuesOf.apply(e).get(key);
                if (value != null && !value.isNaN()) {
                    xs.add(xOf.apply(e));
                    ys.add(value);
                }
            }
            if (!xs.isEmpty()) {
                chart.addSeries(key, xs, ys);
            }
        }
        return chart;
    }

    private static XYChart perIteration(String title, String y, List<RunHistory.IterationEvent> iterations,
            Function<RunHistory.IterationEvent, Double> value) {
        if (iterations.isEmpty()) {
            return null;
        }
        XYChart chart = xy(title, "iteration", y);
        chart.addSeries(y, iterations.stream().map(i -> (Number) i.stats().iteration()).toList(),
                iterations.stream().map(i -> (Number) value.apply(i)).toList());
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    private static CategoryChart stageTimes(List<RunHistory.IterationEvent> iterations) {
        if (iterations.isEmpty()) {
            return null;
        }
        CategoryChart chart = new CategoryChartBuilder().width(820).height(380).title("Stage times per iteration (they overlap)")
                .xAxisTitle("iteration").yAxisTitle("seconds").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        List<String> columns = iterations.stream().map(i -> String.valueOf(i.stats().iteration())).toList();
        chart.addSeries("wall", columns, iterations.stream().map(i -> (Number) i.stats().wallSeconds()).toList());
        chart.addSeries("sampling", columns, iterations.stream().map(i -> (Number) i.stats().samplingSeconds()).toList());
        chart.addSeries("execution", columns, iterations.stream().map(i -> (Number) i.stats().executionSeconds()).toList());
        chart.addSeries("training", columns, iterations.stream().map(i -> (Number) i.stats().trainingSeconds()).toList());
        return chart;
    }

    private static XYChart xy(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(820).height(380).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        return chart;
    }

    private String html(List<String> plots) {
        StringBuilder html = new StringBuilder("""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>LETI run %s</title>
                <style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}
                table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
                th{background:#f3f3f3}img{max-width:100%%}code{background:#f3f3f3}</style></head><body>
                <h1>LETI run %s</h1>
                """.formatted(escape(run), escape(run)));
        if (!description.isBlank()) {
            html.append("<p>").append(escape(description)).append("</p>");
        }
        html.append(String.format(Locale.ROOT, "<p>%d iterations and %d evaluations recorded in <code>%s</code>, from"
                + " which this page is drawn.</p>", events.iterations().size(), events.evaluations().size(), RunHistory.FILE));
        if (plots.isEmpty()) {
            html.append("<p>Nothing to plot yet: no iteration or evaluation has finished.</p>");
        }
        for (String plot : plots) {
            html.append("<p><img src=\"").append(plot).append(".png\" alt=\"").append(plot).append("\"></p>\n");
        }
        html.append("<h2>Evaluations</h2><table><tr><th>after iteration</th><th>gradient steps</th><th>condition</th>"
                + "<th>pass@k</th><th>failures by category</th></tr>");
        for (RunHistory.EvaluationEvent event : events.evaluations()) {
            Evaluation e = event.evaluation();
            for (Map.Entry<String, Map<String, Double>> condition : e.passAtK().entrySet()) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                        e.iteration(), e.gradientSteps(), escape(condition.getKey()), escape(rounded(condition.getValue())),
                        escape(String.valueOf(e.categories().getOrDefault(condition.getKey(), Map.of())))));
            }
        }
        html.append("</table><h2>Iterations</h2><table><tr><th>iteration</th><th>wall s</th><th>sampling s</th>"
                + "<th>execution s</th><th>execution busy s</th><th>training s</th><th>samples</th><th>tokens/s</th>"
                + "<th>sample pass rate</th><th>training loss</th><th>gradient steps</th></tr>");
        for (RunHistory.IterationEvent i : events.iterations()) {
            IterationStats s = i.stats();
            html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
                    + "<td>%.1f</td><td>%d</td><td>%.0f</td><td>%.3f</td><td>%.4f</td><td>%d</td></tr>", s.iteration(),
                    s.wallSeconds(), s.samplingSeconds(), s.executionSeconds(), s.executionBusySeconds(),
                    s.trainingSeconds(), s.samples(), i.tokensPerSecond(), s.samplePassRate(), s.trainingLoss(),
                    s.gradientSteps()));
        }
        return html.append("</table></body></html>\n").toString();
    }

    private static String rounded(Map<String, Double> values) {
        StringBuilder text = new StringBuilder();
        values.forEach((key, value) -> text.append(text.isEmpty() ? "" : ", ")
                .append(String.format(Locale.ROOT, "%s %.3f", key, value)));
        return text.toString();
    }

    /** Text for an HTML page, in an element or in a quoted attribute. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
