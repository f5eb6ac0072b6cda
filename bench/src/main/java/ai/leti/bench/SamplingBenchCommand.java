package ai.leti.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.leti.cli.demo.DemoBase;
import ai.leti.cli.demo.DemoTask;
import ai.leti.cli.stack.Workspace;
import ai.leti.common.leti.LetiFormat;
import ai.leti.common.tasks.MbppSplit;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.model.CausalLm;
import ai.leti.model.Models;
import ai.leti.model.nn.Precision;
import ai.leti.model.sampling.Completion;
import ai.leti.model.sampling.Prompt;
import ai.leti.model.sampling.Sampler;
import ai.leti.model.sampling.SamplingSettings;
import ai.leti.model.sampling.StopRule;
import ai.leti.model.tokenizer.LetiTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./leti bench sampling}: one sampler's tokens/s with continuous batching against static batching (batches of
 * the same number of rows, each running until its longest row ends, as the generator sampled before), side by side
 * in one run, on the demo's base model at 256 new tokens, ending at end-of-text or the token limit. Two workloads:
 * the paper's, MBPP's 374 training prompts (out of the small model's domain: a long tail of lengths, a few runs to the
 * limit), and the demo's held-out tasks (in its domain: short, even lengths, where continuous batching can only
 * cost). Both modes draw the same tokens (each prompt has its own random stream), which the command checks and
 * reports.
 */
@Command(name = "sampling", mixinStandardHelpOptions = true,
        description = "Continuous against static batching: one sampler's tokens/s on a long-tailed mix of lengths.")
