package ai.leti.executor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./leti evaluate} and {@code ./leti bench executor}: the sandbox used from the shell, without Kafka. */
@Command(name = "leti", mixinStandardHelpOptions = true,
        subcommands = {EvaluateCommand.class, ExecutorBenchCommand.class, FleetDemoCommand.class, HostileCommand.class},
        description = "Runs programs in the LETI sandbox from the command line.")
public final class ExecutorCli {

    public static void main(String[] args) {
        // Command-line output is the report; library chatter (Kafka clients at INFO) only when asked for.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.toLevel(System.getProperty("leti.log.level"), ch.qos.logback.classic.Level.WARN));
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** The configured command line; tests run it without exiting the JVM. */
    static CommandLine commandLine() {
        return new CommandLine(new ExecutorCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((exception, command, parsed) -> {
                    // A user error (bad file, bad option value) gets its message, not a stack trace.
                    command.getErr().println("error: " + exception.getMessage());
                    return 2;
                });
    }
}
