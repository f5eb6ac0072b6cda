package ai.leti.model.training;

/**
 * How the model is fine-tuned.
 *
 * @param microBatch       sequences per forward/backward pass
 * @param accumulation     micro-batches per optimizer step (the effective batch is their product)
 * @param clipNorm         global gradient-norm limit, or 0 for none
 * @param padToken         token id used for padding (its positions never count in the loss)
 */
public record TrainingSettings(LearningRateSchedule schedule, double weightDecay, int microBatch, int accumulation,
        double clipNorm, int padToken) {

    public TrainingSettings {
        if (microBatch < 1 || accumulation < 1) {
            throw new IllegalArgumentException("microBatch and accumulation must be at least 1");
        }
    }
}
