package ai.leti.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.IValue;
import ai.leti.model.Decoder;
import ai.leti.model.ModelConfig;
import ai.leti.model.nn.Bf16Kernels;
import ai.leti.model.nn.KvCache;
import ai.leti.model.nn.TransformerWeights;

/**
 * Llama's generation on the BF16 path: {@link LlamaDecoder}'s folded weights cast to bfloat16 once per generation,
 * and each forward pass (prompt or token) one call of the decode kernel ({@link Bf16Kernels#llamaDecode}), so a
 * generated token pays one call's fixed cost instead of one per op. The matmuls run in bfloat16; the residual stream,
 * norms, attention and the KV cache stay float32. The folded float32 copy exists one layer at a time; the bfloat16
 * copy (half the weights' size) lives in native memory until {@code manager} closes.
 */
final class LlamaBf16Decoder implements Decoder {

    private final ModelConfig config;
    private final NDArray embedding;
    private final NDArray cosTable;
    private final NDArray sinTable;
    private final IValue weights;
    private final Decoder uncached;

    /** {@code uncached} serves forward passes without a KV cache (the kernel writes into one). */
    LlamaBf16Decoder(ModelConfig config, TransformerWeights weights, NDArray cosTable, NDArray sinTable, NDManager manager,
            Decoder uncached) {
        this.config = config;
        this.uncached = uncached;
        this.embedding = weights.get("model.embed_tokens.weight");
        this.cosTable = cosTable;
        this.sinTable = sinTable;
        Bf16Kernels kernels = Bf16Kernels.get();
        IValue folded = null;
        for (int i = 0; i <= config.layers(); i++) {
            try (NDManager layer = manager.newSubManager()) {
                NDArray[] parts = i < config.layers() ? LlamaDecoder.foldLayer(config, weights, i, layer)
                        : new NDArray[] {LlamaDecoder.foldHead(config, weights, layer)};
                IValue longer = kernels.appendBf16(folded, parts);
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
        NDArray logits = Bf16Kernels.get().llamaDecode(weights, cache, embedding, cosTable, sinTable, tokens, positions,
                bias, config.heads(), config.kvHeads(), config.normEps());
        cache.advance((int) tokens.getShape().get(1));
        return logits;
    }
}
