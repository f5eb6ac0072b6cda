package ai.leti.cli.sandbox;

import java.nio.file.Path;
import java.time.Duration;

import ai.leti.sandbox.Isolation;
import ai.leti.sandbox.SandboxSettings;
import picocli.CommandLine.Option;

/** Sandbox options shared by the commands that run programs. */
final class SandboxOptions {

    @Option(names = "--timeout", defaultValue = "5", description = "Seconds per program (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--workers", description = "Programs run at once (default: the number of CPUs, at least 2).")
    Integer workers;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Interpreter to run programs with (default: ${DEFAULT-VALUE}).")
    Path python;

    @Option(names = "--isolation", defaultValue = "bwrap",
            description = "bwrap (default), docker (./leti engine starts one here), or none (trusted code only): "
                    + "${COMPLETION-CANDIDATES}.")
    Isolation isolation;

    @Option(names = "--docker-image", defaultValue = SandboxSettings.DEFAULT_DOCKER_IMAGE,
            description = "With --isolation docker: the workers' image (default: ${DEFAULT-VALUE}).")
    String dockerImage;

    @Option(names = "--run-as", description = "With bubblewrap, as root: start the workers as this uid with no"
            + " capability, as the Kubernetes pod does (10001); programs then share the server's uid.")
    Integer runAs;

    SandboxSettings settings() {
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 600)) {
            throw new IllegalArgumentException("--timeout must be within (0, 600] seconds, got " + timeoutSeconds);
        }
        if (workers != null && (workers < 1 || workers > 256)) {
            throw new IllegalArgumentException("--workers must be within 1..256, got " + workers);
        }
        SandboxSettings settings = SandboxSettings.defaults().withPython(python).withIsolation(isolation)
                .withTimeout(Duration.ofNanos((long) (timeoutSeconds * 1e9))).runningAs(runAs);
        if (isolation == Isolation.DOCKER) {
            settings = settings.withDocker(dockerImage, "");
        }
        return workers == null ? settings : settings.withWorkers(workers);
    }
}
