package ai.leti.common.tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

import ai.leti.common.json.Jsonl;
import tools.jackson.databind.JsonNode;

/**
 * Reads task files in MBPP format ({@code text}, {@code code}, {@code test_list}), HumanEval format
 * ({@code prompt}, {@code test}, {@code entry_point}) or event argument extraction ({@code sentence},
 * {@code event_type}, {@code arguments}: role, type, name); the format is recognised per line.
 */
public final class TaskFiles {

    private TaskFiles() {
    }

    /** Every task of the file, keyed by task id in file order. */
    public static Map<String, Task> read(Path file) {
        Map<String, Task> tasks = new LinkedHashMap<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            Task task = parse(line.node(), file + ":" + line.number());
            if (tasks.putIfAbsent(task.taskId(), task) != null) {
                throw new IllegalArgumentException(file + ":" + line.number() + ": duplicate task_id " + task.taskId());
            }
        }
        return tasks;
    }

    /**
     * MBPP tasks whose integer id passes the filter, e.g. the standard splits {@link MbppSplit}.
     * Non-integer ids never match.
     */
    public static List<Task> read(Path file, IntPredicate idFilter) {
        List<Task> selected = new ArrayList<>();
        for (Task task : read(file).values()) {
            try {
                if (idFilter.test(Integer.parseInt(task.taskId()))) {
                    selected.add(task);
                }
            } catch (NumberFormatException notNumeric) {
                // HumanEval-style ids ("HumanEval/0") belong to no MBPP split.
            }
        }
        return selected;
    }

    static Task parse(JsonNode node, String where) {
        String taskId = required(node, "task_id", where);
        if (node.has("test_list")) {
            JsonNode list = node.get("test_list");
            if (!list.isArray() || list.isEmpty()) {
                throw new IllegalArgumentException(where + ": test_list must be a non-empty array");
            }
            List<String> asserts = new ArrayList<>();
            list.forEach(assertion -> asserts.add(assertion.asString()));
            return new MbppTask(taskId, required(node, "text", where), orEmpty(node, "code"), asserts,
                    orEmpty(node, "test_setup_code"));
        }
        if (node.has("entry_point")) {
            return new HumanEvalTask(taskId, required(node, "prompt", where), orEmpty(node, "canonical_solution"),
                    required(node, "test", where), required(node, "entry_point", where));
        }
        if (node.has("event_type")) {
            List<ai.leti.common.tasks.eae.Argument> arguments = new ArrayList<>();
            for (JsonNode argument : node.path("arguments")) {
                arguments.add(new ai.leti.common.tasks.eae.Argument(required(argument, "role", where),
                        required(argument, "type", where), required(argument, "name", where)));
            }
            try {
                return new EaeTask(taskId, required(node, "sentence", where), required(node, "event_type", where), arguments);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException(where + ": task " + taskId
                + " is neither MBPP (test_list), HumanEval (entry_point) nor EAE (event_type) format");
    }

    private static String required(JsonNode node, String field, String where) {
        String value = Jsonl.text(node, field);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(where + ": missing field " + field);
        }
        return value;
    }

    private static String orEmpty(JsonNode node, String field) {
        String value = Jsonl.text(node, field);
        return value == null ? "" : value;
    }
}
