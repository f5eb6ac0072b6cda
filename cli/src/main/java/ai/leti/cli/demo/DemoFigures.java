package ai.leti.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.leti.common.leti.Condition;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.tasks.eae.EaeScore;

/**
 * The demo's numbers from its finished runs, one per feedback mode.
 * <p>
 * The headline series is held-out pass@1 conditioned on {@code <|good|>} after each LETI iteration, as the paper
 * evaluates; the base model (iteration 0) has never seen a reward token, so its point is its unconditioned pass@1.
 * The sample-efficiency figure follows the paper's claim: the gradient steps textual feedback needs to reach binary
 * feedback's best held-out pass@1, over the steps binary needed for it.
 */
final class DemoFigures {

    static final String GOOD = Condition.GOOD.label();
    static final String BAD = Condition.BAD.label();
    static final String PLAIN = Condition.PLAIN.label();
    static final String BAD_EMPTY = Condition.BAD_EMPTY.label();

    private final Map<FeedbackMode, DemoRun> runs;

    DemoFigures(Map<FeedbackMode, DemoRun> runs) {
        this.runs = runs;
    }

    /** The condition of the headline: {@code <|good|>} after training, unconditioned for the base model. */
    static Condition headlineCondition(Evaluation evaluation) {
        return evaluation.iteration() == 0 ? Condition.PLAIN : Condition.GOOD;
    }

    /** Held-out pass@1 as the report plots it (see the class comment). */
    static double headline(Evaluation evaluation) {
        return evaluation.passAt1().get(headlineCondition(evaluation).label());
    }

    /** Held-out argument classification F1 of an EAE evaluation, in the headline's condition; null for code tasks. */
    static Double classificationF1(Evaluation evaluation) {
        Map<String, Double> scores = evaluation.scores() == null ? null
                : evaluation.scores().get(headlineCondition(evaluation).label());
        return scores == null ? null : scores.get(EaeScore.CLASSIFICATION_F1);
    }

    boolean extraction() {
        return runs.values().stream().flatMap(run -> run.evaluations().stream()).anyMatch(e -> classificationF1(e) != null);
    }

    /** One line with the figures the issue asks for. */
    String headline() {
        Map<String, Object> figures = figures();
        StringBuilder line = new StringBuilder("held-out pass@1 (good-conditioned; base unconditioned):");
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            line.append(String.format(Locale.ROOT, "%n  %-9s %s", run.getKey().label(), run.getValue().evaluations().stream()
                    .map(e -> String.format(Locale.ROOT, "%.3f", headline(e))).toList()));
        }
        if (extraction()) {
            line.append(String.format(Locale.ROOT, "%nheld-out argument classification F1:"));
            for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
                line.append(String.format(Locale.ROOT, "%n  %-9s %s", run.getKey().label(), run.getValue().evaluations().stream()
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
        Map<String, Long> shares = samplerShares();
        if (!shares.isEmpty()) {
            long all = shares.values().stream().mapToLong(Long::longValue).sum();
            line.append(String.format(Locale.ROOT, "%nsampling work by sampler (training candidates, all iterations):"));
            shares.forEach((sampler, count) -> line.append(String.format(Locale.ROOT, "%n  %-12s %6d (%.0f%%)", sampler, count,
                    100.0 * count / all)));
        }
        return line.toString();
    }

    /** Training candidates each sampler of the fleet published, over every run and iteration. */
    Map<String, Long> samplerShares() {
        Map<String, Long> shares = new java.util.TreeMap<>();
        runs.values().forEach(run -> run.timeline().forEach(stats -> stats.samplers()
                .forEach((sampler, count) -> shares.merge(sampler, count, Long::sum))));
        return shares;
    }

    /** The figures: reward token, textual's rise, sample efficiency, pipeline overlap. */
    Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        Map<String, Object> rewardToken = new LinkedHashMap<>();
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            List<Evaluation> evaluations = run.getValue().evaluations();
            Evaluation last = evaluations.get(evaluations.size() - 1);
            Map<String, Double> token = new LinkedHashMap<>();
            token.put(GOOD, last.passAt1().get(GOOD));
            token.put(BAD, last.passAt1().get(BAD));
            token.put("good_minus_bad", last.passAt1().get(GOOD) - last.passAt1().get(BAD));
            Double badEmpty = last.passAt1().get(BAD_EMPTY); // textual runs: <|bad|> with an empty feedback span
            if (badEmpty != null) {
                token.put(BAD_EMPTY, badEmpty);
                token.put("good_minus_bad_empty", last.passAt1().get(GOOD) - badEmpty);
            }
            rewardToken.put(run.getKey().label(), token);
        }
        figures.put("reward_token_after_last_iteration", rewardToken);
        Map<String, Object> likelihood = new LinkedHashMap<>();
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            likelihood.put(run.getKey().label(), run.getValue().evaluations().stream().map(e -> {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("iteration", e.iteration());
                point.putAll(e.rewardTokenLikelihood());
                return point;
            }).toList());
        }
        // nats per program token: passing programs' log p after <|good|> minus after <|bad|>, failing ones' likewise
        figures.put("reward_token_likelihood_nats", likelihood);
        DemoRun textual = runs.get(FeedbackMode.TEXTUAL);
        if (textual != null) {
            List<Double> series = textual.evaluations().stream().map(DemoFigures::headline).toList();
            figures.put("textual_rise", Map.of("base", series.get(0), "last", series.get(series.size() - 1),
                    "best", series.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        }
        DemoRun binary = runs.get(FeedbackMode.BINARY);
        if (textual != null && binary != null) {
            figures.put("sample_efficiency", sampleEfficiency(textual, binary));
        }
        List<Map<String, Object>> overlap = new ArrayList<>();
        for (Map.Entry<FeedbackMode, DemoRun> run : runs.entrySet()) {
            for (IterationStats stats : run.getValue().timeline()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("mode", run.getKey().label());
                row.put("iteration", stats.iteration());
                row.put("wall_seconds", stats.wallSeconds());
                row.put("stage_seconds", stats.stageSeconds());
                row.put("sampling_seconds", stats.samplingSeconds());
                row.put("execution_seconds", stats.executionSeconds());
                row.put("execution_busy_seconds", stats.executionBusySeconds());
                row.put("training_seconds", stats.trainingSeconds());
                row.put("samplers", stats.samplers());
                overlap.add(row);
            }
        }
        figures.put("pipeline_overlap", overlap);
        figures.put("sampler_shares", samplerShares());
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
    static Map<String, Object> sampleEfficiency(DemoRun textual, DemoRun binary) {
        List<Evaluation> binaryRuns = binary.evaluations().stream().filter(e -> e.iteration() > 0).toList();
        double best = binaryRuns.stream().mapToDouble(DemoFigures::headline).max().orElse(0);
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
        efficiency.put("textual_gain_over_base", textual.evaluations().stream().mapToDouble(DemoFigures::headline).max()
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
}
