package ai.leti.cli.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;

/** The demo's plots, one PNG each, every mode a series: the names {@link #write} returns, in the report's order. */
final class DemoCharts {

    private static final String GOOD = DemoFigures.GOOD;
    private static final String BAD = DemoFigures.BAD;

    private final Map<FeedbackMode, DemoRun> runs;

    DemoCharts(Map<FeedbackMode, DemoRun> runs) {
        this.runs = runs;
    }

    /** Writes every plot into {@code out}; returns their names (without {@code .png}) in the report's order. */
    List<String> write(Path out, boolean extraction) throws IOException {
        List<String> names = new ArrayList<>();
        save(out, names, lines("Held-out pass@1 per iteration", "iteration", false), "pass1-iterations");
        if (extraction) {
            save(out, names, f1(), "eae-f1");
        }
        save(out, names, lines("Held-out pass@1 per gradient step", "gradient steps", true), "pass1-steps");
        save(out, names, rewardToken(), "reward-token");
        save(out, names, samplePassRate(), "train-pass-rate");
        save(out, names, errorCategories(), "error-categories");
        return names;
    }

    private static void save(Path out, List<String> names, Chart<?, ?> chart, String name) throws IOException {
        BitmapEncoder.saveBitmap(chart, out.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        names.add(name);
    }

    private XYChart lines(String title, String xTitle, boolean bySteps) {
        XYChart chart = xy(title, xTitle, "held-out pass@1");
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey().label(),
                    evaluations.stream().map(e -> (double) (bySteps ? e.gradientSteps() : e.iteration())).toList(),
                    evaluations.stream().map(DemoFigures::headline).toList());
        }
        return chart;
    }

    private XYChart f1() {
        XYChart chart = xy("Held-out argument classification F1 per iteration", "iteration", "argument classification F1");
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey().label(), evaluations.stream().map(e -> (double) e.iteration()).toList(),
                    evaluations.stream().map(e -> {
                        Double f1 = DemoFigures.classificationF1(e);
                        return f1 == null ? 0.0 : f1;
                    }).toList());
        }
        return chart;
    }

    /** The reward token's effect: held-out pass@1 after {@code <|good|>} minus after {@code <|bad|>}. */
    private XYChart rewardToken() {
        XYChart chart = xy("Reward token: pass@1 after <|good|> minus after <|bad|>", "iteration", "good - bad");
        chart.getStyler().setYAxisMin(null);
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            chart.addSeries(run.getKey().label(), evaluations.stream().map(e -> (double) e.iteration()).toList(),
                    evaluations.stream().map(e -> e.passAt1().get(GOOD) - e.passAt1().get(BAD)).toList());
        }
        return chart;
    }

    private XYChart samplePassRate() {
        XYChart chart = xy("Pass rate of the sampled training programs", "iteration", "passed / sampled");
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            List<IterationStats> timeline = run.getValue().timeline();
            if (!timeline.isEmpty() && run.getKey() != FeedbackMode.REFERENCE) { // reference mode samples nothing
                chart.addSeries(run.getKey().label(), timeline.stream().map(s -> (double) s.iteration()).toList(),
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
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            for (Evaluation evaluation : run.getValue().evaluations()) {
                columns.add(run.getKey().label() + " " + evaluation.iteration());
                Map<String, Integer> failures = evaluation.categories().get(DemoFigures.headlineCondition(evaluation).label());
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
}
