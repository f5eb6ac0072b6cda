package ai.leti.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.LineError;

class TaskFilesTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        return Files.write(dir.resolve(name), List.of(lines));
    }

    @Test
    void readsMbppRowsWithLetiPromptAndAllAssertsAfterSetupCode() throws IOException {
        Path file = write("mbpp.jsonl",
                "{\"task_id\": 601, \"text\": \"Add one.\", \"code\": \"def f(x):\\n    return x + 1\","
                        + " \"test_list\": [\"assert f(1) == 2\", \"assert f(2) == 3\"], \"test_setup_code\": \"y = 1\","
                        + " \"challenge_test_list\": []}");
        Task task = TaskFiles.read(file).get("601");
        assertThat(task).isInstanceOf(MbppTask.class);
        assertThat(task.prompt()).isEqualTo("\"\"\"\nAdd one.\nassert f(1) == 2\n\"\"\"\n");
        assertThat(task.referenceCompletion()).isEqualTo("def f(x):\n    return x + 1");
        assertThat(task.tests()).isEqualTo("\ny = 1\nassert f(1) == 2\nassert f(2) == 3\n");
    }

    @Test
    void readsHumanEvalRowsAndCallsCheckOnTheEntryPoint() throws IOException {
        Path file = write("he.jsonl",
                "{\"task_id\": \"HumanEval/0\", \"prompt\": \"def add(a, b):\\n\", \"canonical_solution\": \"    return a + b\\n\","
                        + " \"test\": \"def check(candidate):\\n    assert candidate(1, 2) == 3\\n\", \"entry_point\": \"add\"}");
        Task task = TaskFiles.read(file).get("HumanEval/0");
        assertThat(task).isInstanceOf(HumanEvalTask.class);
        assertThat(task.prompt()).isEqualTo("def add(a, b):\n");
        assertThat(task.tests()).endsWith("\ncheck(add)\n").contains("def check(candidate):");
    }

    @Test
    void namesTheLineOfMalformedJson() throws IOException {
        Path file = write("bad.jsonl", "{\"task_id\": 1, \"text\": \"t\", \"test_list\": [\"assert 1\"]}", "{not json");
        assertThatThrownBy(() -> TaskFiles.read(file)).hasMessageContaining("bad.jsonl:2").hasMessageContaining("not valid JSON");
    }

    @Test
    void namesTheMissingField() throws IOException {
        Path file = write("missing.jsonl", "{\"task_id\": \"x\", \"test_list\": [\"assert 1\"]}");
        assertThatThrownBy(() -> TaskFiles.read(file)).hasMessageContaining("missing.jsonl:1").hasMessageContaining("text")
                .isInstanceOfSatisfying(LineError.class, e -> {
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.reason()).isEqualTo("missing field text");
                });
    }

    @Test
    void rejectsRowsOfNeitherFormatAndDuplicates() throws IOException {
        assertThatThrownBy(() -> TaskFiles.read(write("odd.jsonl", "{\"task_id\": \"x\", \"prompt\": \"p\"}")))
                .hasMessageContaining("odd.jsonl:1: task x is in none of the known formats: MBPP (test_list), HumanEval"
                        + " (entry_point), EAE (event_type)");
        String row = "{\"task_id\": 1, \"text\": \"t\", \"test_list\": [\"assert 1\"]}";
        assertThatThrownBy(() -> TaskFiles.read(write("dup.jsonl", row, row))).hasMessageContaining("duplicate task_id 1");
    }

    @Test
    void entryPointsAreTheFunctionsTheTestsCall() {
        Map<String, Task> mbpp = TaskFiles.read(Path.of("../../shared/datasets/mbpp.jsonl"));
        assertThat(mbpp.get("126").entryPoints()).containsExactly("sum"); // a builtin's name: the tests need it
        assertThat(mbpp.get("1").entryPoints()).containsExactly("min_cost");
        assertThat(mbpp.get("367").entryPoints()).containsExactly("is_tree_balanced");
        assertThat(mbpp.values()).allSatisfy(task -> assertThat(task.entryPoints()).as(task.taskId()).isNotEmpty());
        Map<String, Task> humanEval = TaskFiles.read(Path.of("../../shared/datasets/HumanEval.jsonl"));
        assertThat(humanEval.get("HumanEval/0").entryPoints()).containsExactly("has_close_elements");
    }

    @Test
    void splitsTheSharedMbppFileByTheStandardRanges() {
        Path mbpp = Path.of("../../shared/datasets/mbpp.jsonl");
        Map<String, Task> all = TaskFiles.read(mbpp);
        assertThat(all).hasSize(974);
        assertThat(TaskFiles.read(mbpp, MbppSplit.TRAIN)).hasSize(374);
        assertThat(TaskFiles.read(mbpp, MbppSplit.TEST)).hasSize(500);
        assertThat(TaskFiles.read(mbpp, MbppSplit.VALIDATION)).hasSize(90);
        assertThat(TaskFiles.read(mbpp, MbppSplit.PROMPT)).hasSize(10);
    }
}
