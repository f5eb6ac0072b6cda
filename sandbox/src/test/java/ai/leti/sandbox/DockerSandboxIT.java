package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/**
 * The Docker backend against a real engine: the image built from {@code deploy/sandbox/Dockerfile}, honest and
 * broken programs, and the uids programs and tests run under. The whole hostile suite runs in this mode too
 * ({@code HostileSuiteIT}). Skips, saying why, where no engine answers; {@code ./leti engine} starts one on a
 * machine that can run it. Its twin without an engine is {@code DockerWorkersTest}, the container it asks for.
 */
class DockerSandboxIT {

    @Test
    void runsProgramsInContainersUnderUidsOfTheirOwn() {
        assumeTrue(LocalDockerEngine.sandboxImage().isPresent(), LocalDockerEngine::whyNot);
        SandboxSettings settings = SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3))
                .withDocker(LocalDockerEngine.sandboxImage().get(), "");
        try (SandboxPool pool = SandboxPool.start(settings)) {
            assertThat(pool.run("def f(x):\n    return x + 1\n", "\nassert f(1) == 2\n").passed()).isTrue();
            Verdict wrong = pool.run("def f(x):\n    return x\n", "\nassert f(1) == 2\n");
            assertThat(wrong.category()).isEqualTo(ErrorCategory.ASSERTION);
            assertThat(wrong.feedback()).contains("File \"<program>\"").endsWith("AssertionError");

            // The program reports its uid and every uid in its container's PID namespace: never the server's (0).
            Verdict uids = pool.run("""
                    import os
                    mine = os.getuid()
                    others = set()
                    for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
                        try:
                            others.add(int(open('/proc/%s/status' % pid).read().split('Uid:')[1].split()[0]))
                        except OSError:
                            pass
                    print('uids', mine, sorted(others))
                    """, "\nassert False\n");
            String line = uids.output().lines().filter(text -> text.startsWith("uids ")).findFirst().orElseThrow();
            int uid = Integer.parseInt(line.split(" ")[1]);
            assertThat(uid).isBetween(settings.sandboxUidBase(), settings.sandboxUidBase() + 1);
            assertThat(line).as("the server (root of the container) and the test process are there, under other uids")
                    .contains("0,").contains(Integer.toString(uid + SandboxPool.TEST_UID_OFFSET));

            // The engine's own directories show in the mount table (its overlay layers: gVisor hides them); nothing
            // of the service's does.
            Verdict mounts = pool.run("""
                    import re
                    text = open('/proc/self/mountinfo').read()
                    paths = set(re.findall(r'(?<![\\w.-])/[\\w.-]+/[\\w.-]+/[\\w./-]+', text))
                    print('engine', any(path.startswith('/var/lib/docker/') for path in paths))
                    print('leaks', sorted(p for p in paths if not re.match(r'/(var/lib/docker|proc|sys|dev)/', p)))
                    """, "\nassert False\n");
            assertThat(mounts.output()).as("the check sees the engine's paths").contains("engine True")
                    .as("no other host path").contains("leaks []");
        }
    }

    /**
     * The same backend with gVisor ({@code runsc}, Debian's package) as the containers' runtime, where the engine has
     * it registered ({@code ./leti engine} does where gVisor runs on the kernel): programs pass and fail as under
     * runc, under uids of their own, and what they see is gVisor's kernel, not the host's, with none of the engine's
     * paths in their mount table.
     */
    @Test
    void runsProgramsUnderGvisor() throws Exception {
        assumeTrue(LocalDockerEngine.sandboxImage().isPresent(), LocalDockerEngine::whyNot);
        assumeTrue(LocalDockerEngine.hasRuntime("runsc"), "the Docker engine has no runsc runtime: ./leti engine installs"
                + " Debian's runsc and registers it where gVisor runs on this kernel");
        SandboxSettings settings = SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(5))
                .withDocker(LocalDockerEngine.sandboxImage().get(), "runsc");
        String hostKernel = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/version")).strip();
        try (SandboxPool pool = SandboxPool.start(settings)) {
            Verdict right = pool.run("def f(x):\n    return x + 1\n", "\nassert f(1) == 2\n");
            assertThat(right.passed()).as(right.toString()).isTrue();
            Verdict wrong = pool.run("def f(x):\n    return x\n", "\nassert f(1) == 2\n");
            assertThat(wrong.category()).isEqualTo(ErrorCategory.ASSERTION);
            assertThat(wrong.feedback()).contains("File \"<program>\"").endsWith("AssertionError");

            Verdict seen = pool.run("""
                    import os, re
                    print('uid', os.getuid())
                    print('kernel', open('/proc/version').read().strip())
                    print('engine', '/var/lib/docker/' in open('/proc/self/mountinfo').read())
                    """, "\nassert False\n");
            assertThat(seen.output()).contains("engine False");
            String kernel = seen.output().lines().filter(line -> line.startsWith("kernel ")).findFirst().orElseThrow();
            assertThat(kernel.substring("kernel ".length())).as("gVisor's kernel, not the host's").isNotEqualTo(hostKernel);
            int uid = Integer.parseInt(seen.output().lines().filter(line -> line.startsWith("uid ")).findFirst()
                    .orElseThrow().substring(4));
            assertThat(uid).isBetween(settings.sandboxUidBase(), settings.sandboxUidBase() + 1);
        }
    }
}
