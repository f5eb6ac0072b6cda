package ai.leti.common.messages;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A new checkpoint, announced by the trainer after an iteration's fine-tuning. Weights never travel on Kafka:
 * the generator fetches the files from {@code uri} and checks each against its digest before loading. Or, with
 * {@code error} set, the trainer's word that it cannot train this iteration (a plan it refuses: a missing or
 * ground-truth corpus, a checkpoint it does not have): the run fails with that reason.
 *
 * @param uri     base URI of the checkpoint's files (HTTP from the trainer, or a shared volume)
 * @param files   file name to sha256 (hex) of every file of the checkpoint
 * @param sizeBytes total size of the files
 * @param loss    mean training loss of the iteration's last epoch
 * @param steps   optimizer steps taken in this iteration (regularization steps included)
 * @param error   null for a checkpoint; why the iteration cannot be trained otherwise
 */
public record CheckpointAnnouncement(
        String runId,
        int iteration,
        String uri,
        Map<String, String> files,
        long sizeBytes,
        double loss,
        int steps,
        double trainSeconds,
        String error) {

    /** The trainer cannot train this iteration of this run, and says why. */
    public static CheckpointAnnouncement failed(String runId, int iteration, String error) {
        return new CheckpointAnnouncement(runId, iteration, null, Map.of(), 0, 0, 0, 0, error);
    }

    /** One digest for a checkpoint: SHA-256 over its files' names and digests, in name order. */
    public static String digestOf(Map<String, String> files) {
        StringBuilder lines = new StringBuilder();
        new TreeMap<>(files).forEach((name, sha) -> lines.append(name).append(' ').append(sha).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(lines.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
