package ai.leti.generator.run;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.messages.SamplingWork;

/** Where a run's plans, sampling work and reference candidates go (Kafka in the service). */
public interface RunSink {

    /** Sampling work for the sampler fleet. */
    void work(SamplingWork work);

    /** A candidate the coordinator publishes itself: the reference baseline's solutions, which need no sampling. */
    void candidate(CandidateProgram candidate);

    void plan(IterationPlan plan);

    /** The run's queued sampling work is not wanted any more (it stopped or failed): samplers skip it. */
    void withdraw(SamplingWithdrawal withdrawal);

    /** Blocks until everything sent so far is acknowledged. */
    void flush();
}
