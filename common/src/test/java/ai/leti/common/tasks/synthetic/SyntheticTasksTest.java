package ai.leti.common.tasks.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.json.Jsonl;
import ai.leti.common.tasks.MbppTask;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;

class SyntheticTasksTest {

    @TempDir
    Path dir;

    @Test
    void splitsEveryTemplateIntoDisjointConstantSets() {
        SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(0);
        assertThat(tasks.pretrain()).hasSize(17 * 3 * SyntheticTasks.PRETRAIN_VARIANTS);
        assertThat(tasks.train()).hasSize(17 * 6);
        assertThat(tasks.heldOut()).hasSize(17 * 3 * SyntheticTasks.HELD_OUT_VARIANTS);
        Set<String> pretrain = pairs(tasks.pretrain());
        Set<String> train = pairs(tasks.train());
        Set<String> heldOut = pairs(tasks.heldOut());
        assertThat(pretrain).doesNotContainAnyElementsOf(train).doesNotContainAnyElementsOf(heldOut);
        assertThat(train).doesNotContainAnyElementsOf(heldOut);
        assertThat(pretrain.size() + train.size() + heldOut.size()).isEqualTo(17 * 12);
        assertThat(tasks.train().get(0).testList()).hasSize(3);
        assertThat(tasks.train().get(0).prompt()).startsWith("\"\"\"\nWrite a function ").contains("assert ");
    }

    @Test
    void isReproducibleFromItsSeed() {
        assertThat(SyntheticTasks.generate(7)).isEqualTo(SyntheticTasks.generate(7));
        assertThat(SyntheticTasks.generate(7)).isNotEqualTo(SyntheticTasks.generate(8));
    }

    @Test
    void everyReferenceSolutionPassesItsAssertsUnderPython() throws Exception {
        SyntheticTasks.TaskSet tasks = SyntheticTasks.generate(0);
        tasks.write(dir);
        List<Task> all = new ArrayList<>();
        for (String split : List.of("pretrain", "train", "heldout")) {
            all.addAll(TaskFiles.read(dir.resolve(split + ".jsonl")).values());
        }
        assertThat(all).hasSize(17 * 6 + 17 * 3 * (SyntheticTasks.HELD_OUT_VARIANTS + SyntheticTasks.PRETRAIN_VARIANTS));
        List<String> programs = all.stream().map(task -> task.prompt() + task.referenceCompletion() + task.tests()).toList();
        Path file = dir.resolve("programs.json");
        Files.writeString(file, Jsonl.MAPPER.writeValueAsString(programs));
        String checker = "import json, sys\nfailed = 0\nfor source in json.load(open(sys.argv[1])):\n"
                + "    try:\n        exec(source, {})\n    except Exception as e:\n        failed += 1\n        print(repr(e), source)\n"
                + "print('failed', failed)\n";
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", checker, file.toString()).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out.strip()).isEqualTo("failed 0");
    }

    private static Set<String> pairs(List<MbppTask> tasks) {
        Set<String> pairs = new HashSet<>();
        for (MbppTask task : tasks) {
            String[] parts = task.taskId().split("/");
            pairs.add(parts[0] + "/" + parts[1]);
        }
        return pairs;
    }
}
