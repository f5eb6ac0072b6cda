package ai.leti.generator.run;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingReport;

/**
 * What reaches one run from Kafka, and the run's thread waiting for it: the samplers' reports of finished work (one
 * per work id, counted), the results of the current iteration's training samples (one per candidate id, counted),
 * evaluation results (kept for scoring), and checkpoint announcements per iteration. Listener threads deliver; the
 * run's thread waits on a condition that every delivery, a stop, a trainer's refusal and dead-lettered work signal,
 * so a wait ends the moment what it waits for arrives.
 */
final class RunInbox {

    /** Ends the run's thread when a stop was requested. */
    static final class StoppedException extends RuntimeException {
        StoppedException() {
            super("stopped", null, false, false);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Duration timeout;
    private final Map<String, Boolean> trainingResults = new HashMap<>();
    private final Map<String, ExecutionResult> evaluationResults = new LinkedHashMap<>();
    private final Map<Integer, CheckpointAnnouncement> checkpoints = new HashMap<>();
    private final Map<String, SamplingReport> reports = new HashMap<>();
    /** The current iteration's training work as reported, summed at each new report: read at every result. */
    private long sampledCandidates;
    private long sampledTokens;
    private final Map<String, Long> samplerShares = new TreeMap<>();
    private int iteration;
    private long passed;
    private double busyMillis;
    private long firstPublished;
    private long lastResult;
    private volatile boolean stopRequested;
    private String refusal;

    /** @param timeout how long a wait may last before the run fails */
    RunInbox(Duration timeout) {
        this.timeout = timeout;
    }

    /** Counts the results of {@code next} from now on (those of other iterations are not this one's). */
    void startIteration(int next) {
        lock.lock();
        try {
            iteration = next;
            trainingResults.clear();
            reports.clear();
            sampledCandidates = 0;
            sampledTokens = 0;
            samplerShares.clear();
            passed = 0;
            busyMillis = 0;
            firstPublished = 0;
            lastResult = 0;
        } finally {
            lock.unlock();
        }
    }

    /** The iteration's first training work or candidate went out now (its execution time starts here). */
    void published() {
        lock.lock();
        try {
            if (firstPublished == 0) {
                firstPublished = System.nanoTime();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A result from the executors: counted for the current iteration, or kept for evaluation; repeats ignored. */
    void deliver(ExecutionResult result) {
        lock.lock();
        try {
            if (result.purpose() != null && result.purpose().isEvaluation()) {
                evaluationResults.putIfAbsent(result.candidateId(), result);
            } else if (result.iteration() == iteration && trainingResults.putIfAbsent(result.candidateId(), result.passed()) == null) {
                lastResult = System.nanoTime();
                if (!result.reused()) { // a repeat the executor answered without running it took no sandbox time
                    busyMillis += result.durationMillis();
                }
                if (result.passed()) {
                    passed++;
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A sampler's report of finished work; false for a repeat (work sampled again after a sampler stopped). */
    boolean deliver(SamplingReport report) {
        lock.lock();
        try {
            if (reports.putIfAbsent(report.workId(), report) != null) {
                return false;
            }
            if (report.iteration() == iteration && report.purpose() == Purpose.TRAIN) {
                sampledCandidates += report.candidates();
                sampledTokens += report.tokens();
                samplerShares.merge(report.sampler(), (long) report.candidates(), Long::sum);
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Something the run waits for will never come (its sampling work was dead-lettered, say): every wait fails with
     * {@code reason}.
     */
    void fail(String reason) {
        lock.lock();
        try {
            if (refusal == null) {
                refusal = reason;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void deliver(CheckpointAnnouncement announcement) {
        lock.lock();
        try {
            if (announcement.error() != null) {
                refusal = "the trainer refused iteration " + announcement.iteration() + ": " + announcement.error();
            }
            checkpoints.put(announcement.iteration(), announcement);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets a checkpoint announcement that was refused, so that the run waits for the next one (one that came
     * meanwhile is kept).
     */
    void forget(CheckpointAnnouncement refused) {
        lock.lock();
        try {
            if (checkpoints.get(refused.iteration()) == refused) { // the same delivery, not an equal later one
                checkpoints.remove(refused.iteration());
            }
        } finally {
            lock.unlock();
        }
    }

    void stop() {
        lock.lock();
        try {
            stopRequested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Waits until every one of these pieces of work is reported done. */
    void awaitSampled(Collection<String> workIds) throws TimeoutException, InterruptedException {
        // the size first: most wake-ups are results, and comparing thousands of ids at each would add up
        await(() -> reports.size() >= workIds.size() && reports.keySet().containsAll(workIds),
                workIds.size() + " pieces of sampling work");
    }

    /** The current iteration's training samples so far, as the samplers reported them. */
    record Sampled(long candidates, long tokens, Map<String, Long> samplers) {
    }

    Sampled sampled() {
        lock.lock();
        try {
            return new Sampled(sampledCandidates, sampledTokens, new TreeMap<>(samplerShares));
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the current iteration has {@code expected} results. */
    void awaitTrainingResults(long expected) throws TimeoutException, InterruptedException {
        await(() -> trainingResults.size() >= expected, "results of iteration " + iteration);
    }

    /** Waits until {@code expected} evaluation results of the run's evaluation after {@code after} are in. */
    void awaitEvaluation(String runId, int after, long expected) throws TimeoutException, InterruptedException {
        String prefix = runId + "/" + after + "/";
        await(() -> evaluationResults.keySet().stream().filter(key -> key.startsWith(prefix)).count() >= expected,
                "evaluation results after iteration " + after);
    }

    /** Waits for the checkpoint of {@code wanted}; a refusal by the trainer fails the wait with its reason. */
    CheckpointAnnouncement awaitCheckpoint(int wanted) throws TimeoutException, InterruptedException {
        await(() -> checkpoints.containsKey(wanted), "the checkpoint of iteration " + wanted);
        lock.lock();
        try {
            CheckpointAnnouncement announcement = checkpoints.get(wanted);
            if (announcement.error() != null) {
                throw new IllegalStateException(refusal);
            }
            return announcement;
        } finally {
            lock.unlock();
        }
    }

    /** The evaluation results of {@code runId}'s evaluation after {@code after}. */
    List<ExecutionResult> evaluationResults(String runId, int after) {
        lock.lock();
        try {
            return evaluationResults.values().stream()
                    .filter(result -> result.iteration() == after && result.runId().equals(runId)).toList();
        } finally {
            lock.unlock();
        }
    }

    /** The current iteration's figures so far. */
    record Counts(long executed, long passed, double busySeconds, long firstPublished, long lastResult) {
    }

    Counts counts() {
        lock.lock();
        try {
            return new Counts(trainingResults.size(), passed, busyMillis / 1000, firstPublished, lastResult);
        } finally {
            lock.unlock();
        }
    }

    private void await(BooleanSupplier done, String what) throws TimeoutException, InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                if (stopRequested) {
                    throw new StoppedException();
                }
                if (refusal != null) {
                    throw new IllegalStateException(refusal);
                }
                if (remaining <= 0) {
                    throw new TimeoutException("timed out after " + timeout + " waiting for " + what);
                }
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
