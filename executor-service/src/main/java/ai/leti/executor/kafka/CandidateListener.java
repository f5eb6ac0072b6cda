package ai.leti.executor.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Topics;
import ai.leti.common.messages.Verdict;
import ai.leti.executor.config.ExecutorProperties;
import ai.leti.executor.metrics.ExecutorMetrics;
import ai.leti.sandbox.SandboxPool;
import ai.leti.executor.verdict.RecentVerdicts;

/**
 * Consumes candidates (one consumer group for the whole fleet, so instances share the partitions), runs
 * each in the sandbox and publishes its result keyed by task id. The send is awaited before the listener
 * returns, so the offset is committed only after the result is durable: a crash re-delivers the candidate,
 * and its deterministic {@code candidateId} lets consumers drop the duplicate result. A program this instance ran a
 * moment ago for the same task, with the same tests and limit, is not run again: its verdict is repeated, marked
 * {@code reused} ({@link RecentVerdicts}).
 */
@Component
class CandidateListener {

    private static final long SEND_TIMEOUT_SECONDS = 30;

    private final SandboxPool pool;
    private final KafkaTemplate<String, ExecutionResult> results;
    private final ExecutorMetrics metrics;
    private final String instanceId;
    private final RecentVerdicts recent;

    CandidateListener(SandboxPool pool, KafkaTemplate<String, ExecutionResult> results, ExecutorMetrics metrics,
            ExecutorProperties properties) {
        this.pool = pool;
        this.results = results;
        this.metrics = metrics;
        this.instanceId = properties.instanceId();
        this.recent = new RecentVerdicts(properties.recentVerdicts());
    }

    @KafkaListener(topics = Topics.CANDIDATES, concurrency = "#{@executorConcurrency}")
    void onCandidate(ConsumerRecord<String, CandidateProgram> record)
            throws InterruptedException, ExecutionException, TimeoutException {
        CandidateProgram candidate = record.value();
        if (candidate == null) {
            throw new InvalidCandidateException("empty candidate message at offset " + record.offset());
        }
        List<String> problems = candidate.problems();
        if (!problems.isEmpty()) {
            throw new InvalidCandidateException("invalid candidate " + candidate.candidateId() + ": "
                    + String.join("; ", problems));
        }
        Duration timeout = candidate.timeoutSeconds() > 0
                ? Duration.ofNanos((long) (candidate.timeoutSeconds() * 1e9)) : pool.settings().timeout();
        String key = RecentVerdicts.key(candidate.program(), candidate.tests(), candidate.entryPoints(), timeout);
        Optional<Verdict> known = recent.find(key);
        Verdict verdict;
        if (known.isPresent()) {
            verdict = known.get();
            metrics.reused(verdict);
        } else {
            verdict = pool.run(candidate.program(), candidate.tests(), candidate.entryPoints(), timeout);
            metrics.record(verdict);
            recent.remember(key, verdict);
        }
        results.send(Topics.RESULTS, candidate.taskId(), ExecutionResult.of(candidate, verdict, instanceId, known.isPresent()))
                .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
