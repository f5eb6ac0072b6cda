package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;

/** The probe set: fixed once, both verdicts, deterministic whatever order the verdicts came in. */
class RewardTokenProbeTest {

    private static ExecutionResult result(int task, boolean passed, String completion) {
        return new ExecutionResult("r/0/EVAL_PLAIN/" + task + "/0", "r", 0, Purpose.EVAL_PLAIN, Integer.toString(task), 0,
                "prompt " + task, completion, passed, passed ? ErrorCategory.NONE : ErrorCategory.ASSERTION, "", "", 1, "e", false);
    }

    @Test
    void choosesAtMostAFixedNumberOfEachVerdictInCandidateOrder() {
        List<ExecutionResult> results = new ArrayList<>();
        for (int task = 0; task < 100; task++) {
            results.add(result(task, task % 5 == 0, "return " + task));
        }
        results.add(result(100, false, "  ")); // nothing to score
        List<RewardTokenProbe.Program> chosen = RewardTokenProbe.choose(results);
        assertThat(chosen.stream().filter(RewardTokenProbe.Program::passed)).hasSize(20);
        assertThat(chosen.stream().filter(program -> !program.passed())).hasSize(RewardTokenProbe.PER_VERDICT);
        assertThat(chosen).noneMatch(program -> program.completion().isBlank());
        List<ExecutionResult> reversed = new ArrayList<>(results);
        java.util.Collections.reverse(reversed);
        assertThat(RewardTokenProbe.choose(reversed)).isEqualTo(chosen);
    }
}
