package ai.leti.generator.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.leti.common.messages.CheckpointAnnouncement;

/** Fetching an announced checkpoint from a shared volume: verified file by file, refused on any mismatch. */
class CheckpointFetcherTest {

    @TempDir
    Path dir;

    private Path published(String weights) throws IOException {
        Path source = Files.createDirectories(dir.resolve("trainer/run/1"));
        Files.writeString(source.resolve("model.safetensors"), weights);
        Files.writeString(source.resolve("config.json"), "{\"model_type\": \"llama\"}");
        return source;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void fetchesAndVerifiesEveryFile() throws Exception {
        Path source = published("weights");
        CheckpointAnnouncement announcement = new CheckpointAnnouncement("run", 1, source.toUri().toString(),
                Map.of("model.safetensors", sha256(source.resolve("model.safetensors")),
                        "config.json", sha256(source.resolve("config.json"))), 30, 1.0, 2, 0.5, null);
        Path fetched = new CheckpointFetcher().fetch(announcement, dir.resolve("generator/iteration-1"));
        assertThat(Files.readString(fetched.resolve("model.safetensors"))).isEqualTo("weights");
        assertThat(fetched.resolve("config.json")).exists();
    }

    @Test
    void refusesAFileWhoseDigestDoesNotMatchAndPublishesNothing() throws Exception {
        Path source = published("weights");
        String honest = sha256(source.resolve("model.safetensors"));
        Files.writeString(source.resolve("model.safetensors"), "tampered"); // corrupted after the announcement
        CheckpointAnnouncement announcement = new CheckpointAnnouncement("run", 1, source.toUri().toString(),
                Map.of("model.safetensors", honest), 7, 1.0, 2, 0.5, null);
        Path target = dir.resolve("generator/iteration-1");
        assertThatThrownBy(() -> new CheckpointFetcher().fetch(announcement, target))
                .isInstanceOf(IOException.class).hasMessageContaining("model.safetensors").hasMessageContaining(honest);
        assertThat(target).doesNotExist();
    }

    @Test
    void refusesAnAnnouncementWithoutWeightsOrWithUnsafeNames() throws Exception {
        Path source = published("weights");
        assertThatThrownBy(() -> new CheckpointFetcher().fetch(new CheckpointAnnouncement("run", 1,
                source.toUri().toString(), Map.of("config.json", "00"), 1, 1.0, 1, 0.1, null), dir.resolve("a")))
                .hasMessageContaining("no model.safetensors");
        assertThatThrownBy(() -> new CheckpointFetcher().fetch(new CheckpointAnnouncement("run", 1,
                source.toUri().toString(), Map.of("model.safetensors", "00", "../../etc/passwd", "00"), 1, 1.0, 1, 0.1, null),
                dir.resolve("b"))).hasMessageContaining("refusing file name");
    }
}
