package ai.leti.common.messages;

/**
 * Why a program failed, coarse enough to be a metric tag and a report column.
 * {@link #NONE} means the program passed; {@link #SANDBOX} means the sandbox, not the program, failed.
 */
public enum ErrorCategory {
    NONE,
    SYNTAX,
    NAME,
    TYPE,
    ASSERTION,
    TIMEOUT,
    MEMORY,
    OUTPUT_LIMIT,
    OTHER,
    SANDBOX;

    /** Lower-case name used in metric tags and JSON reports. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The error category of an exception type name as Python prints it. */
    public static ErrorCategory ofException(String exceptionType) {
        return switch (exceptionType) {
            case "SyntaxError", "IndentationError", "TabError" -> SYNTAX;
            case "NameError", "UnboundLocalError" -> NAME;
            case "TypeError" -> TYPE;
            case "AssertionError" -> ASSERTION;
            case "MemoryError" -> MEMORY;
            default -> OTHER;
        };
    }
}
