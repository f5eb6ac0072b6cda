package ai.leti.generator.run;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.leti.Condition;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.ModelSource;
import ai.leti.common.messages.Purpose;
import ai.leti.common.runs.Evaluation;
import ai.leti.common.tasks.Task;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;

/**
 * A run's held-out evaluation after an iteration (0: the base model): samples the evaluation tasks under each
 * condition of the run's mode ({@link Condition#evaluatedFor}), waits for their verdicts, and scores them
 * ({@link EvaluationScores}: pass@k, failure categories, the task types' own scores), with the reward token's
 * likelihood probe ({@link RewardTokenProbe}) on the same checkpoint.
 */
final class Evaluator {

    private static final Logger log = LoggerFactory.getLogger(Evaluator.class);

    private final String runId;
    private final RunRequest request;
    private final List<Task> tasks;
    private final WorkDispatch dispatch;
    private final RunInbox inbox;
    private final GeneratorProperties properties;
    /** The probe set, chosen at the base model's evaluation and saved with the run. */
    private final List<RewardTokenProbe.Program> probe = Collections.synchronizedList(new ArrayList<>());

    Evaluator(String runId, RunRequest request, List<Task> tasks, WorkDispatch dispatch, RunInbox inbox,
            GeneratorProperties properties) {
        this.runId = runId;
        this.request = request;
        this.tasks = tasks;
        this.dispatch = dispatch;
        this.inbox = inbox;
        this.properties = properties;
    }

    /** The probe set so far (what a restart needs). */
    List<RewardTokenProbe.Program> probe() {
        return List.copyOf(probe);
    }

    void restoreProbe(List<RewardTokenProbe.Program> saved) {
        if (saved != null) {
            probe.addAll(saved);
        }
    }

    /**
     * The evaluation of the checkpoint of iteration {@code after}, {@code gradientSteps} into the run: sampled by the
     * fleet from {@code source}, probed here on {@code model} (the same checkpoint, loaded by the coordinator).
     */
    Evaluation evaluate(LoadedModel model, ModelSource source, int after, long gradientSteps) throws Exception {
        int samples = request.evaluationSamples();
        List<Condition> conditions = Condition.evaluatedFor(request.mode());
        double topP = request.evaluationTopP() == null ? 1.0 : request.evaluationTopP();
        List<String> stops = request.evaluationStopSequences() == null ? properties.stop() : request.evaluationStopSequences();
        for (Condition condition : conditions) {
            dispatch.dispatch(source, after, tasks, samples, Purpose.evaluating(condition), request.evaluationTemperature(), topP,
                    stops);
        }
        inbox.awaitEvaluation(runId, after, (long) tasks.size() * samples * conditions.size());
        List<ExecutionResult> results = inbox.evaluationResults(runId, after);
        EvaluationScores scores = EvaluationScores.of(tasks, results, conditions, samples);
        if (after == 0 && probe.isEmpty()) { // chosen once, from what the base model wrote unconditioned
            probe.addAll(RewardTokenProbe.choose(results.stream().filter(result -> result.purpose() == Purpose.EVAL_PLAIN)
                    .toList()));
        }
        Map<String, Double> likelihood = RewardTokenProbe.measure(model, probe(), request.mode() == FeedbackMode.TEXTUAL);
        Evaluation evaluation = new Evaluation(after, gradientSteps, scores.passAt1(), scores.passAtK(), scores.categories(),
                scores.scores(), likelihood);
        log.info("run {} after iteration {} ({} gradient steps): pass@1 {}{}; reward-token likelihood {}", runId, after,
                gradientSteps, scores.passAt1(), scores.scores().isEmpty() ? "" : ", " + scores.scores(), likelihood);
        return evaluation;
    }
}
