package ai.leti.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

/**
 * The Docker engine the Docker-mode tests run against, and the sandbox image built on it from
 * {@code deploy/sandbox/Dockerfile}, once per test JVM. No registry is reachable on the build machines: the image is
 * built on {@value #LOCAL_BASE} where that base exists ({@code ./leti engine} makes it with debootstrap), on the
 * Dockerfile's default base elsewhere.
 */
public final class LocalDockerEngine {

    public static final String LOCAL_BASE = "local/debian:bookworm";
    public static final String IMAGE = "leti/sandbox-python:test";

    private static Optional<String> image;
    private static String reason = "";

    private LocalDockerEngine() {
    }

    /** The sandbox image, built; empty (see {@link #whyNot()}) where no engine answers or the build fails. */
    public static synchronized Optional<String> sandboxImage() {
        if (image == null) {
            image = build();
        }
        return image;
    }

    /** Why {@link #sandboxImage()} is empty, for the skip message. */
    public static String whyNot() {
        return reason;
    }

    private static Optional<String> build() {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        try (DockerClient docker = DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(3))
                .responseTimeout(Duration.ofMinutes(5)).build())) {
            try {
                docker.pingCmd().exec();
            } catch (RuntimeException e) {
                reason = "no Docker engine answers at " + config.getDockerHost() + " (./leti engine starts one): "
                        + e.getMessage();
                return Optional.empty();
            }
            String base = hasImage(docker, LOCAL_BASE) ? LOCAL_BASE : null;
            var build = docker.buildImageCmd(Path.of("..", "deploy", "sandbox").toAbsolutePath().normalize().toFile())
                    .withTags(Set.of(IMAGE)).withPull(false);
            if (base != null) {
                build.withBuildArg("BASE", base);
            }
            build.start().awaitImageId();
            // An engine that builds may still be unable to run the sandbox's containers (cgroups, seccomp,
            // networking of the machine): one trial container with the backend's own limits tells.
            String trial = docker.createContainerCmd(IMAGE).withCmd("python3", "-c", "import seccomp")
                    .withUser(DockerWorkers.USER)
                    .withHostConfig(DockerWorkers.hostConfig(SandboxSettings.defaults().withDocker(IMAGE, ""))
                            .withAutoRemove(false))
                    .exec().getId();
            try {
                docker.startContainerCmd(trial).exec();
                int status = docker.waitContainerCmd(trial).start().awaitStatusCode(60, java.util.concurrent.TimeUnit.SECONDS);
                if (status != 0) {
                    reason = "a trial container of the sandbox image exited with status " + status + " on the engine at "
                            + config.getDockerHost();
                    return Optional.empty();
                }
            } finally {
                docker.removeContainerCmd(trial).withForce(true).exec();
            }
            return Optional.of(IMAGE);
        } catch (Exception e) {
            reason = "the sandbox image did not build on the Docker engine at " + config.getDockerHost() + ": " + e;
            return Optional.empty();
        }
    }

    /** Whether the engine has an OCI runtime of this name registered (gVisor's {@code runsc}, say). */
    public static boolean hasRuntime(String name) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        try (DockerClient docker = DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(3)).build())) {
            var runtimes = docker.infoCmd().exec().getRawValues().get("Runtimes");
            return runtimes instanceof java.util.Map<?, ?> map && map.containsKey(name);
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean hasImage(DockerClient docker, String name) {
        try {
            docker.inspectImageCmd(name).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
