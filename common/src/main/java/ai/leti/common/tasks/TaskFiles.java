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
import ai.leti.common.json.LineError;
import tools.jackson.databind.JsonNode;

/**
 * Reads and writes task files, one task a line, in the format of its type ({@link TaskTypes}): MBPP ({@code text},
 * {@code code}, {@code test_list}), HumanEval ({@code prompt}, {@code test}, {@code entry_point}) or event argument
 * extraction ({@code sentence}, {@code event_type}, {@code arguments}: role, type, name); the format is recognised
 * per line.
 */
public final class TaskFiles {

    private TaskFiles() {
    }

    /** Every task of the file, keyed by task id in file order; a line that is no task fails with a {@link LineError}. */
    public static Map<String, Task> read(Path file) {
        Map<String, Task> tasks = new LinkedHashMap<>();
        for (Jsonl.Line line : Jsonl.read(file)) {
            String where = file + ":" + line.number();
            Task task;
            try {
                task = parse(line.node(), where);
            } catch (LineError e) {
                throw e;
            } catch (IllegalArgumentException e) { // a task type's own check: its message starts with where
                String message = String.valueOf(e.getMessage());
                throw new LineError(file, line.number(), message.startsWith(where + ": ")
                        ? message.substring(where.length() + 2) : message, e);
            }
            if (tasks.putIfAbsent(task.taskId(), task) != null) {
                throw new LineError(file, line.number(), "duplicate task_id " + task.taskId(), null);
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
        row.putAll(task.type().row(task));
        return row;
    }

    static Task parse(JsonNode node, String where) {
        return TaskTypes.recognizing(node, where, required(node, "task_id", where)).parse(node, where);
    }

    /** A field a row must have, not blank; fails naming it and where. */
    public static String required(JsonNode node, String field, String where) {
        String value = Jsonl.text(node, field);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(where + ": missing field " + field);
        }
        return value;
    }

    /** A field a row may lack: its text, or empty. */
    public static String orEmpty(JsonNode node, String field) {
        String value = Jsonl.text(node, field);
        return value == null ? "" : value;
    }
}
