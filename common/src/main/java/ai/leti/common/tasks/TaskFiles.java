package ai.leti.common.tasks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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

    /**
     * Writes tasks in their own formats, one row a line: what {@link #read(Path)} reads back. The directory must
     * exist.
     */
    public static void write(Path file, List<? extends Task> tasks) {
        Jsonl.write(file, tasks.stream().map(TaskFiles::row).toList());
    }

    /**
     * A generated task set: {@code pretrain.jsonl}, {@code train.jsonl} and {@code heldout.jsonl} in
     * {@code directory}, and {@code pretrain-code.jsonl}: the pre-training programs as plain code (a {@code content}
     * field per line), the regularization corpus of runs on this set. It shares no program with the other splits.
     */
    public static void writeSplits(Path directory, List<? extends Task> pretrain, List<? extends Task> train,
            List<? extends Task> heldOut) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + directory, e);
        }
        write(directory.resolve("pretrain.jsonl"), pretrain);
        write(directory.resolve("train.jsonl"), train);
        write(directory.resolve("heldout.jsonl"), heldOut);
        Jsonl.write(directory.resolve(PLAIN_CODE), pretrain.stream()
                .map(task -> Map.of("content", task.prompt() + task.referenceCompletion())).toList());
    }

    /** The plain-code file {@link #writeSplits} writes beside the splits. */
    public static final String PLAIN_CODE = "pretrain-code.jsonl";

    private static Map<String, Object> row(Task task) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("task_id", task.taskId());
        if (task instanceof MbppTask mbpp) {
            row.put("text", mbpp.text());
            row.put("code", mbpp.code());
            row.put("test_list", mbpp.testList());
            row.put("test_setup_code", mbpp.testSetupCode());
            row.put("challenge_test_list", List.of());
        } else if (task instanceof HumanEvalTask humanEval) {
            row.put("prompt", humanEval.prompt());
            row.put("canonical_solution", humanEval.canonicalSolution());
            row.put("test", humanEval.test());
            row.put("entry_point", humanEval.entryPoint());
        } else if (task instanceof EaeTask eae) {
            row.put("sentence", eae.sentence());
            row.put("event_type", eae.eventType());
            row.put("arguments", eae.gold().stream().map(argument -> Map.of("role", argument.role(), "type",
                    argument.type(), "name", argument.name())).toList());
            if (eae.trigger() != null) {
                row.put("trigger", eae.trigger());
            }
            if (eae.authors()) {
                row.put("style", eae.style()); // absent: the typed style
            }
        }
        return row;
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
                return new EaeTask(taskId, required(node, "sentence", where), required(node, "event_type", where), arguments,
                        Jsonl.text(node, "trigger"), Jsonl.text(node, "style"));
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
