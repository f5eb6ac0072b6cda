package ai.leti.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** How every LETI command line is set up: quiet library logging, enums in any case, user errors without a trace. */
public final class CommandLines {

    private CommandLines() {
    }

    /**
     * Command-line output is the report; library chatter (Kafka clients, DJL's "no CUDA" on every engine start)
     * only when {@code -Dleti.log.level} asks for it. DJL never downloads.
     */
    public static void quietLogging() {
        System.setProperty("ai.djl.offline", "true");
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.toLevel(System.getProperty("leti.log.level"), Level.WARN));
        if (System.getProperty("leti.log.level") == null) {
            ((Logger) LoggerFactory.getLogger("ai.djl")).setLevel(Level.ERROR);
        }
    }

    /** The command line of {@code root}; tests run it without exiting the JVM. */
    public static CommandLine of(Object root) {
        return new CommandLine(root)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((exception, command, parsed) -> {
                    // A user error (bad file, bad option value) gets its message, not a stack trace.
                    command.getErr().println(command.getCommandName() + ": " + exception.getMessage());
                    return 2;
                });
    }
}
