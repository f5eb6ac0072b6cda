package ai.leti.model.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.leti.model.CausalLm;
import ai.leti.model.Decoder;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;
import ai.leti.model.sampling.Completion;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.training.LearningRateSchedule;
import ai.leti.model.training.LmTrainer;
import ai.leti.model.training.TrainingSettings;

/**
 * The BF16 compute path against float32 on the same weights and batch (Llama; Qwen2 with grouped key/value heads and
 * q/k/v biases; CodeGen with partial rotary): logits, loss and gradients agree within
 * bfloat16's precision (8 bits of mantissa: about 0.4% per rounding), and training in BF16 lowers the loss as
 * float32 training does. Generation on the decode kernels (Llama, Qwen2, CodeGen; a padded prompt, then a token at a
 * time through the KV cache) gives the logits float32 gives, within the same bound.
 */
class Bf16PathIT {

    private static final int BATCH = 4;
    private static final int LENGTH = 24;

    private static long[] tokens(long seed) {
        Random random = new Random(seed);
        long[] tokens = new long[BATCH * LENGTH];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 1 + random.nextInt(TinyModels.VOCAB - 1);
        }
        return tokens;
    }

    private static ModelConfig config(String family) {
        return switch (family) {
            case "qwen2" -> TinyModels.qwen2();
            case "codegen" -> TinyModels.codegen();
            default -> TinyModels.llama();
        };
    }

    /** Logits, loss and the flattened gradient of every weight for one batch, in the given precision. */
    private static Object[] pass(CausalLm model, Precision precision) {
        model.parameters().values().forEach(parameter -> parameter.setRequiresGradient(true));
        try (NDManager manager = model.manager().newSubManager();
             Precision.Scope scope = Precision.use(precision);
             GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Shape shape = new Shape(BATCH, LENGTH);
            long[] positions = new long[BATCH * LENGTH];
            float[] mask = new float[BATCH * LENGTH];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = i % LENGTH;
                mask[i] = 1;
            }
            NDArray input = manager.create(tokens(5), shape);
            NDArray logits = model.forward(input, manager.create(positions, shape), null, null);
            NDArray loss = Ops.causalLmLoss(logits, input, manager.create(mask, shape));
            collector.backward(loss);
            List<Float> gradient = new ArrayList<>();
            for (NDArray parameter : model.parameters().values()) {
                try (NDArray grad = parameter.getGradient()) {
                    for (float value : grad.toFloatArray()) {
                        gradient.add(value);
                    }
                    grad.set(new ai.djl.ndarray.index.NDIndex("..."), 0);
                }
            }
            return new Object[] {logits.toFloatArray(), loss.getFloat(), gradient};
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "codegen"})
    void agreesWithFloat32WithinBf16Precision(String family) {
        ModelConfig config = config(family);
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 11)) {
            Object[] f32 = pass(model, Precision.F32);
            Object[] bf16 = pass(model, Precision.BF16);
            float[] a = (float[]) f32[0];
            float[] b = (float[]) bf16[0];
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
                scale = Math.max(scale, Math.abs(a[i]));
            }
            assertThat(worst).as("max |logit difference| against max |logit| %s", scale).isLessThan(0.02 * scale);
            assertThat((float) bf16[1]).as("loss").isCloseTo((float) f32[1], org.assertj.core.data.Percentage.withPercentage(1));
            @SuppressWarnings("unchecked") List<Float> ga = (List<Float>) f32[2];
            @SuppressWarnings("unchecked") List<Float> gb = (List<Float>) bf16[2];
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = 0; i < ga.size(); i++) {
                dot += ga.get(i) * gb.get(i);
                na += ga.get(i) * ga.get(i);
                nb += gb.get(i) * gb.get(i);
            }
            assertThat(dot / Math.sqrt(na * nb)).as("cosine of the BF16 and float32 gradients").isGreaterThan(0.99);
            assertThat(Math.sqrt(nb) / Math.sqrt(na)).as("ratio of their norms").isBetween(0.98, 1.02);
        }
    }

    @Test
    void trainsAsFloat32Does() {
        Random random = new Random(1);
        List<int[]> data = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int start = 1 + random.nextInt(20);
            int[] sequence = new int[12];
            for (int t = 0; t < sequence.length; t++) {
                sequence[t] = 1 + (start + 2 * t) % (TinyModels.VOCAB - 1);
            }
            data.add(sequence);
        }
        double[] after = new double[2];
        for (Precision precision : Precision.values()) {
            try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 3);
                 LmTrainer trainer = new LmTrainer(model, new TrainingSettings(new LearningRateSchedule(3e-3, 5, 120, 0.1),
                         0.01, 16, 1, 1.0, 0))) {
                trainer.precision(precision);
                for (int step = 0; step < 120; step++) {
                    trainer.train(data.subList((step * 16) % 64, (step * 16) % 64 + 16));
                }
                after[precision.ordinal()] = trainer.loss(data);
                assertThat(trainer.skippedSteps()).isZero();
                Map<String, NDArray> parameters = model.parameters();
                assertThat(parameters.values().iterator().next().getDataType()).as("weights stay float32")
                        .isEqualTo(DataType.FLOAT32);
            }
        }
        assertThat(after[Precision.F32.ordinal()]).isLessThan(1.5);
        assertThat(after[Precision.BF16.ordinal()]).as("loss after BF16 training, against float32's %s", after[0])
                .isLessThan(after[Precision.F32.ordinal()] * 1.1 + 0.05);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "qwen2", "codegen"})
    void generationAgreesWithFloat32WithinBf16Precision(String family) {
        ModelConfig config = config(family);
        generationAgrees(config, new int[] {5, 8, 3});
        // equal lengths: no padding, so the sampler passes no bias and the prompt still needs its causal mask
        generationAgrees(config, new int[] {8, 8, 8});
    }

    private static void generationAgrees(ModelConfig config, int[] promptLengths) {
        boolean padded = java.util.Arrays.stream(promptLengths).anyMatch(length -> length != promptLengths[0]);
        int rows = promptLengths.length;
        int promptLength = 8;
        int steps = 6;
        int total = promptLength + steps;
        int vocab = config.vocabSize();
        Random random = new Random(17);
        long[] tokens = new long[rows * total];
        long[] positions = new long[rows * total];
        float[] keyMask = new float[rows * total];
        for (int b = 0; b < rows; b++) {
            int pad = promptLength - promptLengths[b];
            for (int t = pad; t < total; t++) {
                tokens[b * total + t] = 1 + random.nextInt(vocab - 1);
                positions[b * total + t] = t - pad;
                keyMask[b * total + t] = 1;
            }
        }
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 13);
             NDManager manager = model.manager().newSubManager()) {
            // q and k ten times larger than initialisation makes attention far from uniform, so positions matter
            model.parameters().forEach((name, weight) -> {
                if (name.endsWith("qkv_proj.weight")) {
                    weight.muli(10);
                }
            });
            NDArray mask = manager.create(keyMask, new Shape(rows, total));
            float[] expected = model.forward(manager.create(tokens, new Shape(rows, total)),
                    manager.create(positions, new Shape(rows, total)), Ops.causalBias(manager, 0, total, mask), null).toFloatArray();
            double worst = 0;
            double scale = 0;
            try (Precision.Scope bf16 = Precision.use(Precision.BF16); KvCache cache = model.newCache(manager, rows, total)) {
                Decoder decoder = model.decoder(manager);
                for (int step = 0; step < steps; step++) {
                    int from = step == 0 ? 0 : promptLength + step - 1;
                    int filled = promptLength + step;
                    int width = filled - from;
                    long[] input = new long[rows * width];
                    long[] at = new long[rows * width];
                    for (int b = 0; b < rows; b++) {
                        System.arraycopy(tokens, b * total + from, input, b * width, width);
                        System.arraycopy(positions, b * total + from, at, b * width, width);
                    }
                    float[] logits = decoder.forward(manager.create(input, new Shape(rows, width)),
                            manager.create(at, new Shape(rows, width)),
                            padded ? Ops.causalBias(manager, from, width, mask.get(":, :{}", filled)) : null, cache)
                            .toFloatArray();
                    assertThat(logits).hasSize(rows * vocab);
                    for (int b = 0; b < rows; b++) {
                        for (int v = 0; v < vocab; v++) {
                            float want = expected[(b * total + filled - 1) * vocab + v];
                            worst = Math.max(worst, Math.abs(want - logits[b * vocab + v]));
                            scale = Math.max(scale, Math.abs(want));
                        }
                    }
                }
                assertThat(cache.length()).isEqualTo(total - 1);
            }
            assertThat(worst).as("max |logit difference| against max |logit| %s over prompts of %s tokens and %d cached steps",
                    scale, java.util.Arrays.toString(promptLengths), steps - 1).isLessThan(0.02 * scale);
            assertThat(worst).as("the decode kernel really ran in bfloat16").isGreaterThan(0);
        }
    }

    @Test
    void samplingInBf16FinishesEveryRowFallsBackToFloat32WithoutACacheAndReusesItsDecoder() {
        try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 5);
             Precision.Scope bf16 = Precision.use(Precision.BF16);
             Sampler sampler = new Sampler(model, -1)) {
            List<int[]> prompts = List.of(new int[] {3, 4, 5}, new int[] {7}, new int[] {9, 10, 11, 12, 13});
            for (boolean cache : new boolean[] {true, false}) {
                List<Completion> done = new ArrayList<>();
                sampler.generate(prompts, new SamplingSettings(1.0, 0.95, 10, 3, cache), null, done::add);
                assertThat(done).hasSize(3).allSatisfy(completion -> {
                    assertThat(completion.tokens()).hasSize(10);
                    assertThat(java.util.Arrays.stream(completion.tokens()).allMatch(token -> token >= 0 && token < TinyModels.VOCAB)).isTrue();
                });
            }
            // the sampler keeps its decoder between calls: the same seed gives the same completions as a fresh one
            SamplingSettings settings = new SamplingSettings(1.0, 0.95, 10, 4, true);
            List<List<Integer>> again = new ArrayList<>();
            List<List<Integer>> fresh = new ArrayList<>();
            sampler.generate(prompts, settings, null, completion -> again.add(boxed(completion)));
            try (Sampler other = new Sampler(model, -1)) {
                other.generate(prompts, settings, null, completion -> fresh.add(boxed(completion)));
            }
            assertThat(again).isEqualTo(fresh);
        }
    }

    private static List<Integer> boxed(Completion completion) {
        List<Integer> tokens = new ArrayList<>(List.of(completion.index()));
        java.util.Arrays.stream(completion.tokens()).forEach(tokens::add);
        return tokens;
    }
}
