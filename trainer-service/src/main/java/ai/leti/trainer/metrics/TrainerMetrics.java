package ai.leti.trainer.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

import ai.leti.model.training.LmTrainer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The trainer's meters, named here only: {@code leti_trainer_loss}, {@code leti_trainer_tokens_per_second},
 * {@code leti_trainer_step_seconds}, {@code leti_trainer_checkpoints_total},
 * {@code leti_trainer_checkpoint_age_seconds}, {@code leti_trainer_failures_total},
 * {@code leti_trainer_skipped_steps_total} (updates skipped for a non-finite gradient).
 */
@Component
public class TrainerMetrics {

    public static final String LOSS = "leti.trainer.loss";
    public static final String TOKENS_PER_SECOND = "leti.trainer.tokens.per.second";
    public static final String STEP = "leti.trainer.step";
    public static final String CHECKPOINTS = "leti.trainer.checkpoints";
    public static final String CHECKPOINT_AGE = "leti.trainer.checkpoint.age.seconds";
    public static final String FAILURES = "leti.trainer.failures";
    public static final String SKIPPED_STEPS = "leti.trainer.skipped.steps";

    private final MeterRegistry registry;
    private final Timer steps;
    private final AtomicLong lossMicros = new AtomicLong();
    private final AtomicLong tokensPerSecond = new AtomicLong();
    private final AtomicLong lastCheckpointMillis = new AtomicLong(System.currentTimeMillis());

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.steps = Timer.builder(STEP).description("Wall time of one optimizer step").publishPercentileHistogram()
                .register(registry);
        Gauge.builder(LOSS, lossMicros, value -> value.get() / 1e6).description("Loss of the last step").register(registry);
        Gauge.builder(TOKENS_PER_SECOND, tokensPerSecond, AtomicLong::get).description("Training tokens per second")
                .register(registry);
        Gauge.builder(CHECKPOINT_AGE, lastCheckpointMillis, value -> (System.currentTimeMillis() - value.get()) / 1000.0)
                .description("Seconds since the last checkpoint was published").register(registry);
        registry.counter(CHECKPOINTS);
        registry.counter(FAILURES);
        registry.counter(SKIPPED_STEPS);
    }

    public void step(LmTrainer.StepResult step, double seconds) {
        steps.record(Duration.ofNanos((long) (seconds * 1e9)));
        lossMicros.set((long) (step.loss() * 1e6));
        tokensPerSecond.set((long) (step.tokens() / Math.max(seconds, 1e-9)));
        if (step.skipped()) {
            registry.counter(SKIPPED_STEPS).increment();
        }
    }

    public void checkpoint() {
        registry.counter(CHECKPOINTS).increment();
        lastCheckpointMillis.set(System.currentTimeMillis());
    }

    public void failure() {
        registry.counter(FAILURES).increment();
    }
}
