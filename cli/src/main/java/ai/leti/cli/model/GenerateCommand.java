package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.Condition;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Samples completions for every task of a task file and writes them human-eval style ({@code task_id},
 * {@code completion} per line), ready for {@code ./leti evaluate}: a checkpoint's pass@k without the services.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Samples completions for a task file's tasks into a samples JSONL file (for ./leti evaluate).")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--tasks", required = true, description = "MBPP- or HumanEval-format task file.")
    Path tasks;

    @Option(names = "--out", required = true, description = "Samples file to write (JSONL).")
    Path out;

    @Option(names = "--samples", defaultValue = "1", description = "Samples per task (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--condition", defaultValue = "plain", description = "What the prompt is prefixed with: plain (nothing), good, bad or bad_empty (<|bad|> and an"
                    + " empty feedback span) (default: ${DEFAULT-VALUE}).")
    Condition condition;

    @Option(names = "--temperature", defaultValue = "0.2", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--batch", defaultValue = "64", description = "Sequences sampled together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--stop", description = "Stop sequence (repeatable; default: the generator's).")
    List<String> stops = new ArrayList<>(List.of("\nassert", "\n\"\"\"", "\nif __name__", "\nprint("));

    @Override
    public Integer call() {
        if (samples < 1 || batch < 1) {
            throw new IllegalArgumentException("--samples and --batch must be at least 1");
        }
        List<Task> all = new ArrayList<>(TaskFiles.read(tasks).values());
        List<Task> items = new ArrayList<>();
        for (Task task : all) {
            for (int s = 0; s < samples; s++) {
                items.add(task);
            }
        }
        long started = System.nanoTime();
        String[] completions = new String[items.size()];
        List<Integer> indices = java.util.stream.IntStream.range(0, items.size()).boxed().toList();
        int[] done = new int[1];
        model.<Integer>withSampler(batch, sampler -> model.sample(sampler, indices,
                i -> condition.prefix() + items.get(i).prompt(), temperature, stops, sampled -> {
                    completions[sampled.item()] = sampled.completion();
                    System.err.printf("\rsampled %d/%d", ++done[0], items.size());
                }));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("task_id", items.get(i).taskId());
            row.put("completion", completions[i]);
            rows.add(row);
        }
        Jsonl.write(out, rows);
        System.err.printf("%nwrote %d samples (%d tasks x %d) to %s in %.1f s%n", rows.size(), all.size(), samples, out,
                (System.nanoTime() - started) / 1e9);
        return 0;
    }
}
