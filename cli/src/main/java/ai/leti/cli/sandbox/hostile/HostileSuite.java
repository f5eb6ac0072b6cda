package ai.leti.cli.sandbox.hostile;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;
import ai.leti.sandbox.Isolation;
import ai.leti.sandbox.SandboxPool;

/**
 * Runs every {@link HostilePrograms hostile program} through a real sandbox pool and checks, from outside, that
 * nothing escaped: no host secret in what the program printed, no file created where it must not be, no
 * connection to a host port, no process left running, no worker lost, nothing left behind that a correct program
 * run next on any worker finds or fails by; no pass for a program that does not solve
 * its task, no failure booked as the sandbox's, no feedback the program chose, nothing of the tests' text in what
 * the program printed or raised; and that the pool's throughput after the suite is what it was before. Used by
 * {@code ./leti hostile} and by the tests.
 */
public final class HostileSuite {

    private static final String BENIGN = "def f(x):\n    return x + 1\n";
    private static final String BENIGN_TESTS = "\nassert f(1) == 2\n";
    /** Environment variables the sandbox sets itself; any other value of the service's environment must stay inside. */
    private static final Set<String> SANDBOX_OWN = Set.of("PATH", "HOME", "LANG", "TMPDIR", "PWD", "SHLVL", "_", "TERM");

    /** What one hostile program got, and what escaped (nothing, if the sandbox holds). */
    public record Outcome(String name, Verdict verdict, boolean matched, List<String> escapes, double recoverySeconds) {
    }

    /** The whole suite. */
    public record Report(List<Outcome> outcomes, double programsPerSecondBefore, double programsPerSecondAfter) {

        public int tried() {
            return outcomes.size();
        }

        public int escapes() {
            return outcomes.stream().mapToInt(outcome -> outcome.escapes().size()).sum();
        }

        public int matched() {
            return (int) outcomes.stream().filter(Outcome::matched).count();
        }

        public double slowestRecoverySeconds() {
            return outcomes.stream().mapToDouble(Outcome::recoverySeconds).max().orElse(0);
        }
    }

    private final SandboxPool pool;
    private final Path hostDirectory;
    private final PrintStream log;

    /** @param hostDirectory a directory on the host (outside any sandbox) for the canary and escape files */
    public HostileSuite(SandboxPool pool, Path hostDirectory, PrintStream log) {
        this.pool = pool;
        this.hostDirectory = hostDirectory;
        this.log = log;
    }

    public Report run() throws Exception {
        return run(HostilePrograms.ALL);
    }

    /** Runs these cases (the whole suite: {@link #run()}). */
    public Report run(List<HostileCase> cases) throws Exception {
        throughput(100); // warm-up: the first programs of a fresh pool are slower
        double before = throughput(400);
        log.printf("benign throughput before: %.1f programs/s%n", before);
        List<Outcome> outcomes = new ArrayList<>();
        for (HostileCase hostile : cases) {
            if (hostile.needsWorkerBound() && !pool.boundsWorkersAsAWhole()
                    && pool.settings().isolation() != Isolation.NONE) {
                log.printf("%-44s skipped: this pool has no cgroup to bound a worker as a whole (see its start-up log)%n",
                        hostile.name());
                continue;
            }
            Outcome outcome = attempt(hostile);
            outcomes.add(outcome);
            log.printf("%-44s %-13s %-8s escapes %d  recovered in %.2f s%n", hostile.name(),
                    outcome.verdict().category().tag(), outcome.matched() ? "expected" : "UNEXPECTED",
                    outcome.escapes().size(), outcome.recoverySeconds());
            outcome.escapes().forEach(escape -> log.println("    ESCAPE: " + escape));
        }
        double after = throughput(400);
        log.printf("benign throughput after: %.1f programs/s%n", after);
        return new Report(outcomes, before, after);
    }

