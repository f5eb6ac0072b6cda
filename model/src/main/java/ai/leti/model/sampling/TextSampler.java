package ai.leti.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongBiFunction;

import ai.leti.model.CausalLm;
import ai.leti.model.nn.Precision;
import ai.leti.model.tokenizer.LetiTokenizer;

/**
 * Text in, text out: prompts sampled {@code batch} rows at a time (continuous batching), each completion cut at the
 * first stop sequence and handed over as soon as its row finishes. The one sampling routine of the samplers (training
 * and evaluation samples) and the command line ({@code ./leti generate}). One {@link Sampler} is kept for the whole life of this
 * object, so the model's generation decoder is made once.
 *
 * @param <T> what a prompt belongs to (a task and a sample index, say); it comes back with its completion
 */
public final class TextSampler<T> implements AutoCloseable {

    /** One finished completion: its item, the text up to the first stop sequence, and the tokens generated. */
    public record Sampled<T>(T item, String completion, int tokens) {
    }

    private final LetiTokenizer tokenizer;
    private final Precision precision;
    private final int batch;
    private final Sampler sampler;

    public TextSampler(CausalLm model, LetiTokenizer tokenizer, Precision precision, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("sampling batch must be at least 1, got " + batch);
        }
        this.tokenizer = tokenizer;
        this.precision = precision;
        this.batch = batch;
        this.sampler = new Sampler(model, tokenizer.endOfText());
    }

    /**
     * Samples one completion per item, {@code batch} rows at a time with continuous batching: a row takes the next
     * item as soon as its completion ends.
     *
     * @param promptOf   the text the model continues for an item (with any reward-token prefix)
     * @param settings   temperature, top-p, token limit (its seed is not used: see {@code seedOf})
     * @param stops      where a completion ends (empty: at end-of-text or the token limit only)
     * @param seedOf     the seed of an item's random stream, given the item and its index in {@code items}: a
     *                   completion depends on its item and seed only, not on its batch-mates
     * @param cancelled  checked before each step: true ends sampling with a {@link CancellationException}
     * @param onSampled  each completion, as soon as its row finished
     */
    public void sample(List<T> items, Function<T, String> promptOf, SamplingSettings settings, List<String> stops,
            ToLongBiFunction<T, Integer> seedOf, BooleanSupplier cancelled, Consumer<Sampled<T>> onSampled) {
        StopSequences stop = new StopSequences(stops);
        List<Prompt> prompts = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            prompts.add(new Prompt(tokenizer.encode(promptOf.apply(item)), seedOf.applyAsLong(item, i)));
        }
        StopRule rule = stops.isEmpty() ? StopRule.NONE
                : (index, generated) -> stop.indexIn(tokenizer.decode(generated)) >= 0;
        try (Precision.Scope scope = Precision.use(precision)) {
            sampler.stream(prompts, batch, settings, rule, cancelled,
                    completion -> onSampled.accept(new Sampled<>(items.get(completion.index()),
                            stop.cut(tokenizer.decode(completion.tokens())), completion.tokens().length)));
        }
    }

    @Override
    public void close() {
        sampler.close();
    }
}
