package ai.leti.common.tasks;

import java.util.List;
import java.util.stream.Collectors;

import ai.leti.common.tasks.eae.EaeTaskType;
import tools.jackson.databind.JsonNode;

/**
 * Every task type, in the order a task file's row is tried against them. A new type is its own files (its
 * {@link Task} record and its {@link TaskType}) plus one entry here.
 */
public final class TaskTypes {

    public static final List<TaskType> ALL = List.of(MbppTaskType.INSTANCE, HumanEvalTaskType.INSTANCE,
            EaeTaskType.INSTANCE);

    private TaskTypes() {
    }

    /** The type of a task file's row; fails naming the formats it knows. */
    static TaskType recognizing(JsonNode row, String where, String taskId) {
        for (TaskType type : ALL) {
            if (type.recognizes(row)) {
                return type;
            }
        }
        throw new IllegalArgumentException(where + ": task " + taskId + " is in none of the known formats: "
                + ALL.stream().map(TaskType::describe).collect(Collectors.joining(", ")));
    }
}
