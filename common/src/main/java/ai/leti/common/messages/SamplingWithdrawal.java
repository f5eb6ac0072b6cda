package ai.leti.common.messages;

/**
 * The run coordinator's word that a run stopped or failed: its sampling work published up to {@code withdrawnAt} will
 * not be waited for, so samplers skip it instead of sampling it. Work of the same run published later (a resumed run)
 * is sampled as usual.
 *
 * @param withdrawnAt epoch milliseconds; work whose record is no newer is skipped
 * @param reason      why, for the samplers' logs
 */
public record SamplingWithdrawal(String runId, long withdrawnAt, String reason) {
}
