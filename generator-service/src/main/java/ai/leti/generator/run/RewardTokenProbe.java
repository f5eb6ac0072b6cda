package ai.leti.generator.run;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.model.sampling.SequenceScorer;

/**
 * Whether the reward token is learned, long before pass@1 shows it: a fixed set of held-out programs the base model
 * wrote (chosen once, from its unconditioned evaluation, half passing and half failing as the executors judged
 * them) is scored after every evaluation under {@code <|good|>} and under {@code <|bad|>}: the mean log-probability
 * per program token, in nats. A model that has learned the token finds passing programs likelier after
 * {@code <|good|>} and failing ones likelier after {@code <|bad|>}: {@code passing_good_minus_bad} rises above 0,
 * {@code failing_good_minus_bad} falls below it, and their difference, {@code separation}, grows. Textual runs are
 * also scored after {@code <|bad|>} with an empty feedback span ({@code _bad_empty}), the form of {@code <|bad|>}
 * they were trained on.
 */
final class RewardTokenProbe {

    /** Programs of each verdict in the probe set, at most. */
    static final int PER_VERDICT = 32;

    /** One program of the probe set, as the base model wrote it for a held-out task, and its verdict. */
    record Program(String candidateId, String prompt, String completion, boolean passed) {
    }

    private RewardTokenProbe() {
    }

    /** The probe set: up to {@link #PER_VERDICT} passing and as many failing programs, in candidate-id order. */
    static List<Program> choose(List<ExecutionResult> baseModelPrograms) {
        List<ExecutionResult> sorted = new ArrayList<>(baseModelPrograms);
        sorted.sort(Comparator.comparing(ExecutionResult::candidateId));
        List<Program> chosen = new ArrayList<>();
        int passing = 0;
        int failing = 0;
        for (ExecutionResult result : sorted) {
            if (result.completion() == null || result.completion().isBlank()) {
                continue;
            }
            if (result.passed() ? passing++ < PER_VERDICT : failing++ < PER_VERDICT) {
                chosen.add(new Program(result.candidateId(), result.prompt(), result.completion(), result.passed()));
            }
        }
        return chosen;
    }

    /** The gaps, in nats per program token; empty when the probe set is. */
    static Map<String, Double> measure(LoadedModel model, List<Program> programs, boolean emptySpan) {
        Map<String, Double> gaps = new LinkedHashMap<>();
        if (programs.isEmpty()) {
            return gaps;
        }
        List<String> conditions = new ArrayList<>(List.of(LetiFormat.GOOD, LetiFormat.BAD));
        if (emptySpan) {
            conditions.add(LetiFormat.BAD + LetiFormat.FEEDBACK_OPEN + LetiFormat.FEEDBACK_CLOSE);
        }
        List<SequenceScorer.Item> items = new ArrayList<>();
        for (String condition : conditions) {
            for (Program program : programs) {
                items.add(new SequenceScorer.Item(model.tokenizer().encode(condition + program.prompt()),
                        model.tokenizer().encode(program.completion())));
            }
        }
        double[] scores = new SequenceScorer(model.model(), Math.max(0, model.tokenizer().endOfText()), 16)
                .meanLogProbabilities(items);
        int n = programs.size();
        for (int c = 1; c < conditions.size(); c++) {
            String suffix = c == 1 ? "" : "_empty";
            double[] passing = new double[2];
            double[] failing = new double[2];
            for (int i = 0; i < n; i++) {
                double gap = scores[i] - scores[c * n + i]; // after <|good|> minus after this <|bad|>
                if (!Double.isFinite(gap)) {
                    continue;
                }
                double[] group = programs.get(i).passed() ? passing : failing;
                group[0] += gap;
                group[1]++;
            }
            Double passingGap = passing[1] > 0 ? passing[0] / passing[1] : null;
            Double failingGap = failing[1] > 0 ? failing[0] / failing[1] : null;
            if (passingGap != null) {
                gaps.put("passing_good_minus_bad" + suffix, passingGap);
            }
            if (failingGap != null) {
                gaps.put("failing_good_minus_bad" + suffix, failingGap);
            }
            if (passingGap != null && failingGap != null) {
                gaps.put("separation" + suffix, passingGap - failingGap);
            }
        }
        return gaps;
    }
}
