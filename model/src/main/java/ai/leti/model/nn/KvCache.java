package ai.leti.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of past positions, preallocated to the longest sequence and written in place: a cache
 * that grows by concatenation copies everything every token, which is where per-token time goes.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;
    private int length;

    public KvCache(NDManager parent, int layers, long batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int layer = 0; layer < layers; layer++) {
            keys[layer] = manager.zeros(shape, dtype);
            values[layer] = manager.zeros(shape, dtype);
        }
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Writes this step's keys and values ({@code [b, kvHeads, s, d]}) after the cached ones and returns views of
     * everything cached so far, the new positions included.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v) {
        int steps = (int) k.getShape().get(2);
        if (length + steps > capacity) {
            throw new IllegalStateException("KV cache holds " + capacity + " positions; " + (length + steps) + " needed");
        }
        NDIndex slot = new NDIndex(":, :, {}:{}, :", length, length + steps);
        keys[layer].set(slot, k);
        values[layer].set(slot, v);
        NDIndex filled = new NDIndex(":, :, :{}, :", length + steps);
        return new NDArray[] {keys[layer].get(filled), values[layer].get(filled)};
    }

    /**
     * Every layer's arrays, keys and values interleaved ({@code [k0, v0, k1, v1, ...]}, each
     * {@code [b, kvHeads, capacity, d]}), for a kernel that writes positions {@code length()..} in place and then
     * calls {@link #advance}.
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
