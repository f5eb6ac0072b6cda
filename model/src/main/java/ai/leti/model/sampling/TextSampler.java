package ai.leti.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

import ai.leti.model.CausalLm;
import ai.leti.model.nn.Precision;
import ai.leti.model.tokenizer.LetiTokenizer;

/**
 * Text in, text out: prompts sampled in batches of {@code batch}, each completion cut at the first stop sequence
 * and handed over as soon as its row finishes. The one sampling routine of the generator (training and evaluation
 * samples) and the command line ({@code ./leti generate}). One {@link Sampler} is kept for the whole life of this
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
     * Samples one completion per item, in order of the items, {@code batch} at a time.
     *
     * @param promptOf   the text the model continues for an item (with any reward-token prefix)
     * @param settings   temperature, top-p, token limit (its seed is replaced by {@code seedOf})
     * @param stops      where a completion ends (empty: at end-of-text or the token limit only)
     * @param seedOf     the seed of the batch starting at this item index, so that results do not depend on what
     *                   ran before
     * @param cancelled  checked before each batch: true ends sampling with a {@link CancellationException}
     * @param onSampled  each completion, as soon as its row finished
     */
    public void sample(List<T> items, Function<T, String> promptOf, SamplingSettings settings, List<String> stops,
            LongUnaryOperator seedOf, BooleanSupplier cancelled, Consumer<Sampled<T>> onSampled) {
        StopSequences stop = new StopSequences(stops);
        for (int start = 0; start < items.size(); start += batch) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("sampling cancelled");
            }
            List<T> chunk = items.subList(start, Math.min(items.size(), start + batch));
            List<int[]> prompts = new ArrayList<>(chunk.size());
            for (T item : chunk) {
                prompts.add(tokenizer.encode(promptOf.apply(item)));
            }
            SamplingSettings seeded = new SamplingSettings(settings.temperature(), settings.topP(), settings.maxNewTokens(),
                    seedOf.applyAsLong(start), settings.useCache());
            try (Precision.Scope scope = Precision.use(precision)) {
                sampler.generate(prompts, seeded,
                        generated -> !stops.isEmpty() && stop.indexIn(tokenizer.decode(generated)) >= 0,
                        completion -> onSampled.accept(new Sampled<>(chunk.get(completion.index()),
                                stop.cut(tokenizer.decode(completion.tokens())), completion.tokens().length)));
            }
        }
    }

    @Override
    public void close() {
        sampler.close();
    }
}
