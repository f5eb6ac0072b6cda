package ai.leti.model.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Source files as a corpus: every 20th held out; test suites, non-UTF-8 and blank files skipped. */
class PythonCorpusTest {

    @TempDir
    Path dir;

    @Test
    void readsSourceFilesSkippingWhatIsNotOrdinaryCode() throws Exception {
        Files.createDirectories(dir.resolve("pkg/tests"));
        for (int i = 0; i < 40; i++) {
            Files.writeString(dir.resolve("pkg/m%02d.py".formatted(i)), "x = " + i + "\n");
        }
        Files.writeString(dir.resolve("pkg/tests/test_m.py"), "assert True\n");
        Files.write(dir.resolve("pkg/latin1.py"), new byte[] {'#', ' ', (byte) 0xE9, '\n'});
        Files.writeString(dir.resolve("pkg/blank.py"), "\n\n");
        assertThat(PythonCorpus.sourceFiles(dir)).hasSize(42).noneMatch(path -> path.toString().contains("/tests/"));
        assertThat(PythonCorpus.source(dir.resolve("pkg/latin1.py"))).isNull();
        assertThat(PythonCorpus.source(dir.resolve("pkg/blank.py"))).isNull();
        PythonCorpus corpus = PythonCorpus.read(dir, 1 << 20);
        assertThat(corpus.training().size() + corpus.heldOut().size()).isEqualTo(40);
        assertThat(corpus.heldOut()).hasSize(2);
    }
}
