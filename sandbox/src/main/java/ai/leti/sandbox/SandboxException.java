package ai.leti.sandbox;

/** The sandbox itself cannot work (not a program's failure): missing bubblewrap, a worker that cannot start. */
public class SandboxException extends RuntimeException {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
