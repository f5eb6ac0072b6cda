package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.common.json.Jsonl;
import ai.leti.common.leti.LetiFormat;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.StopSequences;
import ai.leti.model.tokenizer.LetiTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Samples completions for every task of a task file and writes them human-eval style ({@code task_id},
 * {@code completion} per line), ready for {@code ./leti evaluate}: a checkpoint's pass@k without the services.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Samples completions for a task file's tasks into a samples JSONL file (for ./leti evaluate).")
public final class GenerateCommand implements Callable<Integer> {

    /** What the prompt is prefixed with: LETI's reward tokens, or nothing. */
    enum Condition { PLAIN, GOOD, BAD }

    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--tasks", required = true, description = "MBPP- or HumanEval-format task file.")
    Path tasks;

    @Option(names = "--out", required = true, description = "Samples file to write (JSONL).")
    Path out;

    @Option(names = "--samples", defaultValue = "1", description = "Samples per task (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--condition", defaultValue = "plain", description = "plain, good or bad (default: ${DEFAULT-VALUE}).")
    Condition condition;

    @Option(names = "--temperature", defaultValue = "0.2", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.95", description = "(default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--batch", defaultValue = "64", description = "Sequences sampled together (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--stop", description = "Stop sequence (repeatable; default: the generator's).")
    List<String> stops = new ArrayList<>(List.of("\nassert", "\n\"\"\"", "\nif __name__", "\nprint("));

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", defaultValue = "bf16",
            description = "bf16: Llama-family and CodeGen models sample on a BF16 decode kernel; f32: float32 throughout (default: ${DEFAULT-VALUE}).")
    Precision precision;

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
        List<Map<String, Object>> rows = new ArrayList<>();
        long started = System.nanoTime();
        try (LetiTokenizer tokenizer = LetiTokenizer.open(model);
             CausalLm lm = Models.load(model, Device.fromName(device), DataType.FLOAT32, tokenizer);
             Sampler sampler = new Sampler(lm, tokenizer.endOfText())) {
            StopSequences stop = new StopSequences(stops);
            for (int start = 0; start < items.size(); start += batch) {
                List<Task> chunk = items.subList(start, Math.min(items.size(), start + batch));
                List<int[]> prompts = chunk.stream().map(task -> tokenizer.encode(prefix() + task.prompt())).toList();
                String[] completions = new String[chunk.size()];
                try (Precision.Scope scope = Precision.use(precision)) {
                    sampler.generate(prompts, new SamplingSettings(temperature, topP, maxNewTokens, seed + start, true),
                            generated -> stop.indexIn(tokenizer.decode(generated)) >= 0,
                            completion -> completions[completion.index()] = stop.cut(tokenizer.decode(completion.tokens())));
                }
                for (int i = 0; i < chunk.size(); i++) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("task_id", chunk.get(i).taskId());
                    row.put("completion", completions[i]);
                    rows.add(row);
                }
                System.err.printf("\rsampled %d/%d", rows.size(), items.size());
            }
        }
        Jsonl.write(out, rows);
        System.err.printf("%nwrote %d samples (%d tasks x %d) to %s in %.1f s%n", rows.size(), all.size(), samples, out,
                (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private String prefix() {
        return switch (condition) {
            case PLAIN -> "";
            case GOOD -> LetiFormat.GOOD;
            case BAD -> LetiFormat.BAD;
        };
    }
}
