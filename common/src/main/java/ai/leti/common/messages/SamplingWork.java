package ai.leti.common.messages;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One piece of sampling work for the sampler fleet: samples {@code fromSample..toSample-1} of one task, at one
 * iteration, for one purpose, from one model. The run coordinator publishes it (keyed by task id, round robin over the partitions); any sampler of
 * group {@code leti-samplers} may take it. It is idempotent: a sample's candidate id and its random stream
 * depend on the run, iteration, purpose, task and sample index only, so work sampled twice (a sampler killed before
 * it committed) sends the same candidates again, which the executors' consumers recognise.
 *
 * @param workId         {@link #idOf}
 * @param prompt         the task's prompt, as candidates carry it (without any reward token)
 * @param modelPrompt    the text the model continues: the prompt after the purpose's condition
 * @param tests          the task's tests, as candidates carry them
 * @param entryPoints    as {@link CandidateProgram#entryPoints()}
 * @param seed           the run's seed for this iteration and purpose; each sample's stream derives from it
 * @param stops          stop sequences (empty: to end-of-text or the token limit)
 * @param timeoutSeconds the candidates' execution limit (0: the executor's default)
 */
public record SamplingWork(
        String workId,
        String runId,
        int iteration,
        Purpose purpose,
        String taskId,
        String prompt,
        String modelPrompt,
        String tests,
        List<String> entryPoints,
        int fromSample,
        int toSample,
        double temperature,
        double topP,
        int maxNewTokens,
        List<String> stops,
        long seed,
        double timeoutSeconds,
        ModelSource model) {

    public SamplingWork {
        entryPoints = entryPoints == null ? List.of() : List.copyOf(entryPoints);
        stops = stops == null ? List.of() : List.copyOf(stops);
    }

    public static String idOf(String runId, int iteration, Purpose purpose, String taskId, int fromSample, int toSample) {
        return runId + "/" + iteration + "/" + purpose.name().toLowerCase(Locale.ROOT) + "/" + taskId + "/" + fromSample + "-"
                + toSample;
    }

    /** Samples this work asks for. */
    public int samples() {
        return toSample - fromSample;
    }

    /** What is wrong with this message, field by field; empty when it can be sampled. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (workId == null || runId == null || runId.isBlank() || taskId == null || taskId.isBlank() || purpose == null) {
            problems.add("workId, runId, taskId, purpose: must be given");
        }
        if (prompt == null || modelPrompt == null || modelPrompt.isEmpty() || tests == null || tests.isBlank()) {
            problems.add("prompt, modelPrompt, tests: must be given");
        }
        if (fromSample < 0 || toSample <= fromSample || toSample - fromSample > 4096) {
            problems.add("fromSample..toSample: must be a range of 1 to 4096 samples");
        }
        if (!(temperature >= 0) || !(topP > 0 && topP <= 1) || maxNewTokens < 1 || maxNewTokens > 8192) {
            problems.add("temperature >= 0, 0 < topP <= 1, 1 <= maxNewTokens <= 8192");
        }
        if (!(timeoutSeconds >= 0 && timeoutSeconds <= 600)) {
            problems.add("timeoutSeconds: must be within 0..600");
        }
        if (model == null) {
            problems.add("model: must be given");
        } else if (model.problem() != null) {
            problems.add(model.problem());
        }
        return problems;
    }
}
