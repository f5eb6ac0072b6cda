package ai.leti.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;

/** The two batch orders, and the passing-only control's choice of texts. */
class BatchOrderTest {

    private static ExecutionResult result(String task, int sample, boolean passed) {
        return new ExecutionResult("r/1/TRAIN/" + task + "/" + sample, "r", 1, Purpose.TRAIN, task, sample, "p", "c",
                passed, passed ? ErrorCategory.NONE : ErrorCategory.ASSERTION, passed ? "" : "AssertionError", "", 1.0, "e", false);
    }

    @Test
    void generationOrderPutsOneProblemsSamplesSideBySideAsTheyWereSampled() {
        // as the executors finished them: interleaved across problems and out of order
        List<ExecutionResult> arrived = List.of(result("12", 1, true), result("9", 0, false), result("12", 0, false),
                result("9", 1, true), result("100", 0, true), result("9", 2, false));
        List<String> order = LetiFineTuner.generationOrder(arrived).stream()
                .map(r -> r.taskId() + "/" + r.sampleIndex()).toList();
        assertThat(order).containsExactly("9/0", "9/1", "9/2", "12/0", "12/1", "100/0");
    }

    @Test
    void generationBatchesAreConsecutiveAndLengthBatchesGroupSimilarLengths() {
        List<int[]> texts = List.of(new int[5], new int[1], new int[4], new int[2], new int[3]);
        assertThat(LetiFineTuner.inOrder(texts, 2)).extracting(batch -> batch.stream().mapToInt(t -> t.length).sum())
                .containsExactly(6, 6, 3);
        assertThat(LetiFineTuner.batchesByLength(texts, 2)).extracting(batch -> batch.get(0).length)
                .containsExactly(1, 3, 5);
    }

    @Test
    void passingOnlyTrainsOnPassingProgramsAloneAndEveryOtherModeOnAll() {
        assertThat(FeedbackMode.PASSING_ONLY.trains(true)).isTrue();
        assertThat(FeedbackMode.PASSING_ONLY.trains(false)).isFalse();
        for (FeedbackMode mode : List.of(FeedbackMode.TEXTUAL, FeedbackMode.BINARY, FeedbackMode.NONE)) {
            assertThat(mode.trains(false)).as(mode.name()).isTrue();
        }
    }
}
