package ai.leti.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import ai.leti.cli.demo.DemoBase;
import ai.leti.cli.demo.DemoTask;
import ai.leti.cli.stack.BrokerOptions;
import ai.leti.cli.stack.KafkaClients;
import ai.leti.cli.stack.LocalStack;
import ai.leti.cli.stack.Service;
import ai.leti.cli.stack.ServiceProcess;
import ai.leti.cli.stack.Workspace;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.ModelSource;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./leti bench fleet}: the sampling stage of one demo iteration (its 102 training tasks, 8 samples each, at
 * the demo's settings, from its base model) through the real sampler fleet, with one sampler and then with two on
 * this machine (each sampler's torch threads its share of the cores), side by side in one run: work published to
 * the local broker, timed until the last piece is reported done. Each fleet first samples a warm-up piece per
 * sampler, so that the timing holds sampling only (loading the model at a swap is the same for both), and the fastest
 * of {@code --rounds} stages is kept (a stage of the demo's size is a few seconds, noisy on a shared machine). Then the
 * iteration-time model: the paper's iteration (374 tasks x 128 samples) at the measured rates, with 1 to 8 samplers.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Sampling stage wall time with 1 and with 2 samplers, and the iteration-time model from the rates.")
public final class FleetBenchCommand implements Callable<Integer> {

    @Option(names = "--samples", defaultValue = "8", description = "Samples per task (default: ${DEFAULT-VALUE}, the demo's).")
    int samples;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "(default: ${DEFAULT-VALUE}, the demo's)")
    int maxNewTokens;

    @Option(names = "--fleets", split = ",", defaultValue = "1,2", description = "Fleet sizes to time (default: ${DEFAULT-VALUE}).")
    List<Integer> fleets;

    @Option(names = "--rounds", defaultValue = "3", description = "Stages timed per fleet; the fastest is kept (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    BrokerOptions broker;

    /** The generator's default stop sequences (the demo samples with them). */
    private static final List<String> STOPS = List.of("\nassert", "\n\"\"\"", "\nif __name__", "\nprint(");

    @Override
    public Integer call() throws Exception {
        Workspace workspace = Workspace.current();
        Path directory = workspace.state().resolve("bench-fleet");
        Path tasks = directory.resolve("tasks");
        Files.createDirectories(tasks);
        Path base = DemoBase.prepare(workspace, DemoTask.CODE, 0, tasks);
        List<Task> training = List.copyOf(TaskFiles.read(tasks.resolve("train.jsonl")).values());
        System.out.printf("bench fleet: %d tasks x %d samples, up to %d new tokens, temperature 1.0, from %s; %d cores%n",
                training.size(), samples, maxNewTokens, base, Runtime.getRuntime().availableProcessors());
        Map<Integer, Stage> stages = new HashMap<>();
        String roots = directory.toAbsolutePath() + "," + base.getParent().toAbsolutePath();
        for (int size : fleets) {
            try (LocalStack stack = new LocalStack(workspace, directory.resolve("logs-" + size))) {
                stack.withBroker(broker.port());
                List<ServiceProcess> samplers = new ArrayList<>();
                for (int i = 1; i <= size; i++) {
                    samplers.add(stack.start(Service.GENERATOR, "sampler-" + i, Service.GENERATOR.defaultPort() + 10 + i,
                            LocalStack.samplerJvmOptions(size), LocalStack.samplerArguments(i,
                                    directory.resolve("fleet-" + size + "-sampler-" + i), roots)));
                }
                LocalStack.awaitReady(samplers.toArray(ServiceProcess[]::new));
                String run = "bench-fleet-" + size + "-" + Long.toString(System.currentTimeMillis(), 36);
                ModelSource model = ModelSource.base(base.toAbsolutePath().toString());
                stage(stack.bootstrapServers(), run + "-warmup", training.subList(0, 2 * size), model); // loads the model
                Stage stage = null;
                for (int round = 1; round <= rounds; round++) {
                    Stage timed = stage(stack.bootstrapServers(), run + "-" + round, training, model);
                    stage = stage == null || timed.seconds() < stage.seconds() ? timed : stage;
                }
                stages.put(size, stage);
                System.out.printf("%d sampler(s): sampling stage %.1f s (best of %d), %d candidates, %d tokens, %.0f tokens/s;"
                        + " shares %s%n",
                        size, stage.seconds(), rounds, stage.candidates(), stage.tokens(), stage.tokens() / stage.seconds(),
                        stage.shares());
            }
        }
        if (stages.containsKey(1) && stages.containsKey(2)) {
            System.out.printf("2 samplers / 1 sampler, sampling stage speed-up: %.2fx (2 cores shared by 2 samplers)%n",
                    stages.get(1).seconds() / stages.get(2).seconds());
        }
        if (stages.containsKey(1)) {
            model(stages.get(1));
        }
        return 0;
    }

    /** One sampling stage: the work published, then every piece's report awaited. */
    private Stage stage(String servers, String run, List<Task> tasks, ModelSource model) throws Exception {
        List<SamplingWork> work = new ArrayList<>();
        for (Task task : tasks) {
            work.add(new SamplingWork(SamplingWork.idOf(run, 1, Purpose.TRAIN, task.taskId(), 0, samples), run, 1, Purpose.TRAIN,
                    task.taskId(), task.prompt(), task.prompt(), task.tests(), List.copyOf(task.entryPoints()), 0, samples, 1.0,
                    1.0, maxNewTokens, STOPS, 7, 5, model));
        }
        Map<String, SamplingReport> reports = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(servers, "bench-" + run, "latest");
             KafkaProducer<String, String> producer = KafkaClients.producer(servers)) {
            consumer.subscribe(List.of(Topics.SAMPLING_DONE));
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.seekToEnd(consumer.assignment());
            consumer.assignment().forEach(consumer::position); // the end, fixed before anything is published
            long started = System.nanoTime();
            int partitions = producer.partitionsFor(Topics.SAMPLING).size();
            for (int i = 0; i < work.size(); i++) { // round robin over the partitions, as the coordinator sends work
                producer.send(new ProducerRecord<>(Topics.SAMPLING, i % partitions, work.get(i).taskId(),
                        Jsonl.MAPPER.writeValueAsString(work.get(i))));
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (reports.size() < work.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + reports.size() + " of " + work.size() + " pieces reported in 30 min");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    SamplingReport report = Jsonl.MAPPER.readValue(record.value(), SamplingReport.class);
                    if (report.runId().equals(run)) {
                        reports.putIfAbsent(report.workId(), report);
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Map<String, Long> shares = new java.util.TreeMap<>();
            reports.values().forEach(report -> shares.merge(report.sampler(), (long) report.candidates(), Long::sum));
            return new Stage(seconds, reports.values().stream().mapToLong(SamplingReport::candidates).sum(),
                    reports.values().stream().mapToLong(SamplingReport::tokens).sum(), shares);
        }
    }

    /** A timed sampling stage. */
    private record Stage(double seconds, long candidates, long tokens, Map<String, Long> shares) {
    }

    /**
     * The paper's iteration (374 MBPP tasks x 128 samples) at this stage's measured rate: tokens per candidate as
     * measured, each sampler on a device of its own at the single sampler's rate, the work split evenly (it is: each
     * piece one task, shared through the partitions).
     */
    private static void model(Stage one) {
        double tokensPerCandidate = (double) one.tokens() / one.candidates();
        double rate = one.tokens() / one.seconds();
        long candidates = 374L * 128;
        System.out.printf("iteration-time model, sampling stage of the paper's iteration (%d candidates, %.0f tokens each as"
                + " measured) at %.0f tokens/s per sampler:%n", candidates, tokensPerCandidate, rate);
        for (int samplers : new int[] {1, 2, 4, 8}) {
            System.out.printf("  %d sampler(s), one device each: %.0f s%n", samplers, candidates * tokensPerCandidate / rate / samplers);
        }
    }
}
