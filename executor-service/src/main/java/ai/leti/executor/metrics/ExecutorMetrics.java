package ai.leti.executor.metrics;

import java.time.Duration;

import org.springframework.stereotype.Component;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;
import ai.leti.sandbox.SandboxPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The executor's meters. Names live here only; Prometheus sees them as {@code leti_executor_programs_total},
 * {@code leti_executor_run_seconds}, {@code leti_executor_sandbox_failures_total},
 * {@code leti_executor_dead_letters_total}, {@code leti_executor_workers_live}, {@code leti_executor_reused_total}.
 * Tags are low-cardinality: verdict and category, never a task or candidate id.
 */
@Component
public class ExecutorMetrics {

    public static final String PROGRAMS = "leti.executor.programs";
    public static final String RUN = "leti.executor.run";
    public static final String SANDBOX_FAILURES = "leti.executor.sandbox.failures";
    public static final String DEAD_LETTERS = "leti.executor.dead.letters";
    public static final String WORKERS_LIVE = "leti.executor.workers.live";
    public static final String REUSED = "leti.executor.reused";

    private final MeterRegistry registry;
    private final Counter deadLetters;

    public ExecutorMetrics(MeterRegistry registry, SandboxPool pool) {
        this.registry = registry;
        this.deadLetters = Counter.builder(DEAD_LETTERS)
                .description("Candidate messages sent to the dead-letter topic").register(registry);
        Gauge.builder(WORKERS_LIVE, pool, SandboxPool::liveWorkers)
                .description("Sandbox workers whose fork server is alive").register(registry);
        Counter.builder(SANDBOX_FAILURES).description("Runs where the sandbox, not the program, failed")
                .register(registry);
        for (ErrorCategory category : ErrorCategory.values()) {
            programs(category); // export every series from the start so dashboards and alerts see zeros
            reused(category);
        }
    }

    public void record(Verdict verdict) {
        programs(verdict.category()).increment();
        Timer.builder(RUN).description("Wall time of one program in the sandbox")
                .tag("verdict", verdict.passed() ? "passed" : "failed")
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.ofNanos((long) (verdict.durationMillis() * 1e6)));
        if (verdict.category() == ErrorCategory.SANDBOX) {
            registry.counter(SANDBOX_FAILURES).increment();
        }
    }

    /** A candidate answered with the verdict of the same program's last run, not run again. */
    public void reused(Verdict verdict) {
        reused(verdict.category()).increment();
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    private Counter reused(ErrorCategory category) {
        return byVerdict(REUSED, "Candidates answered with a repeated program's verdict, not run again", category);
    }

    private Counter programs(ErrorCategory category) {
        return byVerdict(PROGRAMS, "Programs executed, by verdict and error category", category);
    }

    /** A counter tagged as every verdict series is: passed or failed, and the error category. */
    private Counter byVerdict(String name, String description, ErrorCategory category) {
        return Counter.builder(name).description(description)
                .tag("verdict", category == ErrorCategory.NONE ? "passed" : "failed")
                .tag("category", category.tag())
                .register(registry);
    }
}
