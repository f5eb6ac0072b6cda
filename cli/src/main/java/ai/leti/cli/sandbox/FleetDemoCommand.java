package ai.leti.cli.sandbox;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import ai.leti.cli.stack.BrokerOptions;
import ai.leti.cli.stack.KafkaClients;
import ai.leti.cli.stack.LocalStack;
import ai.leti.cli.stack.Service;
import ai.leti.cli.stack.ServiceProcess;
import ai.leti.cli.stack.Workspace;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.Topics;
import ai.leti.common.tasks.BrokenVariant;
import ai.leti.common.tasks.MbppSplit;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * Drives a running executor fleet through Kafka: publishes every MBPP reference solution of a split and a
 * broken variant of each (its {@code return} removed) as candidates, follows the results topic until every
 * candidate has its verdict, and reports verdicts, duplicates and throughput. Without {@code --bootstrap-servers}
 * it starts a local broker and two executor instances for it.
 */
@Command(name = "fleet-demo", mixinStandardHelpOptions = true,
        description = "Sends MBPP reference solutions and broken variants through a running executor fleet.")
public final class FleetDemoCommand implements Callable<Integer> {


    @Option(names = "--bootstrap-servers", description = "A running fleet's Kafka (default: start a local broker and two"
            + " executor instances).")
    String bootstrapServers;

    @Mixin
    BrokerOptions broker;

    @Option(names = "--mbpp", description = "MBPP JSONL file (default: the shared datasets' mbpp.jsonl).")
    Path mbpp;

    @Option(names = "--split", defaultValue = "TEST", description = "MBPP split: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    MbppSplit split;

    @Option(names = "--limit", description = "Use only the first N tasks of the split.")
    Integer limit;

    @Option(names = "--out", description = "Directory for summary.json (default: none).")
    Path out;

    @Option(names = "--wait-minutes", defaultValue = "15", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    int waitMinutes;

    private final PrintStream stdout = System.out;

    @Override
    public Integer call() throws Exception {
        Workspace workspace = Workspace.current();
        mbpp = mbpp != null ? mbpp : workspace.shared().resolve("datasets").resolve("mbpp.jsonl");
        if (bootstrapServers != null) {
            return drive();
        }
        out = out != null ? out : workspace.runs().resolve("fleet-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try (LocalStack stack = new LocalStack(workspace, out.resolve("logs")).withBroker(broker.port())) {
            ServiceProcess first = stack.start(Service.EXECUTOR, "executor-1", 18082, List.of(),
                    List.of("--leti.executor.instance-id=executor-1"));
            ServiceProcess second = stack.start(Service.EXECUTOR, "executor-2", 18083, List.of(),
                    List.of("--leti.executor.instance-id=executor-2"));
            LocalStack.awaitReady(first, second);
            System.err.println("leti: executors ready (metrics: " + first.url() + "/actuator/prometheus)");
            bootstrapServers = stack.bootstrapServers();
            return drive();
        }
    }

    private int drive() throws Exception {
        List<Task> tasks = TaskFiles.read(mbpp, split);
        if (limit != null) {
            tasks = tasks.subList(0, Math.min(limit, tasks.size()));
        }
        String runId = "fleet-" + Instant.now().toEpochMilli();
        List<CandidateProgram> candidates = new ArrayList<>();
        for (Task task : tasks) {
            String broken = BrokenVariant.withoutReturn(task.referenceCompletion());
            candidates.add(candidate(runId, task, 0, task.referenceCompletion()));
            candidates.add(candidate(runId, task, 1, broken));
        }
        stdout.printf("run %s: %d MBPP %s tasks -> %d candidates (reference + return removed) via %s%n",
                runId, tasks.size(), split.name().toLowerCase(), candidates.size(), bootstrapServers);

        Map<String, ExecutionResult> results = new HashMap<>();
        int duplicates = 0;
        long started;
        // older runs' results are skipped by run id
        try (KafkaConsumer<String, String> consumer = KafkaClients.consumer(bootstrapServers, runId, "earliest");
             KafkaProducer<String, String> producer = KafkaClients.producer(bootstrapServers)) {
            consumer.subscribe(List.of(Topics.RESULTS));
            consumer.poll(Duration.ofMillis(100)); // join the group before the first result can be written
            started = System.nanoTime();
            for (CandidateProgram candidate : candidates) {
                producer.send(new ProducerRecord<>(Topics.CANDIDATES, candidate.taskId(), Jsonl.MAPPER.writeValueAsString(candidate)));
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofMinutes(waitMinutes).toNanos();
            try (ProgressBar progress = new ProgressBarBuilder().setTaskName("verdicts").setInitialMax(candidates.size())
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).continuousUpdate().build()) {
                while (results.size() < candidates.size()) {
                    if (System.nanoTime() > deadline) {
                        stdout.printf("gave up after %d minutes with %d of %d verdicts%n", waitMinutes, results.size(), candidates.size());
                        return 1;
                    }
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        // The topic holds other runs' results too, some from older executors: only this run's count.
                        JsonNode node = Jsonl.MAPPER.readTree(record.value());
                        if (!runId.equals(node.path("runId").asString(""))) {
                            continue;
                        }
                        ExecutionResult result = Jsonl.MAPPER.treeToValue(node, ExecutionResult.class);
                        if (results.putIfAbsent(result.candidateId(), result) != null) {
                            duplicates++;
                        }
                        progress.stepTo(results.size());
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> summary = summarize(runId, candidates, results, duplicates, seconds);
        summary.forEach((key, value) -> stdout.printf("%-28s %s%n", key + ":", value));
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("summary.json"),
                    Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            stdout.println("wrote " + out.resolve("summary.json"));
        }
        return 0;
    }

    private static CandidateProgram candidate(String runId, Task task, int sample, String completion) {
        return new CandidateProgram(CandidateProgram.idOf(runId, 1, Purpose.EVAL_PLAIN, task.taskId(), sample), runId, 1,
                Purpose.EVAL_PLAIN, task.taskId(),
                sample, task.prompt(), completion, task.tests(), List.copyOf(task.entryPoints()), 0);
    }

    private static Map<String, Object> summarize(String runId, List<CandidateProgram> candidates,
            Map<String, ExecutionResult> results, int duplicates, double seconds) {
        int referencesPassed = 0;
        int brokenPassed = 0;
        Map<String, Integer> categories = new TreeMap<>();
        Map<String, Integer> perExecutor = new TreeMap<>();
        for (CandidateProgram candidate : candidates) {
            ExecutionResult result = results.get(candidate.candidateId());
            if (result.passed()) {
                if (candidate.sampleIndex() == 0) {
                    referencesPassed++;
                } else {
                    brokenPassed++;
                }
            }
            categories.merge(result.category().tag(), 1, Integer::sum);
            perExecutor.merge(result.executor(), 1, Integer::sum);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("run", runId);
        summary.put("candidates", candidates.size());
        summary.put("results", results.size());
        summary.put("duplicate results", duplicates);
        summary.put("references passed", referencesPassed + " / " + candidates.size() / 2);
        summary.put("broken variants passed", brokenPassed + " / " + candidates.size() / 2);
        summary.put("categories", categories);
        summary.put("results per executor", perExecutor);
        summary.put("seconds", Math.round(seconds * 10) / 10.0);
        summary.put("programs per second", Math.round(candidates.size() / seconds * 10) / 10.0);
        return summary;
    }
}
