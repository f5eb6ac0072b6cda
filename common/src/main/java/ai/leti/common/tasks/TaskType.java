package ai.leti.common.tasks;

import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * A kind of task: its row in a task file (read and written) and, where it has any, its evaluation scores beyond
 * pass@k. Every type is registered once, in {@link TaskTypes}; nothing else switches on the kind of a task.
 */
public interface TaskType {

    /** How the type is named in messages: {@code MBPP (test_list)}. */
    String describe();

    /** Whether a task file's row is of this type (the format is recognised per line). */
    boolean recognizes(JsonNode row);

    /** The task of a row this type recognizes; errors start with {@code where} (file and line). */
    Task parse(JsonNode row, String where);

    /** The row's fields after {@code task_id}: what {@link #parse} reads back. */
    Map<String, Object> row(Task task);

    /** A fresh scorer for one condition's evaluation, or none (pass@k only). */
    default Optional<TaskScorer> scorer() {
        return Optional.empty();
    }
}