    private Outcome attempt(HostileCase hostile) throws Exception {
        String nonce = "leti-hostile-" + UUID.randomUUID();
        String secret = UUID.randomUUID().toString();
        String testSecret = "leti-secret-" + UUID.randomUUID();
        String forged = "leti-forged-" + UUID.randomUUID();
        String opened = "leti-opened-" + UUID.randomUUID() + ":";
        String left = "leti-left-" + UUID.randomUUID() + ":";
        String tag = "lh" + UUID.randomUUID().toString().replace("-", "").substring(0, 13);
        Path canary = Files.writeString(hostDirectory.resolve("canary-" + nonce), secret);
        Path escape = hostDirectory.resolve("escape-" + nonce);
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket ignored = listener.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "hostile-suite-listener");
            acceptor.setDaemon(true);
            acceptor.start();
            Map<String, String> values = Map.of("{{CANARY}}", canary.toString(), "{{ESCAPE}}", escape.toString(),
                    "{{PORT}}", Integer.toString(listener.getLocalPort()), "{{NONCE}}", nonce, "{{FORGED}}", forged,
                    "{{OPENED}}", opened, "{{LEFT}}", left, "{{TAG}}", tag);
            String program = fill(hostile.program(), values);
            Verdict verdict = pool.run(program, hostile.tests().replace("{{SECRET}}", testSecret));
            long ended = System.nanoTime();
            Verdict benign = pool.run(BENIGN, BENIGN_TESTS);
            while (!benign.passed() && System.nanoTime() - ended < 30_000_000_000L) {
                benign = pool.run(BENIGN, BENIGN_TESTS);
            }
            double recovery = (System.nanoTime() - ended) / 1e9;
            List<String> escapes = new ArrayList<>();
            // Then a correct program on every worker (the idle queue is FIFO: one after another, each worker once):
            // nothing the hostile program left behind may fail it, and the probe looks for what it left.
            String next = (hostile.probe() == null ? "" : fill(hostile.probe(), values)) + BENIGN;
            for (int i = 0; i < pool.callers(); i++) {
                Verdict after = pool.run(next, BENIGN_TESTS);
                if (!after.passed()) {
                    escapes.add("a correct program run after it failed (" + after.category().tag() + "): "
                            + after.feedback());
                }
                after.output().lines().filter(line -> line.startsWith(left))
                        .forEach(line -> escapes.add("the next program found " + line.substring(left.length())));
            }
            String seen = verdict.output() + "\n" + verdict.feedback();
            if (seen.contains(secret)) {
                escapes.add("read the host canary file " + canary);
            }
            for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
                if (!SANDBOX_OWN.contains(variable.getKey()) && variable.getValue().length() >= 16
                        && seen.contains(variable.getValue())) {
                    escapes.add("printed the service's environment variable " + variable.getKey());
                }
            }
            if (verdict.passed() && !hostile.mayPass()) {
                escapes.add("passed without solving its task");
            }
            if (verdict.category() == ErrorCategory.SANDBOX) {
                escapes.add("its failure was booked as the sandbox's fault, which keeps it out of training");
            }
            if (verdict.feedback().contains(forged)) {
                escapes.add("chose its own feedback");
            }
            if (seen.contains(testSecret)) {
                escapes.add("read the tests' text");
            }
            seen.lines().filter(line -> line.startsWith(opened))
                    .forEach(line -> escapes.add("a call the sandbox forbids worked: " + line.substring(opened.length())));
            if (Files.exists(escape)) {
                escapes.add("created " + escape + " on the host");
            }
            listener.close();
            acceptor.join(1000);
            if (connections.get() > 0) {
                escapes.add("connected to host port " + listener.getLocalPort());
            }
            if (!benign.passed()) {
                escapes.add("the pool did not run a benign program within 30 s afterwards");
            }
            List<ProcessHandle> survivors = ProcessHandle.allProcesses()
                    .filter(process -> process.info().commandLine().orElse("").contains(nonce)).toList();
            if (!survivors.isEmpty()) {
                escapes.add(survivors.size() + " process(es) outlived the program");
                survivors.forEach(ProcessHandle::destroyForcibly);
            }
            if (pool.liveWorkers() < pool.callers()) {
                escapes.add("a sandbox worker was lost (" + pool.liveWorkers() + " of " + pool.callers() + " live)");
            }
            boolean matched = hostile.expected().contains(verdict.category());
            return new Outcome(hostile.name(), verdict, matched, escapes, recovery);
        } finally {
            Files.deleteIfExists(canary);
            Files.deleteIfExists(escape);
        }
    }

    private static String fill(String text, Map<String, String> values) {
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace(value.getKey(), value.getValue());
        }
        return text;
    }

    /** Benign programs per second with every worker busy. */
    private double throughput(int programs) throws Exception {
        int threads = pool.callers();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        try {
            long started = System.nanoTime();
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < programs; i++) {
                results.add(callers.submit(() -> pool.run(BENIGN, BENIGN_TESTS).passed()));
            }
            for (Future<Boolean> result : results) {
                if (!result.get()) {
                    throw new IllegalStateException("a benign program failed in the sandbox");
                }
            }
            return programs / ((System.nanoTime() - started) / 1e9);
        } finally {
            callers.shutdownNow();
        }
    }
}
