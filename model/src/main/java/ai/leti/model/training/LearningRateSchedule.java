package ai.leti.model.training;

/**
 * Linear warm-up to the peak rate, then cosine decay to {@code minRatio} of it at {@code totalSteps};
 * constant after that. {@code totalSteps <= 0} means constant after warm-up.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, double minRatio) {

    public LearningRateSchedule {
        if (!(peak > 0) || warmupSteps < 0 || minRatio < 0 || minRatio > 1) {
            throw new IllegalArgumentException("learning rate schedule: peak > 0, warmup >= 0, 0 <= minRatio <= 1");
        }
    }

    public static LearningRateSchedule constant(double rate) {
        return new LearningRateSchedule(rate, 0, 0, 1);
    }

    /** The rate for optimizer step {@code step} (1-based). */
    public double at(long step) {
        if (step <= warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        if (totalSteps <= warmupSteps) {
            return peak;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return peak * (minRatio + (1 - minRatio) * cosine);
    }
}
