package ai.leti.common.runs;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * A run's history file, {@code <generator state>/<run>/history.jsonl}: one JSON line per event, each finished
 * iteration (stage times, samples, sampling speed in tokens/s, sample pass rate, training loss, gradient steps) and
 * each evaluation (pass@1 and pass@k per condition, failure categories, task scores, the reward token's likelihood
 * probe). The generator appends it as a run goes and serves it at {@code GET /runs/{id}/history}; reports are drawn
 * from it, so a run started over REST has one as much as the demo's do.
 * <p>
 * Append-only: after a crash an iteration may be written twice; {@link #read} keeps the last line of each.
 */
public final class RunHistory {

    public static final String FILE = "history.jsonl";

    private RunHistory() {
    }

    /** One finished iteration, with the tokens its training samples took to generate. */
    public record IterationEvent(String type, Instant time, IterationStats stats, long sampledTokens,
            double tokensPerSecond) {

        public static final String TYPE = "iteration";

        public static IterationEvent of(IterationStats stats, long sampledTokens) {
            double perSecond = stats.samplingSeconds() > 0 ? sampledTokens / stats.samplingSeconds() : 0;
            return new IterationEvent(TYPE, Instant.now(), stats, sampledTokens, perSecond);
        }
    }

    /** One evaluation, after the base model (iteration 0) or after an iteration. */
    public record EvaluationEvent(String type, Instant time, Evaluation evaluation) {

        public static final String TYPE = "evaluation";

        public static EvaluationEvent of(Evaluation evaluation) {
            return new EvaluationEvent(TYPE, Instant.now(), evaluation);
        }
    }

    /** What a report draws: iterations and evaluations in order, one each. */
    public record Events(List<IterationEvent> iterations, List<EvaluationEvent> evaluations) {
    }

    /** Reads a history file; an unknown event type is skipped (a newer generator may write more kinds). */
    public static Events read(Path file) {
        Map<Integer, IterationEvent> iterations = new TreeMap<>();
        Map<Integer, EvaluationEvent> evaluations = new TreeMap<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            JsonNode node = line.node();
            switch (node.path("type").asString("")) {
                case IterationEvent.TYPE -> {
                    IterationEvent iteration = Jsonl.MAPPER.treeToValue(node, IterationEvent.class);
                    iterations.put(iteration.stats().iteration(), iteration);
                }
                case EvaluationEvent.TYPE -> {
                    EvaluationEvent evaluation = Jsonl.MAPPER.treeToValue(node, EvaluationEvent.class);
                    evaluations.put(evaluation.evaluation().iteration(), evaluation);
                }
                default -> { }
            }
        }
        return new Events(new ArrayList<>(iterations.values()), new ArrayList<>(evaluations.values()));
    }
}
