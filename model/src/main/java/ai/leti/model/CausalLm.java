package ai.leti.model;

import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.leti.model.nn.KvCache;

/**
 * A decoder-only language model, whatever its family: what sampling and training use.
 * Weights are NDArrays named as in Hugging Face checkpoints, so saving is writing them out.
 */
public interface CausalLm extends AutoCloseable {

    ModelConfig config();

    /** The manager that owns the weights. */
    NDManager manager();

    /**
     * Logits {@code [batch, seq, vocab]} for {@code tokens} {@code [batch, seq]} (int64) at {@code positions}
     * {@code [batch, seq]}. {@code bias} is the additive attention bias ({@code [b or 1, 1, seq, past + seq]}),
     * or null for plain causal attention; {@code cache}, if given, supplies past keys and values and receives
     * this step's.
     */
    NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache);

    /**
     * A forward pass for generation whose derived weights belong to {@code manager}; by default the plain
     * {@link #forward}. Use it only while the weights stay unchanged.
     */
    default Decoder decoder(NDManager manager) {
        return this::forward;
    }

    /** Every trainable weight by name (fused weights under their own names), in a stable order. */
    Map<String, NDArray> parameters();

    /** An empty cache sized for this model. */
    default KvCache newCache(NDManager manager, long batch, int capacity) {
        ModelConfig config = config();
        return new KvCache(manager, config.layers(), batch, config.kvHeads(), capacity, config.headDim(),
                parameters().values().iterator().next().getDataType());
    }

    /** Writes {@code config.json} and {@code model.safetensors} (F32) with Hugging Face names. */
    void save(Path directory);

    @Override
    void close();
}
