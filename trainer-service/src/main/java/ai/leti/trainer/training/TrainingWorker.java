package ai.leti.trainer.training;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import ai.leti.common.files.ConfinedPaths;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Topics;
import ai.leti.trainer.checkpoint.CheckpointStore;
import ai.leti.trainer.config.TrainerProperties;
import ai.leti.trainer.metrics.TrainerMetrics;

/**
 * Trains complete iterations one at a time on a thread of its own (the listeners keep consuming meanwhile),
 * publishes each checkpoint atomically and announces it. An iteration whose checkpoint already exists (a crash
 * after publishing) is announced again rather than trained twice.
 */
@Component
public class TrainingWorker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainingWorker.class);
    /** What the training of a checkpoint did, kept beside it so a re-announcement tells the same. */
    static final String OUTCOME = "training_outcome.json";

    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread worker = new Thread(runnable, "leti-training");
        worker.setDaemon(true);
        return worker;
    });
    private final LetiFineTuner fineTuner;
    private final CheckpointStore store;
    private final IterationBook book;
    private final KafkaTemplate<String, CheckpointAnnouncement> announcements;
    private final TrainerProperties properties;
    private final TrainerMetrics metrics;

    public TrainingWorker(LetiFineTuner fineTuner, CheckpointStore store, IterationBook book,
            KafkaTemplate<String, CheckpointAnnouncement> announcements, TrainerProperties properties, TrainerMetrics metrics) {
        this.fineTuner = fineTuner;
        this.store = store;
        this.book = book;
        this.announcements = announcements;
        this.properties = properties;
        this.metrics = metrics;
        book.onReady(iteration -> thread.submit(() -> train(iteration)));
        book.onPlan(plan -> thread.submit(() -> check(plan)));
        book.recover(); // before the listeners start: what a previous process had collected
    }

    private void train(IterationBook.Iteration iteration) {
        IterationPlan plan = iteration.plan();
        try {
            Path checkpoint = store.checkpoint(plan.runId(), plan.iteration());
            LetiFineTuner.Outcome outcome;
            if (!store.exists(plan.runId(), plan.iteration())) {
                Path scratch = store.scratch(plan.runId(), plan.iteration());
                outcome = fineTuner.fineTune(plan, iteration.results(), base(plan), scratch);
                Files.writeString(scratch.resolve(OUTCOME), Jsonl.MAPPER.writeValueAsString(outcome));
                store.publish(plan.runId(), plan.iteration(), scratch);
            } else { // published before a crash, not announced: announce what that training did
                outcome = Jsonl.MAPPER.readValue(Files.readString(checkpoint.resolve(OUTCOME)), LetiFineTuner.Outcome.class);
            }
            Map<String, String> digests = store.digests(checkpoint);
            String uri = properties.publicUrl().replaceAll("/+$", "") + "/checkpoints/" + plan.runId() + "/" + plan.iteration();
            announcements.send(Topics.CHECKPOINTS, plan.runId(), new CheckpointAnnouncement(plan.runId(), plan.iteration(),
                    uri, digests, store.size(checkpoint), outcome.loss(), outcome.steps(), outcome.seconds(), null))
                    .get(30, TimeUnit.SECONDS);
            metrics.checkpoint();
            book.done(plan.runId(), plan.iteration());
            log.info("run {} iteration {}: checkpoint {} announced (loss {}, {} steps, {} s)", plan.runId(),
                    plan.iteration(), uri, outcome.loss(), outcome.steps(), String.format("%.1f", outcome.seconds()));
        } catch (PlanRefused e) {
            refuse(plan, e);
            book.done(plan.runId(), plan.iteration());
        } catch (Exception e) {
            metrics.failure();
            // The journal stays: a restart (or the next delivery of the plan) trains it again.
            log.error("run {} iteration {}: training failed: {}", plan.runId(), plan.iteration(), e.getMessage(), e);
        }
    }

    /**
     * A plan that cannot be trained is refused as soon as it arrives, before its samples are even executed: the
     * run fails at once with the reason. Anything else (an unreadable file that may yet appear) waits for training.
     */
    private void check(IterationPlan plan) {
        try {
            base(plan);
            fineTuner.corpus(plan);
        } catch (PlanRefused e) {
            refuse(plan, e);
        } catch (Exception e) {
            log.warn("run {} iteration {}: plan not checked ahead of training: {}", plan.runId(), plan.iteration(),
                    e.getMessage());
        }
    }

    private void refuse(IterationPlan plan, PlanRefused e) {
        metrics.failure();
        log.error("run {} iteration {}: refused: {}", plan.runId(), plan.iteration(), e.getMessage());
        try {
            announcements.send(Topics.CHECKPOINTS, plan.runId(),
                    CheckpointAnnouncement.failed(plan.runId(), plan.iteration(), e.getMessage())).get(30, TimeUnit.SECONDS);
        } catch (Exception unsent) {
            log.error("run {} iteration {}: the refusal could not be announced: {}", plan.runId(), plan.iteration(),
                    unsent.getMessage());
        }
    }

    /**
     * Exactly the checkpoint the plan's samples came from: the base model for iteration 0's, else that
     * iteration's checkpoint in this trainer's store, with the digest the generator verified, and with it the
     * optimizer state saved beside it. Anything else would break the run's lineage: refused.
     */
    private Path base(IterationPlan plan) {
        int sampled = plan.checkpointIteration();
        if (sampled == 0) {
            String checkpoint = plan.checkpoint();
            if (checkpoint == null || checkpoint.isBlank()) {
                throw new PlanRefused("iteration " + plan.iteration() + "'s plan names no base model to start from");
            }
            Path path;
            try {
                path = properties.readable().check("checkpoint", checkpoint.startsWith("file:")
                        ? Path.of(URI.create(checkpoint)).toString() : checkpoint);
            } catch (ConfinedPaths.OutsideRootsException | IllegalArgumentException e) {
                throw new PlanRefused("the base model " + (e instanceof ConfinedPaths.OutsideRootsException outside
                        ? outside.reason() : checkpoint + " is not a valid path or file: URI"));
            }
            if (!Files.isDirectory(path)) {
                throw new PlanRefused("the base model " + path + " is not a directory on the trainer (a shared volume"
                        + " in Kubernetes)");
            }
            return path;
        }
        if (!store.exists(plan.runId(), sampled)) {
            throw new PlanRefused("iteration " + plan.iteration() + " was sampled from iteration " + sampled
                    + "'s checkpoint, which this trainer's store does not have (" + store.checkpoint(plan.runId(), sampled)
                    + "); starting over from the base model would break the run's lineage");
        }
        Path checkpoint = store.checkpoint(plan.runId(), sampled);
        if (plan.checkpointDigest() != null) {
            String digest = CheckpointAnnouncement.digestOf(store.digests(checkpoint));
            if (!digest.equals(plan.checkpointDigest())) {
                throw new PlanRefused("iteration " + plan.iteration() + " was sampled from a checkpoint of iteration "
                        + sampled + " with digest " + plan.checkpointDigest() + ", but this trainer's is " + digest);
            }
        }
        return checkpoint;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
