package ai.leti.common.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;

import org.junit.jupiter.api.Test;

class PassAtKTest {

    @Test
    void matchesHandComputedValues() {
        assertThat(PassAtK.estimate(10, 3, 1)).isCloseTo(0.3, within(1e-12));
        // 1 - C(7,2)/C(10,2) = 1 - 21/45
        assertThat(PassAtK.estimate(10, 3, 2)).isCloseTo(1 - 21.0 / 45.0, within(1e-12));
        // 1 - C(199,100)/C(200,100) = 1 - 100/200
        assertThat(PassAtK.estimate(200, 1, 100)).isCloseTo(0.5, within(1e-12));
        assertThat(PassAtK.estimate(5, 0, 3)).isEqualTo(0.0);
        assertThat(PassAtK.estimate(5, 5, 3)).isEqualTo(1.0);
        // n - c < k: some correct sample is always drawn
        assertThat(PassAtK.estimate(10, 8, 3)).isEqualTo(1.0);
    }

    @Test
    void staysExactWhereFactorialsWouldOverflow() {
        int n = 1000;
        int c = 10;
        int k = 100;
        BigDecimal ratio = new BigDecimal(binomial(n - c, k)).divide(new BigDecimal(binomial(n, k)), MathContext.DECIMAL128);
        double exact = 1 - ratio.doubleValue();
        assertThat(PassAtK.estimate(n, c, k)).isCloseTo(exact, within(1e-12));
    }

    @Test
    void averagesOverTasks() {
        double mean = PassAtK.mean(List.of(new PassAtK.Counts(10, 3), new PassAtK.Counts(10, 0)), 1);
        assertThat(mean).isCloseTo(0.15, within(1e-12));
    }

    @Test
    void rejectsImpossibleCounts() {
        assertThatThrownBy(() -> PassAtK.estimate(5, 6, 1)).hasMessageContaining("c=6");
        assertThatThrownBy(() -> PassAtK.estimate(5, 1, 10)).hasMessageContaining("k=10 exceeds");
        assertThatThrownBy(() -> PassAtK.mean(List.of(), 1)).hasMessageContaining("no tasks");
    }

    private static BigInteger binomial(int n, int k) {
        BigInteger result = BigInteger.ONE;
        for (int i = 0; i < k; i++) {
            result = result.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        }
        return result;
    }
}
