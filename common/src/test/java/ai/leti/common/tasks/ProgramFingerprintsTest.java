package ai.leti.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ProgramFingerprintsTest {

    private static final String SOLUTION = """
            def count_vowels(text):
                total = 0
                for ch in text:
                    if ch in 'aeiou':
                        total += 1
                return total
            """;

    @Test
    void findsAProgramInsideOtherTextWhateverItsIndentationBlankLinesAndComments() {
        String fingerprint = ProgramFingerprints.of(SOLUTION);
        assertThat(fingerprint).startsWith("6:");
        String corpus = "import sys\n\n# a module that happens to hold the solution\nclass Helper:\n"
                + SOLUTION.indent(4).replace("total = 0", "total  =  0  ").replace("\n    for", "\n\n    # count\n    for") + "\n\nprint(Helper)\n";
        assertThat(ProgramFingerprints.foundIn(corpus, Set.of(fingerprint))).containsExactly(fingerprint);
    }

    @Test
    void aChangedLineOrAPartOnlyIsNotTheProgram() {
        String fingerprint = ProgramFingerprints.of(SOLUTION);
        assertThat(ProgramFingerprints.foundIn(SOLUTION.replace("'aeiou'", "'aeiouy'"), Set.of(fingerprint))).isEmpty();
        assertThat(ProgramFingerprints.foundIn(SOLUTION.substring(0, SOLUTION.indexOf("return")), Set.of(fingerprint)))
                .isEmpty();
    }

    @Test
    void fragmentsTooShortToBeTellingHaveNone() {
        assertThat(ProgramFingerprints.of("def f(x):\n    return x + 1\n")).isNull();
        assertThat(ProgramFingerprints.of("\n# only a comment\n\n")).isNull();
    }

    @Test
    void everyMbppSolutionLongEnoughHasOneAndIsFoundInTheFileItCameFrom() throws Exception {
        Path mbpp = Path.of("..", "..", "shared", "datasets", "mbpp.jsonl");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(mbpp), "MBPP not beside the project");
        var tasks = TaskFiles.read(mbpp).values();
        Set<String> fingerprints = ProgramFingerprints.ofReferences(tasks);
        assertThat(fingerprints).hasSizeGreaterThan(800);
        StringBuilder all = new StringBuilder();
        tasks.forEach(task -> all.append(task.referenceCompletion()).append("\n\n"));
        assertThat(ProgramFingerprints.foundIn(all.toString(), fingerprints)).hasSameSizeAs(fingerprints);
    }
}
