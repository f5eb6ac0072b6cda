package ai.leti.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.Topics;
import ai.leti.common.tasks.MbppTask;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.common.tasks.synthetic.SyntheticTasks;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import ai.leti.system.deploy.MonitoringQueries;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The LETI loop end to end: a real broker, and the generator, an executor and the trainer each in its own JVM
 * from its packaged jar, talking only through Kafka and the checkpoint download. A run of two iterations on a
 * few generated tasks with a tiny model goes from sampling to verdicts to fine-tuning to a swapped checkpoint
 * and held-out evaluation under the three conditions.
 */
@EmbeddedKafka(partitions = 2, topics = {Topics.CANDIDATES, Topics.RESULTS, Topics.ITERATIONS, Topics.CHECKPOINTS,
    Topics.CANDIDATES_DLT, Topics.RESULTS_DLT})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LetiLoopIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target/system-tests").toAbsolutePath();
    private static final List<Process> services = new ArrayList<>();
    private static final String TOKEN = "system-test-token-" + java.util.UUID.randomUUID();
    private static int generatorPort;
    private static int executorPort;
    private static int trainerPort;
    /** Each service's command-line arguments and its running process, so a test can kill and restart it. */
    private static final Map<String, String[]> arguments = new java.util.HashMap<>();
    private static final Map<String, Process> running = new java.util.HashMap<>();

    @BeforeAll
    static void startServices(EmbeddedKafkaBroker broker) throws Exception {
        if (Files.exists(WORK)) { // runs saved by an earlier invocation would be resumed by the generator
            try (Stream<Path> old = Files.walk(WORK)) {
                old.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        Files.createDirectories(WORK);
        SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(0);
        Path taskDir = WORK.resolve("tasks");
        new SyntheticTasks.TaskSet(tasks.pretrain(), tasks.train().subList(0, 6), tasks.heldOut().subList(0, 4)).write(taskDir);
        // The same held-out tasks in HumanEval format: evaluation reads either format.
        List<Map<String, Object>> humanEval = new ArrayList<>();
        for (MbppTask task : tasks.heldOut().subList(0, 4)) {
            String function = task.code().substring(4, task.code().indexOf('('));
            String signature = task.code().substring(0, task.code().indexOf('\n') + 1);
            humanEval.add(Map.of("task_id", task.taskId(), "prompt", signature + "    \"\"\"" + task.text() + "\"\"\"\n",
                    "canonical_solution", task.code().substring(signature.length()),
                    "test", "def check(candidate):\n" + String.join("\n", task.testList()).replace("assert " + function + "(",
                            "    assert candidate(") + "\n",
                    "entry_point", function));
        }
        Jsonl.write(taskDir.resolve("heldout-humaneval.jsonl"), humanEval);
        Path base = WORK.resolve("base");
        List<String> corpus = tasks.pretrain().stream().map(task -> task.prompt() + task.code()).toList();
        BpeTrainer.train(corpus, 320, List.of(LetiTokenizer.END_OF_TEXT), base.resolve(LetiTokenizer.FILE));
        ObjectNode config = Jsonl.MAPPER.createObjectNode();
        config.put("model_type", "llama").put("vocab_size", 324).put("hidden_size", 32).put("intermediate_size", 64)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("max_position_embeddings", 512);
        try (CausalLm model = Models.random(ModelConfig.parse(config, "test"), Device.cpu(), DataType.FLOAT32, 3)) {
            model.save(base);
        }
        String brokers = "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString();
        executorPort = freePort();
        trainerPort = freePort();
        generatorPort = freePort();
        arguments.put("executor-service", new String[] {brokers, "--server.port=" + executorPort,
            "--leti.executor.partitions=2"});
        arguments.put("trainer-service", new String[] {brokers, "--server.port=" + trainerPort,
            "--leti.trainer.store=" + WORK.resolve("store"), "--leti.trainer.public-url=http://127.0.0.1:" + trainerPort,
            "--leti.trainer.regularization-corpus=" + taskDir.resolve("pretrain.jsonl")});
        arguments.put("generator-service", new String[] {brokers, "--server.port=" + generatorPort,
            "--leti.generator.state=" + WORK.resolve("generator"), "--leti.generator.wait-timeout=5m",
            "--leti.generator.api-token=" + TOKEN});
        for (String service : arguments.keySet()) {
            start(service);
        }
        for (int port : new int[] {executorPort, trainerPort, generatorPort}) {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> get(port, "/actuator/health/readiness").contains("UP"));
        }
    }

    /** kill -9, then the same command again. */
    private static void killAndRestart(String service) throws Exception {
        running.get(service).destroyForcibly().waitFor();
        start(service);
    }

    private static void start(String service) throws IOException {
        Path jar = ROOT.resolve(service).resolve("target").resolve(service + "-0.1.0-SNAPSHOT.jar");
        assertThat(jar).as("the service is packaged before this module runs").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-jar", jar.toString()));
        command.addAll(List.of(arguments.get(service)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve(service + ".log").toFile()));
        builder.environment().put("DJL_OFFLINE", "true");
        Process process = builder.start();
        services.add(process);
        running.put(service, process);
    }

    @AfterAll
    static void stopServices() {
        services.forEach(Process::destroy);
        for (Process process : services) {
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    @Order(1)
    void runsTwoIterationsFromSamplesToCheckpointsToEvaluation() throws Exception {
        String request = request("loop");
        HttpResponse<String> created = post("/runs", request);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = Jsonl.MAPPER.readTree(created.body()).get("id").asString();
        assertThat(post("/runs/" + id + "/start", "").statusCode()).isEqualTo(202);
        assertThat(post("/runs", request).statusCode()).isEqualTo(201);
        String other = Jsonl.MAPPER.readTree(post("/runs", request).body()).get("id").asString();
        assertThat(post("/runs/" + other + "/start", "").statusCode()).as("one run holds the model").isEqualTo(409);

        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            status[0] = Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id));
            String stage = status[0].get("stage").asString();
            assertThat(stage).as(status[0].toString()).isNotIn("FAILED", "STOPPED");
            return stage.equals("DONE");
        });
        JsonNode done = status[0];
        assertThat(done.get("iteration").asInt()).isEqualTo(2);
        assertThat(done.get("sampled").asLong()).isEqualTo(6 * 2);
        assertThat(done.get("executed").asLong()).as("one verdict per candidate").isEqualTo(6 * 2);
        assertThat(done.get("checkpoint").asString()).endsWith("/checkpoints/" + id + "/2");
        JsonNode evaluations = done.get("evaluations");
        assertThat(evaluations).hasSize(3); // the base model, then after each iteration
        for (JsonNode evaluation : evaluations) {
            assertThat(evaluation.get("passAt1").properties()).extracting(Map.Entry::getKey)
                    .containsExactly("good", "bad", "plain");
        }
        assertThat(evaluations.get(2).get("gradientSteps").asLong()).isGreaterThan(evaluations.get(1).get("gradientSteps").asLong());
        assertThat(Files.exists(WORK.resolve("store").resolve(id).resolve("iteration-2").resolve("model.safetensors"))).isTrue();
    }

    /**
     * kill -9 of the generator in the middle of a run, then a new generator on the same state directory: the run
     * goes on from where it was, and the trainer trains each iteration once, on exactly one result per candidate.
     * This run evaluates on HumanEval-format tasks.
     */
    @Test
    @Order(2)
    void goesOnWhereItWasAfterTheGeneratorIsKilled() throws Exception {
        HttpResponse<String> created = post("/runs", request("restart").replace("heldout.jsonl", "heldout-humaneval.jsonl"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = Jsonl.MAPPER.readTree(created.body()).get("id").asString();
        assertThat(post("/runs/" + id + "/start", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id)).get("iteration").asInt() >= 1);
        killAndRestart("generator-service");

        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
            status[0] = Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id));
            assertThat(status[0].get("stage").asString()).as(status[0].toString()).isNotIn("FAILED", "STOPPED");
            return status[0].get("stage").asString().equals("DONE");
        });
        assertThat(status[0].get("iteration").asInt()).isEqualTo(2);
        assertThat(status[0].get("evaluations")).extracting(e -> e.get("iteration").asInt()).containsExactly(0, 1, 2);
        for (int iteration = 1; iteration <= 2; iteration++) {
            Path outcome = WORK.resolve("store").resolve(id).resolve("iteration-" + iteration).resolve("training_outcome.json");
            assertThat(Jsonl.MAPPER.readTree(Files.readString(outcome)).get("sequences").asInt())
                    .as("iteration %d trained on one result per candidate", iteration).isEqualTo(6 * 2);
        }
        String trainerLog = Files.readString(WORK.resolve("trainer-service.log"));
        for (int iteration = 1; iteration <= 2; iteration++) {
            assertThat(trainerLog.split("run " + id + " iteration " + iteration + ": checkpoint ", -1))
                    .as("iteration %d trained and announced once", iteration).hasSize(2);
        }
    }

    /**
     * Every metric the Grafana dashboards and the alert rules in {@code monitoring/} read is exported by the
     * services (scraped after the runs above, so the per-mode gauges exist).
     */
    /**
     * kill -9 of the executor during the first iteration and of the trainer during the second, each restarted at
     * once: the run finishes, and each iteration is trained on exactly the programs it sampled, one result each
     * (the digest of the trained candidate ids equals that of the plan's).
     */
    @Test
    @Order(3)
    void losesAndDoublesNothingWhenTheExecutorAndTheTrainerAreKilledMidRun() throws Exception {
        int samples = 4;
        HttpResponse<String> created = post("/runs", request("faults").replace("\"samplesPerTask\": 2", "\"samplesPerTask\": " + samples));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = Jsonl.MAPPER.readTree(created.body()).get("id").asString();
        assertThat(post("/runs/" + id + "/start", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id)).get("iteration").asInt() >= 1);
        killAndRestart("executor-service");
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id)).get("iteration").asInt() >= 2);
        killAndRestart("trainer-service");

        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
            status[0] = Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id));
            assertThat(status[0].get("stage").asString()).as(status[0].toString()).isNotIn("FAILED", "STOPPED");
            return status[0].get("stage").asString().equals("DONE");
        });
        assertThat(status[0].get("evaluations")).extracting(e -> e.get("iteration").asInt()).containsExactly(0, 1, 2);
        List<String> tasks = TaskFiles.read(WORK.resolve("tasks").resolve("train.jsonl")).values().stream().map(Task::taskId).toList();
        for (int iteration = 1; iteration <= 2; iteration++) {
            List<String> ids = new ArrayList<>();
            for (String task : tasks) {
                for (int sample = 0; sample < samples; sample++) {
                    ids.add(CandidateProgram.idOf(id, iteration, Purpose.TRAIN, task, sample));
                }
            }
            JsonNode outcome = Jsonl.MAPPER.readTree(Files.readString(
                    WORK.resolve("store").resolve(id).resolve("iteration-" + iteration).resolve("training_outcome.json")));
            assertThat(outcome.get("sequences").asInt()).as("iteration %d: one result per candidate", iteration)
                    .isEqualTo(tasks.size() * samples);
            assertThat(outcome.get("candidates").asString()).as("iteration %d trained on exactly its candidates", iteration)
                    .isEqualTo(sha256(String.join("\n", ids.stream().sorted().toList())));
        }
    }

    private static String sha256(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    @Order(4)
    void exportsEveryMetricTheDashboardsAndAlertsRead() throws Exception {
        Set<String> exported = new TreeSet<>(List.of("up", "ALERTS")); // Prometheus' own
        for (int port : new int[] {executorPort, trainerPort, generatorPort}) {
            for (String line : get(port, "/actuator/prometheus").split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    exported.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        Map<String, String> queries = new LinkedHashMap<>(MonitoringQueries.dashboardExpressions());
        queries.putAll(MonitoringQueries.ruleExpressions());
        assertThat(queries).hasSizeGreaterThan(20);
        for (Map.Entry<String, String> query : queries.entrySet()) {
            assertThat(exported).as(query.getKey() + ": " + query.getValue())
                    .containsAll(MonitoringQueries.metricNames(query.getValue()));
        }
    }

    private static String request(String name) {
        Path tasks = WORK.resolve("tasks");
        return """
                {"name": "%s", "model": "%s", "taskFile": "%s", "split": "all", "samplesPerTask": 2,
                 "temperature": 1.0, "topP": 1.0, "maxNewTokens": 24, "iterations": 2, "epochs": 1, "mode": "TEXTUAL",
                 "batchSize": 4, "learningRate": 0.001, "regularizationRatio": 1, "feedbackTokens": 40,
                 "evaluationFile": "%s", "evaluationSplit": "all", "evaluationSamples": 1,
                 "evaluationTemperature": 0.2, "evaluationEvery": 1, "timeoutSeconds": 5, "seed": 1}
                """.formatted(name, WORK.resolve("base"), tasks.resolve("train.jsonl"), tasks.resolve("heldout.jsonl"));
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + generatorPort + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
