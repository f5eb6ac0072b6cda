package ai.leti.generator.metrics;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The generator's meters, named here only: {@code leti_generator_samples_total{purpose}},
 * {@code leti_generator_tokens_total}, {@code leti_generator_checkpoint_iteration},
 * {@code leti_generator_refused_checkpoints_total}.
 */
@Component
public class GeneratorMetrics {

    public static final String SAMPLES = "leti.generator.samples";
    public static final String TOKENS = "leti.generator.tokens";
    public static final String CHECKPOINT_ITERATION = "leti.generator.checkpoint.iteration";
    public static final String REFUSED_CHECKPOINTS = "leti.generator.refused.checkpoints";

    private final MeterRegistry registry;
    private final Counter tokens;
    private final Counter refused;
    private final AtomicInteger checkpointIteration = new AtomicInteger();

    public GeneratorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tokens = Counter.builder(TOKENS).description("Tokens generated").register(registry);
        this.refused = Counter.builder(REFUSED_CHECKPOINTS).description("Checkpoints refused (digest mismatch, unreadable)")
                .register(registry);
        Gauge.builder(CHECKPOINT_ITERATION, checkpointIteration, AtomicInteger::get)
                .description("Iteration of the checkpoint being sampled from (0 = base model)").register(registry);
        for (String purpose : new String[] {"train", "eval_good", "eval_bad", "eval_plain"}) {
            samples(purpose);
        }
    }

    public void sample(String purpose, int generatedTokens) {
        samples(purpose).increment();
        tokens.increment(generatedTokens);
    }

    public void checkpoint(int iteration) {
        checkpointIteration.set(iteration);
    }

    public void refused() {
        refused.increment();
    }

    private Counter samples(String purpose) {
        return Counter.builder(SAMPLES).description("Candidate programs sampled and published").tag("purpose", purpose)
                .register(registry);
    }
}
