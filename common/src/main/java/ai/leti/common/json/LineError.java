package ai.leti.common.json;

import java.nio.file.Path;

/**
 * A line of a JSON-lines file that cannot be used: its file, its 1-based number, and why. The message reads
 * {@code file:line: reason}; callers that must not show the reason (it may quote the file) can still say where.
 */
public final class LineError extends IllegalArgumentException {

    private final transient Path file;
    private final int line;
    private final String reason;

    public LineError(Path file, int line, String reason, Throwable cause) {
        super(file + ":" + line + ": " + reason, cause);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
