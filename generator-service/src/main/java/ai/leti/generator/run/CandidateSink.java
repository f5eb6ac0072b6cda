package ai.leti.generator.run;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.IterationPlan;

/** Where a run's candidates and plans go (Kafka in the service). */
public interface CandidateSink {

    void candidate(CandidateProgram candidate);

    void plan(IterationPlan plan);

    /** Blocks until everything sent so far is acknowledged. */
    void flush();
}
