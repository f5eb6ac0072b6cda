package ai.leti.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.leti.Feedback;
import ai.leti.common.leti.FeedbackMode;
import ai.leti.common.leti.LetiFormat;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Purpose;
import ai.leti.model.tokenizer.BpeTrainer;
import ai.leti.model.tokenizer.LetiTokenizer;

/** The training text's end: end-of-text after the program as executed, none after a raw generation (the authors'). */
class TrainingTextIT {

    @TempDir
    static Path dir;

    private static final String PROMPT = "\"\"\"\nAdd 2 to x.\n\"\"\"\n";
    // a raw generation goes on past the function: the authors trained on it as it came
    private static final String RAW = "def add(x):\n    return x + 2\n\nprint(add(1))\n";

    private static IterationPlan plan(FeedbackMode mode, String trainingText) {
        return new IterationPlan("r", 1, mode, "base", 0, null, 1, 1, 1, 1e-4, 0, null, 0, List.of(), 0,
                IterationPlan.GENERATION, trainingText);
    }

    private static ExecutionResult failed() {
        return new ExecutionResult("r/1/train/t/0", "r", 1, Purpose.TRAIN, "t", 0, PROMPT, RAW, false,
                ErrorCategory.ASSERTION, "Traceback (most recent call last):\nAssertionError", "", 1.0, "e", false);
    }

    @Test
    void rawTextsEndWithoutEndOfTextAndEverythingElseWithIt() throws Exception {
        BpeTrainer.train(List.of(PROMPT + RAW, "def f():\n    pass\n"), 300, List.of(LetiTokenizer.END_OF_TEXT),
                dir.resolve(LetiTokenizer.FILE));
        try (LetiTokenizer tokenizer = LetiTokenizer.open(dir)) {
            int end = tokenizer.endOfText();
            // the executor's raw feedback, as the one shaping place gives it to the model
            String text = LetiFormat.trainingText(FeedbackMode.TEXTUAL, false, Feedback.reduce(failed().feedback()), PROMPT, RAW);

            int[] executed = LetiFineTuner.encode(tokenizer, plan(FeedbackMode.TEXTUAL, IterationPlan.EXECUTED), failed());
            assertThat(executed[executed.length - 1]).isEqualTo(end);
            assertThat(Arrays.copyOf(executed, executed.length - 1)).containsExactly(tokenizer.encode(text));
            assertThat(LetiFineTuner.encode(tokenizer, plan(FeedbackMode.TEXTUAL, null), failed())).containsExactly(executed);

            int[] raw = LetiFineTuner.encode(tokenizer, plan(FeedbackMode.TEXTUAL, IterationPlan.RAW), failed());
            assertThat(raw).containsExactly(tokenizer.encode(text)).doesNotContain(end);

            // the ground-truth baseline keeps its end-of-text, as the authors' did
            int[] reference = LetiFineTuner.encode(tokenizer, plan(FeedbackMode.REFERENCE, IterationPlan.RAW), failed());
            assertThat(reference[reference.length - 1]).isEqualTo(end);
        }
    }
}
