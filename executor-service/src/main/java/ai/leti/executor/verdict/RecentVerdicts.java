package ai.leti.executor.verdict;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/**
 * The verdicts of the last programs this instance ran, by what decides a verdict: the program text, the tests, the
 * entry points and the time limit. A model samples the same program for a task many times over (at temperature 0.2
 * most held-out samples repeat; at 1.0 the demo's base model writes about one distinct program in three), and
 * candidates are keyed by task, so repeats reach the same instance and are answered from here instead of running
 * again.
 *
 * <p>Only verdicts that depend on the program alone are kept: never a {@link ErrorCategory#SANDBOX} failure (the
 * sandbox, not the program, failed) nor a {@link ErrorCategory#MEMORY} one (the bound is shared by a worker's
 * lanes, so it can depend on what ran beside). A program whose verdict depends on chance or the clock gets one
 * draw per instance while it stays in memory; {@code capacity} 0 turns reuse off.
 */
public final class RecentVerdicts {

    private final int capacity;
    private final Map<String, Verdict> verdicts;

    public RecentVerdicts(int capacity) {
        this.capacity = capacity;
        this.verdicts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Verdict> eldest) {
                return size() > RecentVerdicts.this.capacity;
            }
        };
    }

    /** The key of a run: every input of {@code SandboxPool.run}. */
    public static String key(String program, String tests, List<String> entryPoints, Duration timeout) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(program, tests, String.join("\u0000", entryPoints), timeout.toString())) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array()); // no two splits alike
                digest.update(bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public synchronized Optional<Verdict> find(String key) {
        return capacity == 0 ? Optional.empty() : Optional.ofNullable(verdicts.get(key));
    }

    public synchronized void remember(String key, Verdict verdict) {
        if (capacity > 0 && verdict.category() != ErrorCategory.SANDBOX && verdict.category() != ErrorCategory.MEMORY) {
            verdicts.put(key, verdict);
        }
    }

    public synchronized int size() {
        return verdicts.size();
    }
}
