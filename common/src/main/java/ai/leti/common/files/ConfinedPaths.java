package ai.leti.common.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The directories a service reads the files that requests name (task files, models, corpora), and the check that a
 * named path lies under one of them. A path must be absolute; {@code ..} cannot climb out, and a symbolic link
 * inside a root that points outside it is refused too (the check follows links to the real file). Refusals name
 * the path and the roots, never a file's content.
 */
public final class ConfinedPaths {

    private final List<Path> roots;
    private final List<Path> realRoots;

    public ConfinedPaths(Collection<Path> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("at least one root directory");
        }
        this.roots = roots.stream().map(root -> root.toAbsolutePath().normalize()).distinct().toList();
        List<Path> real = new ArrayList<>();
        for (Path root : this.roots) {
            real.add(realOrSelf(root));
        }
        this.realRoots = List.copyOf(real);
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * The named path, normalized, if it lies under a root (whether or not it exists yet).
     *
     * @throws OutsideRootsException if it is relative, malformed, or outside every root
     */
    public Path check(String field, String path) {
        Path named;
        try {
            named = Path.of(path);
        } catch (InvalidPathException e) {
            throw new OutsideRootsException(field, "is not a valid path");
        }
        if (!named.isAbsolute()) {
            throw new OutsideRootsException(field, path + " is not an absolute path; name a file under " + describe());
        }
        Path normalized = named.normalize();
        if (roots.stream().noneMatch(normalized::startsWith)) {
            throw new OutsideRootsException(field, path + " is outside the directories this service reads: " + describe());
        }
        // Follow links: the deepest part of the path that exists under its root must really be under a root.
        Path existing = normalized;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing != null && roots.stream().anyMatch(existing::startsWith)
                && realRoots.stream().noneMatch(realOrSelf(existing)::startsWith)) {
            throw new OutsideRootsException(field, path + " leads (through a symbolic link) outside the directories this"
                    + " service reads: " + describe());
        }
        return normalized;
    }

    private String describe() {
        return roots.stream().map(Path::toString).collect(Collectors.joining(", "));
    }

    private static Path realOrSelf(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) { // a root that does not exist yet holds nothing to escape through
            return path;
        }
    }

    /** A named path outside every root: the message names the field, the path and the roots. */
    public static final class OutsideRootsException extends RuntimeException {
        private final String field;

        public OutsideRootsException(String field, String message) {
            super(field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }

        /** The message without the field's name in front. */
        public String reason() {
            return getMessage().substring(field.length() + 2);
        }
    }
}
