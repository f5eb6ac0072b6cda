package ai.leti.trainer.training;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.trainer.checkpoint.CheckpointStore;

/**
 * Collects each iteration's training results until its plan's count is reached, then hands the iteration to
 * training exactly once. Every accepted plan and result is appended to a journal in the checkpoint store
 * before its Kafka offset is committed, so a restarted trainer rebuilds what it had collected; results are
 * keyed by candidate id, so a re-delivered one changes nothing.
 */
@Component
public class IterationBook {

    private static final Logger log = LoggerFactory.getLogger(IterationBook.class);

    /** One iteration being collected. */
    public static final class Iteration {
        private IterationPlan plan;
        private final Map<String, ExecutionResult> results = new LinkedHashMap<>();
        private boolean handedOver;

        public IterationPlan plan() {
            return plan;
        }

        public List<ExecutionResult> results() {
            return new ArrayList<>(results.values());
        }
    }

    private final CheckpointStore store;
    private final Map<String, Iteration> iterations = new LinkedHashMap<>();
    private Consumer<Iteration> ready = iteration -> { };
    private Consumer<IterationPlan> planned = plan -> { };

    public IterationBook(CheckpointStore store) {
        this.store = store;
    }

    /** Where complete iterations go (the training worker). */
    public synchronized void onReady(Consumer<Iteration> consumer) {
        this.ready = consumer;
    }

    /** Who hears of each new plan as it arrives (the training worker, which checks it before any result is in). */
    public synchronized void onPlan(Consumer<IterationPlan> consumer) {
        this.planned = consumer;
    }

    /** Replays the journals of iterations that have no checkpoint yet: what a restart had collected. */
    public synchronized void recover() {
        Path root = store.root();
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> journals = Files.walk(root, 2)) {
            for (Path journal : journals.filter(path -> path.getFileName().toString().endsWith(".journal.jsonl")).toList()) {
                for (Jsonl.Line line : Jsonl.read(journal)) {
                    if (line.node().has("plan")) {
                        accept(Jsonl.MAPPER.treeToValue(line.node().get("plan"), IterationPlan.class), false);
                    } else {
                        accept(Jsonl.MAPPER.treeToValue(line.node().get("result"), ExecutionResult.class), false);
                    }
                }
                log.info("recovered {} from its journal", journal.getFileName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay journals under " + root, e);
        }
    }

    public synchronized void accept(IterationPlan plan) {
        accept(plan, true);
    }

    public synchronized void accept(ExecutionResult result) {
        accept(result, true);
    }

    private void accept(IterationPlan plan, boolean journal) {
        if (journal && trainedAlready(plan.runId(), plan.iteration())) {
            return; // a generator that restarted re-sends the plan of the iteration it was in
        }
        Iteration iteration = iterations.computeIfAbsent(key(plan.runId(), plan.iteration()), key -> new Iteration());
        if (iteration.plan != null) {
            return; // a re-delivered plan
        }
        iteration.plan = plan;
        if (journal) {
            append(plan.runId(), plan.iteration(), Map.of("plan", plan));
            planned.accept(plan);
        }
        handOverIfComplete(iteration);
    }

    private void accept(ExecutionResult result, boolean journal) {
        if (result.purpose() != null && result.purpose().isEvaluation()) {
            return; // evaluation samples are the generator's business
        }
        if (journal && trainedAlready(result.runId(), result.iteration())) {
            return; // a re-executed candidate
        }
        Iteration iteration = iterations.computeIfAbsent(key(result.runId(), result.iteration()), key -> new Iteration());
        if (iteration.handedOver || iteration.results.containsKey(result.candidateId())) {
            return;
        }
        iteration.results.put(result.candidateId(), result);
        if (journal) {
            append(result.runId(), result.iteration(), Map.of("result", result));
        }
        handOverIfComplete(iteration);
    }

    /**
     * Whether an iteration this book is not collecting has a checkpoint. One being collected cannot have one yet,
     * so its results (the common case) cost no file-system look-up.
     */
    private boolean trainedAlready(String runId, int iteration) {
        return !iterations.containsKey(key(runId, iteration)) && store.exists(runId, iteration);
    }

    private void handOverIfComplete(Iteration iteration) {
        IterationPlan plan = iteration.plan;
        if (plan == null || iteration.handedOver || iteration.results.size() < plan.trainingSamples()) {
            return;
        }
        iteration.handedOver = true;
        ready.accept(iteration);
    }

    /** Progress of one iteration: results collected of those planned, if the plan is known. */
    public synchronized Optional<int[]> progress(String runId, int iteration) {
        Iteration collected = iterations.get(key(runId, iteration));
        if (collected == null) {
            return Optional.empty();
        }
        return Optional.of(new int[] {collected.results.size(), collected.plan == null ? -1 : collected.plan.trainingSamples()});
    }

    /** Forgets a trained iteration (its checkpoint is published) and removes its journal. */
    public synchronized void done(String runId, int iteration) {
        iterations.remove(key(runId, iteration));
        try {
            Files.deleteIfExists(journal(runId, iteration));
        } catch (IOException e) {
            log.warn("cannot remove the journal of {} iteration {}: {}", runId, iteration, e.getMessage());
        }
    }

    private Path journal(String runId, int iteration) {
        return store.runDirectory(runId).resolve("iteration-" + iteration + ".journal.jsonl");
    }

    private void append(String runId, int iteration, Object entry) {
        Path journal = journal(runId, iteration);
        try {
            Files.createDirectories(journal.getParent());
            try (BufferedWriter writer = Files.newBufferedWriter(journal, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                writer.write(Jsonl.MAPPER.writeValueAsString(entry));
                writer.newLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + journal, e); // the offset stays uncommitted
        }
    }

    private static String key(String runId, int iteration) {
        return runId + "#" + iteration;
    }
}
