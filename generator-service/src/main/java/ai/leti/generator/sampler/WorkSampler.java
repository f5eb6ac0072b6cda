package ai.leti.generator.sampler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;
import ai.leti.model.sampling.Prompt;
import ai.leti.model.sampling.SamplingSettings;

/**
 * Samples pieces of work that name the same model, all through one continuous batch where their settings agree,
 * and publishes each candidate as soon as its row finishes. A sample's candidate id and random stream depend on its
 * run, iteration, purpose, task and index only ({@link #seedOf}), so the same work sampled again, here or by
 * another sampler, sends the same candidates. Once every candidate is acknowledged, each piece's report goes out.
 * A piece that comes twice in one batch (published again while the first was still queued) is sampled and reported
 * once: a report counts its own piece's candidates, never a duplicate's.
 */
@Component
@Roles.Sampler
class WorkSampler {

    private static final long SEND_TIMEOUT_SECONDS = 60;

    /** One sample to draw: a piece of work and the sample's index among its task's samples. */
    record Sample(SamplingWork work, int index) {
    }

    /** What sampling settings pieces of work share, so that they can share a batch. */
    private record Settings(double temperature, double topP, int maxNewTokens, List<String> stops) {
        static Settings of(SamplingWork work) {
            return new Settings(work.temperature(), work.topP(), work.maxNewTokens(), work.stops());
        }
    }

    private final KafkaTemplate<String, Object> kafka;
    private final SamplerMetrics metrics;
    private final String samplerId;

    WorkSampler(KafkaTemplate<String, Object> kafka, SamplerMetrics metrics, GeneratorProperties properties) {
        this.kafka = kafka;
        this.metrics = metrics;
        this.samplerId = properties.samplerId();
    }

    /** A sample's random stream: its task and index only, whoever samples it and with whatever batch-mates. */
    static long seedOf(SamplingWork work, int index) {
        return Prompt.seedOf(work.seed() + 1_000_033L * work.taskId().hashCode(), index);
    }

    void sample(List<SamplingWork> batch, SamplerModel.Loaded model) throws Exception {
        long started = System.nanoTime();
        Map<String, SamplingWork> distinct = new LinkedHashMap<>();
        batch.forEach(work -> distinct.putIfAbsent(work.workId(), work));
        List<SamplingWork> works = List.copyOf(distinct.values());
        Map<String, int[]> candidates = new LinkedHashMap<>(); // per work id: candidates, tokens
        works.forEach(work -> candidates.put(work.workId(), new int[2]));
        List<CompletableFuture<?>> sends = new ArrayList<>();
        Map<Settings, List<Sample>> bySettings = new LinkedHashMap<>();
        for (SamplingWork work : works) {
            List<Sample> samples = bySettings.computeIfAbsent(Settings.of(work), settings -> new ArrayList<>());
            for (int index = work.fromSample(); index < work.toSample(); index++) {
                samples.add(new Sample(work, index));
            }
        }
        for (Map.Entry<Settings, List<Sample>> group : bySettings.entrySet()) {
            Settings settings = group.getKey();
            model.sampler().sample(group.getValue(), sample -> sample.work().modelPrompt(),
                    SamplingSettings.of(settings.temperature(), settings.topP(), settings.maxNewTokens(), 0), settings.stops(),
                    (sample, position) -> seedOf(sample.work(), sample.index()), () -> false, sampled -> {
                        SamplingWork work = sampled.item().work();
                        sends.add(kafka.send(Topics.CANDIDATES, work.taskId(), candidate(work, sampled.item().index(),
                                sampled.completion())));
                        int[] counts = candidates.get(work.workId());
                        counts[0]++;
                        counts[1] += sampled.tokens();
                    });
        }
        awaitAll(sends); // every candidate durable before any report says so
        double seconds = (System.nanoTime() - started) / 1e9;
        List<CompletableFuture<?>> reports = new ArrayList<>();
        long tokens = 0;
        for (SamplingWork work : works) {
            int[] counts = candidates.get(work.workId());
            tokens += counts[1];
            reports.add(kafka.send(Topics.SAMPLING_DONE, work.runId(), new SamplingReport(work.workId(), work.runId(),
                    work.iteration(), work.purpose(), samplerId, counts[0], counts[1], seconds)));
        }
        awaitAll(reports);
        metrics.sampled(works.size(), works.stream().mapToLong(SamplingWork::samples).sum(), tokens);
    }

    private static CandidateProgram candidate(SamplingWork work, int index, String completion) {
        return new CandidateProgram(CandidateProgram.idOf(work.runId(), work.iteration(), work.purpose(), work.taskId(), index),
                work.runId(), work.iteration(), work.purpose(), work.taskId(), index, work.prompt(), completion, work.tests(),
                work.entryPoints(), work.timeoutSeconds());
    }

    private void awaitAll(List<CompletableFuture<?>> sends) throws Exception {
        kafka.flush();
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
