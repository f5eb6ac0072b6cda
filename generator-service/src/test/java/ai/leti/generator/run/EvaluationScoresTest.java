package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.leti.common.leti.Condition;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.tasks.eae.EaeTask;
import ai.leti.common.tasks.MbppTask;
import ai.leti.common.tasks.Task;
import ai.leti.common.tasks.eae.Argument;
import ai.leti.common.tasks.eae.EaeScore;

class EvaluationScoresTest {

    private static final Task CODE = new MbppTask("1", "Add.", "def add(a, b):\n    return a + b\n",
            List.of("assert add(1, 2) == 3"), "");
    private static final EaeTask EVENT = new EaeTask("e1", "Alice attacked Bob.", "Attack",
            List.of(new Argument("attacker", "Person", "Alice"), new Argument("target", "Person", "Bob")));

    private static ExecutionResult result(Task task, Purpose purpose, int sample, boolean passed, String output) {
        return new ExecutionResult("r/1/" + purpose + "/" + task.taskId() + "/" + sample, "r", 1, purpose, task.taskId(),
                sample, "p", "c", passed, passed ? ErrorCategory.NONE : ErrorCategory.ASSERTION, "", output, 10, "e", false);
    }

    @Test
    void passAtKPerConditionAndFailuresByCategory() {
        List<ExecutionResult> results = new ArrayList<>();
        // good: 2 of 2 pass; plain: 1 of 2; bad: none
        results.add(result(CODE, Purpose.EVAL_GOOD, 0, true, ""));
        results.add(result(CODE, Purpose.EVAL_GOOD, 1, true, ""));
        results.add(result(CODE, Purpose.EVAL_PLAIN, 0, true, ""));
        results.add(result(CODE, Purpose.EVAL_PLAIN, 1, false, ""));
        results.add(result(CODE, Purpose.EVAL_BAD, 0, false, ""));
        results.add(result(CODE, Purpose.EVAL_BAD, 1, false, ""));

        EvaluationScores scores = EvaluationScores.of(List.of(CODE), results,
                List.of(Condition.GOOD, Condition.BAD, Condition.PLAIN), 2);

        assertThat(scores.passAt1()).containsExactly(Map.entry("good", 1.0), Map.entry("bad", 0.0), Map.entry("plain", 0.5));
        assertThat(scores.passAtK().get("plain")).containsOnlyKeys("pass@1", "pass@2").containsEntry("pass@2", 1.0);
        assertThat(scores.categories().get("bad")).containsExactly(Map.entry(ErrorCategory.ASSERTION.tag(), 2));
        assertThat(scores.scores()).as("code tasks keep no scores beyond pass@k").isEmpty();
    }

    @Test
    void aTaskTypeWithAScorerAddsItsScoresWithoutTheEvaluatorKnowingIt() {
        // what the event checker prints after its marker: the arguments the program extracted
        String allRight = "noise\n" + EaeScore.MARKER + "[[\"attacker\", \"Person\", \"Alice\"], [\"target\", \"Person\", \"Bob\"]]\n";
        String halfRight = EaeScore.MARKER + "[[\"attacker\", \"Person\", \"Alice\"], [\"place\", \"Place\", \"Bob\"]]\n";
        List<ExecutionResult> results = List.of(result(EVENT, Purpose.EVAL_GOOD, 0, true, allRight),
                result(EVENT, Purpose.EVAL_PLAIN, 0, false, halfRight),
                result(CODE, Purpose.EVAL_PLAIN, 0, true, ""));

        EvaluationScores scores = EvaluationScores.of(List.of(CODE, EVENT), results, List.of(Condition.GOOD, Condition.PLAIN), 1);

        assertThat(scores.scores().get("good")).containsEntry(EaeScore.CLASSIFICATION_F1, 1.0)
                .containsEntry(EaeScore.IDENTIFICATION_F1, 1.0);
        assertThat(scores.scores().get("plain").get(EaeScore.CLASSIFICATION_F1)).isCloseTo(0.5, within(1e-9));
        assertThat(scores.scores().get("plain").get(EaeScore.IDENTIFICATION_F1)).isCloseTo(1.0, within(1e-9));
        assertThat(scores.passAt1()).containsEntry("plain", 0.5);
    }
}
