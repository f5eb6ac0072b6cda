package ai.leti.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import ai.leti.cli.model.TasksCommand;
import ai.leti.cli.model.pretrain.Pretraining;
import ai.leti.cli.stack.Workspace;

/**
 * The demo's base models: one per recipe (task and seed), pre-trained on first use and kept under
 * {@code .leti/demo}, so that every demo and benchmark on the same recipe starts from the same weights.
 */
public final class DemoBase {

    private DemoBase() {
    }

    /** Where the base models are kept. */
    static Path cache(Workspace workspace) {
        return workspace.state().resolve("demo").toAbsolutePath();
    }

    /**
     * The demo's tasks of {@code task} and {@code seed}, written into {@code tasks} ({@code pretrain.jsonl},
     * {@code train.jsonl}, {@code heldout.jsonl}), and the recipe's base model, pre-trained on them unless an earlier
     * run left it (the {@code code} recipe: about two minutes on two cores).
     */
    public static Path prepare(Workspace workspace, DemoTask task, long seed, Path tasks) throws Exception {
        System.err.println("leti: " + TasksCommand.write(task, seed, tasks));
        return model(workspace, task, seed, tasks.resolve("pretrain.jsonl"));
    }

    /** The base model of the recipe, pre-trained now on {@code pretrainTasks} unless an earlier run left it. */
    private static Path model(Workspace workspace, DemoTask task, long seed, Path pretrainTasks) throws Exception {
        // the recipe's identity: its settings with fixed paths (the task files are generated from the seed)
        String key = Integer.toUnsignedString(DemoPlan.pretraining(task, seed, Path.of("tasks"), Path.of("base")).toString()
                .hashCode(), 36);
        Path base = cache(workspace).resolve("base-" + task.label() + "-seed" + seed + "-" + key);
        if (Files.isRegularFile(base.resolve("model.safetensors"))) {
            System.err.println("leti: base model " + base + " (pre-trained earlier with the same recipe)");
            return base;
        }
        System.err.println("leti: pre-training the base model on " + pretrainTasks + " (about 2 minutes, once)");
        Path partial = base.resolveSibling(base.getFileName() + ".partial");
        deleteRecursively(partial);
        new Pretraining(DemoPlan.pretraining(task, seed, pretrainTasks, partial), System.err).run();
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
}
