package ai.leti.model.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./leti pretrain}, {@code ./leti sample}, {@code ./leti bench model}: the model core from the shell. */
@Command(name = "leti", mixinStandardHelpOptions = true,
        subcommands = {PretrainCommand.class, SampleCommand.class, GenerateCommand.class, ModelBenchCommand.class,
            CheckpointBenchCommand.class, TasksCommand.class, Gpt2TokenizerCommand.class},
        description = "Trains, samples and benchmarks causal language models.")
public final class ModelCli {

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.toLevel(System.getProperty("leti.log.level"),
                        ch.qos.logback.classic.Level.WARN));
        // DJL warns on every engine start that it found no CUDA driver: expected on a CPU machine
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ai.djl"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new ModelCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((exception, command, parsed) -> {
                    command.getErr().println("error: " + exception.getMessage());
                    return 2;
                });
    }
}
