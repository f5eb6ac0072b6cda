package ai.leti.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.springframework.stereotype.Component;

import ai.leti.common.json.Jsonl;
import ai.leti.model.weights.CheckpointFiles;
import ai.leti.trainer.config.TrainerProperties;

/**
 * The trainer's checkpoints on disk: {@code <store>/<run>/iteration-<n>/}. A checkpoint appears atomically (written
 * beside, then renamed), so a directory that exists is complete; its files' digests go into the announcement. They
 * are computed once, when it is published, and kept beside its files ({@value #DIGESTS}): a published checkpoint
 * never changes, and hashing one of real size (weights and optimizer state) again for every plan that names it
 * would cost minutes.
 */
@Component
public class CheckpointStore {

    /**
     * The files a checkpoint directory holds and the generator may fetch: what Hugging Face's
     * {@code save_pretrained} writes for the model and its tokenizer (the weights as one file or as shards with
     * their index), and the trainer's own state.
     */
    public static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "optimizer.safetensors", "trainer_state.json");

    /** Whether a file belongs to a checkpoint: one of {@link #FILES} or a weight shard. */
    public static boolean checkpointFile(String name) {
        return FILES.contains(name) || CheckpointFiles.SHARD.matcher(name).matches();
    }
    /** The checkpoint's file digests, as computed when it was published. */
    static final String DIGESTS = "digests.json";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final Path root;

    public CheckpointStore(TrainerProperties properties) {
        this.root = properties.store();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("leti.trainer.store: cannot create " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    public static boolean safe(String name) {
        return name != null && SAFE_NAME.matcher(name).matches() && !name.startsWith(".");
    }

    public Path runDirectory(String runId) {
        if (!safe(runId)) {
            throw new IllegalArgumentException("run id must match " + SAFE_NAME.pattern() + ": " + runId);
        }
        return root.resolve(runId);
    }

    public Path checkpoint(String runId, int iteration) {
        return runDirectory(runId).resolve("iteration-" + iteration);
    }

    public boolean exists(String runId, int iteration) {
        return Files.isDirectory(checkpoint(runId, iteration));
    }

    /** Makes a fully written directory the checkpoint of this iteration in one rename, its digests recorded. */
    public Path publish(String runId, int iteration, Path written) {
        Path target = checkpoint(runId, iteration);
        try {
            Files.writeString(written.resolve(DIGESTS), Jsonl.MAPPER.writeValueAsString(hash(written)));
            Files.createDirectories(target.getParent());
            Files.move(written, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish checkpoint " + target, e);
        }
    }

    /** A scratch directory on the same file system, so {@link #publish} can rename it. */
    public Path scratch(String runId, int iteration) {
        try {
            Files.createDirectories(runDirectory(runId));
            return Files.createTempDirectory(runDirectory(runId), ".iteration-" + iteration + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** sha256 of every checkpoint file present, by name: as recorded at publication (hashed now if it predates that). */
    public Map<String, String> digests(Path checkpoint) {
        Path recorded = checkpoint.resolve(DIGESTS);
        if (Files.isRegularFile(recorded)) {
            try {
                return new TreeMap<>(Jsonl.MAPPER.readValue(Files.readString(recorded),
                        new tools.jackson.core.type.TypeReference<Map<String, String>>() { }));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + recorded, e);
            }
        }
        return hash(checkpoint);
    }

    private static Map<String, String> hash(Path checkpoint) {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.list(checkpoint)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (checkpointFile(name) && Files.isRegularFile(file)) {
                    digests.put(name, sha256(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + checkpoint, e);
        }
        return digests;
    }

    public long size(Path checkpoint) {
        try (Stream<Path> files = Files.list(checkpoint)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A servable file of a published checkpoint, if the names are safe and it exists. */
    public Optional<Path> file(String runId, int iteration, String name) {
        if (!safe(runId) || !checkpointFile(name) || iteration < 0) {
            return Optional.empty();
        }
        Path file = checkpoint(runId, iteration).resolve(name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
