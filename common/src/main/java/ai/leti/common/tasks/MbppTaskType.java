package ai.leti.common.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/** MBPP's rows: {@code text}, {@code code}, {@code test_list}, {@code test_setup_code}. */
final class MbppTaskType implements TaskType {

    static final MbppTaskType INSTANCE = new MbppTaskType();

    @Override
    public String describe() {
        return "MBPP (test_list)";
    }

    @Override
    public boolean recognizes(JsonNode row) {
        return row.has("test_list");
    }

    @Override
    public Task parse(JsonNode row, String where) {
        JsonNode list = row.get("test_list");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(where + ": test_list must be a non-empty array");
        }
        List<String> asserts = new ArrayList<>();
        list.forEach(assertion -> asserts.add(assertion.asString()));
        return new MbppTask(TaskFiles.required(row, "task_id", where), TaskFiles.required(row, "text", where),
                TaskFiles.orEmpty(row, "code"), asserts, TaskFiles.orEmpty(row, "test_setup_code"));
    }

    @Override
    public Map<String, Object> row(Task task) {
        MbppTask mbpp = (MbppTask) task;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("text", mbpp.text());
        row.put("code", mbpp.code());
        row.put("test_list", mbpp.testList());
        row.put("test_setup_code", mbpp.testSetupCode());
        row.put("challenge_test_list", List.of());
        return row;
    }
}
