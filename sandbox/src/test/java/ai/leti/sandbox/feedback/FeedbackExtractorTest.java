package ai.leti.sandbox.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;

/** Feedback extraction on real interpreter output: Python runs each program under a harness frame of its own. */
class FeedbackExtractorTest {

    /** Like the sandbox harness: compiles the program as "<program>" from a frame the feedback must not show. */
    private static final String HARNESS = String.join("\n",
            "import sys, traceback, linecache",
            "src = sys.stdin.read()",
            "linecache.cache['<program>'] = (len(src), None, src.splitlines(True), '<program>')",
            "def run_program():",
            "    exec(compile(src, '<program>', 'exec'), {'__name__': '__main__'})",
            "try:",
            "    run_program()",
            "except BaseException as e:",
            "    print(type(e).__name__)",
            "    print(''.join(traceback.format_exception(type(e), e, e.__traceback__, chain=False)), end='')",
            "");

    private record Interpreted(String excType, String traceback) {
        String feedback() {
            return FeedbackExtractor.reduce(traceback);
        }

        ErrorCategory category() {
            return FeedbackExtractor.categorize(excType);
        }
    }

    private static Interpreted python(String program) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("/usr/bin/python3", "-I", "-c", HARNESS).redirectErrorStream(true).start();
        process.getOutputStream().write(program.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int newline = out.indexOf('\n');
        return new Interpreted(out.substring(0, newline), out.substring(newline + 1));
    }

    @Test
    void assertionFailureKeepsTheAssertFrameWithItsLineInTheProgram() throws Exception {
        Interpreted run = python("def add(a, b):\n    return a - b\n\nassert add(1, 2) == 3\n");
        assertThat(run.traceback()).contains("run_program"); // the harness frame is in the raw output ...
        assertThat(run.feedback()).isEqualTo("""
                Traceback (most recent call last):
                  File "<program>", line 4, in <module>
                    assert add(1, 2) == 3
                AssertionError""");  // ... and not in the feedback
        assertThat(run.category()).isEqualTo(ErrorCategory.ASSERTION);
    }

    @Test
    void nameErrorShowsTheCallChainInsideTheProgram() throws Exception {
        Interpreted run = python("def f(x):\n    return g(x)\n\nassert f(1) == 2\n");
        assertThat(run.feedback()).isEqualTo("""
                Traceback (most recent call last):
                  File "<program>", line 4, in <module>
                    assert f(1) == 2
                  File "<program>", line 2, in f
                    return g(x)
                NameError: name 'g' is not defined""");
        assertThat(run.category()).isEqualTo(ErrorCategory.NAME);
    }

    @Test
    void typeErrorDropsStandardLibraryFrames() throws Exception {
        Interpreted run = python("import heapq\ndef top(xs):\n    return heapq.nlargest('2', xs)\n\nassert top([3, 1]) == [3]\n");
        assertThat(run.traceback()).contains("heapq.py");
        assertThat(run.feedback()).doesNotContain("heapq.py").contains("line 3, in top").endsWith(
                "TypeError: '>=' not supported between instances of 'str' and 'int'");
        assertThat(run.category()).isEqualTo(ErrorCategory.TYPE);
    }

    @Test
    void syntaxErrorKeepsItsLocationAndCaretWithoutTracebackHeader() throws Exception {
        Interpreted run = python("def f(x:\n    return x\n");
        assertThat(run.feedback()).startsWith("  File \"<program>\", line 1\n    def f(x:\n").contains("^")
                .endsWith("SyntaxError: '(' was never closed").doesNotContain("Traceback");
        assertThat(run.category()).isEqualTo(ErrorCategory.SYNTAX);
    }

    @Test
    void indentationErrorIsASyntaxError() throws Exception {
        Interpreted run = python("def f(x):\nreturn x\n");
        assertThat(run.excType()).isEqualTo("IndentationError");
        assertThat(run.category()).isEqualTo(ErrorCategory.SYNTAX);
    }

    @Test
    void memoryErrorIsCategorised() throws Exception {
        Interpreted run = python("def grow():\n    return bytearray(1 << 60)\n\ngrow()\n");
        assertThat(run.feedback()).endsWith("MemoryError");
        assertThat(run.category()).isEqualTo(ErrorCategory.MEMORY);
    }

    @Test
    void otherErrorsKeepTheirMessage() throws Exception {
        Interpreted run = python("def div(a):\n    return a / 0\n\nassert div(1) == 0\n");
        assertThat(run.feedback()).endsWith("ZeroDivisionError: division by zero");
        assertThat(run.category()).isEqualTo(ErrorCategory.OTHER);
    }

    @Test
    void deepRecursionIsSummarisedNotRepeated() throws Exception {
        Interpreted run = python("def f(n):\n    return f(n + 1)\n\nf(0)\n");
        assertThat(run.feedback()).contains("[Previous line repeated").endsWith(
                "RecursionError: maximum recursion depth exceeded");
        assertThat(run.feedback().lines().count()).isLessThan(12);
    }

    @Test
    void emptyTracebackGivesEmptyFeedback() {
        assertThat(FeedbackExtractor.reduce(null)).isEmpty();
        assertThat(FeedbackExtractor.reduce("  \n")).isEmpty();
    }
}
