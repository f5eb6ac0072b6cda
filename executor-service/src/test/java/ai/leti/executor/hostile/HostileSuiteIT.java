package ai.leti.executor.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.executor.sandbox.Isolation;
import ai.leti.executor.sandbox.SandboxPool;
import ai.leti.executor.sandbox.SandboxSettings;

/** The hostile-program suite against the real sandbox: every verdict as expected, nothing escapes. */
class HostileSuiteIT {

    @TempDir
    Path host;

    private final PrintStream log = System.out;

    @Test
    void nothingEscapesTheSandboxAndItsThroughputHolds() throws Exception {
        try (SandboxPool pool = SandboxPool.start(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3)))) {
            HostileSuite.Report report = new HostileSuite(pool, host, log).run();
            long skipped = pool.boundsWorkersAsAWhole() ? 0
                    : HostilePrograms.ALL.stream().filter(HostileCase::needsWorkerBound).count();
            assertThat(report.tried()).isEqualTo(HostilePrograms.ALL.size() - skipped).isGreaterThanOrEqualTo(34);
            assertThat(report.outcomes()).allSatisfy(outcome -> {
                assertThat(outcome.escapes()).as(outcome.name()).isEmpty();
                assertThat(outcome.matched()).as(outcome.name() + ": " + outcome.verdict()).isTrue();
                assertThat(outcome.recoverySeconds()).as(outcome.name() + ": back to work").isLessThan(5);
            });
            assertThat(report.programsPerSecondAfter()).as("throughput after the suite")
                    .isGreaterThan(0.7 * report.programsPerSecondBefore());
        }
    }

    /**
     * The checks can fail: with isolation off (the program and its tests in one process, as in OpenAI's harness,
     * and no namespaces or seccomp), the programs that try to get out, to forge a verdict, to choose their feedback
     * or to read the tests do.
     */
    @Test
    void theEscapeChecksSeeEscapesWhenIsolationIsOff() throws Exception {
        Set<String> escaping = Set.of("write outside the temp dir", "read a host file", "network sockets",
                "a daemon that outlives its run", "walk frames and memory for the verdict's nonce",
                "replace the builtins the tests run with", "an object equal to everything",
                "a library object equal to everything, under a forged name",
                "patch the library and builtins the tests rely on", "read the tests' text",
                "pose as the sandbox's own failure", "forge its feedback",
                "kernel surface: io_uring, namespaces, the mount APIs, keys, bpf, perf, userfaultfd",
                "memory held together by several processes");
        List<HostileCase> cases = HostilePrograms.ALL.stream().filter(hostile -> escaping.contains(hostile.name())).toList();
        assertThat(cases).hasSize(escaping.size());
        try (SandboxPool pool = SandboxPool.start(SandboxSettings.defaults().withWorkers(1).withIsolation(Isolation.NONE)
                .withTimeout(Duration.ofSeconds(3)))) {
            HostileSuite.Report report = new HostileSuite(pool, host, log).run(cases);
            assertThat(report.outcomes()).allSatisfy(outcome -> assertThat(outcome.escapes()).as(outcome.name()).isNotEmpty());
        }
    }
}
