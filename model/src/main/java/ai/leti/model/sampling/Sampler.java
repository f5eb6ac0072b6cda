package ai.leti.model.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * Batched generation. Prompts are left-padded so every row's next token sits in the last column; pads are
 * masked out of attention and positions count from each row's first real token. With the KV cache (the
 * default) a step feeds one token per row; rows that finished (EOS, a stop condition, the length limit) are
 * reported at once through the callback and the batch goes on until all are done.
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
     * Generates one completion per prompt; {@code stop} sees a row's generated tokens after each step and ends it
     * when true (stop sequences). Each completion goes to {@code onFinished} as soon as it is finished.
     */
    public void generate(List<int[]> prompts, SamplingSettings settings, Predicate<int[]> stop,
            Consumer<Completion> onFinished) {
        int batch = prompts.size();
        if (batch == 0) {
            return;
        }
        GradMode.off();
        int promptLength = prompts.stream().mapToInt(prompt -> prompt.length).max().orElseThrow();
        if (prompts.stream().anyMatch(prompt -> prompt.length == 0)) {
            throw new IllegalArgumentException("every prompt needs at least one token");
        }
        int total = promptLength + settings.maxNewTokens();
        if (total > model.config().maxPositions()) {
            throw new IllegalArgumentException("prompt (" + promptLength + " tokens) + max new tokens ("
                    + settings.maxNewTokens() + ") exceed the model's " + model.config().maxPositions() + " positions");
        }
        int vocab = model.config().vocabSize();
        Random random = new Random(settings.seed());
        long[] tokens = new long[batch * total]; // the whole left-padded sequence per row
        float[] keyMask = new float[batch * total];
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            int[] prompt = prompts.get(b);
            int pad = promptLength - prompt.length;
            lengths[b] = prompt.length;
            for (int t = 0; t < prompt.length; t++) {
                tokens[b * total + pad + t] = prompt[t];
                keyMask[b * total + pad + t] = 1;
            }
        }
        List<List<Integer>> generated = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            generated.add(new ArrayList<>());
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
                    logits = lastLogits(decoder, stepManager, tokens, keyMask, lengths, promptLength, total, from, filled, cache);
                }
                for (int b = 0; b < batch; b++) {
                    keyMask[b * total + filled] = 1;
                    if (finished[b]) {
                        continue;
                    }
                    int next = Nucleus.sample(logits, b * vocab, vocab, settings.temperature(), settings.topP(), random);
                    tokens[b * total + filled] = next;
                    Completion.FinishReason reason = null;
                    if (next == eosToken) {
                        reason = Completion.FinishReason.EOS;
                    } else {
                        generated.get(b).add(next);
                        if (stop != null && stop.test(toArray(generated.get(b)))) {
                            reason = Completion.FinishReason.STOP;
                        } else if (generated.get(b).size() == settings.maxNewTokens()) {
                            reason = Completion.FinishReason.LENGTH;
                        }
                    }
                    if (reason != null) {
                        finished[b] = true;
                        remaining--;
                        onFinished.accept(new Completion(b, toArray(generated.get(b)), reason));
                    }
                }
            }
        }
        for (int b = 0; b < batch; b++) {
            if (!finished[b]) {
                onFinished.accept(new Completion(b, toArray(generated.get(b)), Completion.FinishReason.LENGTH));
            }
        }
    }

    /** Logits {@code [batch * vocab]} at the last filled column, feeding columns {@code from..filled-1}. */
    private static float[] lastLogits(Decoder decoder, NDManager manager, long[] tokens, float[] keyMask, int[] lengths, int promptLength,
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
                manager.create(positions, new Shape(batch, width)), bias, cache).toFloatArray();
    }

    private static int[] toArray(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

}
