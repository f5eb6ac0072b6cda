package ai.leti.sandbox;

/** How a worker is isolated from the host. */
public enum Isolation {
    /**
     * The production setting: each worker inside bubblewrap (own PID, network, IPC, UTS namespaces,
     * read-only /usr, private size-capped /tmp), rlimits, seccomp and an unprivileged uid per program.
     */
    BWRAP,
    /**
     * One container per worker through the Docker engine ({@code leti.sandbox.docker-image}): no network, a
     * read-only root, memory and pids limits, all capabilities dropped, optionally another runtime such as gVisor
     * ({@code leti.sandbox.docker-runtime=runsc}); inside it the same rlimits and seccomp as with bubblewrap.
     */
    DOCKER,
    /** The same fork server with every isolation layer off: for measuring their cost, never for untrusted code. */
    NONE
}