public final class SamplingBenchCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Checkpoint directory (default: the demo's base model, pre-trained once).")
    Path model;

    /** Where the prompts come from. */
    enum Workload { MBPP_TRAIN, DEMO_HELDOUT }

    @Option(names = "--workload", defaultValue = "MBPP_TRAIN",
            description = "MBPP_TRAIN (the paper's training prompts) or DEMO_HELDOUT (default: ${DEFAULT-VALUE}).")
    Workload workload;

    @Option(names = "--mbpp", description = "MBPP's jsonl (the launcher passes ../shared/datasets/mbpp.jsonl).")
    Path mbpp;

    @Option(names = "--tasks", description = "A task file whose prompts are sampled instead of the workload's.")
    Path tasks;

    @Option(names = "--rows", defaultValue = "32", description = "Rows sampled together (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "(default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "(default: ${DEFAULT-VALUE}, as training samples)")
    double temperature;

    @Option(names = "--precision", defaultValue = "bf16", description = "bf16 or f32 (default: ${DEFAULT-VALUE}, the generator's).")
    Precision precision;

    @Option(names = "--rounds", defaultValue = "2", description = "Rounds of each mode, alternating; the best is kept (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        Path demoTasks = Workspace.current().state().resolve("bench-sampling").resolve("tasks");
        if (model == null || tasks == null && workload == Workload.DEMO_HELDOUT) {
            Files.createDirectories(demoTasks);
            Path base = DemoBase.prepare(Workspace.current(), DemoTask.CODE, 0, demoTasks);
            model = model == null ? base : model;
        }
        List<Task> sampled;
        if (tasks != null) {
            sampled = List.copyOf(TaskFiles.read(tasks).values());
        } else if (workload == Workload.DEMO_HELDOUT) {
            tasks = demoTasks.resolve("heldout.jsonl");
            sampled = List.copyOf(TaskFiles.read(tasks).values());
        } else if (mbpp == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--mbpp is needed for MBPP_TRAIN");
        } else {
            tasks = mbpp;
            sampled = TaskFiles.read(mbpp, MbppSplit.TRAIN);
        }
        try (LetiTokenizer tokenizer = LetiTokenizer.open(model);
             CausalLm lm = Models.load(model, Device.cpu(), DataType.FLOAT32, tokenizer);
             Precision.Scope scope = Precision.use(precision);
             Sampler sampler = new Sampler(lm, tokenizer.endOfText())) {
            List<Prompt> prompts = new ArrayList<>();
            for (Task task : sampled) {
                prompts.add(new Prompt(tokenizer.encode(LetiFormat.samplingPrompt(task.prompt(), 1)),
                        Prompt.seedOf(7, prompts.size())));
            }
            SamplingSettings settings = SamplingSettings.of(temperature, 1.0, maxNewTokens, 0);
            System.out.printf("bench sampling: %s, %d prompts from %s, %d rows, temperature %s, up to %d new tokens, %s%n",
                    model, prompts.size(), tasks, rows, temperature, maxNewTokens, precision);
            sampler.generate(prompts.subList(0, Math.min(rows, prompts.size())), SamplingSettings.of(temperature, 1.0, 8, 0),
                    StopRule.NONE, completion -> { }); // warm-up: the decoder's derived weights, the kernels
            Run staticRun = null;
            Run continuousRun = null;
            for (int round = 0; round < rounds; round++) {
                staticRun = Run.best(staticRun, measure(prompts, completions -> {
                    for (int from = 0; from < prompts.size(); from += rows) {
                        sampler.generate(prompts.subList(from, Math.min(prompts.size(), from + rows)), settings, StopRule.NONE,
                                offset(completions, from));
                    }
                }));
                continuousRun = Run.best(continuousRun, measure(prompts,
                        completions -> sampler.stream(prompts, rows, settings, StopRule.NONE, () -> false, completions::add)));
            }
            report(staticRun, continuousRun);
            return 0;
        }
    }

    /** Completions of a chunk starting at {@code from}, with their index in the whole list. */
    private static Consumer<Completion> offset(List<Completion> into, int from) {
        return completion -> into.add(new Completion(from + completion.index(), completion.tokens(), completion.reason()));
    }

    /** One mode's timing and what it drew. */
    private record Run(double seconds, Map<Integer, Completion> completions) {

        long tokens() { // the end-of-text token is computed like any other
            return completions.values().stream()
                    .mapToLong(c -> c.tokens().length + (c.reason() == Completion.FinishReason.EOS ? 1 : 0)).sum();
        }

        double tokensPerSecond() {
            return tokens() / seconds;
        }

        static Run best(Run a, Run b) {
            return a == null || b.seconds < a.seconds ? b : a;
        }
    }

    private static Run measure(List<Prompt> prompts, Consumer<List<Completion>> sampling) {
        List<Completion> completions = new ArrayList<>();
        long started = System.nanoTime();
        sampling.accept(completions);
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<Integer, Completion> byIndex = new TreeMap<>();
        completions.forEach(completion -> byIndex.put(completion.index(), completion));
        if (byIndex.size() != prompts.size()) {
            throw new IllegalStateException(byIndex.size() + " completions for " + prompts.size() + " prompts");
        }
        return new Run(seconds, byIndex);
    }

    private void report(Run staticRun, Run continuousRun) {
        int[] lengths = staticRun.completions().values().stream().mapToInt(c -> c.tokens().length).sorted().toArray();
        long atLimit = Arrays.stream(lengths).filter(length -> length >= maxNewTokens).count();
        System.out.printf("completion lengths (tokens): median %d, p90 %d, max %d; %d of %d at the limit%n",
                lengths[lengths.length / 2], lengths[(int) (lengths.length * 0.9)], lengths[lengths.length - 1], atLimit,
                lengths.length);
        List<String> differences = new ArrayList<>();
        staticRun.completions().forEach((index, fromStatic) -> {
            int[] a = fromStatic.tokens();
            int[] b = continuousRun.completions().get(index).tokens();
            int first = Arrays.mismatch(a, b);
            if (first >= 0) {
                differences.add("prompt " + index + " from token " + first + " of " + a.length + "/" + b.length);
            }
        });
        System.out.printf("same completion in both modes: %d of %d%s%n", lengths.length - differences.size(), lengths.length,
                differences.isEmpty() ? "" : " (differing: " + String.join(", ", differences) + ")");
        System.out.printf("static batching: %d tokens in %.2f s, %.0f tokens/s%n", staticRun.tokens(), staticRun.seconds(),
                staticRun.tokensPerSecond());
        System.out.printf("continuous batching: %d tokens in %.2f s, %.0f tokens/s%n", continuousRun.tokens(),
                continuousRun.seconds(), continuousRun.tokensPerSecond());
        System.out.printf("continuous/static ratio: %.2f%n", continuousRun.tokensPerSecond() / staticRun.tokensPerSecond());
    }
}
