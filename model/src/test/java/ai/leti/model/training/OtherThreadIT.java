package ai.leti.model.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.TinyModels;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;

/** Services train and sample on worker threads, where PyTorch's autograd starts switched on. */
class OtherThreadIT {

    @Test
    void trainsAndSamplesOnAFreshThread() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (CausalLm model = Models.random(TinyModels.llama(), Device.cpu(), DataType.FLOAT32, 4)) {
            double loss = thread.submit(() -> {
                try (LmTrainer trainer = new LmTrainer(model,
                        new TrainingSettings(LearningRateSchedule.constant(1e-3), 0.01, 2, 1, 1.0, 0))) {
                    return trainer.train(List.of(new int[] {1, 2, 3, 4}, new int[] {5, 6, 7})).loss();
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(loss).isFinite();
            int[] length = new int[1];
            thread.submit(() -> new Sampler(model, -1).generate(List.of(new int[] {1, 2}), SamplingSettings.of(0, 1, 3, 0),
                    null, completion -> length[0] = completion.tokens().length)).get(60, TimeUnit.SECONDS);
            assertThat(length[0]).isEqualTo(3);
        } finally {
            thread.shutdownNow();
        }
    }
}
