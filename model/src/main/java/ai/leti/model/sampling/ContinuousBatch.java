package ai.leti.model.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.Decoder;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.Ops;

/**
 * One continuous-batching run ({@link Sampler#stream}). Every row writes the same cache column at each step; a row's
 * sequence occupies the columns from its own {@code start} to the current one, and the columns before its start
 * (another sequence's, or padding) are masked out for it. Positions count from the sequence's first token, so a row
 * computes what it would alone.
 * <ul>
 * <li>Free rows take the next prompts as soon as a quarter of the batch is free ({@link #ADMIT_FRACTION}): the
 *     admitted prompts are prefilled together in a cache of their own and their keys and values copied into their
 *     rows by one kernel call, ending at the current column (the cache's columns move right first if a prompt is
 *     longer than the columns so far).</li>
 * <li>When the columns run out, the ones before the earliest start still read are dropped ({@link KvCache#compact}):
 *     the capacity is half as much again as the longest sequence, so this happens every few dozen steps at most.</li>
 * <li>Once the prompts run out and half the rows are idle, the cache keeps only the busy rows.</li>
 * </ul>
 */
final class ContinuousBatch {

    /**
     * Free rows wait until a quarter of the batch is free (or no row is busy, or the prompts left are fewer): a
     * prefill costs about a step whatever its rows, so admitting a few prompts at a time is cheaper than one at every
     * step (./leti bench sampling: 1.84-1.96x static batching on MBPP's prompts with, 1.54 and 2.06 without).
     */
    private static final int ADMIT_FRACTION = 4;

    private final CausalLm model;
    private final Decoder decoder;
    private final int eos;
    private final List<Prompt> prompts;
    private final SamplingSettings settings;
    private final StopRule stop;
    private final Consumer<Completion> onFinished;
    private final int vocab;
    private final int capacity;
    /** The next prompt to admit. */
    private int next;
    /** Each row's sequence, null when the row is free. */
    private Sequence[] rows;
    /** The first cache column of each row's sequence. */
    private int[] start;
    private KvCache cache;

    /** @param longestPrompt the longest of {@code prompts}, in tokens (the caller checked it fits the model) */
    ContinuousBatch(CausalLm model, Decoder decoder, int eos, List<Prompt> prompts, int longestPrompt, int slots,
            SamplingSettings settings, StopRule stop, Consumer<Completion> onFinished) {
        this.model = model;
        this.decoder = decoder;
        this.eos = eos;
        this.prompts = prompts;
        this.settings = settings;
        this.stop = stop;
        this.onFinished = onFinished;
        this.vocab = model.config().vocabSize();
        this.rows = new Sequence[slots];
        this.start = new int[slots];
        int longest = longestPrompt + settings.maxNewTokens();
        this.capacity = longest + Math.max(8, longest / 2);
    }

