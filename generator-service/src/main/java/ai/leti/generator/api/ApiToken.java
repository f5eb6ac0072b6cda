package ai.leti.generator.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;

/**
 * The bearer token that guards the API's mutating endpoints: {@code leti.generator.api-token} if set, otherwise one
 * made at the first start and kept in {@code <state>/api-token} (owner-only), so clients on the same volume can read
 * it and a restart keeps it. The token itself is never logged.
 */
@Roles.Coordinator
@Component
public class ApiToken {

    private static final Logger log = LoggerFactory.getLogger(ApiToken.class);
    static final String FILE = "api-token";

    private final byte[] token;

    public ApiToken(GeneratorProperties properties) {
        String configured = properties.apiToken();
        if (configured != null && !configured.isBlank()) {
            if (configured.strip().length() < 16) {
                throw new IllegalArgumentException("leti.generator.api-token: at least 16 characters, got "
                        + configured.strip().length());
            }
            this.token = configured.strip().getBytes(StandardCharsets.UTF_8);
            log.info("API token: from leti.generator.api-token");
        } else {
            this.token = stored(properties.state().resolve(FILE)).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String stored(Path file) {
        try {
            if (Files.exists(file)) {
                log.info("API token: from {}", file);
                return Files.readString(file).strip();
            }
            Files.createDirectories(file.getParent());
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String made = HexFormat.of().formatHex(random);
            Path partial = file.resolveSibling(FILE + ".partial");
            Files.deleteIfExists(partial);
            Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(partial, made + "\n");
            Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            log.info("API token: made one and wrote it to {} (owner-only); clients send Authorization: Bearer <token>", file);
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the API token at " + file, e);
        }
    }

    /** Constant-time comparison with an {@code Authorization} header value. */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8));
    }
}
