package ai.leti.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;

/** The likelihood probe's scores: what one forward pass of each sequence alone says, whatever the padding. */
class SequenceScorerIT {

    @Test
    void aBatchScoresEachItemAsItsOwnForwardPassDoes() {
        for (CausalLm model : List.of(Models.random(TinyModels.qwen2(), Device.cpu(), DataType.FLOAT32, 3),
                Models.random(TinyModels.gpt2(), Device.cpu(), DataType.FLOAT32, 4))) {
            try (model) {
                List<SequenceScorer.Item> items = List.of(
                        new SequenceScorer.Item(new int[] {5, 9, 13}, new int[] {2, 40, 41, 7}),
                        new SequenceScorer.Item(new int[] {7}, new int[] {30}),
                        new SequenceScorer.Item(new int[] {30, 31, 32, 33, 34, 35}, new int[] {1, 2}));
                double[] batched = new SequenceScorer(model, 0, 8).meanLogProbabilities(items);
                double[] oneByOne = new SequenceScorer(model, 0, 1).meanLogProbabilities(items);
                for (int i = 0; i < items.size(); i++) {
                    double expected = byHand(model, items.get(i));
                    assertThat(batched[i]).as("item %d in a padded batch", i).isCloseTo(expected, within(1e-4));
                    assertThat(oneByOne[i]).isCloseTo(expected, within(1e-4));
                    assertThat(expected).isNegative();
                }
            }
        }
    }

    /** log p(continuation | context) per continuation token, from the logits of one unpadded forward pass. */
    private static double byHand(CausalLm model, SequenceScorer.Item item) {
        int[] context = item.context();
        int[] continuation = item.continuation();
        long[] tokens = new long[context.length + continuation.length];
        long[] positions = new long[tokens.length];
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = t < context.length ? context[t] : continuation[t - context.length];
            positions[t] = t;
        }
        try (NDManager manager = model.manager().newSubManager()) {
            Shape shape = new Shape(1, tokens.length);
            NDArray logits = model.forward(manager.create(tokens, shape), manager.create(positions, shape), null, null);
            float[] all = logits.logSoftmax(-1).toFloatArray();
            int vocab = (int) logits.getShape().get(2);
            double sum = 0;
            for (int t = context.length; t < tokens.length; t++) {
                sum += all[(t - 1) * vocab + (int) tokens[t]];
            }
            return sum / continuation.length;
        }
    }
}
