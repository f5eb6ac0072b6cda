package ai.leti.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import ai.leti.common.messages.Verdict;

/**
 * A fixed set of pre-started, isolated Python fork servers. {@link #run} borrows an idle worker, runs one
 * program and returns its verdict; callers on many threads share the pool. Closing it kills every worker
 * and everything the programs started.
 *
 * <p><b>Lanes.</b> {@code workers} programs run at full priority at once: the lanes the user asked for. A program
 * still running after {@code deprioritizeAfter} is almost always a loop that will time out; it drops to nice 19 and
 * gives its lane back, and keeps running to its wall-clock limit in a spare worker (one per lane), so a timeout does
 * not hold a lane. At most {@code 2 × workers} programs run at once, half of them at the lowest priority: total CPU
 * stays bounded. Callers should use {@link #callers()} threads to keep every lane busy.
 */
public final class SandboxPool implements AutoCloseable {

    /** What a worker's cgroup allows beyond one program's address space: its server, launcher and test process. */
    static final long WORKER_OVERHEAD_BYTES = 256L << 20;

    /** What a worker's bound allows beyond one program's processes: its server, launcher and test process. */
    static final int WORKER_OVERHEAD_PROCESSES = 16;

    /** With its own uids (root): programs of worker i run as base + i, its test process as base + this + i. */
    static final int TEST_UID_OFFSET = 500;

    private final SandboxSettings settings;
    private final List<PythonWorker> workers = new ArrayList<>();
    private final BlockingQueue<PythonWorker> idle;
    private final Semaphore lanes;
    private final ScheduledExecutorService laneTimer;
    private final Path home;
    private DockerWorkers docker;
    private WorkerCgroup.Pool cgroups;
    private volatile boolean closed;

