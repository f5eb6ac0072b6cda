package ai.leti.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.cli.stack.LocalStack;
import ai.leti.cli.stack.RunClient;
import ai.leti.cli.stack.Service;
import ai.leti.cli.stack.ServiceProcess;
import ai.leti.cli.stack.Workspace;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.Purpose;
import ai.leti.common.tasks.HumanEvalTask;
import ai.leti.common.tasks.MbppTask;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.common.tasks.eae.EaeTasks;
import ai.leti.common.tasks.synthetic.SyntheticTasks;
import ai.leti.model.CausalLm;
import ai.leti.model.ModelConfig;
import ai.leti.model.Models;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The three services as separate JVMs from their packaged jars, or in their container images
 * ({@link #startInContainers}), around a broker the test provides, with a few generated tasks and a tiny model:
 * what the system tests start, kill, restart and talk to over HTTP.
 */
final class LetiSystem implements AutoCloseable {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String EXECUTOR = "executor-service";
    static final String TRAINER = "trainer-service";
    static final String GENERATOR = "generator-service";
    /** The samplers: the generator's jar (or image) in its other role, beside the generator as run coordinator. */
    static final List<String> SAMPLERS = List.of("sampler-1", "sampler-2");
    /** Training tasks per run (the first six of the generated training split). */
    static final int TASKS = 6;

    final Path work;
    /** In containers: {@code leti/<service>:0.1.0} on the host's network, the work directory mounted at its path. */
    final boolean containers;
    private final String suffix = Long.toString(System.nanoTime(), 36);
    final String token = "system-test-token-" + UUID.randomUUID();
    final int generatorPort = freePort();
    final int executorPort = freePort();
    final int trainerPort = freePort();
    final Map<String, Integer> samplerPorts = new LinkedHashMap<>();
    private final Map<String, String[]> arguments = new LinkedHashMap<>();
    private final Map<String, ServiceProcess> running = new LinkedHashMap<>();
    /** The services as processes, with the command line's own stack code (what ./leti demo starts). */
    private final LocalStack stack;

    private LetiSystem(Path work, boolean containers, String bootstrapServers) {
        this.work = work;
        this.containers = containers;
        this.stack = new LocalStack(new Workspace(ROOT, ROOT.resolveSibling("shared")), work).withBootstrapServers(bootstrapServers);
    }

    /** Writes the tasks and the base model under a fresh {@code work}, starts the services and waits until ready. */
    static LetiSystem start(Path work, String bootstrapServers) throws Exception {
        return start(work, bootstrapServers, false);
    }

    /**
     * The same, each service in its image as an operator runs it: non-root (uid 10001), a read-only root, a writable
     * {@code /tmp}, the executor under its seccomp profile; on the host's network, so the embedded broker and the
     * services' ports are where they are for processes, and the work directory mounted at the same path, so a run
     * request names the same files.
     */
    static LetiSystem startInContainers(Path work, String bootstrapServers) throws Exception {
        return start(work, bootstrapServers, true);
    }

    private static LetiSystem start(Path work, String bootstrapServers, boolean containers) throws Exception {
        if (Files.exists(work)) { // runs saved by an earlier invocation would be resumed by the generator
            try (Stream<Path> old = Files.walk(work)) {
                old.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        Files.createDirectories(work);
        LetiSystem system = new LetiSystem(work, containers, bootstrapServers);
        system.writeTasksAndBaseModel();
        if (containers) { // the services' uid writes its state and store here
            for (Path writable : List.of(work.resolve("store"), work.resolve("generator"))) {
                Files.createDirectories(writable);
                Files.setPosixFilePermissions(writable, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            }
        }
        system.arguments.put(EXECUTOR, new String[] {"--leti.executor.partitions=2"});
        system.arguments.put(TRAINER, new String[] {"--leti.trainer.store=" + work.resolve("store"),
            "--leti.trainer.data-roots=" + work, "--leti.trainer.public-url=http://127.0.0.1:" + system.trainerPort});
        // small pieces of work, taken two at a time: a sampler killed mid-iteration holds some uncommitted
        system.arguments.put(GENERATOR, new String[] {"--leti.generator.state=" + work.resolve("generator"),
            "--leti.generator.data-roots=" + work, "--leti.generator.wait-timeout=5m",
            "--leti.generator.api-token=" + system.token, "--leti.generator.roles=coordinator",
            "--leti.generator.work-samples=2"});
        for (int i = 1; i <= SAMPLERS.size(); i++) {
            String sampler = SAMPLERS.get(i - 1);
            Path state = work.resolve(sampler);
            if (containers) {
                Files.createDirectories(state);
                Files.setPosixFilePermissions(state, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
            }
            List<String> samplerArguments = new ArrayList<>(LocalStack.samplerArguments(i, state, work.toString()));
            samplerArguments.add("--leti.generator.sampler-poll-items=2");
            system.arguments.put(sampler, samplerArguments.toArray(String[]::new));
            system.samplerPorts.put(sampler, freePort());
        }
        for (String service : system.arguments.keySet()) {
            system.running.put(service, system.process(service, bootstrapServers).start());
        }
        LocalStack.awaitReady(system.running.values().toArray(ServiceProcess[]::new));
        return system;
    }

    private void writeTasksAndBaseModel() throws IOException {
        SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(0);
        Path taskDir = work.resolve("tasks");
        new SyntheticTasks.TaskSet(tasks.pretrain(), tasks.train().subList(0, TASKS), tasks.heldOut().subList(0, 4)).write(taskDir);
        // The same held-out tasks in HumanEval format: evaluation reads either format.
        List<HumanEvalTask> humanEval = new ArrayList<>();
        for (MbppTask task : tasks.heldOut().subList(0, 4)) {
            String function = task.code().substring(4, task.code().indexOf('('));
            String signature = task.code().substring(0, task.code().indexOf('\n') + 1);
            humanEval.add(new HumanEvalTask(task.taskId(), signature + "    \"\"\"" + task.text() + "\"\"\"\n",
                    task.code().substring(signature.length()),
                    "def check(candidate):\n" + String.join("\n", task.testList()).replace("assert " + function + "(",
                            "    assert candidate(") + "\n",
                    function));
        }
        TaskFiles.write(taskDir.resolve("heldout-humaneval.jsonl"), humanEval);
        EaeTasks.TaskSet extraction = EaeTasks.generate(0);
        new EaeTasks.TaskSet(extraction.pretrain(), extraction.train().subList(0, 4), extraction.heldOut().subList(0, 4))
                .write(work.resolve("eae"));
        Path base = work.resolve("base");
        List<String> corpus = tasks.pretrain().stream().map(task -> task.prompt() + task.code()).toList();
        BpeTrainer.train(corpus, 320, List.of(LetiTokenizer.END_OF_TEXT), base.resolve(LetiTokenizer.FILE));
        ObjectNode config = Jsonl.MAPPER.createObjectNode();
        config.put("model_type", "llama").put("vocab_size", 324).put("hidden_size", 32).put("intermediate_size", 64)
                .put("num_hidden_layers", 2).put("num_attention_heads", 4).put("max_position_embeddings", 512);
        try (CausalLm model = Models.random(ModelConfig.parse(config, "test"), Device.cpu(), DataType.FLOAT32, 3)) {
            model.save(base);
        }
    }

    /** The service's process: its jar through the local stack, or its image through {@code docker run}. */
    private ServiceProcess process(String service, String bootstrapServers) {
        int port = port(service);
        if (!containers) {
            List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
            if (SAMPLERS.contains(service)) {
                jvm.addAll(LocalStack.samplerJvmOptions(SAMPLERS.size()));
            }
            Service jar = SAMPLERS.contains(service) ? Service.GENERATOR
                    : Service.valueOf(service.replace("-service", "").toUpperCase(java.util.Locale.ROOT));
            return stack.prepare(jar, service, port, jvm, List.of(arguments.get(service)));
        }
        List<String> command = containerCommand(service);
        command.addAll(List.of("--server.port=" + port, "--spring.kafka.bootstrap-servers=" + bootstrapServers));
        command.addAll(List.of(arguments.get(service)));
        return new ServiceProcess(service, command, Map.of(), port, work.resolve(service + ".log"));
    }

    int port(String service) {
        return switch (service) {
            case EXECUTOR -> executorPort;
            case TRAINER -> trainerPort;
            case GENERATOR -> generatorPort;
            default -> samplerPorts.get(service);
        };
    }

    /** Runs a {@code ./leti} command (the command line's jar) to its end; returns its output. */
    String leti(String... args) throws Exception {
        Path jar = ROOT.resolve("cli").resolve("target").resolve("cli-0.1.0-SNAPSHOT-exec.jar");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dleti.root=" + ROOT, "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", command)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
        return output;
    }

    /** {@code docker run} in the foreground (its output is the service's log); the container goes when it stops. */
    private List<String> containerCommand(String service) {
        List<String> command = new ArrayList<>(List.of("docker", "run", "--rm", "--name", container(service),
                "--network", "host", "--read-only", "--tmpfs", "/tmp:exec,size=4g", "--volume", work + ":" + work,
                "--env", "JAVA_TOOL_OPTIONS=-Xmx1g", "--security-opt", "no-new-privileges"));
        if (service.equals(EXECUTOR)) { // bubblewrap's namespaces and mounts, as the pod runs it (deploy/seccomp/README.md):
            // its profile, and an unmasked /proc (Kubernetes' procMount: Unmasked) so bwrap may mount a fresh one
            command.addAll(List.of("--security-opt", "seccomp=" + ROOT.resolve("deploy/seccomp/executor.json"),
                    "--security-opt", "systempaths=unconfined", "--security-opt", "apparmor=unconfined"));
        }
        command.add(image(SAMPLERS.contains(service) ? GENERATOR : service));
        return command;
    }

    static String image(String service) {
        return "leti/" + service + ":0.1.0";
    }

    String container(String service) {
        return "leti-it-" + service + "-" + suffix;
    }

    /** kill -9 (of the container, in containers), then the same command again. */
    void killAndRestart(String service) throws Exception {
        kill(service);
        running.get(service).start();
    }

    /** kill -9 (of the container, in containers), nothing more. */
    void kill(String service) throws Exception {
        if (containers) {
            docker("kill", "--signal", "KILL", container(service));
        }
        running.get(service).kill();
        if (containers) {
            await().atMost(Duration.ofSeconds(30)) // --rm removes it; the name is free again
                    .until(() -> docker("ps", "-aq", "--filter", "name=" + container(service)).isBlank());
        }
    }

    /** Starts a killed service again with the same command and waits until it is ready. */
    void restart(String service) throws Exception {
        running.get(service).start();
        LocalStack.awaitReady(running.get(service));
    }

    /** Runs the docker CLI to its end and returns its output (whatever its exit status). */
    static String docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(60, TimeUnit.SECONDS);
        return output.strip();
    }

    /** A two-iteration textual run over the six tasks; {@code samples} per task. */
    String request(String name, int samples) {
        Path tasks = work.resolve("tasks");
        return """
                {"name": "%s", "model": "%s", "taskFile": "%s", "split": "all", "samplesPerTask": %d,
                 "temperature": 1.0, "topP": 1.0, "maxNewTokens": 24, "iterations": 2, "epochs": 1, "mode": "TEXTUAL",
                 "batchSize": 4, "learningRate": 0.001, "regularizationRatio": 1,
                 "regularizationCorpus": "%s", "regularizationBlockTokens": 48, "feedbackTokens": 40,
                 "evaluationFile": "%s", "evaluationSplit": "all", "evaluationSamples": 1,
                 "evaluationTemperature": 0.2, "evaluationEvery": 1, "timeoutSeconds": 5, "seed": 1}
                """.formatted(name, work.resolve("base"), tasks.resolve("train.jsonl"), samples,
                tasks.resolve(TaskFiles.PLAIN_CODE), tasks.resolve("heldout.jsonl"));
    }

    /** A one-iteration textual run on four event-extraction tasks (held-out: four more), 30 s per program. */
    String extractionRequest(String name) {
        Path tasks = work.resolve("eae");
        return request(name, 2).replace(work.resolve("tasks").resolve("train.jsonl").toString(), tasks.resolve("train.jsonl").toString())
                .replace(work.resolve("tasks").resolve("heldout.jsonl").toString(), tasks.resolve("heldout.jsonl").toString())
                .replace("\"iterations\": 2", "\"iterations\": 1").replace("\"maxNewTokens\": 24", "\"maxNewTokens\": 48")
                .replace("\"timeoutSeconds\": 5", "\"timeoutSeconds\": 30");
    }

    /** Creates and starts a run; returns its id. */
    String startRun(String request) throws Exception {
        return client().start(request);
    }

    /** The generator's REST API as the command line's client uses it. */
    RunClient client() {
        return new RunClient(URI.create("http://127.0.0.1:" + generatorPort), token);
    }

    JsonNode status(String id) throws Exception {
        return Jsonl.MAPPER.readTree(get(generatorPort, "/runs/" + id));
    }

    void awaitIteration(String id, int iteration) {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> status(id).get("iteration").asInt() >= iteration);
    }

    /** Waits for the run to finish (failing at once if it fails or stops) and returns its final status. */
    JsonNode awaitDone(String id) {
        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
            status[0] = status(id);
            assertThat(status[0].get("stage").asString()).as(status[0].toString()).isNotIn("FAILED", "STOPPED");
            return status[0].get("stage").asString().equals("DONE");
        });
        return status[0];
    }

    /**
     * Each iteration of the run was trained on exactly the candidates it sampled, one result each: the trainer's
     * digest of the trained candidate ids equals the digest of the ids the plan implies.
     */
    void assertTrainedOnExactlyItsCandidates(String id, int iterations, int samples) throws Exception {
        assertTrainedOnExactlyItsCandidates(id, iterations, samples, work.resolve("tasks").resolve("train.jsonl"));
    }

    void assertTrainedOnExactlyItsCandidates(String id, int iterations, int samples, Path taskFile) throws Exception {
        List<String> tasks = TaskFiles.read(taskFile).values().stream().map(Task::taskId).toList();
        for (int iteration = 1; iteration <= iterations; iteration++) {
            List<String> ids = new ArrayList<>();
            for (String task : tasks) {
                for (int sample = 0; sample < samples; sample++) {
                    ids.add(CandidateProgram.idOf(id, iteration, Purpose.TRAIN, task, sample));
                }
            }
            JsonNode outcome = outcome(id, iteration);
            assertThat(outcome.get("sequences").asInt()).as("iteration %d: one result per candidate", iteration)
                    .isEqualTo(tasks.size() * samples);
            assertThat(outcome.get("candidates").asString()).as("iteration %d trained on exactly its candidates", iteration)
                    .isEqualTo(sha256(String.join("\n", ids.stream().sorted().toList())));
        }
    }

    /** What the trainer wrote of an iteration's training ({@code training_outcome.json}). */
    JsonNode outcome(String id, int iteration) throws Exception {
        return Jsonl.MAPPER.readTree(Files.readString(
                work.resolve("store").resolve(id).resolve("iteration-" + iteration).resolve("training_outcome.json")));
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + generatorPort + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (containers) {
            for (String service : arguments.keySet()) {
                try {
                    docker("stop", "--time", "20", container(service));
                } catch (IOException e) {
                    // the container is gone already
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        running.values().forEach(ServiceProcess::close);
        stack.close();
    }
}
