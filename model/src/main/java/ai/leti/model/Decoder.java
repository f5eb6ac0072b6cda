package ai.leti.model;

import ai.djl.ndarray.NDArray;
import ai.leti.model.nn.KvCache;

/**
 * A model's forward pass for generation. A family may derive weights for it once (folded,
 * fused, pre-scaled): cheaper per token, and valid only while the model's weights do not change, which is
 * why a decoder lives no longer than the {@code Sampler} that made it.
 */
@FunctionalInterface
public interface Decoder {

    /**
     * As {@link CausalLm#forward}, but only the last position's logits, {@code [batch, vocab]}: all that generation
     * reads, and the output projection of the prompt's other positions is skipped.
     */
    NDArray forward(NDArray tokens, NDArray positions, NDArray bias, KvCache cache);
}
