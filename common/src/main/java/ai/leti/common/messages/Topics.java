package ai.leti.common.messages;

/** Kafka topic names, in one place so every service and manifest agrees on them. */
public final class Topics {

    /** Candidate programs sampled by the generator, keyed by task id so one task's samples stay in order. */
    public static final String CANDIDATES = "leti.candidates";

    /** One execution result per candidate, keyed by task id. */
    public static final String RESULTS = "leti.results";

    /** The generator's iteration plans, keyed by run id: what the trainer waits for and trains with. */
    public static final String ITERATIONS = "leti.iterations";

    /** The trainer's checkpoint announcements, keyed by run id (weights travel over HTTP, never here). */
    public static final String CHECKPOINTS = "leti.checkpoints";

    /**
     * Sampling work from the run coordinator to the sampler fleet ({@link SamplingWork}), keyed by task id and sent round
     * robin over the partitions (an even spread is an even share); the
     * samplers share its partitions in one consumer group, {@link #SAMPLERS_GROUP}.
     */
    public static final String SAMPLING = "leti.sampling";

    /** Samplers' reports of finished work ({@link SamplingReport}), keyed by run id. */
    public static final String SAMPLING_DONE = SAMPLING + ".done";

    /** Sampling work that cannot be sampled (unreadable, invalid, its checkpoint unverifiable), with the reason. */
    public static final String SAMPLING_DLT = SAMPLING + ".dlt";

    /**
     * Runs whose queued sampling work is withdrawn ({@link SamplingWithdrawal}), keyed by run id, compacted: every
     * sampler reads all of it at every start.
     */
    public static final String SAMPLING_WITHDRAWN = SAMPLING + ".withdrawn";

    /** The samplers' consumer group on {@link #SAMPLING} (what KEDA scales them on). */
    public static final String SAMPLERS_GROUP = "leti-samplers";

    /** Candidates that could not be read or validated; nothing is dropped silently. */
    public static final String CANDIDATES_DLT = CANDIDATES + ".dlt";

    /** Results the trainer could not read. */
    public static final String RESULTS_DLT = RESULTS + ".dlt";

    private Topics() {
    }
}
