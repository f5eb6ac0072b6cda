package ai.leti.common.leti;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides what the model sees of the interpreter's feedback. The executors publish it raw (the
 * traceback the sandbox's test process formatted, bounded only by the sandbox's own 16 KiB; or a fixed text:
 * {@code Timeout}, {@code Fatal: ...}); the trainer turns it into the feedback span with {@link #forModel}:
 * <ol>
 * <li>{@link #reduce}: the traceback frames of the program only (harness and standard-library frames dropped), with
 * line numbers that count from the first line of {@code prompt + completion} because the sandbox compiles that text,
 * followed by its tests, as one file named {@value #PROGRAM_FILE}; then the exception line. Python 3.11's caret lines
 * under call frames are dropped: they repeat the source line's position and cost tokens (a syntax error's caret
 * stays).</li>
 * <li>its last {@code maxTokens} tokens (the CPU recipe keeps 60), so that the exception line always survives.</li>
 * </ol>
 * {@link LetiFormat#trainingText} then wraps it in {@code <|lang_feedback|>}...{@code <|/lang_feedback|>}.
 */
public final class Feedback {

    public static final String PROGRAM_FILE = "<program>";
    private static final String HEADER = "Traceback (most recent call last):";
    private static final Pattern FRAME = Pattern.compile("^  File \"(.*)\", line \\d+(, in .*)?$");
    private static final Pattern CARETS = Pattern.compile("^\\s*[\\^~]+\\s*$");

    /** A tokenizer as far as the feedback's cut needs one. */
    public interface Tokens {
        int[] encode(String text);

        String decode(int[] ids);
    }

    private Feedback() {
    }

    /** The feedback span's text: {@link #reduce}d, then its last {@code maxTokens} tokens ({@code 0}: all of it). */
    public static String forModel(String raw, int maxTokens, Tokens tokens) {
        String feedback = reduce(raw);
        if (maxTokens > 0 && !feedback.isEmpty()) {
            int[] ids = tokens.encode(feedback);
            if (ids.length > maxTokens) {
                feedback = tokens.decode(Arrays.copyOfRange(ids, ids.length - maxTokens, ids.length));
            }
        }
        return feedback;
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
        return feedback.toString().stripTrailing();
    }
}
