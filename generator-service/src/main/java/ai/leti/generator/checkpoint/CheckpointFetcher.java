package ai.leti.generator.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

import org.springframework.stereotype.Component;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.model.weights.CheckpointFiles;

/**
 * Fetches an announced checkpoint's files (over HTTP from the trainer, or from a {@code file:} URI on a shared
 * volume) into a local directory, checking each file's sha256 against the announcement while it streams.
 * A file that does not match fails the whole fetch: the caller keeps the model it has.
 */
@Component
public class CheckpointFetcher {

    /** The trainer's own state: what sampling never reads (at real size, several times the weights). */
    static final java.util.Set<String> TRAINER_ONLY = java.util.Set.of("optimizer.safetensors", "trainer_state.json");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public Path fetch(CheckpointAnnouncement announcement, Path target) throws IOException {
        if (announcement.files() == null || !announcement.files().containsKey(CheckpointFiles.SINGLE)
                && !announcement.files().containsKey(CheckpointFiles.INDEX)) {
            throw new IOException("announcement of iteration " + announcement.iteration() + " lists neither "
                    + CheckpointFiles.SINGLE + " nor " + CheckpointFiles.INDEX);
        }
        for (String name : announcement.files().keySet()) {
            if (!name.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*")) {
                throw new IOException("refusing file name " + name);
            }
        }
        Path partial = Files.createDirectories(partialOf(target));
        for (Map.Entry<String, String> file : announcement.files().entrySet()) {
            if (TRAINER_ONLY.contains(file.getKey())) {
                continue;
            }
            URI uri = URI.create(announcement.uri().replaceAll("/+$", "") + "/" + file.getKey());
            String digest;
            try (InputStream in = open(uri)) {
                digest = copyWithDigest(in, partial.resolve(file.getKey()));
            }
            if (!digest.equalsIgnoreCase(file.getValue())) {
                throw new IOException(file.getKey() + " of iteration " + announcement.iteration() + " has sha256 " + digest
                        + ", the announcement says " + file.getValue());
            }
        }
        if (Files.exists(target)) {
            return target; // fetched before (a re-announcement)
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /**
     * Deletes what {@link #fetch} made or left for {@code target}: the checkpoint's directory and an interrupted
     * fetch's partial one (so that a fetch into {@code target} afterwards downloads and verifies every file again).
     */
    public void discard(Path target) throws IOException {
        for (Path tree : new Path[] {target, partialOf(target)}) {
            if (Files.exists(tree)) {
                try (Stream<Path> paths = Files.walk(tree)) {
                    for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
        }
    }

    private static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".partial");
    }

    private InputStream open(URI uri) throws IOException {
        if ("file".equals(uri.getScheme())) {
            return Files.newInputStream(Path.of(uri));
        }
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("GET " + uri + " answered " + response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri, e);
        }
    }

    private static String copyWithDigest(InputStream in, Path file) throws IOException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream digesting = new DigestInputStream(in, sha256)) {
                Files.copy(digesting, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
