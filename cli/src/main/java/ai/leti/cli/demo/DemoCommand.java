package ai.leti.cli.demo;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.leti.cli.report.RunReport;
import ai.leti.cli.stack.BrokerOptions;
import ai.leti.cli.stack.RunClient;
import ai.leti.cli.stack.RunFollower;
import ai.leti.cli.stack.Workspace;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.runs.RunHistory;
import ai.leti.common.runs.RunStage;
import ai.leti.common.runs.RunStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./leti demo}: starts a local broker and the three services ({@link DemoStack}), unless {@code --generator}
 * names a running one, then runs LETI once per feedback mode through the generator's REST API, one run after
 * another, prints progress, keeps each run's final status and history, and writes the report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs LETI in each feedback mode through the generator's REST API and writes the report.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--generator", description = "A running generator's base URL (with --tasks, --base and its token);"
            + " default: start a local broker and the three services.")
    URI generator;

    @Option(names = "--tasks", description = "With --generator: the directory with train.jsonl and heldout.jsonl.")
    Path tasks;

    @Option(names = "--base", description = "With --generator: the base checkpoint every mode starts from.")
    Path base;

    @Option(names = "--out", description = "Run directory: logs, statuses, summary.json, report.html, plots"
            + " (default: runs/demo-<date>-<time>).")
    Path out;

    @Mixin
    BrokerOptions broker;

    @Option(names = "--samplers", defaultValue = "2", description = "Samplers beside the run coordinator; 0: the generator"
            + " samples itself (default: ${DEFAULT-VALUE}).")
    int samplers;

    @Option(names = "--quick", description = "A smaller run (two modes, two iterations).")
    boolean quick;

    @Option(names = "--task", defaultValue = "code", converter = DemoTask.Converter.class, description = "code (generated functions), eae (event argument extraction,"
            + " typed ontology) or eae-authors (the same sentences the authors' way: their verifier, greedy evaluation).")
    DemoTask task;

    @Option(names = "--modes", split = ",", converter = ModeConverter.class,
            description = "Feedback modes to run (default: textual,binary,none,reference,passing-only; quick: textual,binary).")
    List<FeedbackMode> modes;

    @Option(names = "--iterations", description = "Iterations per mode (default: 5; quick: 2).")
    Integer iterations;

    @Option(names = "--batch-order", defaultValue = IterationPlan.LENGTH, description = "length (default: similar lengths together,"
            + " shuffled: the CPU recipe's) or generation (the authors': one problem's samples side by side).")
    String batchOrder;

    @Option(names = "--training-text", defaultValue = IterationPlan.EXECUTED, description = "executed (default: samples"
            + " cut at stop sequences, texts end with end-of-text) or raw (the authors': raw generations, no end-of-text).")
    String trainingText;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--token-file", description = "File holding the generator's API token "
            + "(default: $LETI_GENERATOR_API_TOKEN, else <generator state>/api-token as --token-file names it).")
    Path tokenFile;

    @Option(names = "--report-only", description = "Write the report again from the statuses saved in --out; run nothing.")
    boolean reportOnly;

    private final PrintStream log = System.err;

    /** Reads {@code --modes} by label ({@code passing-only}). */
    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<FeedbackMode> {
        @Override
        public FeedbackMode convert(String value) {
            return FeedbackMode.ofLabel(value);
        }
    }

    @Override
    public Integer call() throws Exception {
        DemoPlan preset = quick ? DemoPlan.quick(task, seed) : DemoPlan.full(task, seed);
        if (!List.of(IterationPlan.LENGTH, IterationPlan.GENERATION).contains(batchOrder)) {
            throw new IllegalArgumentException("--batch-order: length or generation, got " + batchOrder);
        }
        if (!List.of(IterationPlan.EXECUTED, IterationPlan.RAW).contains(trainingText)) {
            throw new IllegalArgumentException("--training-text: executed or raw, got " + trainingText);
        }
        DemoPlan plan = new DemoPlan(task, modes != null ? modes : preset.modes(),
                iterations != null ? iterations : preset.iterations(), preset.samplesPerTask(), preset.epochs(),
                preset.evaluationSamples(), seed, batchOrder, trainingText);
        if (reportOnly) {
            if (out == null) {
                throw new IllegalArgumentException("--report-only needs --out, the demo's run directory");
            }
            return rewriteReport(plan);
        }
        if (out == null) {
            out = Workspace.current().runs().resolve("demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            log.println("leti: run directory " + out);
        }
        Files.createDirectories(out);
        if (generator != null) {
            if (tasks == null || base == null) {
                throw new IllegalArgumentException("--generator needs --tasks and --base");
            }
            return runModes(plan, new RunClient(generator, RunClient.token(tokenFile)), generator, tasks, base);
        }
        try (DemoStack stack = DemoStack.start(Workspace.current(), out, plan, broker.port(), samplers)) {
            return runModes(plan, new RunClient(stack.generator(), stack.token()), stack.generator(), stack.tasks(), stack.base());
        }
    }

    /** One run per mode, one after another; then the report. */
    private Integer runModes(DemoPlan plan, RunClient client, URI generator, Path tasks, Path base) throws Exception {
        Map<FeedbackMode, DemoRun> finished = new LinkedHashMap<>();
        long started = System.nanoTime();
        for (FeedbackMode mode : plan.modes()) {
            String request = plan.request(mode, base, tasks);
            Files.writeString(out.resolve(mode.label() + "-request.json"), request);
            String id = client.start(request);
            log.printf("%n== %s feedback: run %s, %d iterations (%s)%n", mode.label(), id, plan.iterations(), generator.resolve("/runs/" + id));
            RunStatus status = new RunFollower(client, log).follow(id);
            Files.writeString(out.resolve(mode.label() + "-status.json"),
                    Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status));
            if (status.stage() != RunStage.DONE) {
                throw new IllegalStateException("run " + id + " (" + mode.label() + ") ended " + status.stage() + ": " + status.problem());
            }
            Path runReport = Files.createDirectories(out.resolve(mode.label()));
            Files.writeString(runReport.resolve(RunHistory.FILE), client.history(id));
            finished.put(mode, fromHistory(id, runReport));
        }
        DemoReport report = new DemoReport(out, plan, finished, (System.nanoTime() - started) / 60e9);
        report.write();
        log.printf("%n%s%nreport: %s%n", report.headline(), out.resolve("report.html").toAbsolutePath());
        return 0;
    }

    /**
     * A finished run as the report draws it: its evaluations and iterations from the history file the generator
     * kept (fetched into {@code directory}), where that run's own report is written too.
     */
    private static DemoRun fromHistory(String id, Path directory) throws java.io.IOException {
        RunHistory.Events events = RunHistory.read(directory.resolve(RunHistory.FILE));
        new RunReport(id, "", events).write(directory);
        return DemoRun.of(id, events);
    }

    /** The report again, from the histories (or, for demos older than histories, the statuses) a run directory kept. */
    private Integer rewriteReport(DemoPlan plan) throws Exception {
        Map<FeedbackMode, DemoRun> finished = new LinkedHashMap<>();
        for (FeedbackMode mode : plan.modes()) {
            Path saved = out.resolve(mode.label() + "-status.json");
            if (Files.exists(saved)) {
                RunStatus status = Jsonl.MAPPER.readValue(Files.readString(saved), RunStatus.class);
                finished.put(mode, Files.exists(out.resolve(mode.label()).resolve(RunHistory.FILE))
                        ? fromHistory(status.id(), out.resolve(mode.label()))
                        : new DemoRun(status.id(), status.evaluations(), status.timeline()));
            }
        }
        if (finished.isEmpty()) {
            throw new IllegalArgumentException("--report-only: no <mode>-status.json in " + out);
        }
        Path summary = out.resolve("summary.json");
        double minutes = Files.exists(summary) ? Jsonl.MAPPER.readTree(Files.readString(summary)).path("minutes").asDouble() : 0;
        DemoReport report = new DemoReport(out, plan, finished, minutes);
        report.write();
        log.printf("%s%nreport: %s%n", report.headline(), out.resolve("report.html").toAbsolutePath());
        return 0;
    }
}
