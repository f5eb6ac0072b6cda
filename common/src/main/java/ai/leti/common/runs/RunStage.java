package ai.leti.common.runs;

import java.util.Locale;

/** Where a run is: created, one of an iteration's stages, or ended (done, stopped, failed). */
public enum RunStage {
    CREATED,
    SAMPLING,
    EXECUTING,
    TRAINING,
    EVALUATING,
    DONE,
    STOPPED,
    FAILED;

    /** Whether the run has ended, one way or another. */
    public boolean ended() {
        return this == DONE || this == STOPPED || this == FAILED;
    }

    /** Whether the run's thread is working on it (not created, not ended). */
    public boolean active() {
        return this != CREATED && !ended();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
