package ai.leti.common.leti;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LetiFormatTest {

    private static final String PROMPT = "\"\"\"\nAdd 3.\nassert f(1) == 4\n\"\"\"\n";
    private static final String PROGRAM = "def f(x):\n    return x\n";
    private static final String FEEDBACK = "Traceback (most recent call last):\n  File \"<program>\", line 5, in <module>\nAssertionError";

    @Test
    void buildsThePaperSequenceForEachMode() {
        assertThat(LetiFormat.trainingText(FeedbackMode.TEXTUAL, true, "", PROMPT, PROGRAM))
                .isEqualTo("<|good|>" + PROMPT + PROGRAM);
        assertThat(LetiFormat.trainingText(FeedbackMode.TEXTUAL, false, FEEDBACK, PROMPT, PROGRAM))
                .isEqualTo("<|bad|><|lang_feedback|>" + FEEDBACK + "<|/lang_feedback|>" + PROMPT + PROGRAM);
        assertThat(LetiFormat.trainingText(FeedbackMode.BINARY, false, FEEDBACK, PROMPT, PROGRAM))
                .isEqualTo("<|bad|>" + PROMPT + PROGRAM);
        assertThat(LetiFormat.trainingText(FeedbackMode.BINARY, true, "", PROMPT, PROGRAM))
                .isEqualTo("<|good|>" + PROMPT + PROGRAM);
        assertThat(LetiFormat.trainingText(FeedbackMode.NONE, false, FEEDBACK, PROMPT, PROGRAM)).isEqualTo(PROMPT + PROGRAM);
    }

    @Test
    void conditionsOnGoodFromTheSecondIteration() {
        assertThat(LetiFormat.samplingPrompt(PROMPT, 1)).isEqualTo(PROMPT);
        assertThat(LetiFormat.samplingPrompt(PROMPT, 2)).isEqualTo("<|good|>" + PROMPT);
    }
}
