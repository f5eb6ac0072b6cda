package ai.leti.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of past positions, written in place: a cache that grows by concatenation copies everything every
 * token, which is where per-token time goes. The arrays grow {@link #GROWTH} columns at a time, up to the capacity, as
 * positions are written ({@link #reserve}), so a kernel that reads all their columns (masking those not yet written)
 * reads one contiguous block per row and head: a prefix of longer arrays is a strided read, which the engine's batched
 * matmul does at half the speed.
 * <p>
 * Every row writes the same column at each step ({@link #length()}). Continuous batching gives a row a new sequence
 * while the others go on: the sequence's keys and values are copied into the row's columns just before
 * {@code length()} ({@link #copyRows}, one kernel call for every admitted row), older columns are masked out for that
 * row, and when the columns run out the ones no row still reads are dropped ({@link #compact}).
 */
public final class KvCache implements AutoCloseable {

    /** Columns the arrays grow by: a reallocation every this many tokens, at most this many columns read in vain. */
    public static final int GROWTH = 16;

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int columns;
    private int length;

    /** An empty cache that can hold {@code capacity} positions; its arrays grow as positions are written. */
    public KvCache(NDManager parent, int layers, long batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        this.columns = Math.min(capacity, GROWTH);
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, columns, headDim);
        for (int layer = 0; layer < layers; layer++) {
            keys[layer] = manager.zeros(shape, dtype);
            values[layer] = manager.zeros(shape, dtype);
        }
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    /** The most positions it can hold. */
    public int capacity() {
        return capacity;
    }

    /** Columns its arrays have now: at least {@link #length()}, at most {@link #capacity()}. */
    public int columns() {
        return columns;
    }

    /**
     * Grows the arrays to at least {@code needed} columns (to the next multiple of {@link #GROWTH}, at most the
     * capacity), keeping what they hold; new columns are zeros.
     */
    public void reserve(int needed) {
        if (needed > capacity) {
            throw new IllegalStateException("KV cache holds " + capacity + " positions; " + needed + " needed");
        }
        if (needed <= columns) {
            return;
        }
        int grown = Math.min(capacity, (needed + GROWTH - 1) / GROWTH * GROWTH);
        NDIndex held = new NDIndex(":, :, :{}, :", columns);
        for (NDArray[] arrays : new NDArray[][] {keys, values}) {
            for (int layer = 0; layer < arrays.length; layer++) {
                NDArray old = arrays[layer];
                Shape shape = old.getShape();
                NDArray wider = manager.zeros(new Shape(shape.get(0), shape.get(1), grown, shape.get(3)), old.getDataType());
                wider.set(held, old);
                old.close();
                arrays[layer] = wider;
            }
        }
        columns = grown;
    }

    /**
     * Writes this step's keys and values ({@code [b, kvHeads, s, d]}) after the cached ones and returns views of
     * everything cached so far, the new positions included.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        int steps = (int) k.getShape().get(2);
        reserve(length + steps);
        NDIndex slot = new NDIndex(":, :, {}:{}, :", length, length + steps);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex filled = new NDIndex(":, :, :{}, :", length + steps);
        // the views belong to the step (k's manager), not to the cache: a long stream of steps leaves none behind
        NDArray pastKeys = keys[layer].get(filled);
        NDArray pastValues = values[layer].get(filled);
        pastKeys.attach(k.getManager());
        pastValues.attach(k.getManager());
        return new NDArray[] {pastKeys, pastValues};
    }

    /** Rows in the cache. */
    public long rows() {
        return keys[0].getShape().get(0);
    }

    /**
     * Copies {@code count} columns of row {@code sourceRow} of {@code source}, from column {@code sourceFrom}, into
     * row {@code row} of this cache at column {@code to}; lengths do not change.
     */
    public void copyRow(KvCache source, int sourceRow, int sourceFrom, int row, int to, int count) {
        if (to < 0 || to + count > capacity) {
            throw new IllegalArgumentException("columns " + to + ".." + (to + count) + " are outside the cache's " + capacity);
        }
        if (count == 0) {
            return;
        }
        reserve(to + count);
        NDIndex from = new NDIndex("{}:{}, :, {}:{}, :", sourceRow, sourceRow + 1, sourceFrom, sourceFrom + count);
        NDIndex into = new NDIndex("{}:{}, :, {}:{}, :", row, row + 1, to, to + count);
        for (int layer = 0; layer < keys.length; layer++) {
            copy(source.keys[layer], from, keys[layer], into);
            copy(source.values[layer], from, values[layer], into);
        }
    }

    /**
     * Copies every row of {@code source} (all its {@link #columns()}) into rows {@code rows} of this cache, from column
     * {@code to}, in one kernel call; lengths do not change.
     */
    public void copyRows(KvCache source, int[] rows, int to) {
        if (rows.length != source.rows()) {
            throw new IllegalArgumentException(source.rows() + " rows to copy into " + rows.length);
        }
        if (to < 0 || to + source.columns > capacity) {
            throw new IllegalArgumentException("columns " + to + ".." + (to + source.columns) + " are outside the cache's "
                    + capacity);
        }
        reserve(to + source.columns);
        long[] indices = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            indices[i] = rows[i];
        }
        try (NDArray index = manager.create(indices)) {
            Bf16Kernels.get().copyRows(arrays(), source.arrays(), index, to);
        }
    }

    /** Drops columns {@code 0..first-1}: every row's later columns move to the front and the length shrinks by {@code first}. */
    public void compact(int first) {
        if (first < 0 || first > length) {
            throw new IllegalArgumentException("cannot drop " + first + " of " + length + " columns");
        }
        if (first > 0) {
            moveColumns(first, 0, length - first);
            length -= first;
        }
    }

    /** Moves every row's columns {@code by} to the right (zeros stay behind), for a sequence longer than the length. */
    public void shiftRight(int by) {
        reserve(length + by);
        if (by > 0) {
            moveColumns(0, by, length);
            length += by;
        }
    }

    /** A cache of these rows only (in this order), with the same columns, length and capacity; this one stays open. */
    public KvCache keepRows(NDManager parent, int[] rows) {
        NDArray first = keys[0];
        Shape shape = first.getShape();
        KvCache kept = new KvCache(parent, keys.length, rows.length, (int) shape.get(1), capacity, (int) shape.get(3),
                first.getDataType());
        for (int i = 0; i < rows.length; i++) {
            kept.copyRow(this, rows[i], 0, i, 0, length);
        }
        kept.length = length;
        return kept;
    }

    private void moveColumns(int from, int to, int count) {
        if (count == 0) {
            return;
        }
        NDIndex source = new NDIndex(":, :, {}:{}, :", from, from + count);
        NDIndex target = new NDIndex(":, :, {}:{}, :", to, to + count);
        for (int layer = 0; layer < keys.length; layer++) {
            copy(keys[layer], source, keys[layer], target);
            copy(values[layer], source, values[layer], target);
        }
    }

    /** {@code to[into] = from[index]}, through a copy: the two may overlap. */
    private static void copy(NDArray from, NDIndex index, NDArray to, NDIndex into) {
        try (NDArray view = from.get(index); NDArray block = view.duplicate()) {
            to.set(into, block);
        }
    }

    /**
     * Every layer's arrays, keys and values interleaved ({@code [k0, v0, k1, v1, ...]}, each
     * {@code [b, kvHeads, columns(), d]}), for a kernel that writes positions {@code length()..} in place (after
     * {@link #reserve} made room) and then calls {@link #advance}. A reservation replaces the arrays: ask again after one.
     */
    public NDArray[] arrays() {
        NDArray[] arrays = new NDArray[2 * keys.length];
        for (int layer = 0; layer < keys.length; layer++) {
            arrays[2 * layer] = keys[layer];
            arrays[2 * layer + 1] = values[layer];
        }
        return arrays;
    }

    /** Called once per forward pass, after every layer appended. */
    public void advance(int steps) {
        length += steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
