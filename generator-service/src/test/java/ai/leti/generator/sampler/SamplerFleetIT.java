package ai.leti.generator.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ModelSource;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.generator.GeneratorApplication;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two samplers in one consumer group against a real (embedded) broker and a real (tiny, random) model: every piece
 * of work is sampled into exactly its candidates and reported once; the same work sampled again sends the same
 * candidates, token for token; and work that cannot be sampled goes to the dead-letter topic with its reason,
 * never sampled from another model: unreadable JSON, an invalid piece, a base model outside the data roots, and a
 * checkpoint whose files do not match its announcement. Work published before its run was withdrawn (stopped or
 * failed) is skipped; work of the same run published after it is sampled.
 */
@EmbeddedKafka(partitions = 4, topics = {Topics.SAMPLING, Topics.SAMPLING_DONE, Topics.SAMPLING_DLT, Topics.CANDIDATES})
class SamplerFleetIT {

    private static final int TASKS = 6;
    private static final int SAMPLES = 3;

    @TempDir
    static Path data;
    private static final List<ConfigurableApplicationContext> samplers = new ArrayList<>();
    private static String brokers;

    @BeforeAll
    static void startSamplers(EmbeddedKafkaBroker broker) throws Exception {
        brokers = broker.getBrokersAsString();
        Path base = data.resolve("base");
        BpeTrainer.train(List.of("def add(a, b):\n    return a + b\n", "print(add(1, 2))\n"), 280,
                List.of(LetiTokenizer.END_OF_TEXT), base.resolve(LetiTokenizer.FILE));
        ObjectNode config = Jsonl.MAPPER.createObjectNode();
        config.put("model_type", "llama").put("vocab_size", 284).put("hidden_size", 32).put("intermediate_size", 64)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("max_position_embeddings", 256);
        try (CausalLm model = Models.random(ModelConfig.parse(config, "test"), Device.cpu(), DataType.FLOAT32, 3)) {
            model.save(base);
        }
        for (String name : List.of("sampler-a", "sampler-b")) {
            samplers.add(new SpringApplicationBuilder(GeneratorApplication.class).run(
                    "--spring.kafka.bootstrap-servers=" + brokers, "--server.port=0", "--leti.generator.roles=sampler",
                    "--leti.generator.sampler-id=" + name, "--leti.generator.state=" + data.resolve(name),
                    "--leti.generator.data-roots=" + data, "--leti.generator.precision=f32",
                    "--leti.generator.sampler-poll-items=2"));
        }
    }

    @AfterAll
    static void stopSamplers() {
        samplers.forEach(ConfigurableApplicationContext::close);
    }

    private static SamplingWork work(String task, ModelSource model, int from, int to) {
        return work("fleet", task, model, from, to);
    }

    private static SamplingWork work(String run, String task, ModelSource model, int from, int to) {
        return new SamplingWork(SamplingWork.idOf(run, 1, Purpose.TRAIN, task, from, to), run, 1, Purpose.TRAIN, task,
                "def add(a, b):\n", "def add(a, b):\n", "assert add(1, 2) == 3\n", List.of("add"), from, to, 1.0, 1.0, 12,
                List.of(), 42, 5, model);
    }

