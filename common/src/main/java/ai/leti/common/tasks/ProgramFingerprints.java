package ai.leti.common.tasks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fingerprints of programs, to find a program inside other text: the generator takes one of each reference
 * solution of a run's task and evaluation files, and the trainer refuses a regularization corpus in which any of
 * them occurs. Nothing of the solutions but these hashes reaches the trainer.
 *
 * <p>A program is compared by its significant lines: each line stripped of surrounding whitespace, runs of
 * whitespace inside it made one space, blank lines and comment lines dropped. A fingerprint is
 * {@code "<lines>:<hash>"}, a polynomial hash over the lines' own hashes, so every window of that many lines of
 * a text can be hashed in one pass. Programs shorter than {@link #MIN_LINES} significant lines get none: such a
 * fragment ({@code def f(x):} / {@code return x + 1}) turns up in any large corpus by chance.
 */
public final class ProgramFingerprints {

    public static final int MIN_LINES = 3;
    private static final long BASE = 0x100000001B3L; // odd: invertible modulo 2^64, a good spread for line hashes

    private ProgramFingerprints() {
    }

    /** The fingerprint of a program, or null if it has fewer than {@link #MIN_LINES} significant lines. */
    public static String of(String program) {
        List<Long> lines = lineHashes(program);
        if (lines.size() < MIN_LINES) {
            return null;
        }
        long hash = 0;
        for (long line : lines) {
            hash = hash * BASE + line;
        }
        return lines.size() + ":" + Long.toHexString(hash);
    }

    /** Fingerprints of the reference solutions of these tasks (those long enough to have one). */
    public static Set<String> ofReferences(Collection<? extends Task> tasks) {
        Set<String> fingerprints = new LinkedHashSet<>();
        for (Task task : tasks) {
            String fingerprint = of(task.referenceCompletion());
            if (fingerprint != null) {
                fingerprints.add(fingerprint);
            }
        }
        return fingerprints;
    }

    /** Those of {@code fingerprints} whose program occurs in {@code text} as consecutive significant lines. */
    public static Set<String> foundIn(String text, Set<String> fingerprints) {
        return finder(fingerprints).foundIn(text);
    }

    /** A search for these fingerprints, parsed once, to run over many texts (a corpus's documents). */
    public static Finder finder(Set<String> fingerprints) {
        Map<Integer, Set<Long>> wanted = new HashMap<>();
        for (String fingerprint : fingerprints) {
            int colon = fingerprint.indexOf(':');
            wanted.computeIfAbsent(Integer.parseInt(fingerprint.substring(0, colon)), n -> new java.util.HashSet<>())
                    .add(Long.parseUnsignedLong(fingerprint.substring(colon + 1), 16));
        }
        return new Finder(wanted);
    }

    /** Fingerprints grouped by their number of lines: one rolling-hash pass per group over a text. */
    public static final class Finder {
        private final Map<Integer, Set<Long>> wanted;

        private Finder(Map<Integer, Set<Long>> wanted) {
            this.wanted = wanted;
        }

        /** The fingerprints whose program occurs in {@code text} as consecutive significant lines. */
        public Set<String> foundIn(String text) {
            List<Long> lines = lineHashes(text);
            Set<String> found = new LinkedHashSet<>();
            for (Map.Entry<Integer, Set<Long>> group : wanted.entrySet()) {
                int n = group.getKey();
                if (n > lines.size()) {
                    continue;
                }
                long top = 1; // BASE^(n-1): the weight of the line that leaves the window
                for (int i = 1; i < n; i++) {
                    top *= BASE;
                }
                long hash = 0;
                for (int i = 0; i < lines.size(); i++) {
                    if (i >= n) {
                        hash -= lines.get(i - n) * top;
                    }
                    hash = hash * BASE + lines.get(i);
                    if (i >= n - 1 && group.getValue().contains(hash)) {
                        found.add(n + ":" + Long.toHexString(hash));
                    }
                }
            }
            return found;
        }
    }

    static List<Long> lineHashes(String text) {
        List<Long> hashes = new ArrayList<>();
        for (String raw : text.split("\\R")) {
            String line = raw.strip().replaceAll("\\s+", " ");
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            long hash = 0xcbf29ce484222325L; // FNV-1a over the line's UTF-16 units
            for (int i = 0; i < line.length(); i++) {
                hash = (hash ^ line.charAt(i)) * 0x100000001b3L;
            }
            hashes.add(hash);
        }
        return hashes;
    }
}
