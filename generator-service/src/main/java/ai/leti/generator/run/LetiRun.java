package ai.leti.generator.run;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.eval.PassAtK;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Purpose;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunStatus;
import ai.leti.common.tasks.EaeTask;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.eae.EaeScore;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.StopSequences;

/**
 * One LETI run, driven on a thread of its own: evaluate the base model, then per iteration sample every training
 * task (iteration 1 from the bare prompt, later ones after {@code <|good|>}), stream each candidate to the executors
 * as it finishes, announce the iteration's plan to the trainer, wait for its checkpoint, verify and swap to it,
 * and evaluate on the held-out tasks under the three conditions the paper reports.
 */
public final class LetiRun implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LetiRun.class);

    public enum Stage { CREATED, SAMPLING, EXECUTING, TRAINING, EVALUATING, DONE, STOPPED, FAILED }

    private final String id;
    private final RunRequest request;
    private final List<Task> tasks;
    private final List<Task> evaluationTasks;
    private final CandidateSink sink;
    private final CheckpointFetcher fetcher;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    private final Map<Integer, CompletableFuture<CheckpointAnnouncement>> checkpoints = new ConcurrentHashMap<>();
    private final Map<String, ExecutionResult> evaluationResults = new ConcurrentHashMap<>();
    private final Map<String, Boolean> trainingResults = new ConcurrentHashMap<>();
    private final List<Evaluation> evaluations = Collections.synchronizedList(new ArrayList<>());
    private final List<IterationStats> timeline = Collections.synchronizedList(new ArrayList<>());
    private final HistoryLog history;
    /** Tokens generated for the current iteration's training samples: its sampling speed in the history. */
    private final AtomicLong sampledTokens = new AtomicLong();
    private volatile long firstPublished;
    private volatile long lastResult;
    private final DoubleAdder executionBusyMillis = new DoubleAdder();
    private final AtomicLong sampled = new AtomicLong();
    private final AtomicLong passed = new AtomicLong();
    private volatile Stage stage = Stage.CREATED;
    private volatile int iteration;
    private volatile String checkpoint;
    /** Digest of the loaded checkpoint's files (null: the base model); the next plan names it. */
    private volatile String checkpointDigest;
    /** Why the trainer refused this run's plan, once it has. */
    private volatile String trainerRefusal;
    private final List<String> excludedPrograms;
    /** The reward token's likelihood probe set, chosen at the base model's evaluation (see {@link RewardTokenProbe}). */
    private final List<RewardTokenProbe.Program> probe = Collections.synchronizedList(new ArrayList<>());
    private volatile String problem;
    private volatile boolean stopRequested;
    private long gradientSteps;
    /** The last iteration whose checkpoint is loaded (0: the base model), where it lies, and whether its evaluation is done. */
    private int completed;
    private String modelPath;
    private boolean evaluated;
    /** A restart found this run's samples of {@code iteration} published already (then only its checkpoint is awaited). */
    private boolean resumedPublished;

    /**
     * @param excludedPrograms fingerprints of every reference solution of the run's task and evaluation files: the
     *                         trainer refuses a regularization corpus that contains one
     */
    public LetiRun(String id, RunRequest request, List<Task> tasks, List<Task> evaluationTasks,
            Set<String> excludedPrograms, CandidateSink sink, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this.id = id;
        this.request = request;
        this.history = new HistoryLog(properties.state().resolve(id));
        this.tasks = tasks;
        this.evaluationTasks = evaluationTasks;
        this.excludedPrograms = List.copyOf(excludedPrograms);
        this.sink = sink;
        this.fetcher = fetcher;
        this.properties = properties;
        this.metrics = metrics;
        this.checkpoint = request.model();
        this.modelPath = request.model();
    }

    /** A run a previous process saved; {@link #run()} goes on from where it was. */
    static LetiRun resumed(SavedRun saved, List<Task> tasks, List<Task> evaluationTasks, Set<String> excludedPrograms,
            CandidateSink sink, CheckpointFetcher fetcher, GeneratorProperties properties, GeneratorMetrics metrics) {
        LetiRun run = new LetiRun(saved.id(), saved.request(), tasks, evaluationTasks, excludedPrograms, sink, fetcher,
                properties, metrics);
        run.stage = Stage.valueOf(saved.stage());
        run.iteration = saved.iteration();
        run.completed = saved.completed();
        run.evaluated = saved.evaluated();
        run.checkpoint = saved.checkpoint();
        run.checkpointDigest = saved.checkpointDigest();
        if (saved.probe() != null) {
            run.probe.addAll(saved.probe());
        }
        run.modelPath = saved.modelPath();
        run.gradientSteps = saved.gradientSteps();
        run.evaluations.addAll(saved.evaluations());
        run.timeline.addAll(saved.timeline());
        run.problem = saved.problem();
        run.resumedPublished = saved.iteration() == saved.completed() + 1
                && (run.stage == Stage.EXECUTING || run.stage == Stage.TRAINING);
        return run;
    }

    /** Writes what a restart needs (see {@link SavedRun}). */
    private void save() {
        new SavedRun(id, request, stage.name(), iteration, completed, evaluated, checkpoint, checkpointDigest, modelPath,
                gradientSteps, List.copyOf(evaluations), List.copyOf(timeline), problem, List.copyOf(probe))
                .save(properties.state());
    }

    private void enter(Stage next) {
        stage = next;
        save();
    }

    public String id() {
        return id;
    }

    /** The run's history file (it may not exist before the first iteration or evaluation ends). */
    public Path historyFile() {
        return history.file();
    }

    public boolean active() {
        return stage != Stage.CREATED && stage != Stage.DONE && stage != Stage.STOPPED && stage != Stage.FAILED;
    }

    public void stop() {
        stopRequested = true;
    }

    public RunStatus status() {
        return new RunStatus(id, stage.name(), iteration, request.iterations(), sampled.get(), trainingResults.size(),
                passed.get(), checkpoint, List.copyOf(evaluations), List.copyOf(timeline), problem);
    }

    /** A result from the executors: counted for the current iteration, or kept for evaluation. */
    public void onResult(ExecutionResult result) {
        if (result.purpose() != null && result.purpose().isEvaluation()) {
            evaluationResults.putIfAbsent(result.candidateId(), result);
        } else if (result.iteration() == iteration && trainingResults.putIfAbsent(result.candidateId(), result.passed()) == null) {
            lastResult = System.nanoTime();
            if (!result.reused()) { // a repeat the executor answered without running it took no sandbox time
                executionBusyMillis.add(result.durationMillis());
            }
            metrics.inFlight(sampled.get() - trainingResults.size());
            if (result.passed()) {
                passed.incrementAndGet();
            }
        }
    }

    public void onCheckpoint(CheckpointAnnouncement announcement) {
        if (announcement.error() != null) {
            trainerRefusal = "the trainer refused iteration " + announcement.iteration() + ": " + announcement.error();
        }
        checkpoints.computeIfAbsent(announcement.iteration(), i -> new CompletableFuture<>()).complete(announcement);
    }

    @Override
    public void run() {
        LoadedModel model = null;
        try {
            if (stage == Stage.CREATED) {
                enter(Stage.EVALUATING);
            } else {
                log.info("run {}: resuming at iteration {} ({}) from checkpoint {}", id, iteration, stage, checkpoint);
            }
            model = LoadedModel.load(completed, checkpoint, Path.of(modelPath), properties.device());
            metrics.checkpoint(completed);
            if (!evaluated) {
                evaluateIfDue(model, completed);
            }
            for (int next = completed + 1; next <= request.iterations(); next++) {
                if (stopRequested) {
                    enter(Stage.STOPPED);
                    return;
                }
                long iterationStarted = System.nanoTime();
                sampledTokens.set(0);
                long samplingEnded = iterationStarted;
                boolean published = resumedPublished && next == iteration;
                iteration = next;
                trainingResults.clear();
                passed.set(0);
                sampled.set(0);
                executionBusyMillis.reset();
                firstPublished = 0;
                if (!published) {
                    enter(Stage.SAMPLING);
                    boolean reference = request.mode() == FeedbackMode.REFERENCE;
                    int samples = reference ? 1 : request.samplesPerTask();
                    // A re-sent plan (after a restart) is ignored by the trainer, as are candidates it has seen.
                    // The plan names the checkpoint these samples come from: the trainer continues from exactly it.
                    sink.plan(new IterationPlan(id, next, request.mode(), checkpoint, completed, checkpointDigest,
                            tasks.size() * samples, request.epochs(), request.batchSize(), request.learningRate(),
                            request.regularizationRatio(), request.regularizationCorpus(),
                            request.regularizationBlockTokens() == null ? 0 : request.regularizationBlockTokens(),
                            excludedPrograms, request.feedbackTokens(),
                            request.batchOrder() == null ? IterationPlan.LENGTH : request.batchOrder(),
                            raw() ? IterationPlan.RAW : IterationPlan.EXECUTED));
                    if (reference) {
                        for (Task task : tasks) { // the paper's ground-truth baseline: no sampling
                            publish(Purpose.TRAIN, task, 0, task.referenceCompletion());
                        }
                    } else {
                        // raw (the authors'): no stop sequence, the generation runs to end-of-text or the limit
                        sample(model, tasks, samples, Purpose.TRAIN, request.temperature(), request.topP(),
                                raw() ? List.of() : properties.stop());
                    }
                    sink.flush();
                    samplingEnded = System.nanoTime();
                    enter(Stage.EXECUTING);
                    long expected = (long) tasks.size() * samples;
                    waitFor(() -> trainingResults.size() >= expected, "results of iteration " + next);
                } else {
                    // Its samples went out before the restart; the executors and the trainer have them.
                    log.info("run {}: iteration {} was sampled before the restart; waiting for its checkpoint", id, next);
                }
                enter(Stage.TRAINING);
                CheckpointAnnouncement announcement = awaitCheckpoint(next);
                Path fetched = fetched(announcement);
                LoadedModel fresh = LoadedModel.load(next, announcement.uri(), fetched, properties.device());
                LoadedModel previous = model;
                model = fresh; // every later sample comes from the new checkpoint
                previous.close();
                checkpoint = announcement.uri();
                checkpointDigest = CheckpointAnnouncement.digestOf(announcement.files());
                modelPath = fetched.toString();
                completed = next;
                evaluated = false;
                metrics.checkpoint(next);
                gradientSteps += announcement.steps();
                if (!published) { // an interrupted iteration's stage times mean nothing
                    long executed = trainingResults.size();
                    IterationStats stats = new IterationStats(next,
                            seconds(System.nanoTime() - iterationStarted), seconds(samplingEnded - iterationStarted),
                            seconds(lastResult - firstPublished), executionBusyMillis.sum() / 1000,
                            announcement.trainSeconds(), executed, executed == 0 ? 0 : passed.get() / (double) executed,
                            announcement.loss(), announcement.steps());
                    timeline.add(stats);
                    history.iteration(stats, sampledTokens.get());
                    metrics.samplePassRate(id, mode(), executed == 0 ? 0 : passed.get() / (double) executed);
                }
                evaluateIfDue(model, next);
            }
            enter(Stage.DONE);
        } catch (StoppedException e) {
            enter(Stage.STOPPED);
        } catch (Exception e) {
            problem = e.getMessage();
            enter(Stage.FAILED);
            log.error("run {} failed: {}", id, e.getMessage(), e);
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    /** Evaluates after the base model, every {@code evaluationEvery} iterations and after the last. */
    private void evaluateIfDue(LoadedModel model, int after) throws Exception {
        if (after == 0 || after % request.evaluationEvery() == 0 || after == request.iterations()) {
            enter(Stage.EVALUATING);
            evaluate(model, after);
        }
        evaluated = true;
        save();
    }

    /** Fetches and verifies an announced checkpoint; a bad one is refused and the run waits for a good one. */
    private Path fetched(CheckpointAnnouncement announcement) throws Exception {
        Path target = properties.state().resolve(id).resolve("iteration-" + announcement.iteration());
        while (true) {
            try {
                return fetcher.fetch(announcement, target);
            } catch (Exception e) {
                problem = "refused checkpoint of iteration " + announcement.iteration() + ": " + e.getMessage()
                        + "; keeping " + checkpoint;
                metrics.refused();
                log.error("run {}: {}", id, problem);
                checkpoints.put(announcement.iteration(), new CompletableFuture<>());
                announcement = awaitCheckpoint(announcement.iteration());
            }
        }
    }

    private CheckpointAnnouncement awaitCheckpoint(int wanted) throws Exception {
        CompletableFuture<CheckpointAnnouncement> future = checkpoints.computeIfAbsent(wanted, i -> new CompletableFuture<>());
        long deadline = System.nanoTime() + properties.waitTimeout().toNanos();
        while (true) {
            if (stopRequested) {
                throw new StoppedException();
            }
            try {
                CheckpointAnnouncement announcement = future.get(200, TimeUnit.MILLISECONDS);
                if (announcement.error() != null) {
                    throw new IllegalStateException(trainerRefusal);
                }
                return announcement;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("no checkpoint for iteration " + wanted + " within " + properties.waitTimeout());
                }
            }
        }
    }

    private void waitFor(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + properties.waitTimeout().toNanos();
        while (!condition.getAsBoolean()) {
            if (stopRequested) {
                throw new StoppedException();
            }
            if (trainerRefusal != null) {
                throw new IllegalStateException(trainerRefusal);
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("timed out after " + properties.waitTimeout() + " waiting for " + what);
            }
            Thread.sleep(Duration.ofMillis(100).toMillis());
        }
    }

    /** Samples {@code samples} programs per task, publishing each candidate as soon as its row finishes. */
    private void sample(LoadedModel model, List<Task> which, int samples, Purpose purpose, double temperature, double topP,
            List<String> stopSequences) {
        record Item(Task task, int index) {
        }
        List<Item> items = new ArrayList<>();
        for (Task task : which) {
            for (int s = 0; s < samples; s++) {
                items.add(new Item(task, s));
            }
        }
        try (Sampler sampler = new Sampler(model.model(), model.tokenizer().endOfText())) {
            StopSequences stop = new StopSequences(stopSequences);
            for (int start = 0; start < items.size(); start += properties.samplingBatch()) {
                if (stopRequested) {
                    throw new StoppedException();
                }
                List<Item> chunk = items.subList(start, Math.min(items.size(), start + properties.samplingBatch()));
                List<int[]> prompts = new ArrayList<>();
                for (Item item : chunk) {
                    prompts.add(model.tokenizer().encode(conditioned(purpose, item.task().prompt())));
                }
                long seed = request.seed() * 1_000_003L + iteration * 10_007L + purpose.ordinal() * 101L + start;
                try (Precision.Scope precision = Precision.use(properties.precision())) {
                    sampler.generate(prompts, new SamplingSettings(temperature, topP, request.maxNewTokens(), seed, true),
                            generated -> stop.indexIn(model.tokenizer().decode(generated)) >= 0,
                            completion -> {
                                Item item = chunk.get(completion.index());
                                publish(purpose, item.task(), item.index(), stop.cut(model.tokenizer().decode(completion.tokens())));
                                metrics.sample(purpose.name().toLowerCase(java.util.Locale.ROOT), completion.tokens().length);
                                if (purpose == Purpose.TRAIN) {
                                    sampledTokens.addAndGet(completion.tokens().length);
                                }
                            });
                }
            }
        }
    }

    private String conditioned(Purpose purpose, String prompt) {
        return switch (purpose) {
            case TRAIN -> LetiFormat.samplingPrompt(prompt, iteration);
            case EVAL_GOOD -> LetiFormat.GOOD + prompt;
            case EVAL_BAD -> LetiFormat.BAD + prompt;
            case EVAL_PLAIN -> prompt;
            case EVAL_BAD_EMPTY -> LetiFormat.BAD + LetiFormat.FEEDBACK_OPEN + LetiFormat.FEEDBACK_CLOSE + prompt;
        };
    }


    private boolean raw() {
        return IterationPlan.RAW.equals(request.trainingText());
    }

    private String mode() {
        return request.mode().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private void publish(Purpose purpose, Task task, int index, String completion) {
        if (purpose == Purpose.TRAIN && firstPublished == 0) {
            firstPublished = System.nanoTime();
        }
        sink.candidate(new CandidateProgram(CandidateProgram.idOf(id, iteration, purpose, task.taskId(), index), id, iteration,
                purpose, task.taskId(), index, task.prompt(), completion, task.tests(), List.copyOf(task.entryPoints()),
                request.timeoutSeconds()));
        if (purpose == Purpose.TRAIN) {
            metrics.inFlight(sampled.incrementAndGet() - trainingResults.size());
        }
    }

    /**
     * pass@1 on the held-out tasks after {@code <|good|>}, after {@code <|bad|>} and unconditioned; for textual runs
     * also after {@code <|bad|>} with an empty feedback span ({@code bad_empty}), the in-distribution form of
     * {@code <|bad|>} for a model that always saw a span after it.
     */
    private void evaluate(LoadedModel model, int after) throws Exception {
        iteration = after;
        int samples = request.evaluationSamples();
        List<Purpose> conditions = request.mode() == FeedbackMode.TEXTUAL
                ? List.of(Purpose.EVAL_GOOD, Purpose.EVAL_BAD, Purpose.EVAL_PLAIN, Purpose.EVAL_BAD_EMPTY)
                : List.of(Purpose.EVAL_GOOD, Purpose.EVAL_BAD, Purpose.EVAL_PLAIN);
        double topP = request.evaluationTopP() == null ? 1.0 : request.evaluationTopP();
        List<String> stop = request.evaluationStopSequences() == null ? properties.stop() : request.evaluationStopSequences();
        for (Purpose condition : conditions) {
            sample(model, evaluationTasks, samples, condition, request.evaluationTemperature(), topP, stop);
        }
        sink.flush();
        long expected = (long) evaluationTasks.size() * samples * conditions.size();
        String prefix = id + "/" + after + "/";
        waitFor(() -> evaluationResults.keySet().stream().filter(key -> key.startsWith(prefix)).count() >= expected,
                "evaluation results after iteration " + after);
        Map<String, Double> passAt1 = new LinkedHashMap<>();
        Map<String, Map<String, Double>> passAtK = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> categories = new LinkedHashMap<>();
        Map<String, Map<String, Double>> scores = new LinkedHashMap<>();
        Map<String, EaeTask> extraction = new LinkedHashMap<>();
        for (Task task : evaluationTasks) {
            if (task instanceof EaeTask eae) {
                extraction.put(eae.taskId(), eae);
            }
        }
        for (Purpose condition : conditions) {
            String label = condition.name().substring("EVAL_".length()).toLowerCase(java.util.Locale.ROOT);
            Map<String, int[]> perTask = new LinkedHashMap<>();
            Map<String, Integer> failures = new TreeMap<>();
            List<EaeScore.Counts> argumentCounts = new ArrayList<>();
            for (ExecutionResult result : evaluationResults.values()) {
                if (result.iteration() != after || result.purpose() != condition || !result.runId().equals(id)) {
                    continue;
                }
                EaeTask eae = extraction.get(result.taskId());
                if (eae != null) {
                    argumentCounts.add(EaeScore.count(eae.gold(), EaeScore.extracted(result.output()), eae.authors()));
                }
                int[] counts = perTask.computeIfAbsent(result.taskId(), task -> new int[2]);
                counts[0]++;
                if (result.passed()) {
                    counts[1]++;
                } else {
                    failures.merge(result.category().tag(), 1, Integer::sum);
                }
            }
            List<PassAtK.Counts> counts = perTask.values().stream().map(c -> new PassAtK.Counts(c[0], c[1])).toList();
            Map<String, Double> ks = new LinkedHashMap<>();
            for (int k : new int[] {1, 2, 5, 10, 100}) {
                if (k == 1 || k <= samples) {
                    ks.put("pass@" + k, PassAtK.mean(counts, k));
                }
            }
            passAt1.put(label, ks.get("pass@1"));
            passAtK.put(label, ks);
            categories.put(label, failures);
            if (!argumentCounts.isEmpty()) {
                scores.put(label, EaeScore.f1(argumentCounts));
            }
        }
        if (after == 0 && probe.isEmpty()) { // chosen once, from what the base model wrote unconditioned
            probe.addAll(RewardTokenProbe.choose(evaluationResults.values().stream().filter(result -> result.iteration() == 0
                    && result.purpose() == Purpose.EVAL_PLAIN && result.runId().equals(id)).toList()));
        }
        Map<String, Double> likelihood = RewardTokenProbe.measure(model, probe, request.mode() == FeedbackMode.TEXTUAL);
        Evaluation evaluation = new Evaluation(after, gradientSteps, passAt1, passAtK, categories, scores,
                likelihood);
        evaluations.add(evaluation);
        history.evaluation(evaluation);
        metrics.rewardTokenLikelihood(id, mode(), likelihood);
        metrics.evaluation(id, mode(), after, passAt1, scores);
        log.info("run {} after iteration {} ({} gradient steps): pass@1 {}{}; reward-token likelihood {}", id, after,
                gradientSteps, passAt1, scores.isEmpty() ? "" : ", " + scores, likelihood);
    }

    /** Ends the run's thread when a stop was requested. */
    private static final class StoppedException extends RuntimeException {
        StoppedException() {
            super("stopped", null, false, false);
        }
    }
}
