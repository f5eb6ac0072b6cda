package ai.leti.generator.run;

import java.util.ArrayList;
import java.util.List;

import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.ModelSource;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.tasks.Task;

/**
 * A run's sampling, as work for the sampler fleet: each task's samples in pieces of at most
 * {@code leti.generator.work-samples}, each naming the model to sample from, the prompt as the purpose conditions it
 * and the seed of the run's iteration and purpose. Work ids, candidate ids and seeds are deterministic, so an
 * iteration dispatched again after a restart asks for the same candidates, which the executors' consumers recognise.
 * The reference baseline needs no sampling: its candidates (the tasks' solutions) go out from here.
 */
final class WorkDispatch {

    private final String runId;
    private final RunRequest request;
    private final RunSink sink;
    private final int workSamples;

    WorkDispatch(String runId, RunRequest request, RunSink sink, int workSamples) {
        this.runId = runId;
        this.request = request;
        this.sink = sink;
        this.workSamples = workSamples;
    }

    /**
     * Publishes the work of sampling {@code samples} programs per task at {@code iteration} for {@code purpose} from
     * {@code model}, the prompt conditioned as the purpose says (training: bare in iteration 1, then after
     * {@code <|good|>}; evaluation: its condition's prefix); returns the work ids, all acknowledged by the broker.
     */
    List<String> dispatch(ModelSource model, int iteration, List<Task> tasks, int samples, Purpose purpose,
            double temperature, double topP, List<String> stops) {
        long seed = request.seed() * 1_000_003L + iteration * 10_007L + purpose.ordinal() * 101L;
        List<String> ids = new ArrayList<>();
        for (Task task : tasks) {
            for (int from = 0; from < samples; from += workSamples) {
                int to = Math.min(samples, from + workSamples);
                String id = SamplingWork.idOf(runId, iteration, purpose, task.taskId(), from, to);
                sink.work(new SamplingWork(id, runId, iteration, purpose, task.taskId(), task.prompt(),
                        conditioned(purpose, iteration, task.prompt()), task.tests(), List.copyOf(task.entryPoints()), from, to,
                        temperature, topP, request.maxNewTokens(), stops, seed, request.timeoutSeconds(), model));
                ids.add(id);
            }
        }
        sink.flush();
        return ids;
    }

    /** The paper's ground-truth baseline: each task's reference solution as its one training candidate. */
    void references(int iteration, List<Task> tasks) {
        for (Task task : tasks) {
            sink.candidate(new CandidateProgram(CandidateProgram.idOf(runId, iteration, Purpose.TRAIN, task.taskId(), 0), runId,
                    iteration, Purpose.TRAIN, task.taskId(), 0, task.prompt(), task.referenceCompletion(), task.tests(),
                    List.copyOf(task.entryPoints()), request.timeoutSeconds()));
        }
        sink.flush();
    }

    private static String conditioned(Purpose purpose, int iteration, String prompt) {
        return purpose == Purpose.TRAIN ? LetiFormat.samplingPrompt(prompt, iteration) : purpose.condition().prefix() + prompt;
    }
}
