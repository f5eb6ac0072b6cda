package ai.leti.generator.sampler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import ai.leti.generator.config.Roles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** A sampler's figures: work done, dead-lettered or withdrawn, candidates and tokens, model swaps, readiness. */
@Component
@Roles.Sampler
class SamplerMetrics {

    private final Counter sampled;
    private final Counter deadLettered;
    private final Counter withdrawn;
    private final Counter candidates;
    private final Counter tokens;
    private final Counter swaps;
    private final Timer swapTime;
    private final AtomicInteger ready = new AtomicInteger(1);

    SamplerMetrics(MeterRegistry registry) {
        sampled = Counter.builder("leti.sampler.items").description("Pieces of sampling work").tag("outcome", "sampled")
                .register(registry);
        deadLettered = Counter.builder("leti.sampler.items").description("Pieces of sampling work")
                .tag("outcome", "dead_lettered").register(registry);
        withdrawn = Counter.builder("leti.sampler.items").description("Pieces of sampling work")
                .tag("outcome", "withdrawn").register(registry);
        candidates = Counter.builder("leti.sampler.candidates").description("Candidates sampled and published")
                .register(registry);
        tokens = Counter.builder("leti.sampler.tokens").description("Tokens generated").register(registry);
        swaps = Counter.builder("leti.sampler.model.swaps").description("Models fetched, verified and swapped in")
                .register(registry);
        swapTime = Timer.builder("leti.sampler.swap").description("Fetching, verifying and loading a model")
                .register(registry);
        Gauge.builder("leti.sampler.ready", ready, AtomicInteger::get)
                .description("1 while the sampler can load the model its work names, 0 while it cannot").register(registry);
    }

    void sampled(int items, long candidateCount, long tokenCount) {
        sampled.increment(items);
        candidates.increment(candidateCount);
        tokens.increment(tokenCount);
    }

    void deadLettered() {
        deadLettered.increment();
    }

    void withdrawn() {
        withdrawn.increment();
    }

    void swapped(long nanos) {
        swaps.increment();
        swapTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void ready(boolean value) {
        ready.set(value ? 1 : 0);
    }
}
