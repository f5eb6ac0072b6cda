package ai.leti.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One answer line of the Python fork server, as it wrote it. {@code status} is one of
 * {@code passed}, {@code failed} (with the exception type and full traceback), {@code timeout},
 * {@code signaled} (killed by a signal), {@code exited} (left before its tests finished) or
 * {@code error} (the server could not run the request: the only status that makes a run the sandbox's fault).
 * {@code restart}: the server answered, but its worker should be replaced before the next program (its cleanup
 * did not finish, or it lost a helper process).
 */
public record WorkerResponse(
        String id,
        String status,
        @JsonProperty("exc_type") String excType,
        String traceback,
        @JsonProperty("signal_name") String signalName,
        @JsonProperty("exit_code") Integer exitCode,
        String error,
        double ms,
        String output,
        @JsonProperty("output_bytes") long outputBytes,
        @JsonProperty("output_limit") boolean outputLimit,
        Boolean restart) {

    /** Whether the worker should be replaced after this answer (absent: no). */
    boolean restartRequested() {
        return Boolean.TRUE.equals(restart);
    }

    static WorkerResponse sandboxFailure(String id, String why) {
        return new WorkerResponse(id, "error", null, null, null, null, why, 0, "", 0, false, false);
    }

    /** The kernel killed a process of the worker because all of them together reached the worker's memory bound. */
    static WorkerResponse memoryExceeded(WorkerResponse seen, long bytes) {
        return new WorkerResponse(seen.id(), "failed", "MemoryError", "MemoryError: the program's processes together used more"
                + " than " + (bytes >> 20) + " MiB", null, null, null, seen.ms(), seen.output(), seen.outputBytes(),
                seen.outputLimit(), seen.restart());
    }

    static WorkerResponse timedOut(String id, double ms) {
        return new WorkerResponse(id, "timeout", null, null, null, null, null, ms, "", 0, false, false);
    }
}
