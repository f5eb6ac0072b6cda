package ai.leti.generator.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import ai.leti.common.files.ConfinedPaths;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.runs.RunStage;
import ai.leti.common.tasks.MbppSplit;
import ai.leti.common.tasks.ProgramFingerprints;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;

/**
 * The runs this generator knows, and the one that holds the model: one active run at a time, since sampling
 * uses all of the machine. Routes results and checkpoint announcements to their run.
 */
@Component
public class RunRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunRegistry.class);

    /** {@code file:12: reason}: the line number of a task file's parse error. */
    private static final Pattern LINE = Pattern.compile(":(\\d+):");

    private final Map<String, LetiRun> runs = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "leti-run");
        thread.setDaemon(true);
        return thread;
    });
    private final CandidateSink sink;
    private final CheckpointFetcher fetcher;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    private final ConfinedPaths readable;

    public RunRegistry(CandidateSink sink, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this.sink = sink;
        this.fetcher = fetcher;
        this.properties = properties;
        this.metrics = metrics;
        List<Path> roots = new ArrayList<>(properties.dataRoots());
        roots.add(properties.state());
        this.readable = new ConfinedPaths(roots);
        load();
    }

    /** The runs a previous process saved: all of them answer {@code GET}; an active one goes on once the app is up. */
    private void load() {
        List<String> unreadable = new ArrayList<>();
        for (SavedRun saved : SavedRun.loadAll(properties.state(), unreadable)) {
            try {
                List<Task> tasks = tasks("taskFile", saved.request().taskFile(), saved.request().split());
                List<Task> evaluationTasks = tasks("evaluationFile", evaluationFile(saved.request()),
                        saved.request().evaluationSplit());
                runs.put(saved.id(), LetiRun.resumed(saved, tasks, evaluationTasks, excludedPrograms(saved.request()),
                        sink, fetcher, properties, metrics));
            } catch (InvalidRunException e) {
                log.error("saved run {} cannot go on: {}", saved.id(), e.getMessage());
                SavedRun failed = new SavedRun(saved.id(), saved.request(), RunStage.FAILED, saved.iteration(), saved.completed(),
                        saved.evaluated(), saved.checkpoint(), saved.checkpointDigest(), saved.modelPath(),
                        saved.gradientSteps(), saved.evaluations(), saved.timeline(), "after a restart: " + e.getMessage(),
                        saved.probe());
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

    private static String evaluationFile(RunRequest request) {
        return request.evaluationFile() == null || request.evaluationFile().isBlank() ? request.taskFile()
                : request.evaluationFile();
    }

    /**
     * Checks what the request points at, then registers the run; problems name the field. Every path must lie under
     * {@code leti.generator.data-roots} or the state directory, and no answer quotes a file's content.
     */
    public LetiRun create(RunRequest request) {
        Path model = confined("model", request.model());
        if (!Files.isRegularFile(model.resolve("config.json")) || !Files.isRegularFile(model.resolve("tokenizer.json"))) {
            throw new InvalidRunException("model", "no checkpoint directory (config.json, tokenizer.json) at " + model);
        }
        List<Task> tasks = tasks("taskFile", request.taskFile(), request.split());
        List<Task> evaluationTasks = tasks("evaluationFile", evaluationFile(request), request.evaluationSplit());
        checkCorpus(request);
        String id = request.name() + "-" + Long.toString(Instant.now().toEpochMilli(), 36);
        LetiRun run = new LetiRun(id, request, tasks, evaluationTasks, excludedPrograms(request), sink, fetcher,
                properties, metrics);
        runs.put(id, run);
        return run;
    }

    /**
     * Regularization needs a corpus of plain code, and never the run's own task or evaluation file. Whether the
     * corpus holds any of their solutions only the trainer can tell (it reads the corpus): it refuses the plan,
     * and the run fails with its reason.
     */
    static void checkCorpus(RunRequest request) {
        String corpus = request.regularizationCorpus();
        if (request.regularizationRatio() > 0 && (corpus == null || corpus.isBlank())) {
            throw new InvalidRunException("regularizationCorpus", "required when regularizationRatio > 0: a directory"
                    + " of .py files, a JSONL file with a \"content\" field per line, or stdlib (the trainer's Python"
                    + " standard library); never a task file. regularizationRatio 0 trains without");
        }
        if (corpus != null && !corpus.equals(IterationPlan.STANDARD_LIBRARY)) {
            for (String file : List.of(request.taskFile(), evaluationFile(request))) {
                if (Path.of(corpus).toAbsolutePath().normalize().equals(Path.of(file).toAbsolutePath().normalize())) {
                    throw new InvalidRunException("regularizationCorpus", "is this run's task or evaluation file "
                            + file + ": its reference solutions are ground truth");
                }
            }
        }
    }

    /** Fingerprints of every reference solution in the run's task and evaluation files, whole files (all splits). */
    private static Set<String> excludedPrograms(RunRequest request) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (String file : new LinkedHashSet<>(List.of(request.taskFile(), evaluationFile(request)))) {
            fingerprints.addAll(ProgramFingerprints.ofReferences(TaskFiles.read(Path.of(file)).values()));
        }
        return fingerprints;
    }

    private Path confined(String field, String path) {
        try {
            return readable.check(field, path);
        } catch (ConfinedPaths.OutsideRootsException e) {
            throw new InvalidRunException(field, e.reason());
        }
    }

    private List<Task> tasks(String field, String file, String split) {
        Path path = confined(field, file);
        if (!Files.isRegularFile(path)) {
            throw new InvalidRunException(field, "no task file at " + file);
        }
        List<Task> tasks;
        try {
            tasks = split.equals("all") ? new ArrayList<>(TaskFiles.read(path).values())
                    : TaskFiles.read(path, MbppSplit.valueOf(split.toUpperCase(java.util.Locale.ROOT)));
        } catch (RuntimeException e) {
            // The reason can quote the file (a task id, a value): it goes to the log, the answer says where only.
            log.warn("{} {} is not a task file: {}", field, file, e.getMessage());
            Matcher line = LINE.matcher(String.valueOf(e.getMessage()));
            throw new InvalidRunException(field, file + (line.find() ? " line " + line.group(1) : "")
                    + " is not a task file of MBPP's or HumanEval's format; the generator's log has the reason");
        }
        if (tasks.isEmpty()) {
            throw new InvalidRunException(field, "split " + split + " of " + file + " holds no tasks");
        }
        return tasks;
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
