package ai.leti.common.tasks.eae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ai.leti.common.json.Jsonl;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.common.tasks.TaskScorer;
import ai.leti.common.tasks.TaskType;
import tools.jackson.databind.JsonNode;

/**
 * Event argument extraction's rows ({@code sentence}, {@code event_type}, {@code arguments}: role, type, name;
 * {@code trigger} and {@code style} for the authors' style) and its scores: argument identification and
 * classification F1 from the arguments each evaluated program printed ({@link EaeScore}).
 */
public final class EaeTaskType implements TaskType {

    public static final EaeTaskType INSTANCE = new EaeTaskType();

    private EaeTaskType() {
    }

    @Override
    public String describe() {
        return "EAE (event_type)";
    }

    @Override
    public boolean recognizes(JsonNode row) {
        return row.has("event_type");
    }

    @Override
    public Task parse(JsonNode row, String where) {
        List<Argument> arguments = new ArrayList<>();
        for (JsonNode argument : row.path("arguments")) {
            arguments.add(new Argument(TaskFiles.required(argument, "role", where), TaskFiles.required(argument, "type", where),
                    TaskFiles.required(argument, "name", where)));
        }
        try {
            return new EaeTask(TaskFiles.required(row, "task_id", where), TaskFiles.required(row, "sentence", where),
                    TaskFiles.required(row, "event_type", where), arguments, Jsonl.text(row, "trigger"), Jsonl.text(row, "style"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> row(Task task) {
        EaeTask eae = (EaeTask) task;
        Map<String, Object> row = new LinkedHashMap<>();
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
        return row;
    }

    @Override
    public Optional<TaskScorer> scorer() {
        return Optional.of(new TaskScorer() {
            private final List<EaeScore.Counts> counts = new ArrayList<>();

            @Override
            public void add(Task task, String output) {
                EaeTask eae = (EaeTask) task;
                counts.add(EaeScore.count(eae.gold(), EaeScore.extracted(output), eae.authors()));
            }

            @Override
            public Map<String, Double> scores() {
                return counts.isEmpty() ? Map.of() : EaeScore.f1(counts);
            }
        });
    }
}
