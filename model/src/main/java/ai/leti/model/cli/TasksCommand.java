package ai.leti.model.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import ai.leti.common.tasks.eae.EaeTasks;
import ai.leti.common.tasks.synthetic.SyntheticTasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "Writes the demo's generated task set: pretrain.jsonl, train.jsonl, heldout.jsonl (MBPP format).")
final class TasksCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Directory to write the three files to.")
    Path out;

    @Option(names = "--seed", defaultValue = "0", description = "Which constants go to which split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--task", defaultValue = "code",
            description = "code (arithmetic, string and list functions) or eae (event argument extraction as code).")
    String task;

    @Override
    public Integer call() {
        int[] sizes;
        switch (task) {
            case "code" -> {
                SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(seed);
                tasks.write(out);
                sizes = new int[] {tasks.pretrain().size(), tasks.train().size(), tasks.heldOut().size()};
            }
            case "eae" -> {
                EaeTasks.TaskSet tasks = EaeTasks.generate(seed);
                tasks.write(out);
                sizes = new int[] {tasks.pretrain().size(), tasks.train().size(), tasks.heldOut().size()};
            }
            default -> throw new IllegalArgumentException("--task: code or eae, got " + task);
        }
        System.out.printf("wrote %s: %d pre-training, %d training, %d held-out %s tasks%n", out, sizes[0], sizes[1], sizes[2],
                task);
        return 0;
    }
}
