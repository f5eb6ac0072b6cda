package ai.leti.cli.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.sandbox.Isolation;
import ai.leti.sandbox.LocalDockerEngine;
import ai.leti.sandbox.SandboxPool;
import ai.leti.sandbox.SandboxSettings;

/** The hostile-program suite against the real sandbox: every verdict as expected, nothing escapes. */
class HostileSuiteIT {

    @TempDir
    Path host;

    private final PrintStream log = System.out;

    /** As the service runs: root (the demo, CI) gives programs and tests uids of their own. */
    @Test
    void nothingEscapesTheSandboxAndItsThroughputHolds() throws Exception {
        assertHolds(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3)));
    }

    /**
     * As the Kubernetes pod runs its workers: uid 10001, no capability, no user namespace to map others. Programs
     * share the server's uid there; the suite shows what holds instead.
     */
    @Test
    void nothingEscapesWhenTheWorkersRunAsThePodDoes() throws Exception {
        assumeTrue(SandboxPool.isRoot(),
                "the service is not root: the test above runs in the non-root mode already");
        assertHolds(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3)).runningAs(SandboxSettings.POD_UID));
    }

    /** The Docker backend against a real engine (skips, saying why, where none answers: ./leti engine starts one). */
    @Test
    void nothingEscapesTheDockerBackend() throws Exception {
        assumeTrue(LocalDockerEngine.sandboxImage().isPresent(), LocalDockerEngine::whyNot);
        assertHolds(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3))
                .withDocker(LocalDockerEngine.sandboxImage().get(), ""));
    }

    /**
     * What gVisor (Debian's runsc 20221219, ptrace platform) gives up of this sandbox's design, found by the suite:
     * why {@code leti.sandbox.docker-runtime=runsc} is not recommended (README, "The sandbox").
     */
    static final Map<String, String> GVISOR_GIVES_UP = Map.of(
            "fork bomb", "the ptrace platform gives every task a host process, so the bomb reaches the container's pids"
                    + " limit, on which gVisor's kernel panics: the whole worker goes, and the failure is booked as the"
                    + " sandbox's (kept out of training) instead of the program's",
            "reach other processes through /proc: memory, descriptors, environment", "gVisor's /proc lets a program"
                    + " read another uid's environ and fd entries, which Linux refuses (ptrace access checks)",
            "memory held together by several processes", "ends by the timeout instead of the memory limit");

    /**
     * The Docker backend with gVisor ({@code runsc}) as the runtime, where the engine has it registered (./leti engine
     * does where gVisor runs): the same suite, under a kernel that is not the host's. Everything holds but the cases
     * of {@link #GVISOR_GIVES_UP}, which are printed; none of them reaches the host.
     */
    @Test
    void underGvisorEverythingHoldsButWhatGvisorGivesUp() throws Exception {
        assumeTrue(LocalDockerEngine.sandboxImage().isPresent(), LocalDockerEngine::whyNot);
        assumeTrue(LocalDockerEngine.hasRuntime("runsc"), "the Docker engine has no runsc runtime: ./leti engine"
                + " installs Debian's runsc and registers it where gVisor runs on this kernel");
        assertHolds(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3))
                .withDocker(LocalDockerEngine.sandboxImage().get(), "runsc"), GVISOR_GIVES_UP.keySet());
    }

    private void assertHolds(SandboxSettings settings) throws Exception {
        assertHolds(settings, Set.of());
    }

    private void assertHolds(SandboxSettings settings, Set<String> givenUp) throws Exception {
        try (SandboxPool pool = SandboxPool.start(settings)) {
            HostileSuite.Report report = new HostileSuite(pool, host, log).run();
            long skipped = pool.boundsWorkersAsAWhole() ? 0
                    : HostilePrograms.ALL.stream().filter(HostileCase::needsWorkerBound).count();
            assertThat(report.tried()).isEqualTo(HostilePrograms.ALL.size() - skipped).isGreaterThanOrEqualTo(38);
            assertThat(report.outcomes()).allSatisfy(outcome -> {
                assertThat(outcome.recoverySeconds()).as(outcome.name() + ": back to work").isLessThan(5);
                if (givenUp.contains(outcome.name())) {
                    return;
                }
                assertThat(outcome.escapes()).as(outcome.name()).isEmpty();
                assertThat(outcome.matched()).as(outcome.name() + ": " + outcome.verdict()).isTrue();
            });
            assertThat(report.outcomes()).extracting(HostileSuite.Outcome::name).as("the cases given up exist")
                    .containsAll(givenUp);
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
