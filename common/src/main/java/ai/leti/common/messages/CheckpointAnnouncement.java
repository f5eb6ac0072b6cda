package ai.leti.common.messages;

/**
 * A new checkpoint, announced by the trainer after an iteration's fine-tuning. Weights never travel on Kafka:
 * the generator fetches the files from {@code uri} and checks each against its digest before loading.
 *
 * @param uri     base URI of the checkpoint's files (HTTP from the trainer, or a shared volume)
 * @param files   file name to sha256 (hex) of every file of the checkpoint
 * @param sizeBytes total size of the files
 * @param loss    mean training loss of the iteration's last epoch
 * @param steps   optimizer steps taken in this iteration (regularization steps included)
 */
public record CheckpointAnnouncement(
        String runId,
        int iteration,
        String uri,
        java.util.Map<String, String> files,
        long sizeBytes,
        double loss,
        int steps,
        double trainSeconds) {
}