    @Test
    void samplesEveryPieceIntoExactlyItsCandidatesAndDeadLettersWhatItCannotSample() throws Exception {
        ModelSource base = ModelSource.base(data.resolve("base").toString());
        List<SamplingWork> valid = new ArrayList<>();
        for (int task = 0; task < TASKS; task++) {
            valid.add(work("task-" + task, base, 0, SAMPLES));
        }
        Path elsewhere = Files.createTempDirectory("not-a-data-root");
        SamplingWork outside = work("outside", ModelSource.base(elsewhere.toString()), 0, 2);
        SamplingWork invalid = work("invalid", base, 2, 2);
        Map<String, String> wrongDigests = new TreeMap<>();
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) {
            wrongDigests.put(file, "0".repeat(64));
        }
        SamplingWork forged = work("forged", ModelSource.of(new CheckpointAnnouncement("fleet", 1,
                data.resolve("base").toUri().toString(), wrongDigests, 1, 0, 1, 0, null)), 0, 2);
        SamplingWork twice = work("twice", base, 0, SAMPLES);
        SamplingWork stale = work("gone", "stale", base, 0, SAMPLES);
        SamplingWork resumed = work("gone", "resumed", base, 0, SAMPLES);
        Observed observed = new Observed();
        try (KafkaProducer<String, String> producer = producer(); KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(Topics.CANDIDATES, Topics.SAMPLING_DONE, Topics.SAMPLING_DLT));
            for (SamplingWork piece : valid) {
                send(producer, piece);
            }
            producer.send(new ProducerRecord<>(Topics.SAMPLING, "poison", "{this is not json"));
            for (SamplingWork bad : List.of(outside, invalid, forged)) {
                send(producer, bad);
            }
            producer.flush();
            observed.pollUntil(consumer, () -> observed.reported().size() == TASKS && observed.deadLetters.size() >= 4);

            for (SamplingWork piece : valid) { // the same work again, as after a sampler was killed: idempotent
                send(producer, piece);
            }
            producer.flush();
            observed.pollUntil(consumer, () -> valid.stream().allMatch(piece -> observed.reported().getOrDefault(piece.workId(), 0) >= 2));

            // the same piece twice in one batch (published again while the first was queued): sampled and reported once
            ConfigurableApplicationContext sampler = samplers.get(0);
            sampler.getBean(WorkSampler.class).sample(List.of(twice, twice), sampler.getBean(SamplerModel.class).use(base));
            observed.pollUntil(consumer, () -> observed.reported().containsKey(twice.workId()));
            consumer.poll(Duration.ofSeconds(1)).forEach(observed::add); // all of it was sent before sample() returned

