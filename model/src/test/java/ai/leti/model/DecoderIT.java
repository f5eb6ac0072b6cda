package ai.leti.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.nn.KvCache;

/**
 * A family's generation decoder (derived, folded weights) computes what its forward pass computes, for the last
 * position.
 */
class DecoderIT {

    @Test
    void llamaDecoderMatchesTheForwardPassWithAndWithoutTheCache() {
        for (ModelConfig config : List.of(TinyModels.llama(), TinyModels.qwen2())) {
            try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 21);
                 NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                long[] tokens = {3, 14, 15, 9, 26, 53, 5, 8, 9, 7};
                long[] positions = new long[tokens.length];
                for (int t = 0; t < tokens.length; t++) {
                    positions[t] = t;
                }
                Shape shape = new Shape(1, tokens.length);
                float[] expected = model.forward(manager.create(tokens, shape), manager.create(positions, shape), null, null)
                        .toFloatArray();
                Decoder decoder = model.decoder(manager);
                float[] last = decoder.forward(manager.create(tokens, shape), manager.create(positions, shape), null, null)
                        .toFloatArray();
                int vocab = config.vocabSize();
                assertThat(last).hasSize(vocab);
                assertThat(maxDifference(expected, last, (tokens.length - 1) * vocab)).isLessThan(1e-4f);

                try (KvCache cache = model.newCache(manager, 1, tokens.length)) {
                    int prefill = 6;
                    decoder.forward(manager.create(java.util.Arrays.copyOf(tokens, prefill), new Shape(1, prefill)),
                            manager.create(java.util.Arrays.copyOf(positions, prefill), new Shape(1, prefill)), null, cache);
                    for (int t = prefill; t < tokens.length; t++) {
                        NDArray step = decoder.forward(manager.create(new long[] {tokens[t]}, new Shape(1, 1)),
                                manager.create(new long[] {t}, new Shape(1, 1)), null, cache);
                        assertThat(maxDifference(expected, step.toFloatArray(), t * vocab)).as("cached step %d", t)
                                .isLessThan(1e-4f);
                    }
                }
            }
        }
    }

    private static float maxDifference(float[] expected, float[] actual, int offset) {
        float worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(expected[offset + i] - actual[i]));
        }
        return worst;
    }
}
