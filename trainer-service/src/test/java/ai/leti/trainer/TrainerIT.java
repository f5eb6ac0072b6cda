package ai.leti.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.Topics;
import ai.leti.common.tasks.ProgramFingerprints;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.model.training.AdamW;
import tools.jackson.databind.node.ObjectNode;

/**
 * The trainer against a real (embedded) broker: it collects an iteration's results (duplicates and evaluation
 * samples ignored), fine-tunes real weights, serves the checkpoint over HTTP with the announced digests, and
 * after a restart in the middle of the next iteration it finishes that iteration from its journal.
 */
@EmbeddedKafka(partitions = 2, topics = {Topics.RESULTS, Topics.ITERATIONS, Topics.CHECKPOINTS})
class TrainerIT {

    private static final int SAMPLES = 12;

    @TempDir
    static Path dir;
    private static Path base;
    private static Path corpus;
    private static String brokers;

    @BeforeAll
    static void baseModel(EmbeddedKafkaBroker broker) throws Exception {
        brokers = broker.getBrokersAsString();
        corpus = Files.createDirectories(dir.resolve("corpus/pkg"));
        for (int i = 0; i < 6; i++) {
            Files.writeString(corpus.resolve("module" + i + ".py"), "def scale(values, k=" + i + "):\n"
                    + "    return [value * k for value in values]\n\n\nprint(scale([1, 2, 3]))\n");
        }
        base = dir.resolve("base");
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            corpus.add("\"\"\"\nAdd " + i + ".\nassert add(1) == " + (i + 1) + "\n\"\"\"\ndef add(x):\n    return x + " + i + "\n");
        }
        BpeTrainer.train(corpus, 300, List.of(LetiTokenizer.END_OF_TEXT), base.resolve(LetiTokenizer.FILE));
        ObjectNode json = Jsonl.MAPPER.createObjectNode();
        json.put("model_type", "llama").put("vocab_size", 300).put("hidden_size", 32).put("intermediate_size", 64)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("num_key_value_heads", 2)
                .put("max_position_embeddings", 256);
        try (CausalLm model = Models.random(ModelConfig.parse(json, "test"), Device.cpu(), DataType.FLOAT32, 1)) {
            model.save(base);
        }
    }

    private static ConfigurableApplicationContext trainer(int port) {
        return new SpringApplicationBuilder(TrainerApplication.class).run(
                "--spring.kafka.bootstrap-servers=" + brokers,
                "--server.port=" + port,
                "--leti.trainer.store=" + dir.resolve("store"),
                "--leti.trainer.data-roots=" + dir,
                "--leti.trainer.public-url=http://127.0.0.1:" + port);
    }

    private static ExecutionResult result(int iteration, int sample, Purpose purpose) {
        boolean passed = sample % 3 == 0;
        String prompt = "\"\"\"\nAdd " + sample + ".\nassert add(1) == " + (sample + 1) + "\n\"\"\"\n";
        return new ExecutionResult("it/" + iteration + "/" + purpose.name() + "/" + sample, "it", iteration, purpose,
                "t" + sample, sample, prompt, "def add(x):\n    return x + " + (passed ? sample : 0) + "\n", passed,
                passed ? ErrorCategory.NONE : ErrorCategory.ASSERTION,
                passed ? "" : "Traceback (most recent call last):\n  File \"<program>\", line 7, in <module>\nAssertionError",
                "", 1.0, "executor", false);
    }

    @Test
    void trainsAnIterationServesItsCheckpointAndFinishesTheNextAfterARestart() throws Exception {
        int port = freePort();
        try (KafkaProducer<String, String> producer = producer(); KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of(Topics.CHECKPOINTS));
            ConfigurableApplicationContext first = trainer(port);
            // One plain-code step after each LETI step, from a corpus of .py files cut into 16-token blocks.
            send(producer, Topics.ITERATIONS, "it", plan("it", 1, 0, null, 2, 1, corpus.toString(), List.of()));
            for (int sample = 0; sample < SAMPLES; sample++) {
                send(producer, Topics.RESULTS, "t" + sample, result(1, sample, Purpose.TRAIN));
                if (sample < 3) { // re-deliveries and evaluation samples change nothing
                    send(producer, Topics.RESULTS, "t" + sample, result(1, sample, Purpose.TRAIN));
                    send(producer, Topics.RESULTS, "t" + sample, result(1, sample, Purpose.EVAL_GOOD));
                }
            }
            CheckpointAnnouncement announced = awaitAnnouncement(consumer, "it", 1);
            assertThat(announced.error()).isNull();
            assertThat(announced.steps()).as("LETI and plain-code steps, one to one").isEqualTo(2 * 2 * (SAMPLES / 4));
            assertThat(announced.loss()).isFinite();
            assertThat(announced.files()).containsKeys("model.safetensors", "config.json", "tokenizer.json", AdamW.FILE);
            for (Map.Entry<String, String> file : announced.files().entrySet()) {
                byte[] body = fetch(URI.create(announced.uri() + "/" + file.getKey()));
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)))
                        .as(file.getKey()).isEqualTo(file.getValue());
            }
            assertThat(Jsonl.MAPPER.readTree(Files.readString(dir.resolve("store/it/iteration-1/digests.json")))
                    .properties()).as("hashed once, at publication").hasSize(announced.files().size());
            assertThat(fetch(URI.create(announced.uri() + "/model.safetensors")))
                    .isNotEqualTo(Files.readAllBytes(base.resolve("model.safetensors")));
            assertThat(ModelConfig.read(dir.resolve("store/it/iteration-1")).vocabSize()).as("LETI tokens added")
                    .isEqualTo(304);

            // Iteration 2: half the results, then the trainer dies; a new process gets the rest.
            // Sampled from iteration 1's checkpoint, named by its digest: the trainer continues from exactly it.
            send(producer, Topics.ITERATIONS, "it", plan("it", 2, 1, CheckpointAnnouncement.digestOf(announced.files()), 1,
                    0, null, List.of()));
            for (int sample = 0; sample < SAMPLES / 2; sample++) {
                send(producer, Topics.RESULTS, "t" + sample, result(2, sample, Purpose.TRAIN));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dir.resolve("store/it/iteration-2.journal.jsonl"))
                    && Files.readAllLines(dir.resolve("store/it/iteration-2.journal.jsonl")).size() == 1 + SAMPLES / 2);
            first.close();
            try (ConfigurableApplicationContext second = trainer(port)) {
                for (int sample = SAMPLES / 2 - 1; sample < SAMPLES; sample++) { // one overlap: a duplicate
                    send(producer, Topics.RESULTS, "t" + sample, result(2, sample, Purpose.TRAIN));
                }
                CheckpointAnnouncement next = awaitAnnouncement(consumer, "it", 2);
                assertThat(next.steps()).isEqualTo(SAMPLES / 4);
                // 12 + 3 optimizer updates, fewer only if an update was skipped for a non-finite gradient (see
                // LmTrainer): one optimizer across the run
                long optimizerSteps = Jsonl.MAPPER.readTree(fetch(URI.create(next.uri() + "/trainer_state.json")))
                        .get("step").asLong();
                assertThat(optimizerSteps).isBetween(13L, 15L);

                // A restarted generator re-sends an iteration trained already: nothing is journaled or trained again.
                send(producer, Topics.ITERATIONS, "it", plan("it", 1, 0, null, 2, 1, corpus.toString(), List.of()));
                for (int sample = 0; sample < SAMPLES; sample++) {
                    send(producer, Topics.RESULTS, "t" + sample, result(1, sample, Purpose.TRAIN));
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        assertThat(Jsonl.MAPPER.readValue(record.value(), CheckpointAnnouncement.class).iteration())
                                .as("no second checkpoint of iteration 1").isNotEqualTo(1);
                    }
                }
                assertThat(dir.resolve("store/it/iteration-1.journal.jsonl")).doesNotExist();
            }
        }
    }

    /**
     * Plans no trainer may train are refused as they arrive, with the reason, before any of their samples: a
     * regularization corpus that is a task file, one holding a reference solution of the run's tasks, none at all,
     * a checkpoint to continue from that the store does not have, and a corpus or a base model outside the
     * trainer's data roots and store (refused without reading them, and without quoting them).
     */
    @Test
    void refusesPlansItCannotTrainAndSaysWhy() throws Exception {
        Path taskFile = dir.resolve("tasks.jsonl");
        String solution = "def add(x):\n    y = x\n    y = y + 1\n    return y\n";
        Files.writeString(taskFile, Jsonl.MAPPER.writeValueAsString(Map.of("task_id", 1, "text", "Add one.",
                "code", solution, "test_list", List.of("assert add(1) == 2"))) + "\n");
        Path leaky = dir.resolve("leaky.jsonl");
        Files.writeString(leaky, Jsonl.MAPPER.writeValueAsString(Map.of("content", "import os\n\n" + solution
                + "\nprint(add(2))\n")) + "\n");
        List<String> excluded = List.of(ProgramFingerprints.of(solution));
        int port = freePort();
        try (KafkaProducer<String, String> producer = producer(); KafkaConsumer<String, String> consumer = consumer();
             ConfigurableApplicationContext trainer = trainer(port)) {
            consumer.subscribe(List.of(Topics.CHECKPOINTS));
            send(producer, Topics.ITERATIONS, "task-file", plan("task-file", 1, 0, null, 1, 1, taskFile.toString(), excluded));
            send(producer, Topics.ITERATIONS, "leaky", plan("leaky", 1, 0, null, 1, 1, leaky.toString(), excluded));
            send(producer, Topics.ITERATIONS, "none", plan("none", 1, 0, null, 1, 1, null, excluded));
            send(producer, Topics.ITERATIONS, "lost", plan("lost", 4, 3, "0".repeat(64), 1, 0, null, excluded));
            send(producer, Topics.ITERATIONS, "outside", plan("outside", 1, 0, null, 1, 1, "/etc/passwd", excluded));
            send(producer, Topics.ITERATIONS, "climbs", plan("climbs", 1, 0, null, 1, 1, dir + "/../../etc", excluded));
            IterationPlan foreignBase = plan("foreign-base", 1, 0, null, 1, 0, null, excluded);
            send(producer, Topics.ITERATIONS, "foreign-base", new IterationPlan(foreignBase.runId(), 1, foreignBase.mode(),
                    "/proc/self", 0, null, SAMPLES, 1, 4, 1e-3, 0, null, 16, excluded, 16, IterationPlan.GENERATION,
                    IterationPlan.EXECUTED));
            assertThat(awaitAnnouncement(consumer, "task-file", 1).error()).contains("is a task file", "\"task_id\"");
            assertThat(awaitAnnouncement(consumer, "leaky", 1).error())
                    .contains("contains 1 reference solution(s) of the run's task or evaluation files", "ground truth");
            assertThat(awaitAnnouncement(consumer, "none", 1).error()).contains("names no regularization corpus");
            assertThat(awaitAnnouncement(consumer, "lost", 4).error())
                    .contains("sampled from iteration 3's checkpoint", "break the run's lineage");
            assertThat(awaitAnnouncement(consumer, "outside", 1).error())
                    .contains("/etc/passwd is outside the directories this service reads", dir.toString())
                    .doesNotContain("root:");
            assertThat(awaitAnnouncement(consumer, "climbs", 1).error()).contains("is outside the directories");
            assertThat(awaitAnnouncement(consumer, "foreign-base", 1).error())
                    .contains("the base model /proc/self is outside the directories this service reads");
        }
    }

    @Test
    void refusesToStartOnAnInvalidSettingAndNamesIt() {
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> new SpringApplicationBuilder(
                TrainerApplication.class).run("--spring.kafka.bootstrap-servers=" + brokers, "--server.port=0",
                        "--leti.trainer.store=" + dir.resolve("store"), "--leti.trainer.public-url= "));
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        assertThat(messages.toString()).contains("leti.trainer").contains("publicUrl");
    }

    private static IterationPlan plan(String run, int iteration, int sampledFrom, String digest, int epochs,
            int regularization, String corpus, List<String> excluded) {
        return new IterationPlan(run, iteration, FeedbackMode.TEXTUAL, base.toString(), sampledFrom, digest, SAMPLES,
                epochs, 4, 1e-3, regularization, corpus, 16, excluded, 16, IterationPlan.GENERATION, IterationPlan.EXECUTED);
    }

    private static final Map<String, CheckpointAnnouncement> SEEN = new java.util.concurrent.ConcurrentHashMap<>();

    private static CheckpointAnnouncement awaitAnnouncement(KafkaConsumer<String, String> consumer, String run,
            int iteration) {
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                CheckpointAnnouncement announcement = Jsonl.MAPPER.readValue(record.value(), CheckpointAnnouncement.class);
                SEEN.put(announcement.runId() + "/" + announcement.iteration(), announcement);
            }
            return SEEN.containsKey(run + "/" + iteration);
        });
        return SEEN.remove(run + "/" + iteration);
    }

    private static byte[] fetch(URI uri) throws Exception {
        HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
        return response.body();
    }

    private static void send(KafkaProducer<String, String> producer, String topic, String key, Object value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, Jsonl.MAPPER.writeValueAsString(value))).get();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
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
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "trainer-test");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return new KafkaConsumer<>(properties);
    }
}
