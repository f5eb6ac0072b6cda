package ai.leti.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.tasks.ProgramFingerprints;
import ai.leti.common.tasks.TaskFiles;

/** The regularization corpus: plain code only, never a task file or anything holding a run's solutions. */
class RegularizationCorpusTest {

    @TempDir
    Path dir;

    private static final String SOLUTION = "def add(x):\n    y = x\n    y = y + 1\n    return y\n";

    @Test
    void readsPythonFilesOrJsonlContentButSkipsTestSuites() throws Exception {
        Files.createDirectories(dir.resolve("src/pkg/tests"));
        Files.writeString(dir.resolve("src/pkg/a.py"), "print('a')\n");
        Files.writeString(dir.resolve("src/pkg/tests/test_a.py"), "assert True\n");
        Files.writeString(dir.resolve("src/notes.txt"), "not python");
        assertThat(RegularizationCorpus.read(dir.resolve("src").toString(), Set.of()).documents()).isEqualTo(1);

        Path jsonl = dir.resolve("stack.jsonl");
        Jsonl.write(jsonl, List.of(Map.of("content", "x = 1\n"), Map.of("content", "y = 2\n", "lang", "Python")));
        assertThat(RegularizationCorpus.read(jsonl.toString(), Set.of()).documents()).isEqualTo(2);
    }

    @Test
    void theStandardLibraryOfThisMachinesPythonIsACorpus() {
        RegularizationCorpus stdlib = RegularizationCorpus.read(IterationPlan.STANDARD_LIBRARY, Set.of());
        assertThat(stdlib.documents()).isGreaterThan(100);
    }

    @Test
    void refusesTaskFilesOfEveryFormatAndSaysWhy() throws Exception {
        Path mbpp = dir.resolve("mbpp.jsonl");
        Files.writeString(mbpp, Jsonl.MAPPER.writeValueAsString(Map.of("task_id", 1, "text", "Add one.", "code", SOLUTION,
                "test_list", List.of("assert add(1) == 2"))) + "\n");
        Path humanEval = dir.resolve("humaneval.jsonl");
        Files.writeString(humanEval, Jsonl.MAPPER.writeValueAsString(Map.of("prompt", "def add(x):\n",
                "canonical_solution", "    return x + 1\n", "test", "", "entry_point", "add")) + "\n");
        for (Path file : List.of(mbpp, humanEval)) {
            assertThatThrownBy(() -> RegularizationCorpus.read(file.toString(), Set.of())).isInstanceOf(PlanRefused.class)
                    .hasMessageContaining("is a task file").hasMessageContaining("ground truth");
        }
        Path demo = dir.resolve("demo");
        ai.leti.common.tasks.synthetic.SyntheticTasks.generate(0).write(demo);
        assertThatThrownBy(() -> RegularizationCorpus.read(demo.resolve("pretrain.jsonl").toString(), Set.of()))
                .hasMessageContaining("is a task file");
        assertThat(RegularizationCorpus.read(demo.resolve(TaskFiles.PLAIN_CODE).toString(), Set.of()).documents())
                .as("the demo's plain-code corpus").isPositive();
    }

    @Test
    void refusesACorpusHoldingAReferenceSolutionOfTheRun() throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("src/util.py"), "import os\n\n\n" + SOLUTION.indent(4) + "\nprint(os.sep)\n");
        assertThatThrownBy(() -> RegularizationCorpus.read(dir.resolve("src").toString(),
                Set.of(ProgramFingerprints.of(SOLUTION)))).isInstanceOf(PlanRefused.class)
                .hasMessageContaining("contains 1 reference solution(s)").hasMessageContaining("document 1 of 1")
                .hasMessageNotContaining("import os");
        assertThat(RegularizationCorpus.read(dir.resolve("src").toString(),
                Set.of(ProgramFingerprints.of(SOLUTION.replace("+ 1", "+ 2")))).documents()).isEqualTo(1);
    }

    @Test
    void refusesWhatIsMissingEmptyOrNotJson() throws Exception {
        assertThatThrownBy(() -> RegularizationCorpus.read(null, Set.of())).hasMessageContaining("names no regularization corpus");
        assertThatThrownBy(() -> RegularizationCorpus.read(dir.resolve("absent").toString(), Set.of()))
                .hasMessageContaining("no such file or directory");
        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> RegularizationCorpus.read(dir.resolve("empty").toString(), Set.of()))
                .hasMessageContaining("holds no Python source");
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"x\"}\n");
        assertThatThrownBy(() -> RegularizationCorpus.read(bad.toString(), Set.of())).hasMessageContaining("no \"content\"");
    }
}
