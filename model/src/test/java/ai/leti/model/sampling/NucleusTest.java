package ai.leti.model.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;

import org.junit.jupiter.api.Test;

class NucleusTest {

    private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15),
        (float) Math.log(0.05)};

    @Test
    void keepsExactlyTheNucleus() {
        double[] p = Nucleus.probabilities(LOGITS, 0, 4, 1.0, 0.79);
        assertThat(p[0]).isCloseTo(0.625, within(1e-6));
        assertThat(p[1]).isCloseTo(0.375, within(1e-6));
        assertThat(p[2]).isZero();
        assertThat(p[3]).isZero();
        // 0.81 is not reached by the two most likely tokens: the third (which crosses it) joins the nucleus
        double[] wider = Nucleus.probabilities(LOGITS, 0, 4, 1.0, 0.81);
        assertThat(wider[2]).isCloseTo(0.15 / 0.95, within(1e-6));
        assertThat(wider[3]).isZero();
        assertThat(Nucleus.probabilities(LOGITS, 0, 4, 1.0, 1.0)).containsExactly(new double[] {0.5, 0.3, 0.15, 0.05},
                within(1e-6));
    }

    @Test
    void samplesOnlyFromTheNucleusInProportion() {
        Random random = new Random(1);
        int[] counts = new int[4];
        int draws = 40_000;
        for (int i = 0; i < draws; i++) {
            counts[Nucleus.sample(LOGITS, 0, 4, 1.0, 0.79, random)]++;
        }
        assertThat(counts[2] + counts[3]).isZero();
        assertThat((double) counts[0] / draws).isCloseTo(0.625, within(0.01));
    }

    @Test
    void temperatureSharpensAndZeroIsGreedy() {
        double[] cold = Nucleus.probabilities(LOGITS, 0, 4, 0.5, 1.0);
        assertThat(cold[0]).isCloseTo(0.25 / (0.25 + 0.09 + 0.0225 + 0.0025), within(1e-6));
        float[] rows = {0, 1, 5, 2, /* second row */ 9, 1, 0, 0};
        assertThat(Nucleus.sample(rows, 0, 4, 0, 1.0, new Random())).isEqualTo(2);
        assertThat(Nucleus.sample(rows, 4, 4, 0, 1.0, new Random())).isZero();
    }
}
