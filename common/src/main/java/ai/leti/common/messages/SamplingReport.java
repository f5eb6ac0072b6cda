package ai.leti.common.messages;

/**
 * A sampler's word that a piece of work is done: every one of its candidates was published and acknowledged
 * before this report was sent. The coordinator counts each work id once (a re-sampled piece reports again).
 *
 * @param sampler    which sampler did it
 * @param candidates candidates published
 * @param tokens     tokens generated for them
 * @param seconds    the sampler's wall time for the batch this work was sampled in
 */
public record SamplingReport(String workId, String runId, int iteration, Purpose purpose, String sampler, int candidates,
        long tokens, double seconds) {
}
