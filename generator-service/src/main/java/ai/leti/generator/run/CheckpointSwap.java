package ai.leti.generator.run;

import java.nio.file.Path;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;

/**
 * The checkpoint of an iteration, from its announcement to a loaded model: downloaded into
 * {@code <state>/<run>/iteration-N/}, every file verified against its announced SHA-256. A checkpoint that fails
 * verification is refused (the run says so in its problem and keeps sampling from the model it has) and the run
 * waits for the checkpoint to be announced again.
 */
final class CheckpointSwap {

    private static final Logger log = LoggerFactory.getLogger(CheckpointSwap.class);

    /** A verified, loaded checkpoint, and where its files lie. */
    record Received(CheckpointAnnouncement announcement, Path directory, LoadedModel model) {
    }

    private final String runId;
    private final RunInbox inbox;
    private final CheckpointFetcher fetcher;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    private final Consumer<String> problem;

    /** @param problem where a refusal is reported (the run's status) */
    CheckpointSwap(String runId, RunInbox inbox, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics, Consumer<String> problem) {
        this.runId = runId;
        this.inbox = inbox;
        this.fetcher = fetcher;
        this.properties = properties;
        this.metrics = metrics;
        this.problem = problem;
    }

    /** Waits for the checkpoint of {@code iteration}, fetches and verifies it, and loads it. */
    Received receive(int iteration, String keeping) throws Exception {
        CheckpointAnnouncement announcement = inbox.awaitCheckpoint(iteration);
        Path target = properties.state().resolve(runId).resolve("iteration-" + iteration);
        while (true) {
            Path directory;
            try {
                directory = fetcher.fetch(announcement, target);
            } catch (Exception e) {
                String refused = "refused checkpoint of iteration " + iteration + ": " + e.getMessage() + "; keeping " + keeping;
                inbox.forget(announcement);
                problem.accept(refused);
                metrics.refused();
                log.error("run {}: {}", runId, refused);
                announcement = inbox.awaitCheckpoint(iteration);
                continue;
            }
            // verified: a checkpoint that then fails to load fails the run (it is the trainer's to fix, not a download's)
            return new Received(announcement, directory, LoadedModel.load(iteration, announcement.uri(), directory,
                    properties.device()));
        }
    }
}
