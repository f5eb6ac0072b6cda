package ai.leti.common.eval;

import java.util.Collection;

/**
 * The unbiased pass@k estimator of Chen et al. (2021): {@code 1 - C(n-c, k) / C(n, k)} for n samples
 * of which c are correct, computed as the product {@code prod_{i=n-c+1..n} (1 - k/i)} so it never
 * forms a factorial and stays exact to double precision for any n.
 */
public final class PassAtK {

    private PassAtK() {
    }

    public static double estimate(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n || k < 1) {
            throw new IllegalArgumentException("need n >= 1, 0 <= c <= n, k >= 1; got n=" + n + " c=" + c + " k=" + k);
        }
        if (k > n) {
            throw new IllegalArgumentException("k=" + k + " exceeds the " + n + " samples available");
        }
        if (n - c < k) {
            return 1.0;
        }
        double failAll = 1.0;
        for (int i = n - c + 1; i <= n; i++) {
            failAll *= 1.0 - (double) k / i;
        }
        return 1.0 - failAll;
    }

    /** Samples and correct samples of one task. */
    public record Counts(int samples, int correct) {
    }

    /** Mean pass@k over tasks; tasks with fewer than k samples make it undefined, so they are an error. */
    public static double mean(Collection<Counts> tasks, int k) {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("no tasks to average");
        }
        double sum = 0;
        for (Counts counts : tasks) {
            sum += estimate(counts.samples(), counts.correct(), k);
        }
        return sum / tasks.size();
    }
}
