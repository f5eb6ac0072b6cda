package ai.leti.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StopSequencesTest {

    private final StopSequences stops = new StopSequences(List.of("\nassert", "\n\"\"\""));

    @Test
    void cutsBeforeTheEarliestStop() {
        String text = "def f(x):\n    return x\n\"\"\"\nassert f(1) == 1";
        assertThat(stops.indexIn(text)).isEqualTo(22);
        assertThat(stops.cut(text)).isEqualTo("def f(x):\n    return x");
    }

    @Test
    void leavesATextWithoutStopsWhole() {
        assertThat(stops.indexIn("def f(x):\n    return x\n")).isEqualTo(-1);
        assertThat(stops.cut("def f(x):\n    return x\n")).isEqualTo("def f(x):\n    return x\n");
    }
}
