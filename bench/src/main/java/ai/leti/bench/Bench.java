package ai.leti.bench;

import ai.leti.cli.CommandLines;
import picocli.CommandLine.Command;

/**
 * {@code ./leti bench executor|model|checkpoint|sampling|fleet}: each figure a ratio against a baseline measured side by side in the
 * same run. A jar of its own, so that no benchmark (nor its Python baselines) ships with a service or the command line.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks the sandbox and the model against their baselines, side by side in one run.",
        subcommands = {ExecutorBenchCommand.class, ModelBenchCommand.class, CheckpointBenchCommand.class,
            SamplingBenchCommand.class, FleetBenchCommand.class})
public final class Bench {

    public static void main(String[] args) {
        CommandLines.quietLogging();
        System.exit(CommandLines.of(new Bench()).execute(args));
    }
}
