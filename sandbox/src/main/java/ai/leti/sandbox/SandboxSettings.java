package ai.leti.sandbox;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a {@link SandboxPool} needs; the service binds it from {@code leti.sandbox.*}, the CLI
 * builds it from options.
 *
 * @param python          the interpreter (Debian's {@code /usr/bin/python3}: its {@code python3-seccomp} is used)
 * @param workers         pre-started fork servers, i.e. programs run at once
 * @param timeout         default wall-clock limit per program
 * @param memoryBytes     address-space limit per program
 * @param maxProcesses    process limit per program (fork bombs stop here)
 * @param maxOutputBytes  limit on captured output and on any file the program writes
 * @param maxOpenFiles    open file descriptors per program
 * @param scratchBytes    size of each worker's private /tmp
 * @param sandboxUidBase  first unprivileged uid programs run as when the service runs as root (one per worker)
 * @param deprioritizeAfter wall time after which a still-running program drops to nice 19, so the quick programs
 *                        of other workers get the CPU first; zero keeps equal shares. A program that legitimately
 *                        needs more CPU than this may then time out sooner on a loaded executor.
 * @param dockerImage     with {@link Isolation#DOCKER}: the image workers run in (Python 3 with python3-seccomp)
 * @param dockerRuntime   with {@link Isolation#DOCKER}: the OCI runtime ({@code runsc} for gVisor), blank for the default
 * @param verdictBoundary the program in a process of its own and its tests in another, with only plain data between
 *                        them (always, but in {@code ./leti bench executor}, which measures what the boundary costs
 *                        against the program and its tests in one process; {@link Isolation#NONE} has no boundary)
 * @param runAsUid        null: the workers run as the service. A uid: a service that runs as root starts its
 *                        bubblewrap workers as this uid with no capability at all, exactly as a Kubernetes pod with
 *                        {@code runAsUser} and no user namespace runs them (the non-root mode: programs then share
 *                        the server's uid, and what holds instead is in SECURITY.md). For tests and
 *                        {@code ./leti hostile --run-as}; a service that is not root ignores it.
 */
public record SandboxSettings(
        Path python,
        int workers,
        Duration timeout,
        Isolation isolation,
        boolean seccomp,
        long memoryBytes,
        int maxProcesses,
        long maxOutputBytes,
        int maxOpenFiles,
        long scratchBytes,
        int sandboxUidBase,
        Duration deprioritizeAfter,
        Duration startTimeout,
        String dockerImage,
        String dockerRuntime,
        boolean verdictBoundary,
        Integer runAsUid) {

    /** The uid the Kubernetes manifests run the executor as (what {@link #runningAs} reproduces on a root machine). */
    public static final int POD_UID = 10001;

    /** Built from {@code deploy/sandbox/Dockerfile}. */
    public static final String DEFAULT_DOCKER_IMAGE = "leti/sandbox-python:0.1.0";

    public SandboxSettings {
        if (workers < 1) {
            throw new IllegalArgumentException("leti.sandbox.workers must be at least 1, got " + workers);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("leti.sandbox.timeout must be positive, got " + timeout);
        }
        if (isolation == Isolation.NONE && seccomp) {
            seccomp = false; // seccomp is one of the layers that "isolation off" turns off
        }
    }

    /** The defaults the service and the CLI start from. */
    public static SandboxSettings defaults() {
        return new SandboxSettings(Path.of("/usr/bin/python3"), Math.max(2, Runtime.getRuntime().availableProcessors()),
                Duration.ofSeconds(5), Isolation.BWRAP, true, 1L << 30, 64, 1L << 20, 64, 256L << 20, 61000,
                Duration.ofSeconds(1), Duration.ofSeconds(30), DEFAULT_DOCKER_IMAGE, "", true, null);
    }

    public SandboxSettings withDocker(String image, String runtime) {
        return new SandboxSettings(python, workers, timeout, Isolation.DOCKER, true, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, image,
                runtime == null ? "" : runtime, verdictBoundary, runAsUid);
    }

    public SandboxSettings withWorkers(int count) {
        return new SandboxSettings(python, count, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage, dockerRuntime, verdictBoundary, runAsUid);
    }

    public SandboxSettings withTimeout(Duration limit) {
        return new SandboxSettings(python, workers, limit, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage, dockerRuntime, verdictBoundary, runAsUid);
    }

    public SandboxSettings withPython(Path interpreter) {
        return new SandboxSettings(interpreter, workers, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage, dockerRuntime, verdictBoundary, runAsUid);
    }

    /** Zero keeps equal shares and no spare workers: a looping program holds its lane to its timeout. */
    public SandboxSettings withDeprioritizeAfter(Duration after) {
        return new SandboxSettings(python, workers, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, after, startTimeout, dockerImage,
                dockerRuntime, verdictBoundary, runAsUid);
    }

    /** Benchmarks only: false runs a program and its tests in one process, as before the boundary existed. */
    public SandboxSettings withVerdictBoundary(boolean boundary) {
        return new SandboxSettings(python, workers, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage,
                dockerRuntime, boundary, runAsUid);
    }

    /** Workers as this unprivileged uid, with no capability (see {@code runAsUid}); null: as the service. */
    public SandboxSettings runningAs(Integer uid) {
        return new SandboxSettings(python, workers, timeout, isolation, seccomp, memoryBytes, maxProcesses,
                maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage,
                dockerRuntime, verdictBoundary, uid);
    }

    /** Bubblewrap and Docker come with seccomp; {@link Isolation#NONE} turns it off. */
    public SandboxSettings withIsolation(Isolation mode) {
        return new SandboxSettings(python, workers, timeout, mode, mode != Isolation.NONE, memoryBytes,
                maxProcesses, maxOutputBytes, maxOpenFiles, scratchBytes, sandboxUidBase, deprioritizeAfter, startTimeout, dockerImage, dockerRuntime, verdictBoundary, runAsUid);
    }
}
