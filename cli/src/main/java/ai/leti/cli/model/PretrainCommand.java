package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import ai.leti.cli.model.pretrain.Pretraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Trains a small code model and its tokenizer from local Python source (no download).")
public final class PretrainCommand implements Callable<Integer> {

    @Option(names = "--corpus", description = "Directory of Python files (e.g. the standard library).")
    Path corpus;

    @Option(names = "--tasks", description = "Or a task file (MBPP/HumanEval JSONL) whose reference programs are the corpus.")
    Path tasks;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
    Path out;

    @Option(names = "--minutes", defaultValue = "10", description = "Training time budget (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--steps", defaultValue = "0", description = "Train exactly this many steps instead (0 = by --minutes).")
    int steps;

    @Option(names = "--buggy", defaultValue = "0.1",
            description = "With --tasks: fraction of training programs given a realistic bug (default: ${DEFAULT-VALUE}).")
    double buggyFraction;

    @Option(names = "--vocab", defaultValue = "2048", description = "Tokenizer vocabulary (default: ${DEFAULT-VALUE}).")
    int vocabulary;

    @Option(names = "--layers", defaultValue = "4", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "256", description = "Hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--heads", defaultValue = "8", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--sequence", defaultValue = "256", description = "Training window in tokens (default: ${DEFAULT-VALUE}).")
    int sequence;

    @Option(names = "--batch", defaultValue = "16", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--max-corpus-mb", defaultValue = "40", description = "Read at most this much source (default: ${DEFAULT-VALUE}).")
    long maxCorpusMegabytes;

    @Override
    public Integer call() throws Exception {
        if ((corpus == null) == (tasks == null)) {
            throw new IllegalArgumentException("pretrain: give exactly one of --corpus DIR or --tasks FILE");
        }
        if (!(minutes > 0) || steps < 0 || !(buggyFraction >= 0 && buggyFraction <= 1) || vocabulary < 300 || layers < 1 || hidden < 8 || heads < 1 || sequence < 8 || batch < 1) {
            throw new IllegalArgumentException("pretrain: --minutes > 0, --steps >= 0, 0 <= --buggy <= 1, --vocab >= 300, and positive sizes are required");
        }
        new Pretraining(new Pretraining.Settings(corpus, tasks, out, minutes, steps, vocabulary, layers, hidden, heads, sequence,
                batch, learningRate, buggyFraction, seed, maxCorpusMegabytes << 20), System.out).run();
        return 0;
    }
}
