package ai.leti.executor.sandbox;

/** How a worker is isolated from the host. */
public enum Isolation {
    /**
     * The production setting: each worker inside bubblewrap (own PID, network, IPC, UTS namespaces,
     * read-only /usr, private size-capped /tmp), rlimits, seccomp and an unprivileged uid per program.
     */
    BWRAP,
    /** The same fork server with every isolation layer off: for measuring their cost, never for untrusted code. */
    NONE
}
