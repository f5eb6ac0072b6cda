package ai.leti.executor.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Testcontainers;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;
import ai.leti.executor.hostile.HostileCase;
import ai.leti.executor.hostile.HostilePrograms;
import ai.leti.executor.hostile.HostileSuite;

/**
 * The Docker backend against a real engine: it builds {@code deploy/sandbox/Dockerfile}, runs honest and broken
 * programs, and the hostile programs that try to get out. Skips where no Docker engine answers (as on the build
 * machine); its twin there is {@code SandboxIT} and {@code HostileSuiteIT} on bubblewrap, and
 * {@code DockerWorkersTest} checks the container it asks for.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerSandboxIT {

    @TempDir
    Path host;

    @Test
    void runsProgramsInContainersAndNothingEscapes() throws Exception {
        Path context = Path.of("..", "deploy", "sandbox").toAbsolutePath().normalize();
        String image = new ImageFromDockerfile("leti/sandbox-python-test", false)
                .withFileFromPath(".", context).get();
        SandboxSettings settings = SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3))
                .withDocker(image, "");
        try (SandboxPool pool = SandboxPool.start(settings)) {
            assertThat(pool.run("def f(x):\n    return x + 1\n", "\nassert f(1) == 2\n").passed()).isTrue();
            Verdict wrong = pool.run("def f(x):\n    return x\n", "\nassert f(1) == 2\n");
            assertThat(wrong.category()).isEqualTo(ErrorCategory.ASSERTION);
            assertThat(wrong.feedback()).contains("File \"<program>\"").endsWith("AssertionError");

            Set<String> names = Set.of("fork bomb", "memory bomb", "infinite loop", "write outside the temp dir",
                    "read a host file", "network sockets", "signal and kill the parent", "a daemon that outlives its run");
            List<HostileCase> cases = HostilePrograms.ALL.stream().filter(hostile -> names.contains(hostile.name())).toList();
            HostileSuite.Report report = new HostileSuite(pool, host, System.out).run(cases);
            assertThat(report.escapes()).isZero();
            assertThat(report.outcomes()).allSatisfy(outcome -> assertThat(outcome.matched()).as(outcome.name()).isTrue());
        }
    }
}
