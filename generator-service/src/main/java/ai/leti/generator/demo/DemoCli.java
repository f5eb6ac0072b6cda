package ai.leti.generator.demo;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.IterationPlan;
import ai.leti.generator.report.RunReport;
import ai.leti.generator.run.RunHistory;
import ai.leti.generator.run.RunStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The client half of {@code ./leti demo}: with the broker and the three services already up (the launcher starts
 * them), it runs LETI once per feedback mode through the generator's REST API, one run after another, prints
 * progress, keeps each run's final status and writes the report.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs LETI in each feedback mode through the generator's REST API and writes the report.")
public final class DemoCli implements Callable<Integer> {

    @Option(names = "--generator", defaultValue = "http://127.0.0.1:18081", description = "Generator base URL.")
    URI generator;

    @Option(names = "--tasks", description = "Directory with train.jsonl and heldout.jsonl.")
    Path tasks;

    @Option(names = "--base", description = "The base checkpoint every mode starts from.")
    Path base;

    @Option(names = "--out", required = true, description = "Run directory: statuses, summary.json, report.html, plots.")
    Path out;

    @Option(names = "--quick", description = "A smaller run (two modes, two iterations).")
    boolean quick;

    @Option(names = "--task", defaultValue = "code", description = "code (generated functions), eae (event argument extraction,"
            + " typed ontology) or eae-authors (the same sentences the authors' way: their verifier, greedy evaluation).")
    String task;

    @Option(names = "--modes", split = ",", description = "Feedback modes to run (default: textual,binary,none,reference,passing-only; quick: textual,binary).")
    List<String> modes;

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

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoCli()).setExecutionExceptionHandler((exception, command, parsed) -> {
            command.getErr().println("demo: " + exception.getMessage());
            return 2;
        }).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("code", "eae", "eae-authors").contains(task)) {
            throw new IllegalArgumentException("--task: code, eae or eae-authors, got " + task);
        }
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
        for (String mode : plan.modes()) {
            if (!DemoPlan.MODES.contains(mode)) {
                throw new IllegalArgumentException("--modes: unknown mode '" + mode + "' (" + String.join(", ", DemoPlan.MODES) + ")");
            }
        }
        Files.createDirectories(out);
        if (reportOnly) {
            return rewriteReport(plan);
        }
        if (tasks == null || base == null) {
            throw new IllegalArgumentException("--tasks and --base are required (unless --report-only)");
        }
        RunClient client = new RunClient(generator, RunClient.token(tokenFile));
        Map<String, RunStatus> finished = new LinkedHashMap<>();
        long started = System.nanoTime();
        for (String mode : plan.modes()) {
            String request = plan.request(mode, base, tasks);
            Files.writeString(out.resolve(mode + "-request.json"), request);
            String id = client.start(request);
            log.printf("%n== %s feedback: run %s, %d iterations (%s)%n", mode, id, plan.iterations(), generator.resolve("/runs/" + id));
            RunStatus status = follow(client, id);
            Files.writeString(out.resolve(mode + "-status.json"),
                    Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status));
            if (!status.stage().equals("DONE")) {
                throw new IllegalStateException("run " + id + " (" + mode + ") ended " + status.stage() + ": " + status.problem());
            }
            Path runReport = Files.createDirectories(out.resolve(mode));
            Files.writeString(runReport.resolve(RunHistory.FILE), client.history(id));
            finished.put(mode, fromHistory(status, runReport));
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
    private RunStatus fromHistory(RunStatus status, Path directory) throws java.io.IOException {
        RunHistory.Events events = RunHistory.read(directory.resolve(RunHistory.FILE));
        new RunReport(status.id(), "", events).write(directory);
        return new RunStatus(status.id(), status.stage(), status.iteration(), status.iterations(), status.sampled(),
                status.executed(), status.passed(), status.checkpoint(),
                events.evaluations().stream().map(RunHistory.Evaluation::evaluation).toList(),
                events.iterations().stream().map(RunHistory.Iteration::stats).toList(), status.problem());
    }

    /** The report again, from the histories (or, before there were any, the statuses) a run directory kept. */
    private Integer rewriteReport(DemoPlan plan) throws Exception {
        Map<String, RunStatus> finished = new LinkedHashMap<>();
        for (String mode : plan.modes()) {
            Path saved = out.resolve(mode + "-status.json");
            if (Files.exists(saved)) {
                RunStatus status = Jsonl.MAPPER.readValue(Files.readString(saved), RunStatus.class);
                finished.put(mode, Files.exists(out.resolve(mode).resolve(RunHistory.FILE))
                        ? fromHistory(status, out.resolve(mode)) : status);
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


    /** Polls the run until it ends, printing each stage change and each evaluation as it lands. */
    private RunStatus follow(RunClient client, String id) throws Exception {
        String shown = "";
        int evaluationsShown = 0;
        long stageStarted = System.nanoTime();
        while (true) {
            RunStatus status = client.status(id);
            String now = status.stage() + "/" + status.iteration();
            for (; evaluationsShown < status.evaluations().size(); evaluationsShown++) {
                RunStatus.Evaluation evaluation = status.evaluations().get(evaluationsShown);
                Map<String, Double> pass = evaluation.passAt1();
                log.printf("%n   held-out pass@1 after iteration %d (%d gradient steps): good %.3f  bad %.3f  plain %.3f",
                        evaluation.iteration(), evaluation.gradientSteps(), pass.get("good"), pass.get("bad"), pass.get("plain"));
                if (pass.containsKey("bad_empty")) {
                    log.printf("  bad+empty span %.3f", pass.get("bad_empty"));
                }
                if (evaluation.scores() != null && evaluation.scores().containsKey("plain")) {
                    log.printf("; argument classification F1 good %.3f  plain %.3f",
                            evaluation.scores().get("good").get("arg_classification_f1"),
                            evaluation.scores().get("plain").get("arg_classification_f1"));
                }
                Double separation = evaluation.rewardTokenLikelihood().get("separation");
                if (separation != null) {
                    log.printf("; reward-token likelihood separation %+.4f nats", separation);
                }
            }
            if (!now.equals(shown)) {
                shown = now;
                stageStarted = System.nanoTime();
                log.printf("%n   iteration %d/%d  %-10s", status.iteration(), status.iterations(), status.stage().toLowerCase());
            } else if (status.stage().equals("SAMPLING") || status.stage().equals("EXECUTING")) {
                log.printf("\r   iteration %d/%d  %-10s sampled %d  executed %d  passed %d  (%.0f s)", status.iteration(),
                        status.iterations(), status.stage().toLowerCase(), status.sampled(), status.executed(), status.passed(),
                        (System.nanoTime() - stageStarted) / 1e9);
            }
            if (List.of("DONE", "FAILED", "STOPPED").contains(status.stage())) {
                log.println();
                return status;
            }
            Thread.sleep(1000);
        }
    }
}
