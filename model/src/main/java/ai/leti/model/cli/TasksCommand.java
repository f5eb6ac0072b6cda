package ai.leti.model.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

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

    @Override
    public Integer call() {
        SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(seed);
        tasks.write(out);
        System.out.printf("wrote %s: %d pre-training, %d training, %d held-out tasks%n", out, tasks.pretrain().size(),
                tasks.train().size(), tasks.heldOut().size());
        return 0;
    }
}
