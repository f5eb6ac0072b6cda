package ai.leti.cli.model;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import ai.leti.cli.demo.DemoTask;
import ai.leti.common.tasks.eae.EaeTask;
import ai.leti.common.tasks.eae.EaeTasks;
import ai.leti.common.tasks.synthetic.SyntheticTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "Writes the demo's generated task set: pretrain.jsonl, train.jsonl, heldout.jsonl (MBPP format).")
public final class TasksCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Directory to write the three files to.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Which constants go to which split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--task", defaultValue = "code", converter = DemoTask.Converter.class,
            description = "code (arithmetic, string and list functions), eae (event argument extraction as code, typed"
                    + " ontology) or eae-authors (the same sentences the authors' way: annotated ontology in the prompt,"
                    + " trigger marked, a verifier that compares with the gold arguments).")
    DemoTask task;

    @Override
    public Integer call() {
        System.out.println(write(task, seed, out));
        return 0;
    }

    /** Writes the three task files of {@code task} (code, eae or eae-authors) under {@code out}; says what it wrote. */
    public static String write(DemoTask task, long seed, Path out) {
        int[] sizes = switch (task) {
            case CODE -> {
                SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(seed);
                tasks.write(out);
                yield new int[] {tasks.pretrain().size(), tasks.train().size(), tasks.heldOut().size()};
            }
            case EAE, EAE_AUTHORS -> {
                EaeTasks.TaskSet tasks = EaeTasks.generate(seed, task == DemoTask.EAE ? EaeTask.TYPED : EaeTask.AUTHORS);
                tasks.write(out);
                yield new int[] {tasks.pretrain().size(), tasks.train().size(), tasks.heldOut().size()};
            }
        };
        return String.format("wrote %s: %d pre-training, %d training, %d held-out %s tasks", out, sizes[0], sizes[1],
                sizes[2], task.label());
    }
}
