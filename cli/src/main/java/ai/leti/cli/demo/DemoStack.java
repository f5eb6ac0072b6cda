package ai.leti.cli.demo;

import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

import ai.leti.cli.stack.LocalStack;
import ai.leti.cli.stack.Workspace;

/**
 * What the demo runs against when no generator is named: a local broker and one instance of each service (their
 * state and logs in the demo's directory), the demo's generated tasks, and the base model pre-trained once per
 * recipe and kept under {@code .leti/demo}. The generator's API token is made here, handed to the generator in its
 * environment and never printed.
 */
final class DemoStack implements AutoCloseable {

    private final LocalStack stack;
    private final URI generator;
    private final String token;
    private final Path tasks;
    private final Path base;

    private DemoStack(LocalStack stack, URI generator, String token, Path tasks, Path base) {
        this.stack = stack;
        this.generator = generator;
        this.token = token;
        this.tasks = tasks;
        this.base = base;
    }

    static DemoStack start(Workspace workspace, Path out, DemoPlan plan, int kafkaPort, int samplers) throws Exception {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        LocalStack stack = new LocalStack(workspace, out.resolve("logs")).withEnvironment("LETI_GENERATOR_API_TOKEN", token);
        try {
            stack.withBroker(kafkaPort);
            // The files a run may name: this demo's tasks and the cached base models (README "A LETI run over REST").
            String dataRoots = out.toAbsolutePath() + "," + DemoBase.cache(workspace);
            LocalStack.Services services = stack.startServices(out, dataRoots, samplers);
            Path tasks = out.resolve("tasks");
            Path base = DemoBase.prepare(workspace, plan.task(), plan.seed(), tasks);
            services.awaitReady();
            System.err.println("leti: broker, executor, trainer, generator and " + services.samplers().size()
                    + " samplers ready (generator API: " + services.generator().url() + "/swagger-ui.html)");
            return new DemoStack(stack, services.generator().url(), token, tasks, base);
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    URI generator() {
        return generator;
    }

    String token() {
        return token;
    }

    Path tasks() {
        return tasks;
    }

    Path base() {
        return base;
    }

    @Override
    public void close() {
        stack.close();
    }
}
