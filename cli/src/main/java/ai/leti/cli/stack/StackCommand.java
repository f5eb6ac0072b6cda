package ai.leti.cli.stack;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./leti stack}: the local stack alone, for working with the services by hand: a broker, one instance of
 * each service and two samplers (the generator as run coordinator), ready, until Ctrl-C. Runs started over its REST API name files under the run directory or
 * {@code --data-root}.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Starts a local Kafka broker and the three services, waits until they are ready, and keeps them"
                + " up until interrupted.")
public final class StackCommand implements Callable<Integer> {

    @Option(names = "--out", description = "Directory for the services' state and logs (default: runs/stack-<date>-<time>).")
    Path out;

    @Option(names = "--data-root", description = "Another directory whose files runs may name (default: only --out).")
    Path dataRoot;

    @Option(names = "--samplers", defaultValue = "2", description = "Samplers beside the run coordinator; 0: the generator"
            + " samples itself (default: ${DEFAULT-VALUE}).")
    int samplers;

    @Mixin
    BrokerOptions broker;

    @Override
    public Integer call() throws Exception {
        Workspace workspace = Workspace.current();
        Path directory = (out != null ? out : workspace.runs().resolve("stack-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))).toAbsolutePath();
        String token = System.getenv("LETI_GENERATOR_API_TOKEN");
        boolean hasToken = token != null && !token.isBlank();
        String roots = directory + (dataRoot != null ? "," + dataRoot.toAbsolutePath() : "");
        try (LocalStack stack = new LocalStack(workspace, directory.resolve("logs"))) {
            if (hasToken) {
                stack.withEnvironment("LETI_GENERATOR_API_TOKEN", token);
            }
            stack.withBroker(broker.port());
            LocalStack.Services services = stack.startServices(directory, roots, samplers);
            services.awaitReady();
            System.err.printf("leti: broker %s, executor %s, trainer %s, generator %s, %d samplers ready (logs in %s; the API"
                    + " token: %s)%n", stack.bootstrapServers(), services.executor().url(), services.trainer().url(),
                    services.generator().url(), services.samplers().size(),
                    directory.resolve("logs"),
                    hasToken ? "$LETI_GENERATOR_API_TOKEN" : directory.resolve("generator-state").resolve("api-token"));
            System.err.println("leti: Ctrl-C stops them");
            CountDownLatch interrupted = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(interrupted::countDown)); // the stack's own hook stops it
            interrupted.await();
        }
        return 0;
    }
}
