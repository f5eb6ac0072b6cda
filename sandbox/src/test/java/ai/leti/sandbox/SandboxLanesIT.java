package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/** Timeouts do not hold a lane: a program still running after deprioritize-after gives its lane to the next. */
class SandboxLanesIT {

    private static final String QUICK = "def f(x):\n    return x + 1\n";
    private static final String TESTS = "\nassert f(1) == 2\n";

    @Test
    void aLoopingProgramGivesItsLaneBackAndStillGetsItsWholeTimeout() throws Exception {
        SandboxSettings settings = SandboxSettings.defaults().withWorkers(1).withTimeout(Duration.ofSeconds(4));
        assertThat(settings.deprioritizeAfter()).isEqualTo(Duration.ofSeconds(1));
        try (SandboxPool pool = SandboxPool.start(settings)) {
            assertThat(pool.callers()).as("one lane and its spare").isEqualTo(2);
            ExecutorService callers = Executors.newFixedThreadPool(pool.callers());
            try {
                long started = System.nanoTime();
                CompletableFuture<Verdict> loop = CompletableFuture.supplyAsync(
                        () -> pool.run("def f(x):\n    while True:\n        pass\n", TESTS), callers);
                Thread.sleep(200);
                List<Double> quickDoneAt = new ArrayList<>();
                CompletableFuture<Void> quick = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 6; i++) {
                        assertThat(pool.run(QUICK, TESTS).passed()).isTrue();
                        quickDoneAt.add((System.nanoTime() - started) / 1e9);
                    }
                }, callers);
                quick.get();
                Verdict looped = loop.get();
                double loopDoneAt = (System.nanoTime() - started) / 1e9;
                assertThat(looped.category()).isEqualTo(ErrorCategory.TIMEOUT);
                assertThat(looped.durationMillis()).as("its whole wall-clock limit").isGreaterThan(3900);
                // The quick programs waited for the lane (about 1 s), not for the loop's timeout (4 s).
                assertThat(quickDoneAt).allSatisfy(at -> assertThat(at).isLessThan(loopDoneAt - 1.0));
                assertThat(quickDoneAt.get(quickDoneAt.size() - 1)).isLessThan(3.0);
            } finally {
                callers.shutdownNow();
            }
        }
    }
}
