package ai.leti.common.tasks;

import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/** HumanEval's rows: {@code prompt}, {@code canonical_solution}, {@code test}, {@code entry_point}. */
final class HumanEvalTaskType implements TaskType {

    static final HumanEvalTaskType INSTANCE = new HumanEvalTaskType();

    @Override
    public String describe() {
        return "HumanEval (entry_point)";
    }

    @Override
    public boolean recognizes(JsonNode row) {
        return row.has("entry_point");
    }

    @Override
    public Task parse(JsonNode row, String where) {
        return new HumanEvalTask(TaskFiles.required(row, "task_id", where), TaskFiles.required(row, "prompt", where),
                TaskFiles.orEmpty(row, "canonical_solution"), TaskFiles.required(row, "test", where),
                TaskFiles.required(row, "entry_point", where));
    }

    @Override
    public Map<String, Object> row(Task task) {
        HumanEvalTask humanEval = (HumanEvalTask) task;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompt", humanEval.prompt());
        row.put("canonical_solution", humanEval.canonicalSolution());
        row.put("test", humanEval.test());
        row.put("entry_point", humanEval.entryPoint());
        return row;
    }
}
