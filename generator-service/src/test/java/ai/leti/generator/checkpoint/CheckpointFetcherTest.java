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

    /** Shards and their index travel; the trainer's optimizer state, which sampling never reads, does not. */
    @Test
    void fetchesAShardedCheckpointWithoutTheTrainersState() throws Exception {
        Path source = published("unused");
        Files.delete(source.resolve("model.safetensors"));
        Map<String, String> files = new java.util.TreeMap<>();
        for (String name : new String[] {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
            "model.safetensors.index.json", "generation_config.json", "tokenizer_config.json", "optimizer.safetensors"}) {
            Files.writeString(source.resolve(name), name);
            files.put(name, sha256(source.resolve(name)));
        }
        files.put("config.json", sha256(source.resolve("config.json")));
        Path fetched = new CheckpointFetcher().fetch(new CheckpointAnnouncement("run", 2, source.toUri().toString(), files,
                30, 1.0, 2, 0.5, null), dir.resolve("generator/iteration-2"));
        assertThat(fetched.resolve("model-00002-of-00002.safetensors")).hasContent("model-00002-of-00002.safetensors");
        assertThat(fetched.resolve("model.safetensors.index.json")).exists();
        assertThat(fetched.resolve("optimizer.safetensors")).doesNotExist();
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
                .hasMessageContaining("lists neither model.safetensors nor model.safetensors.index.json");
        assertThatThrownBy(() -> new CheckpointFetcher().fetch(new CheckpointAnnouncement("run", 1,
                source.toUri().toString(), Map.of("model.safetensors", "00", "../../etc/passwd", "00"), 1, 1.0, 1, 0.1, null),
                dir.resolve("b"))).hasMessageContaining("refusing file name");
    }
}
