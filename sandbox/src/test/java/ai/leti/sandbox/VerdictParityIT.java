package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.Verdict;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.TaskFiles;
import ai.leti.common.tasks.BrokenVariant;

/**
 * Verdict parity of the boundary on the real data sets: every MBPP reference solution (974) and every HumanEval
 * canonical solution (164) passes, and every variant with its {@code return} removed fails. The test styles that
 * need the boundary's help (arguments changed in place, generators, objects of the program's classes built by the
 * tests, classes the tests define, several functions of the program, a builtin's name as the entry point) are in
 * {@link VerdictBoundaryIT}.
 */
class VerdictParityIT {

    private static final Path DATASETS = Path.of("../../shared/datasets");

    private record Case(String id, Task task, String completion, boolean shouldPass) {
    }

    @Test
    void referenceSolutionsPassAndReturnlessVariantsFailOnMbppAndHumanEval() throws Exception {
        List<Case> cases = new ArrayList<>();
        int references = 0;
        for (String file : new String[] {"mbpp.jsonl", "HumanEval.jsonl"}) {
            for (Task task : TaskFiles.read(DATASETS.resolve(file)).values()) {
                cases.add(new Case(task.taskId(), task, task.referenceCompletion(), true));
                references++;
                String broken = BrokenVariant.withoutReturn(task.referenceCompletion());
                if (!broken.equals(task.referenceCompletion())) {
                    cases.add(new Case(task.taskId() + "/no-return", task, broken, false));
                }
            }
        }
        assertThat(references).isEqualTo(974 + 164);
        List<String> wrong = new ArrayList<>();
        try (SandboxPool pool = SandboxPool.start(SandboxSettings.defaults().withWorkers(2)
                .withTimeout(Duration.ofSeconds(10)))) { // parity is about semantics: MBPP 123 takes ~2.5 s of CPU
            ExecutorService callers = Executors.newFixedThreadPool(pool.callers());
            try {
                List<Future<Verdict>> verdicts = new ArrayList<>();
                for (Case c : cases) {
                    verdicts.add(callers.submit(() -> pool.run(c.task().prompt() + c.completion(), c.task().tests(),
                            c.task().entryPoints(), pool.settings().timeout())));
                }
                for (int i = 0; i < cases.size(); i++) {
                    Verdict verdict = verdicts.get(i).get();
                    if (verdict.passed() != cases.get(i).shouldPass()) {
                        wrong.add(cases.get(i).id() + ": " + verdict.category().tag() + " " + verdict.feedback());
                    }
                }
            } finally {
                callers.shutdownNow();
            }
        }
        assertThat(wrong).as("verdicts that differ from plain Python's").isEmpty();
    }
}
