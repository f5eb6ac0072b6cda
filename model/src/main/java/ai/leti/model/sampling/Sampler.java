package ai.leti.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.Decoder;
import ai.leti.model.nn.GradMode;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;
import ai.leti.model.nn.Precision;

/**
 * Batched generation, static ({@link #generate}) or continuous ({@link #stream}). Prompts are left-padded so every
 * row's next token sits in the last column; pads are masked out of attention and positions count from each row's
 * first real token. With the KV cache (the default) a step feeds one token per row; rows that finished (EOS, a stop
 * condition, the length limit) are reported at once through the callback. Each row samples from its own random
 * stream ({@link Prompt#seed}).
 * <p>
 * The model's generation decoder (folded, for BF16 cast, weights: seconds at real sizes) is made on the first
 * {@code generate} in each precision and reused by the next ones, so the model's weights must not change while a
 * sampler is open; closing the sampler frees it.
 */
public final class Sampler implements AutoCloseable {

    private final CausalLm model;
    private final int eosToken;
    private NDManager decoderManager;
    private Decoder decoder;
    private Precision decoderPrecision;

    public Sampler(CausalLm model, int eosToken) {
        this.model = model;
        this.eosToken = eosToken;
    }

    /** The decoder for the current precision, made on first use and kept until the precision changes or close. */
    private synchronized Decoder decoder() {
        if (decoder == null || decoderPrecision != Precision.current()) {
            close();
            decoderManager = model.manager().newSubManager();
            decoder = model.decoder(decoderManager);
            decoderPrecision = Precision.current();
        }
        return decoder;
    }

    /** Frees the generation decoder's derived weights; the sampler makes them again if used once more. */
    @Override
    public synchronized void close() {
        if (decoderManager != null) {
            decoderManager.close();
            decoderManager = null;
            decoder = null;
        }
    }

