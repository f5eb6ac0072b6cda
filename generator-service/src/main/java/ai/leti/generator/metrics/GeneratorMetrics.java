package ai.leti.generator.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.stereotype.Component;

import ai.leti.generator.config.Roles;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The generator's meters, named here only: {@code leti_generator_samples_total{purpose}},
 * {@code leti_generator_tokens_total}, {@code leti_generator_checkpoint_iteration},
 * {@code leti_generator_refused_checkpoints_total}, {@code leti_generator_candidates_in_flight} (sampled, no verdict
 * yet), and each run's progress, labelled with its id and feedback mode so that runs never overwrite each other:
 * {@code leti_generator_iteration{run,mode}}, {@code leti_generator_heldout_pass_at_1{run,mode,condition}},
 * {@code leti_generator_sample_pass_rate{run,mode}}, {@code leti_generator_reward_token_likelihood{run,mode,measure}},
 * and for event argument extraction {@code leti_generator_heldout_argument_f1{run,mode,condition,measure}}. A run's
 * series stay until the generator restarts (runs are few: one at a time, each for hours).
 */
@Component
@Roles.Coordinator
public class GeneratorMetrics {

    public static final String SAMPLES = "leti.generator.samples";
    public static final String TOKENS = "leti.generator.tokens";
    public static final String CHECKPOINT_ITERATION = "leti.generator.checkpoint.iteration";
    public static final String REFUSED_CHECKPOINTS = "leti.generator.refused.checkpoints";
    public static final String IN_FLIGHT = "leti.generator.candidates.in.flight";
    public static final String ITERATION = "leti.generator.iteration";
    public static final String HELD_OUT_PASS_AT_1 = "leti.generator.heldout.pass.at.1";
    public static final String SAMPLE_PASS_RATE = "leti.generator.sample.pass.rate";
    public static final String HELD_OUT_ARGUMENT_F1 = "leti.generator.heldout.argument.f1";
    public static final String REWARD_TOKEN_LIKELIHOOD = "leti.generator.reward.token.likelihood";

    private final MeterRegistry registry;
    private final Counter tokens;
    private final Counter refused;
    private final AtomicInteger checkpointIteration = new AtomicInteger();
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

    public GeneratorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.tokens = Counter.builder(TOKENS).description("Tokens generated").register(registry);
        this.refused = Counter.builder(REFUSED_CHECKPOINTS).description("Checkpoints refused (digest mismatch, unreadable)")
                .register(registry);
        Gauge.builder(CHECKPOINT_ITERATION, checkpointIteration, AtomicInteger::get)
                .description("Iteration of the checkpoint being sampled from (0 = base model)").register(registry);
        Gauge.builder(IN_FLIGHT, inFlight, AtomicLong::get)
                .description("Candidates of the current iteration sampled and not yet executed").register(registry);
        for (String purpose : new String[] {"train", "eval_good", "eval_bad", "eval_plain"}) {
            samples(purpose);
        }
    }

    /** Held-out pass@1 of a run, per condition ({@code good}, {@code bad}, {@code plain}). */
    public void evaluation(String run, String mode, int iteration, Map<String, Double> passAt1,
            Map<String, Map<String, Double>> scores) {
        gauge(ITERATION, "Iteration of the run's last evaluation", Tags.of("run", run, "mode", mode)).set((double) iteration);
        passAt1.forEach((condition, value) -> gauge(HELD_OUT_PASS_AT_1, "Held-out pass@1 of the run",
                Tags.of("run", run, "mode", mode, "condition", condition)).set(value));
        scores.forEach((condition, measures) -> measures.forEach((measure, value) -> gauge(HELD_OUT_ARGUMENT_F1,
                "Held-out argument F1 (event argument extraction) of the run", Tags.of("run", run, "mode", mode,
                        "condition", condition, "measure", measure.replace("arg_", "").replace("_f1", ""))).set(value)));
    }

    /** The reward token's likelihood probe after the run's last evaluation, in nats per program token, per measure. */
    public void rewardTokenLikelihood(String run, String mode, Map<String, Double> gaps) {
        gaps.forEach((measure, value) -> gauge(REWARD_TOKEN_LIKELIHOOD,
                "Reward-token likelihood probe (nats per program token) of the run",
                Tags.of("run", run, "mode", mode, "measure", measure)).set(value));
    }

    public void samplePassRate(String run, String mode, double rate) {
        gauge(SAMPLE_PASS_RATE, "Fraction of the run's last iteration's sampled programs that passed",
                Tags.of("run", run, "mode", mode)).set(rate);
    }

    public void inFlight(long candidates) {
        inFlight.set(Math.max(0, candidates));
    }

    private AtomicReference<Double> gauge(String name, String description, Tags tags) {
        return gauges.computeIfAbsent(name + tags, key -> {
            AtomicReference<Double> value = new AtomicReference<>(0.0);
            Gauge.builder(name, value, AtomicReference::get).description(description).tags(tags).register(registry);
            return value;
        });
    }

    /** A sampler reported {@code candidates} published for {@code purpose}, with the tokens generated for them. */
    public void sample(String purpose, int candidates, long generatedTokens) {
        samples(purpose).increment(candidates);
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
