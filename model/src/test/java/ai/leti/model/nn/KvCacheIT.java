package ai.leti.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.Decoder;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;

/**
 * The KV cache's arrays grow as positions are written, keeping what they hold, and the decode kernels, which read all
 * of their columns, mask the ones not yet written: how wide the arrays are never changes a logit.
 */
class KvCacheIT {

    @Test
    void growsSixteenColumnsAtATimeUpToItsCapacityKeepingWhatItHolds() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             KvCache cache = new KvCache(manager, 2, 3, 2, 40, 4, DataType.FLOAT32)) {
            assertThat(cache.columns()).isEqualTo(KvCache.GROWTH);
            NDArray written = manager.arange(3 * 2 * 10 * 4).toType(DataType.FLOAT32, false).reshape(3, 2, 10, 4);
            cache.append(1, written, written.neg());
            cache.advance(10);
            assertThat(cache.columns()).isEqualTo(16);

            NDArray more = manager.ones(new Shape(3, 2, 9, 4));
            cache.append(1, more, more);
            cache.advance(9);
            assertThat(cache.columns()).as("19 positions: the next multiple of 16").isEqualTo(32);
            NDArray keys = cache.arrays()[2];
            assertThat(keys.getShape()).isEqualTo(new Shape(3, 2, 32, 4));
            assertThat(keys.get(":, :, :10, :").toFloatArray()).containsExactly(written.toFloatArray());
            assertThat(cache.arrays()[3].get(":, :, :10, :").toFloatArray()).containsExactly(written.neg().toFloatArray());
            assertThat(keys.get(":, :, 10:19, :").toFloatArray()).containsOnly(1f);
            assertThat(keys.get(":, :, 19:, :").toFloatArray()).as("columns not yet written").containsOnly(0f);

            cache.reserve(33);
            assertThat(cache.columns()).as("never past the capacity").isEqualTo(40);
            assertThatThrownBy(() -> cache.reserve(41)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("holds 40 positions; 41 needed");
        }
    }

    @Test
    void decodeKernelsGiveTheSameLogitsWhateverTheArraysWidth() {
        for (ModelConfig config : List.of(TinyModels.llama(), TinyModels.codegen())) {
            try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 5);
                 NDManager manager = NDManager.newBaseManager(Device.cpu());
                 Precision.Scope bf16 = Precision.use(Precision.BF16)) {
                Decoder decoder = model.decoder(manager);
                int length = 40;
                try (KvCache tight = model.newCache(manager, 2, 64); KvCache wide = model.newCache(manager, 2, 64)) {
                    wide.reserve(64);
                    for (int t = 0; t < length; t++) {
                        NDArray tokens = manager.create(new long[] {(t * 7) % TinyModels.VOCAB, (t * 11 + 3) % TinyModels.VOCAB},
                                new Shape(2, 1));
                        NDArray positions = manager.create(new long[] {t, t}, new Shape(2, 1));
                        float[] fromTight = decoder.forward(tokens, positions, null, tight).toFloatArray();
                        float[] fromWide = decoder.forward(tokens, positions, null, wide).toFloatArray();
                        assertThat(tight.columns()).isEqualTo(Math.min(64, (t + 1 + 15) / 16 * 16));
                        float worst = 0;
                        for (int i = 0; i < fromTight.length; i++) {
                            worst = Math.max(worst, Math.abs(fromTight[i] - fromWide[i]));
                        }
                        assertThat(worst).as("%s, step %d: %d against 64 columns", config.family(), t, tight.columns())
                                .isLessThan(1e-5f);
                    }
                }
            }
        }
    }
}