    private SandboxPool(SandboxSettings settings, Path home) {
        this.settings = settings;
        this.home = home;
        this.idle = new ArrayBlockingQueue<>(workerCount(settings));
        this.lanes = new Semaphore(settings.workers());
        this.laneTimer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-lanes");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Workers started: one per lane, and as many spares for programs that gave their lane back. */
    private static int workerCount(SandboxSettings settings) {
        boolean deprioritizes = !settings.deprioritizeAfter().isZero() && !settings.deprioritizeAfter().isNegative();
        boolean spares = deprioritizes && settings.isolation() != Isolation.DOCKER; // a spare container costs too much
        return settings.workers() * (spares ? 2 : 1);
    }

    /** Starts every worker in parallel; fails naming the cause if any cannot start. */
    public static SandboxPool start(SandboxSettings settings) {
        checkPrerequisites(settings);
        Path home;
        try {
            home = Files.createTempDirectory("leti-sandbox-");
            try (InputStream script = SandboxPool.class.getResourceAsStream("/sandbox/" + PythonWorker.SCRIPT)) {
                if (script == null) {
                    throw new SandboxException("sandbox script missing from the classpath");
                }
                Files.copy(script, home.resolve(PythonWorker.SCRIPT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the sandbox directory", e);
        }
        SandboxPool pool = new SandboxPool(settings, home);
        // Root's powers for the workers (own uids for programs and tests), unless asked to run them as the pod does.
        boolean bwrap = settings.isolation() == Isolation.BWRAP;
        Integer runAs = bwrap && isRoot() ? settings.runAsUid() : null;
        boolean root = isRoot() && runAs == null;
        DockerWorkers docker = settings.isolation() == Isolation.DOCKER ? DockerWorkers.connect(settings) : null;
        pool.docker = docker;
        // Docker bounds each container itself; isolation off has no bounds at all.
        pool.cgroups = settings.isolation() == Isolation.BWRAP ? WorkerCgroup.pool().orElse(null) : null;
        for (int i = 0; i < workerCount(settings); i++) {
            Path stderr = home.resolve("worker-" + i + ".stderr");
            WorkerProcess.Launcher launcher;
            WorkerCgroup cgroup = null;
            if (docker != null) {
                launcher = docker.launcher(i, home.resolve(PythonWorker.SCRIPT), stderr);
            } else {
                boolean ownUids = bwrap && root;
                Integer uid = ownUids ? settings.sandboxUidBase() + i : null;
                Integer testUid = ownUids ? settings.sandboxUidBase() + TEST_UID_OFFSET + i : null;
                Path scratch = bwrap ? Path.of("/tmp") : pool.hostScratch(i);
                List<String> command = WorkerCommand.of(settings, home, scratch, uid, testUid, root);
                if (runAs != null) {
                    command = WorkerCommand.runningAs(runAs, command);
                }
                if (pool.cgroups != null) {
                    cgroup = pool.workerCgroup(i);
                    command = cgroup.wrap(command);
                }
                launcher = WorkerProcess.local(command, stderr);
            }
            pool.workers.add(new PythonWorker(i, launcher, stderr, settings.startTimeout().toMillis(), cgroup));
        }
        ExecutorService starter = Executors.newFixedThreadPool(Math.min(workerCount(settings), 8));
        try {
            CompletableFuture.allOf(pool.workers.stream()
                    .map(worker -> CompletableFuture.runAsync(worker::start, starter))
                    .toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            pool.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof SandboxException sandbox ? sandbox : new SandboxException(cause.getMessage(), cause);
        } finally {
            starter.shutdown();
        }
        pool.idle.addAll(pool.workers);
        return pool;
    }

    private static void checkPrerequisites(SandboxSettings settings) {
        if (settings.isolation() == Isolation.DOCKER) {
            return; // the interpreter is the image's; DockerWorkers.connect checks the engine
        }
        if (!Files.isExecutable(settings.python())) {
            throw new SandboxException("leti.sandbox.python: " + settings.python()
                    + " is not an executable Python interpreter (Debian's /usr/bin/python3 is expected)");
        }
        if (settings.isolation() == Isolation.BWRAP && !Files.isExecutable(Path.of(WorkerCommand.BWRAP))) {
            throw new SandboxException("leti.sandbox.isolation=bwrap needs bubblewrap at " + WorkerCommand.BWRAP
                    + "; run ./leti setup (installs bubblewrap and python3-seccomp) or, for trusted code only,"
                    + " set leti.sandbox.isolation=none");
        }
    }

    /** A worker's cgroup: its programs' address-space limit plus room for the server, launcher and test process. */
    private WorkerCgroup workerCgroup(int index) {
        try {
            return cgroups.worker(index, settings.memoryBytes() + WORKER_OVERHEAD_BYTES, settings.maxProcesses() + WORKER_OVERHEAD_PROCESSES);
        } catch (IOException e) {
            throw new SandboxException("cannot set up the cgroup of sandbox worker " + index + ": " + e.getMessage(), e);
        }
    }

    private Path hostScratch(int index) {
        try {
            return Files.createDirectories(home.resolve("scratch-" + index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this service runs as root: its bubblewrap workers give programs and tests uids of their own. */
    public static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    /** Runs {@code program}, then judges it by {@code tests}, with the default timeout and no entry points. */
    public Verdict run(String program, String tests) {
        return run(program, tests, List.of(), settings.timeout());
    }

    /**
     * Runs {@code program} in its own process and {@code tests} in another, which calls the program's top-level
     * names across a plain-data boundary; blocks until a worker is free and the verdict is in.
     *
     * @param entryPoints the program's names the tests may call where a builtin has the same name (see
     *                    {@link ai.leti.common.tasks.Task#entryPoints()}); every other program name that would hide
     *                    a builtin stays hidden from the tests
     */
    public Verdict run(String program, String tests, Collection<String> entryPoints, Duration timeout) {
        if (closed) {
            throw new SandboxException("sandbox pool is closed");
        }
        AtomicBoolean laneHeld = new AtomicBoolean();
        Runnable releaseLane = () -> {
            if (laneHeld.compareAndSet(true, false)) {
                lanes.release();
            }
        };
        PythonWorker worker;
        try {
            lanes.acquire();
            laneHeld.set(true);
            worker = idle.take();
        } catch (InterruptedException e) {
            releaseLane.run();
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while waiting for a sandbox worker", e);
        }
        ScheduledFuture<?> laneBack = workerCount(settings) > settings.workers()
                ? laneTimer.schedule(releaseLane, settings.deprioritizeAfter().toNanos(), TimeUnit.NANOSECONDS) : null;
        try {
            double seconds = timeout.toNanos() / 1e9;
            List<String> names = List.copyOf(entryPoints);
            WorkerResponse response = worker.run(program, tests, names, seconds);
            if ("error".equals(response.status())) {
                // One retry on a fresh worker: the failure was the sandbox's, and the program deserves a verdict.
                response = worker.run(program, tests, names, seconds);
            }
            return Verdicts.verdict(response);
        } finally {
            if (laneBack != null) {
                laneBack.cancel(false);
            }
            releaseLane.run();
            if (!closed) {
                idle.add(worker);
            }
        }
    }

    /**
     * Whether every worker's processes are bounded together (a cgroup of its own, or its container's), not only each
     * process by its rlimits.
     */
    public boolean boundsWorkersAsAWhole() {
        return cgroups != null || docker != null;
    }

    /** Threads that keep every lane busy: one per worker, spares included. */
    public int callers() {
        return workers.size();
    }

    public SandboxSettings settings() {
        return settings;
    }

    /** Workers whose server process is alive: what readiness reports. */
    public int liveWorkers() {
        return (int) workers.stream().filter(PythonWorker::isAlive).count();
    }

    @Override
    public void close() {
        closed = true;
        laneTimer.shutdownNow();
        workers.forEach(PythonWorker::close);
        if (docker != null) {
            docker.close();
        }
        if (cgroups != null) {
            cgroups.close();
        }
        try (Stream<Path> paths = Files.walk(home)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