    void run(BooleanSupplier cancelled) {
        try (NDManager manager = model.manager().newSubManager()) {
            cache = model.newCache(manager, rows.length, capacity);
            while (true) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("sampling cancelled");
                }
                admit(manager);
                if (busy() == 0) {
                    return;
                }
                keepBusyRowsIfDraining(manager);
                step(manager);
            }
        } finally {
            cache = null;
        }
    }

    private int busy() {
        return (int) Arrays.stream(rows).filter(row -> row != null).count();
    }

    /** Free rows take the next prompts (again, while admitted prompts end on their first token). */
    private void admit(NDManager manager) {
        while (next < prompts.size()) {
            List<Integer> free = new ArrayList<>();
            for (int b = 0; b < rows.length && free.size() < prompts.size() - next; b++) {
                if (rows[b] == null) {
                    free.add(b);
                }
            }
            if (free.isEmpty() || busy() > 0 && free.size() < Math.min(rows.length / ADMIT_FRACTION, prompts.size() - next)) {
                return;
            }
            prefill(manager, free);
        }
    }

    /** The next {@code free.size()} prompts into those rows: prefilled together, copied into place, first token drawn. */
    private void prefill(NDManager manager, List<Integer> free) {
        int count = free.size();
        List<Prompt> admitted = prompts.subList(next, next + count);
        int width = admitted.stream().mapToInt(prompt -> prompt.tokens().length).max().orElseThrow();
        long[] tokens = new long[count * width];
        long[] positions = new long[count * width];
        float[] keyMask = new float[count * width];
        boolean padded = false;
        for (int i = 0; i < count; i++) {
            int[] prompt = admitted.get(i).tokens();
            int pad = width - prompt.length;
            padded |= pad > 0;
            for (int t = 0; t < prompt.length; t++) {
                tokens[i * width + pad + t] = prompt[t];
                positions[i * width + pad + t] = t;
                keyMask[i * width + pad + t] = 1;
            }
        }
        if (cache.length() < width) { // the new sequences end at the current column: make room before it
            int by = width - cache.length();
            cache.shiftRight(by);
            for (int b = 0; b < rows.length; b++) {
                start[b] += by;
            }
        }
        int end = cache.length();
        float[] logits;
        try (NDManager step = manager.newSubManager(); KvCache fresh = model.newCache(step, count, width)) {
            NDArray bias = padded ? Ops.causalBias(step, 0, width, step.create(keyMask, new Shape(count, width))) : null;
            logits = Sequence.scores(decoder.forward(step.create(tokens, new Shape(count, width)),
                    step.create(positions, new Shape(count, width)), bias, fresh), settings);
            cache.copyRows(fresh, free.stream().mapToInt(Integer::intValue).toArray(), end - width);
        }
        for (int i = 0; i < count; i++) {
            int row = free.get(i);
            rows[row] = new Sequence(next + i, admitted.get(i));
            start[row] = end - admitted.get(i).tokens().length;
            sample(row, logits, i);
        }
        next += count;
    }

    /** One token for every row: busy rows feed their last token at the current column, free rows are masked noise. */
    private void step(NDManager manager) {
        if (cache.length() == capacity) {
            int earliest = Integer.MAX_VALUE;
            for (int b = 0; b < rows.length; b++) {
                if (rows[b] != null) {
                    earliest = Math.min(earliest, start[b]);
                }
            }
            cache.compact(earliest);
            for (int b = 0; b < rows.length; b++) {
                start[b] = Math.max(0, start[b] - earliest);
            }
        }
        int column = cache.length();
        int columns = column + 1;
        int batch = rows.length;
        long[] tokens = new long[batch];
        long[] positions = new long[batch];
        float[] bias = new float[batch * columns];
        for (int b = 0; b < batch; b++) {
            int from = rows[b] == null ? column : start[b];
            Arrays.fill(bias, b * columns, b * columns + from, Ops.MASKED);
            if (rows[b] != null) {
                tokens[b] = rows[b].last();
                positions[b] = column - start[b];
            }
        }
        float[] logits;
        try (NDManager step = manager.newSubManager()) {
            logits = Sequence.scores(decoder.forward(step.create(tokens, new Shape(batch, 1)),
                    step.create(positions, new Shape(batch, 1)), step.create(bias, new Shape(batch, 1, 1, columns)), cache),
                    settings);
        }
        for (int b = 0; b < batch; b++) {
            if (rows[b] != null) {
                sample(b, logits, b);
            }
        }
    }

    /** Row {@code row}'s next token from row {@code offsetRow} of {@code logits}; a finished sequence leaves the row. */
    private void sample(int row, float[] logits, int offsetRow) {
        Completion.FinishReason reason = rows[row].next(logits, offsetRow * vocab, vocab, settings, eos, stop);
        if (reason != null) {
            onFinished.accept(rows[row].completion(reason));
            rows[row] = null;
        }
    }

    /** With no prompt left and half the rows idle, the cache keeps the busy rows only: idle rows cost a full row each step. */
    private void keepBusyRowsIfDraining(NDManager manager) {
        int busy = busy();
        if (next < prompts.size() || rows.length == 1 || busy > rows.length / 2) {
            return;
        }
        int[] kept = new int[busy];
        int k = 0;
        for (int b = 0; b < rows.length; b++) {
            if (rows[b] != null) {
                kept[k++] = b;
            }
        }
        KvCache smaller = cache.keepRows(manager, kept);
        cache.close();
        cache = smaller;
        Sequence[] keptRows = new Sequence[busy];
        int[] keptStart = new int[busy];
        for (int i = 0; i < busy; i++) {
            keptRows[i] = rows[kept[i]];
            keptStart[i] = start[kept[i]];
        }
        rows = keptRows;
        start = keptStart;
    }
}
