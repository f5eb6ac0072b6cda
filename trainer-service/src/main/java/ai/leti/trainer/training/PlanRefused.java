package ai.leti.trainer.training;

/**
 * An iteration plan this trainer cannot train, for a reason no retry can change: a missing or ground-truth
 * regularization corpus, or a checkpoint to continue from that it does not have. The trainer announces it and the
 * generator fails the run with this message, never a silent run without.
 */
public class PlanRefused extends IllegalArgumentException {

    public PlanRefused(String message) {
        super(message);
    }
}
