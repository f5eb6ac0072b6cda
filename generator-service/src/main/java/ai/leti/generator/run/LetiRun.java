package ai.leti.generator.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.runs.IterationStats;
import ai.leti.common.runs.RunStage;
import ai.leti.common.runs.RunStatus;
import ai.leti.common.tasks.Task;
import ai.leti.generator.checkpoint.CheckpointFetcher;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;

/**
 * One LETI run, coordinated on a thread of its own: evaluate the base model, then per iteration announce the plan to
 * the trainer, hand the sampling of every training task to the sampler fleet (iteration 1 from the bare prompt, later
 * ones after {@code <|good|>}; each sampler streams its candidates to the executors), wait for the results, then for
 * the checkpoint, verify it and load it (for the reward-token probe; the samplers fetch and verify it themselves from
 * the announcement the work names), and evaluate on the held-out tasks under the three conditions the paper reports.
 */
public final class LetiRun implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(LetiRun.class);

    private final String id;
    private final RunRequest request;
    private final List<Task> tasks;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    private final RunInbox inbox;
    private final WorkDispatch dispatch;
    /** The current iteration's reference solutions sent (the reference baseline publishes them, no sampler does). */
    private final AtomicLong referencesPublished = new AtomicLong();
    private final CheckpointSwap swap;
    private final Evaluator evaluator;
    private final HistoryLog history;
    private final RunSink sink;
    private final List<String> excludedPrograms;
    private final RunState state;
    /** A restart found this run's samples of its iteration published already (then only its checkpoint is awaited). */
    private final boolean resumedPublished;

    /**
     * @param excludedPrograms fingerprints of every reference solution of the run's task and evaluation files: the
     *                         trainer refuses a regularization corpus that contains one
     */
    public LetiRun(String id, RunRequest request, List<Task> tasks, List<Task> evaluationTasks,
            Set<String> excludedPrograms, RunSink sink, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this(id, request, new RunState(request.model()), tasks, evaluationTasks, excludedPrograms, sink, fetcher,
                properties, metrics);
    }

    private LetiRun(String id, RunRequest request, RunState state, List<Task> tasks, List<Task> evaluationTasks,
            Set<String> excludedPrograms, RunSink sink, CheckpointFetcher fetcher, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this.id = id;
        this.state = state;
        this.resumedPublished = state.samplesPublished();
        this.request = request;
        this.tasks = tasks;
        this.excludedPrograms = List.copyOf(excludedPrograms);
        this.sink = sink;
        this.properties = properties;
        this.metrics = metrics;
        this.history = new HistoryLog(properties.state().resolve(id));
        this.inbox = new RunInbox(properties.waitTimeout());
        this.dispatch = new WorkDispatch(id, request, sink, properties.workSamples());
        this.swap = new CheckpointSwap(id, inbox, fetcher, properties, metrics, refused -> state.problem = refused);
        this.evaluator = new Evaluator(id, request, evaluationTasks, dispatch, inbox, properties);
    }

    /** A run a previous process saved; {@link #run()} goes on from where it was. */
    static LetiRun resumed(SavedRun saved, List<Task> tasks, List<Task> evaluationTasks, Set<String> excludedPrograms,
            RunSink sink, CheckpointFetcher fetcher, GeneratorProperties properties, GeneratorMetrics metrics) {
        LetiRun run = new LetiRun(saved.id(), saved.request(), RunState.of(saved), tasks, evaluationTasks, excludedPrograms,
                sink, fetcher, properties, metrics);
        run.evaluator.restoreProbe(saved.probe());
        return run;
    }

    /** Writes what a restart needs (see {@link SavedRun}). */
    private void save() {
        state.saved(id, request, evaluator.probe()).save(properties.state());
    }

    private void enter(RunStage next) {
        state.stage = next;
        save();
    }

    /** Stopped or failed: the stage saved, then the samplers told to skip the work still queued for this run. */
    private void endEarly(RunStage stage, String reason) {
        enter(stage);
        sink.withdraw(new SamplingWithdrawal(id, System.currentTimeMillis(), "run " + id + " " + reason));
    }

    public String id() {
        return id;
    }

    /** The run's history file (it may not exist before the first iteration or evaluation ends). */
    public Path historyFile() {
        return history.file();
    }

    public boolean active() {
        return state.stage.active();
    }

    public void stop() {
        inbox.stop();
    }

    public RunStatus status() {
        RunInbox.Counts counts = inbox.counts();
        return new RunStatus(id, state.stage, state.iteration, request.iterations(), published(), counts.executed(),
                counts.passed(), state.checkpoint, List.copyOf(state.evaluations), List.copyOf(state.timeline), state.problem);
    }

    /** The current iteration's training candidates published: sampled and reported, or the reference solutions sent. */
    private long published() {
        return referencesPublished.get() + inbox.sampled().candidates();
    }

    /** A result from the executors: counted for the current iteration, or kept for evaluation. */
    public void onResult(ExecutionResult result) {
        inbox.deliver(result);
        if (result.purpose() == null || !result.purpose().isEvaluation()) {
            metrics.inFlight(published() - inbox.counts().executed());
        }
    }

    /** A sampler finished a piece of this run's work. */
    public void onSampled(SamplingReport report) {
        if (inbox.deliver(report)) {
            metrics.sample(report.purpose().name().toLowerCase(Locale.ROOT), report.candidates(), report.tokens());
        }
    }

    /** A piece of this run's sampling work was dead-lettered: what the run waits for will not come. */
    public void onDeadLetter(String workId, String reason) {
        inbox.fail("sampling work " + workId + " was dead-lettered: " + reason);
    }

    public void onCheckpoint(CheckpointAnnouncement announcement) {
        inbox.deliver(announcement);
    }

    @Override
    public void run() {
        LoadedModel model = null;
        try {
            if (state.stage == RunStage.CREATED) {
                enter(RunStage.EVALUATING);
            } else {
                log.info("run {}: resuming at iteration {} ({}) from checkpoint {}", id, state.iteration, state.stage, state.checkpoint);
            }
            model = LoadedModel.load(state.completed, state.checkpoint, Path.of(state.modelPath), properties.device());
            metrics.checkpoint(state.completed);
            if (!state.evaluated) {
                evaluateIfDue(model, state.completed);
            }
            for (int next = state.completed + 1; next <= request.iterations(); next++) {
                if (inbox.stopRequested()) {
                    endEarly(RunStage.STOPPED, "stopped");
                    return;
                }
                model = iterate(model, next);
                evaluateIfDue(model, next);
            }
            enter(RunStage.DONE);
        } catch (RunInbox.StoppedException e) {
            endEarly(RunStage.STOPPED, "stopped");
        } catch (Exception e) {
            state.problem = e.getMessage();
            endEarly(RunStage.FAILED, "failed: " + e.getMessage());
            log.error("run {} failed: {}", id, e.getMessage(), e);
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    /**
     * Iteration {@code next}: the plan to the trainer, the samples to the executors, their results, then the new
     * checkpoint, fetched, verified and swapped in; returns the model every later sample comes from.
     */
    private LoadedModel iterate(LoadedModel model, int next) throws Exception {
        long started = System.nanoTime();
        long samplingEnded = started;
        boolean published = resumedPublished && next == state.iteration;
        state.iteration = next;
        inbox.startIteration(next);
        referencesPublished.set(0);
        if (!published) {
            enter(RunStage.SAMPLING);
            boolean reference = request.mode() == FeedbackMode.REFERENCE;
            int samples = reference ? 1 : request.samplesPerTask();
            // A re-sent plan (after a restart) is ignored by the trainer, as are candidates it has seen.
            // The plan names the checkpoint these samples come from: the trainer continues from exactly it.
            sink.plan(request.plan(id, next, state.checkpoint, state.completed, state.checkpointDigest,
                    tasks.size() * samples, excludedPrograms));
            inbox.published();
            if (reference) { // the paper's ground-truth baseline: no sampling
                dispatch.references(next, tasks);
                referencesPublished.set(tasks.size());
            } else { // raw (the authors'): no stop sequence, the generation runs to end-of-text or the limit
                inbox.awaitSampled(dispatch.dispatch(state.source(), next, tasks, samples, Purpose.TRAIN, request.temperature(),
                        request.topP(), request.rawText() ? List.of() : properties.stop()));
            }
            samplingEnded = System.nanoTime();
            enter(RunStage.EXECUTING);
            inbox.awaitTrainingResults((long) tasks.size() * samples);
        } else { // its samples went out before the restart; the executors and the trainer have them
            log.info("run {}: iteration {} was sampled before the restart; waiting for its checkpoint", id, next);
        }
        enter(RunStage.TRAINING);
        CheckpointSwap.Received received = swap.receive(next, state.checkpoint);
        model.close(); // every later sample comes from the new checkpoint
        CheckpointAnnouncement announcement = received.announcement();
        state.loaded(next, announcement, received.directory());
        metrics.checkpoint(next);
        if (!published) { // an interrupted iteration's stage times mean nothing
            record(next, announcement, started, samplingEnded);
        }
        return received.model();
    }

    /** The iteration's stage times and figures, into the timeline, the history and the metrics. */
    private void record(int next, CheckpointAnnouncement announcement, long started, long samplingEnded) {
        RunInbox.Counts counts = inbox.counts();
        RunInbox.Sampled sampled = inbox.sampled();
        double passRate = counts.executed() == 0 ? 0 : counts.passed() / (double) counts.executed();
        IterationStats stats = new IterationStats(next, seconds(System.nanoTime() - started),
                seconds(samplingEnded - started), seconds(counts.lastResult() - counts.firstPublished()), counts.busySeconds(),
                announcement.trainSeconds(), counts.executed(), passRate, announcement.loss(), announcement.steps(),
                sampled.samplers());
        state.timeline.add(stats);
        history.iteration(stats, sampled.tokens());
        metrics.samplePassRate(id, mode(), passRate);
    }

    /** Evaluates after the base model, every {@code evaluationEvery} iterations and after the last. */
    private void evaluateIfDue(LoadedModel model, int after) throws Exception {
        if (after == 0 || after % request.evaluationEvery() == 0 || after == request.iterations()) {
            enter(RunStage.EVALUATING);
            state.iteration = after;
            Evaluation evaluation = evaluator.evaluate(model, state.source(), after, state.gradientSteps);
            state.evaluations.add(evaluation);
            history.evaluation(evaluation);
            metrics.rewardTokenLikelihood(id, mode(), evaluation.rewardTokenLikelihood());
            metrics.evaluation(id, mode(), after, evaluation.passAt1(), evaluation.scores());
        }
        state.evaluated = true;
        save();
    }

    private String mode() {
        return request.mode().name().toLowerCase(Locale.ROOT);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
