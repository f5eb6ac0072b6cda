package ai.leti.model;

import java.nio.file.Path;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.leti.model.nn.KvCache;
import ai.leti.model.weights.DType;

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
     * {@link #forward}'s last position. Use it only while the weights stay unchanged.
     */
    default Decoder decoder(NDManager manager) {
        return lastPosition(this);
    }

    /** {@code model}'s plain forward pass as a {@link Decoder}: all positions computed, the last one returned. */
    static Decoder lastPosition(CausalLm model) {
        return (tokens, positions, bias, cache) -> model.forward(tokens, positions, bias, cache).get(":, -1, :");
    }

    /** Every trainable weight by name (fused weights under their own names), in a stable order. */
    Map<String, NDArray> parameters();

    /** An empty cache sized for this model. */
    default KvCache newCache(NDManager manager, long batch, int capacity) {
        ModelConfig config = config();
        return new KvCache(manager, config.layers(), batch, config.kvHeads(), capacity, config.headDim(),
                parameters().values().iterator().next().getDataType());
    }

    /**
     * Writes the model as Hugging Face's {@code save_pretrained} does: {@code config.json},
     * {@code generation_config.json} and the weights with Hugging Face names in {@link #checkpointDtype()}
     * ({@code model.safetensors}, or shards and their index past 5 GB).
     */
    default void save(Path directory) {
        save(directory, checkpointDtype());
    }

    /** {@link #save(Path)} in another dtype (F32 on request, for example). */
    void save(Path directory, DType dtype);

    /** The dtype a save writes by default: the one the checkpoint was stored in, so BF16 in gives BF16 out. */
    DType checkpointDtype();

    @Override
    void close();
}
