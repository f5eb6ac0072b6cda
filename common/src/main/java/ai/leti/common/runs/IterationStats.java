package ai.leti.common.runs;

import java.util.Map;
import java.util.TreeMap;

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
 * @param samplers             candidates each sampler of the fleet published for the iteration, by sampler id
 */
public record IterationStats(int iteration, double wallSeconds, double samplingSeconds, double executionSeconds,
        double executionBusySeconds, double trainingSeconds, long samples, double samplePassRate, double trainingLoss,
        int gradientSteps, Map<String, Long> samplers) {

    public IterationStats {
        samplers = samplers == null ? Map.of() : Map.copyOf(new TreeMap<>(samplers));
    }

    /** The stages' times summed: more than the wall time by as much as they overlapped. */
    public double stageSeconds() {
        return samplingSeconds + executionSeconds + trainingSeconds;
    }
}
