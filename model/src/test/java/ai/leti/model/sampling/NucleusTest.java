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

    /** From probabilities (what the sampler reads), the same draws pick the same tokens as from logits. */
    @Test
    void probabilitiesGiveTheSameTokensAsLogits() {
        Random vocabulary = new Random(3);
        for (double topP : new double[] {1.0, 0.95, 0.5, 0.05}) {
            float[] logits = new float[300];
            for (int v = 0; v < logits.length; v++) {
                logits[v] = (float) (vocabulary.nextGaussian() * 2);
            }
            logits[7] = logits[9]; // a tie: the lower id comes first in the nucleus either way
            double[] exact = Nucleus.probabilities(logits, 0, logits.length, 1.0, 1.0);
            float[] probabilities = new float[logits.length];
            for (int v = 0; v < logits.length; v++) {
                probabilities[v] = (float) exact[v];
            }
            Random fromLogits = new Random(11);
            Random fromProbabilities = new Random(11);
            int same = 0;
            for (int draw = 0; draw < 2000; draw++) {
                int a = Nucleus.sample(logits, 0, logits.length, 1.0, topP, fromLogits);
                int b = Nucleus.fromProbabilities(probabilities, 0, logits.length, topP, fromProbabilities);
                same += a == b ? 1 : 0;
            }
            assertThat(same).as("top-p %s: float32 probabilities move a draw only where it sits within rounding of a"
                    + " boundary", topP).isGreaterThanOrEqualTo(1995);
        }
        Random random = new Random(1);
        float[] probabilities = {0.5f, 0.3f, 0.15f, 0.05f};
        int[] counts = new int[4];
        for (int i = 0; i < 40_000; i++) {
            counts[Nucleus.fromProbabilities(probabilities, 0, 4, 0.79, random)]++;
        }
        assertThat(counts[2] + counts[3]).isZero();
        assertThat(counts[0] / 40_000.0).isCloseTo(0.625, within(0.01));
    }
}
