package ai.leti.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

import ai.leti.cli.model.TasksCommand;
import ai.leti.cli.model.pretrain.Pretraining;
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

    static DemoStack start(Workspace workspace, Path out, DemoPlan plan, int kafkaPort) throws Exception {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        LocalStack stack = new LocalStack(workspace, out.resolve("logs")).withEnvironment("LETI_GENERATOR_API_TOKEN", token);
        try {
            stack.withBroker(kafkaPort);
            // The files a run may name: this demo's tasks and the cached base models (README "A LETI run over REST").
            String dataRoots = out.toAbsolutePath() + "," + cache(workspace);
            LocalStack.Services services = stack.startServices(out, dataRoots);
            Path tasks = out.resolve("tasks");
            System.err.println("leti: " + TasksCommand.write(plan.task(), plan.seed(), tasks));
            Path base = baseModel(workspace, plan, tasks.resolve("pretrain.jsonl"));
            services.awaitReady();
            System.err.println("leti: broker, executor, trainer and generator ready (generator API: " + services.generator().url()
                    + "/swagger-ui.html)");
            return new DemoStack(stack, services.generator().url(), token, tasks, base);
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    private static Path cache(Workspace workspace) {
        return workspace.state().resolve("demo").toAbsolutePath();
    }

    /** The base model of this plan's recipe: pre-trained now (about two minutes) unless an earlier demo left it. */
    private static Path baseModel(Workspace workspace, DemoPlan plan, Path pretrainTasks) throws Exception {
        // the recipe's identity: its settings with fixed paths (the task files are generated from the seed)
        String key = Integer.toUnsignedString(plan.pretraining(Path.of("tasks"), Path.of("base")).toString().hashCode(), 36);
        Path base = cache(workspace).resolve("base-" + plan.task().label() + "-seed" + plan.seed() + "-" + key);
        if (Files.isRegularFile(base.resolve("model.safetensors"))) {
            System.err.println("leti: base model " + base + " (pre-trained earlier with the same recipe)");
            return base;
        }
        System.err.println("leti: pre-training the base model on " + pretrainTasks + " (about 2 minutes, once)");
        Path partial = base.resolveSibling(base.getFileName() + ".partial");
        deleteRecursively(partial);
        new Pretraining(plan.pretraining(pretrainTasks, partial), System.err).run();
        Files.move(partial, base);
        return base;
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (Files.exists(directory)) {
            try (var paths = Files.walk(directory)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
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
