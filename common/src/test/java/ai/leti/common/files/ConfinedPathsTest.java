package ai.leti.common.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfinedPathsTest {

    @TempDir
    Path dir;

    @Test
    void acceptsFilesUnderARootWhetherOrNotTheyExist() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path tasks = Files.writeString(data.resolve("tasks.jsonl"), "{}\n");
        ConfinedPaths paths = new ConfinedPaths(List.of(data, dir.resolve("models")));

        assertThat(paths.check("taskFile", tasks.toString())).isEqualTo(tasks);
        assertThat(paths.check("taskFile", data.resolve("sub/../tasks.jsonl").toString())).isEqualTo(tasks);
        assertThat(paths.check("model", dir.resolve("models/base").toString())).isEqualTo(dir.resolve("models/base"));
    }

    @Test
    void refusesWhatLiesOutsideEveryRoot() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(dir.resolve("database"));
        Files.writeString(dir.resolve("secret"), "secret token\n");
        ConfinedPaths paths = new ConfinedPaths(List.of(data));

        for (String outside : List.of("/etc/shadow", "/proc/self/environ", data + "/../secret",
                dir.resolve("database/x").toString(), dir.resolve("secret").toString())) {
            assertThatThrownBy(() -> paths.check("taskFile", outside)).as(outside)
                    .isInstanceOf(ConfinedPaths.OutsideRootsException.class)
                    .hasMessageStartingWith("taskFile: ").hasMessageContaining(data.toString())
                    .hasMessageNotContaining("secret token");
        }
    }

    @Test
    void refusesRelativeAndMalformedPaths() throws Exception {
        ConfinedPaths paths = new ConfinedPaths(List.of(Files.createDirectories(dir.resolve("data"))));

        assertThatThrownBy(() -> paths.check("model", "data/base")).hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> paths.check("model", "/data/a\0b")).hasMessage("model: is not a valid path");
    }

    @Test
    void refusesASymbolicLinkThatLeadsOutOfARoot() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.jsonl"), "secret\n");
        Files.createSymbolicLink(data.resolve("link"), outside);
        Files.createSymbolicLink(data.resolve("file.jsonl"), outside.resolve("secret.jsonl"));
        ConfinedPaths paths = new ConfinedPaths(List.of(data));

        for (Path escape : List.of(data.resolve("link/secret.jsonl"), data.resolve("file.jsonl"), data.resolve("link/new"))) {
            assertThatThrownBy(() -> paths.check("taskFile", escape.toString())).as(escape.toString())
                    .isInstanceOf(ConfinedPaths.OutsideRootsException.class).hasMessageContaining("symbolic link");
        }
    }

    @Test
    void followsARootThatIsItselfALink() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("data"), real);
        Files.writeString(real.resolve("tasks.jsonl"), "{}\n");

        assertThat(new ConfinedPaths(List.of(link)).check("taskFile", link.resolve("tasks.jsonl").toString()))
                .isEqualTo(link.resolve("tasks.jsonl"));
    }
}
