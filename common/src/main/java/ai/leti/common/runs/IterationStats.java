package ai.leti.common.runs;

/**
 * One iteration, start of sampling to the new checkpoint loaded. Sampling and execution overlap (each candidate
 * is executed as soon as it is sampled); training starts when the iteration's last result is in.
 *
 * @param wallSeconds          start of sampling to the new checkpoint loaded
 * @param samplingSeconds      the generator sampling the iteration's programs
 * @param executionSeconds     first candidate published to last result received
 * @param executionBusySeconds the programs' run times summed over the fleet's workers (a repeated program the
 *                             executor answered from its recent verdicts counts nothing)
 * @param trainingSeconds      the trainer's fine-tuning (as it announced)
 * @param samplePassRate       the fraction of the iteration's sampled programs that passed
 */
public record IterationStats(int iteration, double wallSeconds, double samplingSeconds, double executionSeconds,
        double executionBusySeconds, double trainingSeconds, long samples, double samplePassRate, double trainingLoss,
        int gradientSteps) {

    /** The stages' times summed: more than the wall time by as much as they overlapped. */
    public double stageSeconds() {
        return samplingSeconds + executionSeconds + trainingSeconds;
    }
}
