package ai.leti.sandbox.feedback;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;
import ai.leti.sandbox.WorkerResponse;

/**
 * Turns what the interpreter said into LETI's textual feedback and an error category.
 *
 * <p>The feedback keeps the traceback frames of the program only (the sandbox harness and standard
 * library frames are dropped), with line numbers that already count from the first line of
 * {@code prompt + completion} because the harness compiles that text, followed by its tests, as one
 * file named {@value #PROGRAM_FILE}; then the exception line. Python 3.11's caret lines under call frames
 * are dropped: they repeat the source line's position and cost tokens (a syntax error's caret stays).
 * A timeout is the fixed text {@code Timeout}.
 */
public final class FeedbackExtractor {

    public static final String PROGRAM_FILE = "<program>";
    private static final String HEADER = "Traceback (most recent call last):";
    private static final Pattern FRAME = Pattern.compile("^  File \"(.*)\", line \\d+(, in .*)?$");
    private static final Pattern CARETS = Pattern.compile("^\\s*[\\^~]+\\s*$");
    private static final int MAX_FEEDBACK_CHARS = 4000;

    private FeedbackExtractor() {
    }

    /** The verdict for one worker response. */
    public static Verdict verdict(WorkerResponse response) {
        String output = response.output() == null ? "" : response.output();
        return switch (response.status()) {
            case "passed" -> new Verdict(true, ErrorCategory.NONE, "", output, response.ms());
            case "timeout" -> new Verdict(false, ErrorCategory.TIMEOUT, Verdict.TIMEOUT_FEEDBACK, output, response.ms());
            case "failed" -> failed(response, output);
            case "signaled" -> signaled(response, output);
            case "exited" -> new Verdict(false, ErrorCategory.OTHER, response.exitCode() == null
                    ? "The program ended before its tests finished"
                    : "The program exited with status " + response.exitCode() + " before its tests finished",
                    output, response.ms());
            default -> new Verdict(false, ErrorCategory.SANDBOX, "Sandbox error: "
                    + (response.error() == null ? response.status() : response.error()), output, response.ms());
        };
    }

    private static Verdict failed(WorkerResponse response, String output) {
        // Only the server's own "error" status is the sandbox's fault; no exception name a program can raise is.
        String type = response.excType() == null ? "" : response.excType();
        ErrorCategory category = response.outputLimit() && type.endsWith("Error") && isOutputError(response.traceback())
                ? ErrorCategory.OUTPUT_LIMIT : categorize(type);
        return new Verdict(false, category, reduce(response.traceback()), output, response.ms());
    }

    private static boolean isOutputError(String traceback) {
        return traceback != null && traceback.contains("[Errno 27]");
    }

    private static Verdict signaled(WorkerResponse response, String output) {
        String signal = response.signalName() == null ? "a signal" : response.signalName();
        if ("SIGXCPU".equals(signal)) {
            return new Verdict(false, ErrorCategory.TIMEOUT, Verdict.TIMEOUT_FEEDBACK, output, response.ms());
        }
        ErrorCategory category = "SIGXFSZ".equals(signal) ? ErrorCategory.OUTPUT_LIMIT : ErrorCategory.OTHER;
        return new Verdict(false, category, "Fatal: the program was killed by " + signal, output, response.ms());
    }

    /** The error category of an exception type name as Python prints it. */
    public static ErrorCategory categorize(String exceptionType) {
        return switch (exceptionType) {
            case "SyntaxError", "IndentationError", "TabError" -> ErrorCategory.SYNTAX;
            case "NameError", "UnboundLocalError" -> ErrorCategory.NAME;
            case "TypeError" -> ErrorCategory.TYPE;
            case "AssertionError" -> ErrorCategory.ASSERTION;
            case "MemoryError" -> ErrorCategory.MEMORY;
            default -> ErrorCategory.OTHER;
        };
    }

    /**
     * Reduces a full Python traceback to the program's own frames and the exception lines. A syntax error
     * keeps its location block ({@code File "<program>", line N}) without the traceback header, as Python
     * prints it for a script.
     */
    public static String reduce(String traceback) {
        if (traceback == null || traceback.isBlank()) {
            return "";
        }
        List<String> frames = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        boolean keeping = false;
        boolean callFrame = false;
        boolean inFrames = false;
        boolean hasCallFrame = false;
        for (String line : traceback.split("\n", -1)) {
            if (line.equals(HEADER)) {
                inFrames = true;
                continue;
            }
            Matcher frame = FRAME.matcher(line);
            if (frame.matches()) {
                inFrames = true;
                keeping = PROGRAM_FILE.equals(frame.group(1));
                callFrame = frame.group(2) != null;
                if (keeping) {
                    frames.add(line);
                    hasCallFrame |= callFrame;
                }
                continue;
            }
            if (inFrames && (line.startsWith("    ") || line.startsWith("  [Previous line repeated"))) {
                // A syntax error's caret points at the column and stays; a call frame's only repeats the line.
                if (keeping && !(callFrame && CARETS.matcher(line).matches())) {
                    frames.add(line);
                }
                continue;
            }
            inFrames = false;
            keeping = false;
            if (!line.isEmpty() && !CARETS.matcher(line).matches()) {
                tail.add(line);
            }
        }
        StringBuilder feedback = new StringBuilder();
        if (hasCallFrame) {
            feedback.append(HEADER).append('\n');
        }
        frames.forEach(line -> feedback.append(line).append('\n'));
        tail.forEach(line -> feedback.append(line).append('\n'));
        String text = feedback.toString().stripTrailing();
        return text.length() <= MAX_FEEDBACK_CHARS ? text
                : "..." + text.substring(text.length() - MAX_FEEDBACK_CHARS + 3);
    }

}