    /**
     * Static batching: one completion per prompt, all prompts in one batch that runs until its last row ends;
     * {@code stop} sees a row's generated tokens after each step and ends it when true (stop sequences). Row
     * {@code i} samples from its own stream, seeded {@link Prompt#seedOf}{@code (settings.seed(), i)}. Each
     * completion goes to {@code onFinished} as soon as it is finished.
     */
    public void generate(List<int[]> prompts, SamplingSettings settings, Predicate<int[]> stop,
            Consumer<Completion> onFinished) {
        List<Prompt> seeded = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            seeded.add(new Prompt(prompts.get(i), Prompt.seedOf(settings.seed(), i)));
        }
        generate(seeded, settings, stop == null ? StopRule.NONE : (index, generated) -> stop.test(generated), onFinished);
    }

    /** Static batching of prompts with their own seeds ({@code settings.seed()} is not used). */
    public void generate(List<Prompt> prompts, SamplingSettings settings, StopRule stop, Consumer<Completion> onFinished) {
        int batch = prompts.size();
        if (batch == 0) {
            return;
        }
        GradMode.off();
        int promptLength = prompts.stream().mapToInt(prompt -> prompt.tokens().length).max().orElseThrow();
        int total = promptLength + settings.maxNewTokens();
        checkFits(promptLength, settings);
        int vocab = model.config().vocabSize();
        long[] tokens = new long[batch * total]; // the whole left-padded sequence per row
        float[] keyMask = new float[batch * total];
        int[] lengths = new int[batch];
        Sequence[] rows = new Sequence[batch];
        for (int b = 0; b < batch; b++) {
            int[] prompt = prompts.get(b).tokens();
            int pad = promptLength - prompt.length;
            lengths[b] = prompt.length;
            rows[b] = new Sequence(b, prompts.get(b));
            for (int t = 0; t < prompt.length; t++) {
                tokens[b * total + pad + t] = prompt[t];
                keyMask[b * total + pad + t] = 1;
            }
        }
        boolean[] finished = new boolean[batch];
        int remaining = batch;
        try (NDManager manager = model.manager().newSubManager();
             KvCache cache = settings.useCache() ? model.newCache(manager, batch, total) : null) {
            Decoder decoder = decoder();
            for (int step = 0; step < settings.maxNewTokens() && remaining > 0; step++) {
                int filled = promptLength + step;
                float[] logits;
                try (NDManager stepManager = manager.newSubManager()) {
                    int from = cache == null || step == 0 ? 0 : filled - 1;
                    logits = Sequence.scores(lastLogits(decoder, stepManager, tokens, keyMask, lengths, promptLength, total, from,
                            filled, cache), settings);
                }
                for (int b = 0; b < batch; b++) {
                    keyMask[b * total + filled] = 1;
                    if (finished[b]) {
                        continue;
                    }
                    Completion.FinishReason reason = rows[b].next(logits, b * vocab, vocab, settings, eosToken, stop);
                    tokens[b * total + filled] = rows[b].last();
                    if (reason != null) {
                        finished[b] = true;
                        remaining--;
                        onFinished.accept(rows[b].completion(reason));
                    }
                }
            }
        }
        for (int b = 0; b < batch; b++) {
            if (!finished[b]) {
                onFinished.accept(rows[b].completion(Completion.FinishReason.LENGTH));
            }
        }
    }

    /**
     * Continuous batching: {@code slots} rows of one KV cache, each taking the next prompt as soon as its sequence
     * ends (end-of-text, {@code stop}, the token limit), so the batch stays full until the prompts run out; then the
     * batch shrinks to the rows still going. A row's samples are those static batching gives for the same prompt and
     * seed, up to floating-point rounding (its batch-mates differ, and so may the last bits of its logits).
     * {@code cancelled} is checked before each step: true ends with a {@link java.util.concurrent.CancellationException}.
     */
    public void stream(List<Prompt> prompts, int slots, SamplingSettings settings, StopRule stop, BooleanSupplier cancelled,
            Consumer<Completion> onFinished) {
        if (prompts.isEmpty()) {
            return;
        }
        if (!settings.useCache()) {
            throw new IllegalArgumentException("continuous batching needs the KV cache");
        }
        GradMode.off();
        int longestPrompt = prompts.stream().mapToInt(prompt -> prompt.tokens().length).max().orElseThrow();
        checkFits(longestPrompt, settings);
        new ContinuousBatch(model, decoder(), eosToken, prompts, longestPrompt, Math.min(slots, prompts.size()), settings, stop,
                onFinished).run(cancelled);
    }

    private void checkFits(int promptLength, SamplingSettings settings) {
        if (promptLength + settings.maxNewTokens() > model.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + promptLength + " tokens) + max new tokens ("
                    + settings.maxNewTokens() + ") exceed the model's " + model.config().maxPositions() + " positions");
        }
    }

    /** Logits {@code [batch * vocab]} at the last filled column, feeding columns {@code from..filled-1}. */
    private static NDArray lastLogits(Decoder decoder, NDManager manager, long[] tokens, float[] keyMask, int[] lengths, int promptLength,
            int total, int from, int filled, KvCache cache) {
        int batch = lengths.length;
        int width = filled - from;
        long[] input = new long[batch * width];
        long[] positions = new long[batch * width];
        float[] mask = new float[batch * filled];
        for (int b = 0; b < batch; b++) {
            int pad = promptLength - lengths[b];
            for (int t = 0; t < width; t++) {
                input[b * width + t] = tokens[b * total + from + t];
                positions[b * width + t] = Math.max(0, from + t - pad);
            }
            System.arraycopy(keyMask, b * total, mask, b * filled, filled);
        }
        // Without left padding nothing needs masking but the future: the model's own causal mask is enough.
        boolean padded = java.util.Arrays.stream(lengths).anyMatch(length -> length != promptLength);
        NDArray bias = padded ? Ops.causalBias(manager, from, width, manager.create(mask, new Shape(batch, filled))) : null;
        return decoder.forward(manager.create(input, new Shape(batch, width)),
                manager.create(positions, new Shape(batch, width)), bias, cache);
    }

}