            // a stopped run: its work published before the withdrawal is skipped, work published after it (resumed) is not
            long withdrawnAt = System.currentTimeMillis();
            producer.send(new ProducerRecord<>(Topics.SAMPLING_WITHDRAWN, "gone",
                    Jsonl.MAPPER.writeValueAsString(new SamplingWithdrawal("gone", withdrawnAt, "run gone stopped"))));
            producer.flush();
            await().atMost(Duration.ofMinutes(1)).until(() -> samplers.stream()
                    .allMatch(context -> context.getBean(Withdrawals.class).known("gone")));
            // one partition, the stale piece first: were it sampled, its candidates would come before the other's report
            producer.send(new ProducerRecord<>(Topics.SAMPLING, 0, withdrawnAt - 60_000, stale.taskId(),
                    Jsonl.MAPPER.writeValueAsString(stale)));
            producer.send(new ProducerRecord<>(Topics.SAMPLING, 0, withdrawnAt + 1, resumed.taskId(),
                    Jsonl.MAPPER.writeValueAsString(resumed)));
            producer.flush();
            observed.pollUntil(consumer, () -> observed.reported().containsKey(resumed.workId()));
            consumer.poll(Duration.ofSeconds(2)).forEach(observed::add);
        }
        for (int sample = 0; sample < SAMPLES; sample++) {
            assertThat(observed.completions.remove(CandidateProgram.idOf("gone", 1, Purpose.TRAIN, "resumed", sample)))
                    .as("work published after its run's withdrawal").hasSize(1);
            assertThat(observed.completions).as("work published before its run's withdrawal")
                    .doesNotContainKey(CandidateProgram.idOf("gone", 1, Purpose.TRAIN, "stale", sample));
        }
        assertThat(samplers.stream().mapToDouble(context -> context.getBean(MeterRegistry.class)
                .counter("leti.sampler.items", "outcome", "withdrawn").count()).sum()).isEqualTo(1.0);
        Set<String> expected = new TreeSet<>();
        for (SamplingWork piece : valid) {
            for (int sample = 0; sample < SAMPLES; sample++) {
                expected.add(CandidateProgram.idOf("fleet", 1, Purpose.TRAIN, piece.taskId(), sample));
            }
        }
        Map<String, List<String>> twiceCompletions = new TreeMap<>();
        for (int sample = 0; sample < SAMPLES; sample++) {
            String id = CandidateProgram.idOf("fleet", 1, Purpose.TRAIN, "twice", sample);
            twiceCompletions.put(id, observed.completions.remove(id));
        }
        assertThat(twiceCompletions.values()).as("a piece twice in one batch: each candidate once")
                .allSatisfy(texts -> assertThat(texts).hasSize(1));
        assertThat(observed.completions.keySet()).as("exactly the valid pieces' candidates, nothing of the others")
                .isEqualTo(expected);
        observed.completions.forEach((id, texts) -> assertThat(texts).as(id + ", sampled twice").hasSizeGreaterThanOrEqualTo(2)
                .allMatch(text -> text.equals(texts.get(0))));
        List<String> validIds = new ArrayList<>(valid.stream().map(SamplingWork::workId).toList());
        validIds.add(twice.workId());
        validIds.add(resumed.workId());
        assertThat(observed.reported().keySet()).containsExactlyInAnyOrderElementsOf(validIds);
        assertThat(observed.reported().get(twice.workId())).as("a piece twice in one batch: one report").isEqualTo(1);
        assertThat(observed.reports).allSatisfy(report -> assertThat(report.candidates()).isEqualTo(SAMPLES));
        Map<String, String> reasons = new TreeMap<>();
        for (ConsumerRecord<String, String> record : observed.deadLetters) {
            Header reason = record.headers().lastHeader(KafkaHeaders.DLT_EXCEPTION_MESSAGE);
            reasons.put(record.key(), reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8));
        }
        assertThat(reasons.keySet()).containsExactlyInAnyOrder("poison", "outside", "invalid", "forged");
        assertThat(reasons.get("outside")).contains("outside the data roots");
        assertThat(reasons.get("invalid")).contains("fromSample..toSample");
        assertThat(reasons.get("forged")).contains("failed verification", "sha256");
        assertThat(observed.deadLetters.stream().filter(record -> record.key().equals("poison")).findFirst().orElseThrow().value())
                .as("unreadable work goes out as it came").isEqualTo("{this is not json");
    }

    private static void send(KafkaProducer<String, String> producer, SamplingWork work) throws Exception {
        producer.send(new ProducerRecord<>(Topics.SAMPLING, work.taskId(), Jsonl.MAPPER.writeValueAsString(work)));
    }

    /** What the samplers published, as the test's consumer has read it so far. */
    private static final class Observed {
        final Map<String, List<String>> completions = new HashMap<>();
        final List<SamplingReport> reports = new ArrayList<>();
        final List<ConsumerRecord<String, String>> deadLetters = new ArrayList<>();

        /** How many reports each piece of work has had. */
        Map<String, Integer> reported() {
            Map<String, Integer> counts = new HashMap<>();
            reports.forEach(report -> counts.merge(report.workId(), 1, Integer::sum));
            return counts;
        }

        void pollUntil(KafkaConsumer<String, String> consumer, Callable<Boolean> done) {
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(this::add);
                return done.call();
            });
        }

        void add(ConsumerRecord<String, String> record) {
            switch (record.topic()) {
                case Topics.CANDIDATES -> {
                    CandidateProgram candidate = Jsonl.MAPPER.readValue(record.value(), CandidateProgram.class);
                    completions.computeIfAbsent(candidate.candidateId(), id -> new ArrayList<>()).add(candidate.completion());
                }
                case Topics.SAMPLING_DONE -> reports.add(Jsonl.MAPPER.readValue(record.value(), SamplingReport.class));
                default -> deadLetters.add(record);
            }
        }
    }

    private static KafkaProducer<String, String> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return new KafkaProducer<>(properties);
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "sampler-fleet-it");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(properties);
    }
}
