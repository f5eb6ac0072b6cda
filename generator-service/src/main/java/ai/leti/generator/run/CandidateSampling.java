package ai.leti.generator.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;

import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.Purpose;
import ai.leti.common.tasks.Task;
import ai.leti.generator.checkpoint.LoadedModel;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.metrics.GeneratorMetrics;
import ai.leti.model.sampling.Prompt;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.TextSampler;

/**
 * A run's candidates: programs sampled for its tasks (or, for the reference baseline, the tasks' reference
 * solutions) and published to the executors one by one as each row of a batch finishes. A candidate's id is
 * deterministic ({@code run/iteration/purpose/task/sample}) and so is its seed, so an iteration sampled again after
 * a restart sends the same candidates, which the executors and the trainer recognise.
 */
final class CandidateSampling {

    /** One sample to draw: the task and the sample's index among the task's samples. */
    private record Item(Task task, int index) {
    }

    private final String runId;
    private final RunRequest request;
    private final CandidateSink sink;
    private final RunInbox inbox;
    private final GeneratorProperties properties;
    private final GeneratorMetrics metrics;
    /** The current iteration's training candidates published, and the tokens sampled for them. */
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong tokens = new AtomicLong();

    CandidateSampling(String runId, RunRequest request, CandidateSink sink, RunInbox inbox, GeneratorProperties properties,
            GeneratorMetrics metrics) {
        this.runId = runId;
        this.request = request;
        this.sink = sink;
        this.inbox = inbox;
        this.properties = properties;
        this.metrics = metrics;
    }

    /** A new iteration's counts start from zero. */
    void reset() {
        published.set(0);
        tokens.set(0);
    }

    long published() {
        return published.get();
    }

    long tokens() {
        return tokens.get();
    }

    /**
     * Samples {@code samples} programs per task at {@code iteration} for {@code purpose}, the prompt conditioned as
     * the purpose says (training: bare in iteration 1, then after {@code <|good|>}; evaluation: its condition's
     * prefix), publishing each candidate as soon as its row finishes.
     */
    void sample(LoadedModel model, int iteration, List<Task> tasks, int samples, Purpose purpose, double temperature,
            double topP, List<String> stops) {
        List<Item> items = new ArrayList<>();
        for (Task task : tasks) {
            for (int s = 0; s < samples; s++) {
                items.add(new Item(task, s));
            }
        }
        long seedBase = request.seed() * 1_000_003L + iteration * 10_007L + purpose.ordinal() * 101L;
        String purposeTag = purpose.name().toLowerCase(Locale.ROOT);
        try (TextSampler<Item> sampler = new TextSampler<>(model.model(), model.tokenizer(), properties.precision(),
                properties.samplingBatch())) {
            sampler.sample(items, item -> conditioned(purpose, iteration, item.task().prompt()),
                    SamplingSettings.of(temperature, topP, request.maxNewTokens(), 0), stops, (item, index) -> seedOf(seedBase, item),
                    inbox::stopRequested, sampled -> {
                        publish(iteration, purpose, sampled.item().task(), sampled.item().index(), sampled.completion());
                        metrics.sample(purposeTag, sampled.tokens());
                        if (purpose == Purpose.TRAIN) {
                            tokens.addAndGet(sampled.tokens());
                        }
                    });
        } catch (CancellationException e) {
            throw new RunInbox.StoppedException();
        }
    }

    /** A sample's seed: its task and index only, so it does not depend on which items are sampled with it. */
    private static long seedOf(long seedBase, Item item) {
        return Prompt.seedOf(seedBase + 1_000_033L * item.task().taskId().hashCode(), item.index());
    }

    /** The paper's ground-truth baseline: each task's reference solution as its one training candidate. */
    void references(int iteration, List<Task> tasks) {
        for (Task task : tasks) {
            publish(iteration, Purpose.TRAIN, task, 0, task.referenceCompletion());
        }
    }

    /** Blocks until every candidate sent is acknowledged. */
    void flush() {
        sink.flush();
    }

    private static String conditioned(Purpose purpose, int iteration, String prompt) {
        return purpose == Purpose.TRAIN ? LetiFormat.samplingPrompt(prompt, iteration) : purpose.condition().prefix() + prompt;
    }

    private void publish(int iteration, Purpose purpose, Task task, int index, String completion) {
        if (purpose == Purpose.TRAIN) {
            inbox.published();
        }
        sink.candidate(new CandidateProgram(CandidateProgram.idOf(runId, iteration, purpose, task.taskId(), index), runId,
                iteration, purpose, task.taskId(), index, task.prompt(), completion, task.tests(),
                List.copyOf(task.entryPoints()), request.timeoutSeconds()));
        if (purpose == Purpose.TRAIN) {
            metrics.inFlight(published.incrementAndGet() - inbox.counts().executed());
        }
    }
}
