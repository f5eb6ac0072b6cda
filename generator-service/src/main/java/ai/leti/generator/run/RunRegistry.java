package ai.leti.generator.run;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.runs.RunStage;
import ai.leti.common.tasks.Task;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;
import ai.leti.generator.metrics.GeneratorMetrics;

/**
 * The runs this generator knows, and the one that holds the model: one active run at a time, since sampling
 * uses all of the machine. Routes results and checkpoint announcements to their run.
 */
@Component
@Roles.Coordinator
public class RunRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunRegistry.class);

    private final Map<String, LetiRun> runs = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "leti-run");
        thread.setDaemon(true);
        return thread;
    });
    private final RunSink sink;
    private final CheckpointFetcher fetcher;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    private final RunFiles files;

    public RunRegistry(RunSink sink, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this.sink = sink;
        this.fetcher = fetcher;
        this.properties = properties;
        this.metrics = metrics;
        this.files = new RunFiles(properties);
        load();
    }

    /** The runs a previous process saved: all of them answer {@code GET}; an active one goes on once the app is up. */
    private void load() {
        List<String> unreadable = new ArrayList<>();
        for (SavedRun saved : SavedRun.loadAll(properties.state(), unreadable)) {
            try {
                List<Task> tasks = files.tasks(saved.request());
                List<Task> evaluationTasks = files.evaluationTasks(saved.request());
                runs.put(saved.id(), LetiRun.resumed(saved, tasks, evaluationTasks, RunFiles.excludedPrograms(saved.request()),
                        sink, fetcher, properties, metrics));
            } catch (InvalidRunException e) {
                log.error("saved run {} cannot go on: {}", saved.id(), e.getMessage());
                SavedRun failed = new SavedRun(saved.id(), saved.request(), RunStage.FAILED, saved.iteration(), saved.completed(),
                        saved.evaluated(), saved.checkpoint(), saved.checkpointDigest(), saved.modelPath(),
                        saved.gradientSteps(), saved.evaluations(), saved.timeline(), "after a restart: " + e.getMessage(),
                        saved.probe(), saved.announcement());
                failed.save(properties.state());
                runs.put(saved.id(), LetiRun.resumed(failed, List.of(), List.of(), Set.of(), sink, fetcher, properties,
                        metrics));
            }
        }
        unreadable.forEach(problem -> log.error("cannot read a saved run: {}", problem));
    }

    @EventListener(ApplicationReadyEvent.class)
    public synchronized void resume() {
        for (LetiRun run : runs.values()) {
            if (run.active()) {
                log.info("run {} was active when this generator stopped; it goes on", run.id());
                threads.submit(run);
            }
        }
    }

    /**
     * Checks what the request points at, then registers the run; problems name the field. Every path must lie under
     * {@code leti.generator.data-roots} or the state directory, and no answer quotes a file's content.
     */
    public LetiRun create(RunRequest request) {
        files.model(request);
        List<Task> tasks = files.tasks(request);
        List<Task> evaluationTasks = files.evaluationTasks(request);
        RunFiles.checkCorpus(request);
        String id = request.name() + "-" + Long.toString(Instant.now().toEpochMilli(), 36);
        LetiRun run = new LetiRun(id, request, tasks, evaluationTasks, RunFiles.excludedPrograms(request), sink, fetcher,
                properties, metrics);
        runs.put(id, run);
        return run;
    }

    /** Starts a run unless another one holds the model. */
    public synchronized LetiRun start(String id) {
        LetiRun run = find(id).orElseThrow(() -> new UnknownRunException(id));
        Optional<LetiRun> holder = runs.values().stream().filter(LetiRun::active).findFirst();
        if (holder.isPresent()) {
            throw new RunConflictException(holder.get().id());
        }
        if (run.status().stage() != RunStage.CREATED) {
            throw new RunConflictException(id);
        }
        threads.submit(run);
        waitUntilActive(run);
        return run;
    }

    private static void waitUntilActive(LetiRun run) {
        for (int i = 0; i < 50 && run.status().stage() == RunStage.CREATED; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public Optional<LetiRun> find(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    public List<LetiRun> all() {
        return List.copyOf(runs.values());
    }

    public void onResult(ExecutionResult result) {
        LetiRun run = runs.get(result.runId());
        if (run != null) {
            run.onResult(result);
        }
    }

    public void onSampled(SamplingReport report) {
        LetiRun run = runs.get(report.runId());
        if (run != null) {
            run.onSampled(report);
        }
    }

    /** Sampling work of {@code runId} went to the dead-letter topic; a run this generator does not know is only logged. */
    public void onDeadLetter(String runId, String workId, String reason) {
        LetiRun run = runId == null ? null : runs.get(runId);
        if (run == null) {
            log.error("sampling work {} of unknown run {} was dead-lettered: {}", workId, runId, reason);
            return;
        }
        run.onDeadLetter(workId, reason);
    }

    public void onCheckpoint(CheckpointAnnouncement announcement) {
        LetiRun run = runs.get(announcement.runId());
        if (run != null) {
            run.onCheckpoint(announcement);
        }
    }

    @Override
    public void close() {
        runs.values().forEach(LetiRun::stop);
        threads.shutdownNow();
    }

    /** A run parameter that cannot work: answered with 400 naming the field. */
    public static final class InvalidRunException extends RuntimeException {
        private final String field;

        public InvalidRunException(String field, String message) {
            super(field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** Another run holds the model (409). */
    public static final class RunConflictException extends RuntimeException {
        public RunConflictException(String holder) {
            super("run " + holder + " holds the model; stop it or wait for it to finish");
        }
    }

    public static final class UnknownRunException extends RuntimeException {
        public UnknownRunException(String id) {
            super("no run " + id);
        }
    }
}
