package ai.leti.generator.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * A run's history, one JSON line per event in {@code <state>/<run>/history.jsonl}, appended as the run goes: each
 * finished iteration (stage times, samples, sampling speed in tokens/s, sample pass rate, training loss, gradient
 * steps) and each evaluation (pass@1 and pass@k per condition, failure categories, task scores, the reward token's
 * likelihood probe). Reports are drawn from this file, so a run started over REST has one as much as the demo's do.
 * <p>
 * Append-only: after a crash an iteration may be written twice; {@link #read} keeps the last line of each.
 */
public final class RunHistory {

    public static final String FILE = "history.jsonl";

    private final Path file;

    public RunHistory(Path runDirectory) {
        this.file = runDirectory.resolve(FILE);
    }

    /** One finished iteration, with the tokens its training samples took to generate. */
    public record Iteration(String type, Instant time, RunStatus.IterationStats stats, long sampledTokens,
            double tokensPerSecond) {
    }

    /** One evaluation, after the base model (iteration 0) or after an iteration. */
    public record Evaluation(String type, Instant time, RunStatus.Evaluation evaluation) {
    }

    /** What a report draws: iterations and evaluations in order, one each. */
    public record Events(List<Iteration> iterations, List<Evaluation> evaluations) {
    }

    public void iteration(RunStatus.IterationStats stats, long sampledTokens) {
        double perSecond = stats.samplingSeconds() > 0 ? sampledTokens / stats.samplingSeconds() : 0;
        append(new Iteration("iteration", Instant.now(), stats, sampledTokens, perSecond));
    }

    public void evaluation(RunStatus.Evaluation evaluation) {
        append(new Evaluation("evaluation", Instant.now(), evaluation));
    }

    private synchronized void append(Object event) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Jsonl.MAPPER.writeValueAsString(event) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    /** Reads a history file; an unknown event type is skipped (a newer generator may write more kinds). */
    public static Events read(Path file) {
        Map<Integer, Iteration> iterations = new TreeMap<>();
        Map<Integer, Evaluation> evaluations = new TreeMap<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            JsonNode node = line.node();
            switch (node.path("type").asString("")) {
                case "iteration" -> {
                    Iteration iteration = Jsonl.MAPPER.treeToValue(node, Iteration.class);
                    iterations.put(iteration.stats().iteration(), iteration);
                }
                case "evaluation" -> {
                    Evaluation evaluation = Jsonl.MAPPER.treeToValue(node, Evaluation.class);
                    evaluations.put(evaluation.evaluation().iteration(), evaluation);
                }
                default -> { }
            }
        }
        return new Events(new ArrayList<>(iterations.values()), new ArrayList<>(evaluations.values()));
    }
}
