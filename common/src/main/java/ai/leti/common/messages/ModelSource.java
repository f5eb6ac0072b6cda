package ai.leti.common.messages;

/**
 * The model a piece of sampling work is sampled from: a run's base model, read where it lies (under the data
 * roots), or an iteration's checkpoint, fetched from where its announcement says and verified file by file against
 * it. A sampler never samples from another model than the one named here.
 *
 * @param iteration  0 for the base model, else the iteration whose checkpoint this is
 * @param path       the base model's directory (iteration 0); null for a checkpoint
 * @param checkpoint the trainer's announcement of the checkpoint; null for the base model
 */
public record ModelSource(int iteration, String path, CheckpointAnnouncement checkpoint) {

    public static ModelSource base(String path) {
        return new ModelSource(0, path, null);
    }

    public static ModelSource of(CheckpointAnnouncement checkpoint) {
        return new ModelSource(checkpoint.iteration(), null, checkpoint);
    }

    /** What identifies the weights: the checkpoint's digest, or the base model's path. */
    public String key() {
        return checkpoint != null ? checkpoint.runId() + "@" + CheckpointAnnouncement.digestOf(checkpoint.files()) : path;
    }

    /** What is wrong with this reference; null when it names one model. */
    public String problem() {
        if ((path == null) == (checkpoint == null)) {
            return "model: names neither or both of a base model's path and a checkpoint";
        }
        if (checkpoint != null && (checkpoint.uri() == null || checkpoint.files() == null || checkpoint.files().isEmpty()
                || checkpoint.error() != null)) {
            return "model: the checkpoint announcement lists no files to fetch";
        }
        return null;
    }
}
