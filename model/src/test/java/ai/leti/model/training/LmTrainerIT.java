package ai.leti.model.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;

/** Real training steps on CPU: the loss falls, and a saved checkpoint resumes to the same weights. */
class LmTrainerIT {

    @TempDir
    Path dir;

    /** A small fixed "text": arithmetic-like patterns of varying length, so padding is exercised. */
    private static List<int[]> corpus(int count, long seed) {
        Random random = new Random(seed);
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int start = 1 + random.nextInt(20);
            int stride = 1 + random.nextInt(3);
            int[] sequence = new int[8 + random.nextInt(9)];
            for (int t = 0; t < sequence.length; t++) {
                sequence[t] = 1 + (start + t * stride) % (TinyModels.VOCAB - 1);
            }
            sequences.add(sequence);
        }
        return sequences;
    }

    private static TrainingSettings settings() {
        return new TrainingSettings(new LearningRateSchedule(3e-3, 10, 300, 0.1), 0.01, 8, 2, 1.0, 0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "codegen"})
    void fewHundredStepsDriveTheLossDownMarkedly(String family) {
        List<int[]> data = corpus(256, 1);
        ModelConfig config = family.equals("llama") ? TinyModels.llama() : TinyModels.codegen();
        try (CausalLm model = Models.random(config, Device.cpu(), DataType.FLOAT32, 3);
             LmTrainer trainer = new LmTrainer(model, settings())) {
            double before = trainer.loss(data);
            for (int step = 0; step < 300; step++) {
                int from = (step * 16) % data.size();
                trainer.train(data.subList(from, from + 16));
            }
            double after = trainer.loss(data);
            assertThat(before).isGreaterThan(3.5); // about ln(61) for a fresh model
            assertThat(after).isLessThan(before * 0.4);
            assertThat(trainer.skippedSteps()).as("steps skipped for a non-finite gradient (see ScalarLifetimeIT)").isZero();
        }
    }

    @Test
    void resumesFromACheckpointToTheSameWeights() {
        List<int[]> data = corpus(64, 2);
        Path checkpoint = dir.resolve("checkpoint");
        float[] continued;
        long[] skippedContinued = new long[1];
        long[] savedStep = new long[1];
        try (CausalLm model = Models.random(TinyModels.qwen2(), Device.cpu(), DataType.FLOAT32, 5);
             LmTrainer trainer = new LmTrainer(model, settings())) {
            for (int step = 0; step < 4; step++) {
                trainer.train(data.subList(step * 16, step * 16 + 16));
            }
            trainer.save(checkpoint);
            savedStep[0] = trainer.step();
            System.gc(); // a checkpoint save stirs the collector; training must not depend on what it frees
            for (int step = 0; step < 3; step++) {
                trainer.train(data.subList(step * 16, step * 16 + 16));
            }
            continued = flatten(model.parameters());
            skippedContinued[0] = trainer.skippedSteps();
        }
        try (CausalLm model = Models.load(checkpoint, Device.cpu(), DataType.FLOAT32);
             LmTrainer trainer = new LmTrainer(model, settings())) {
            trainer.resume(checkpoint);
            assertThat(trainer.step()).isEqualTo(savedStep[0]).isPositive();
            for (int step = 0; step < 3; step++) {
                trainer.train(data.subList(step * 16, step * 16 + 16));
            }
            float[] resumed = flatten(model.parameters());
            assertThat(continued).as("uninterrupted training stays finite").doesNotContain(Float.NaN);
            assertThat(resumed).as("resumed training stays finite").doesNotContain(Float.NaN);
            if (skippedContinued[0] + trainer.skippedSteps() > 0) {
                return; // a skipped step (see LmTrainer) makes the two paths differ by design
            }
            float worst = 0;
            for (int i = 0; i < resumed.length; i++) {
                worst = Math.max(worst, Math.abs(resumed[i] - continued[i]));
            }
            assertThat(worst).as("max |weight difference| between resumed and uninterrupted training").isLessThan(1e-6f);
        }
    }

    private static float[] flatten(Map<String, NDArray> parameters) {
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (NDArray parameter : parameters.values()) {
            float[] values = parameter.toFloatArray();
            parts.add(values);
            total += values.length;
        }
        float[] all = new float[total];
        int offset = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }
}
