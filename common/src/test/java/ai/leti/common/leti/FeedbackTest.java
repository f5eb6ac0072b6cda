package ai.leti.common.leti;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.ErrorCategory;

/** The feedback the model sees, from real interpreter output: Python runs each program under a harness frame of its own. */
class FeedbackTest {

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
            return Feedback.reduce(traceback);
        }

        ErrorCategory category() {
            return ErrorCategory.ofException(excType);
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
        assertThat(Feedback.reduce(null)).isEmpty();
        assertThat(Feedback.reduce("  \n")).isEmpty();
    }

    /** Space-separated words as tokens: enough to see which end of the feedback the cut keeps. */
    private static final Feedback.Tokens WORDS = new Feedback.Tokens() {
        private final java.util.List<String> vocabulary = new java.util.ArrayList<>();

        @Override
        public int[] encode(String text) {
            return java.util.Arrays.stream(text.split(" ")).mapToInt(word -> {
                int id = vocabulary.indexOf(word);
                if (id < 0) {
                    vocabulary.add(word);
                    id = vocabulary.size() - 1;
                }
                return id;
            }).toArray();
        }

        @Override
        public String decode(int[] ids) {
            return String.join(" ", java.util.Arrays.stream(ids).mapToObj(vocabulary::get).toList());
        }
    };

    @Test
    void theModelSeesTheReducedFeedbackCutToItsLastTokens() throws Exception {
        Interpreted run = python("def add(a, b):\n    return a - b\n\nassert add(1, 2) == 3\n");
        assertThat(Feedback.forModel(run.traceback(), 0, WORDS)).as("no cut").isEqualTo(run.feedback());
        String cut = Feedback.forModel(run.traceback(), 3, WORDS);
        assertThat(cut).as("the end survives: the exception line").isEqualTo("2) == 3\nAssertionError");
        assertThat(Feedback.forModel("Timeout", 60, WORDS)).isEqualTo("Timeout");
        assertThat(Feedback.forModel(null, 60, WORDS)).isEmpty();
    }
}
