package ai.leti.sandbox;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/**
 * The verdict of one worker response: passed or not, the error category, and the interpreter's feedback as it
 * said it (the traceback whole, as the sandbox's test process formatted it; a timeout is the fixed text
 * {@code Timeout}). What the model sees of it is decided in one place, where training texts are made
 * ({@link ai.leti.common.leti.Feedback}).
 */
public final class Verdicts {

    private Verdicts() {
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
                ? ErrorCategory.OUTPUT_LIMIT : ErrorCategory.ofException(type);
        String traceback = response.traceback() == null ? "" : response.traceback().stripTrailing();
        return new Verdict(false, category, traceback, output, response.ms());
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

}
