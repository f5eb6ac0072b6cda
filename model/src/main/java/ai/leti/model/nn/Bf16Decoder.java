package ai.leti.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.IValue;
import ai.leti.model.Decoder;

/**
 * Generation on the BF16 path: a family's folded weights cast to bfloat16 once per decoder, and each forward pass
 * (prompt or token) one call of the family's decode kernel ({@link Bf16Kernels#decode}), so a generated token pays one
 * call's fixed cost instead of one per op. The matmuls run in bfloat16; the residual stream, norms, attention and the
 * KV cache stay float32. The kernel attends over all of the cache's columns, so it reserves room for the new positions
 * first ({@link KvCache#reserve}). The folded float32 copy exists one part at a time; the bfloat16 copy (half the weights'
 * size) lives in native memory until {@code manager} closes.
 */
public final class Bf16Decoder implements Decoder {

    /** A family's weights for its kernel: part {@code i < layers} is layer i's arrays, part {@code layers} the head's. */
    @FunctionalInterface
    public interface Folding {
        /** The arrays of one part, made in {@code manager} (closed once they are cast); nulls become empty tensors. */
        NDArray[] fold(int part, NDManager manager);
    }

    private final Bf16Kernels.Decode kernel;
    private final NDArray embedding;
    private final NDArray cosTable;
    private final NDArray sinTable;
    private final int heads;
    private final int kvHeads;
    private final double eps;
    private final IValue weights;
    private final Decoder uncached;

    /**
     * {@code cosTable} and {@code sinTable} ({@code [positions, headDim]}) and {@code embedding} stay float32 and are
     * used as they are; {@code uncached} serves forward passes without a KV cache (the kernel writes into one).
     */
    public Bf16Decoder(Bf16Kernels.Decode kernel, int layers, Folding folding, NDArray embedding, NDArray cosTable,
            NDArray sinTable, int heads, int kvHeads, double eps, NDManager manager, Decoder uncached) {
        this.kernel = kernel;
        this.embedding = embedding;
        this.cosTable = cosTable;
        this.sinTable = sinTable;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.eps = eps;
        this.uncached = uncached;
        Bf16Kernels kernels = Bf16Kernels.get();
        IValue folded = null;
        for (int part = 0; part <= layers; part++) {
            try (NDManager partManager = manager.newSubManager()) {
                IValue longer = kernels.appendBf16(folded, partManager, folding.fold(part, partManager));
                if (folded != null) {
                    folded.close();
                }
                folded = longer;
            }
        }
        this.weights = folded;
        manager.attachInternal("bf16-weights-" + System.identityHashCode(this), folded);
    }

    @Override
    public NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache) {
        if (cache == null) {
            return uncached.forward(tokens, positions, bias, null);
        }
        cache.reserve(cache.length() + (int) tokens.getShape().get(1));
        // the kernel masks only what the bias says: a prompt without padding still needs its causal mask
        NDArray logits = Bf16Kernels.get().decode(kernel, weights, cache, embedding, cosTable, sinTable, tokens, positions,
                Ops.biasOrCausal(bias, tokens, cache), heads, kvHeads, eps);
        cache.advance((int) tokens.getShape().get(1));
        return logits;
    }
}
