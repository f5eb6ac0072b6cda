package ai.leti.executor.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.Topics;
import ai.leti.executor.ExecutorApplication;

/**
 * Two executor instances in one consumer group against a real (embedded KRaft) broker: every candidate gets
 * exactly one result, both instances take a share, a repeated program is answered from its first run's verdict,
 * poison messages land in the dead-letter topic, and the actuator exposes readiness and the executor's metrics.
 */
@EmbeddedKafka(partitions = 4, topics = {Topics.CANDIDATES, Topics.RESULTS, Topics.CANDIDATES_DLT})
class ExecutorFleetIT {

    private static final int TASKS = 10;
    private static final int SAMPLES_PER_TASK = 4;
    private static final List<ConfigurableApplicationContext> executors = new ArrayList<>();
    private static String brokers;

    @BeforeAll
    static void startFleet(EmbeddedKafkaBroker broker) {
        brokers = broker.getBrokersAsString();
        for (String name : List.of("executor-a", "executor-b")) {
            executors.add(new SpringApplicationBuilder(ExecutorApplication.class).run(
                    "--spring.kafka.bootstrap-servers=" + brokers,
                    "--server.port=0",
                    "--leti.executor.instance-id=" + name,
                    "--leti.executor.partitions=4",
                    "--leti.sandbox.workers=1"));
        }
        // Send only once the group has settled, so the test sees steady-state scale-out.
        await().atMost(Duration.ofSeconds(60)).until(() -> executors.stream()
                .allMatch(context -> assigned(context) == 2));
    }

    private static int assigned(ConfigurableApplicationContext context) {
        int partitions = 0;
        for (MessageListenerContainer container : context.getBean(KafkaListenerEndpointRegistry.class).getListenerContainers()) {
            partitions += container.getAssignedPartitions() == null ? 0 : container.getAssignedPartitions().size();
        }
        return partitions;
    }

    @AfterAll
    static void stopFleet() {
        executors.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void everyCandidateGetsExactlyOneResultAndPoisonGoesToTheDeadLetterTopic() throws Exception {
        List<CandidateProgram> candidates = new ArrayList<>();
        for (int task = 0; task < TASKS; task++) {
            for (int sample = 0; sample < SAMPLES_PER_TASK; sample++) {
                String taskId = "task-" + task;
                String completion = sample % 2 == 0 ? "def f(x):\n    return x + " + task + "\n"
                        : "def f(x):\n    return x - " + task + "\n";
                candidates.add(new CandidateProgram(CandidateProgram.idOf("fleet", 1, Purpose.TRAIN, taskId, sample),
                        "fleet", 1, Purpose.TRAIN, taskId, sample, "\"\"\"\nAdd " + task + ".\n\"\"\"\n", completion,
                        "\nassert f(1) == " + (1 + task) + "\n", List.of("f"), 0));
            }
        }
        try (KafkaProducer<String, String> producer = producer()) {
            for (CandidateProgram candidate : candidates) {
                producer.send(new ProducerRecord<>(Topics.CANDIDATES, candidate.taskId(),
                        Jsonl.MAPPER.writeValueAsString(candidate)));
            }
            producer.send(new ProducerRecord<>(Topics.CANDIDATES, "poison", "{this is not json"));
            CandidateProgram noTests = new CandidateProgram("fleet/1/train/x/0", "fleet", 1, Purpose.TRAIN, "x", 0, "", "pass\n", " ", null, 0);
            producer.send(new ProducerRecord<>(Topics.CANDIDATES, "x", Jsonl.MAPPER.writeValueAsString(noTests)));
            producer.flush();
        }

        Map<String, List<ExecutionResult>> results = new HashMap<>();
        List<ConsumerRecord<String, String>> deadLetters = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(Topics.RESULTS, Topics.CANDIDATES_DLT));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.topic().equals(Topics.CANDIDATES_DLT)) {
                        deadLetters.add(record);
                    } else {
                        ExecutionResult result = Jsonl.MAPPER.readValue(record.value(), ExecutionResult.class);
                        assertThat(record.key()).isEqualTo(result.taskId());
                        results.computeIfAbsent(result.candidateId(), id -> new ArrayList<>()).add(result);
                    }
                }
                return results.size() == candidates.size() && deadLetters.size() == 2;
            });
            // Nothing more arrives: no candidate is answered twice.
            for (ConsumerRecord<String, String> late : consumer.poll(Duration.ofSeconds(3))) {
                if (late.topic().equals(Topics.RESULTS)) {
                    ExecutionResult result = Jsonl.MAPPER.readValue(late.value(), ExecutionResult.class);
                    results.get(result.candidateId()).add(result);
                }
            }
        }

        assertThat(results.keySet()).isEqualTo(candidates.stream().map(CandidateProgram::candidateId).collect(Collectors.toSet()));
        assertThat(results.values()).allSatisfy(perCandidate -> assertThat(perCandidate).hasSize(1));
        for (CandidateProgram candidate : candidates) {
            ExecutionResult result = results.get(candidate.candidateId()).get(0);
            boolean shouldPass = candidate.sampleIndex() % 2 == 0 || candidate.taskId().equals("task-0");
            assertThat(result.passed()).as(candidate.candidateId()).isEqualTo(shouldPass);
            assertThat(result.category()).isEqualTo(shouldPass ? ErrorCategory.NONE : ErrorCategory.ASSERTION);
            assertThat(result.completion()).isEqualTo(candidate.completion());
            // samples 2 and 3 repeat 0 and 1; keyed by task, they reach the instance that ran those, after them
            assertThat(result.reused()).as(candidate.candidateId() + " reused").isEqualTo(candidate.sampleIndex() >= 2);
            if (result.reused()) {
                ExecutionResult first = results.get(CandidateProgram.idOf("fleet", 1, Purpose.TRAIN, candidate.taskId(),
                        candidate.sampleIndex() - 2)).get(0);
                assertThat(result.executor()).isEqualTo(first.executor());
                assertThat(result.feedback()).isEqualTo(first.feedback());
            }
        }
        Set<String> instances = new HashSet<>();
        results.values().forEach(perCandidate -> instances.add(perCandidate.get(0).executor()));
        assertThat(instances).containsExactlyInAnyOrder("executor-a", "executor-b");
        assertThat(deadLetters).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("poison", "x");
        assertThat(new String(deadLetters.stream().filter(r -> r.key().equals("x")).findFirst().orElseThrow()
                .headers().lastHeader("kafka_dlt-exception-message").value())).contains("tests: must not be blank");

        String metrics = get(executors.get(0), "/actuator/prometheus") + get(executors.get(1), "/actuator/prometheus");
        assertThat(metrics).contains("leti_executor_programs_total{", "category=\"assertion\"",
                "leti_executor_run_seconds_bucket", "leti_executor_dead_letters_total", "leti_executor_workers_live",
                "leti_executor_reused_total{");
        // 20 programs ran, 20 repeats were answered from the verdicts their first runs left
        assertThat(counted(metrics, "leti_executor_programs_total{")).isEqualTo(TASKS * SAMPLES_PER_TASK / 2.0);
        assertThat(counted(metrics, "leti_executor_reused_total{")).isEqualTo(TASKS * SAMPLES_PER_TASK / 2.0);
        assertThat(get(executors.get(0), "/actuator/health/readiness")).contains("\"UP\"");
    }

    /** The sum of every series of a counter in a Prometheus text scrape. */
    private static double counted(String scrape, String series) {
        return scrape.lines().filter(line -> line.startsWith(series))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String get(ConfigurableApplicationContext context, String path) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
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
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "fleet-test");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(properties);
    }
}
