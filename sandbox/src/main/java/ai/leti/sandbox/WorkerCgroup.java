package ai.leti.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound on a worker's memory and processes as a whole, whatever the program forks: a cgroup per worker
 * (one program runs in a worker at a time, so it is the program's bound). rlimits bound each process alone; a
 * program of several processes could hold several times the address-space limit together without this.
 *
 * <p>cgroup v1 (the {@code memory} and {@code pids} hierarchies, as on this project's machines) or a v2 subtree
 * with {@code memory} and {@code pids} delegated; the service must be able to write there (root, or a delegated
 * subtree). Where neither is possible {@link #create} says why and the pool runs without: each process keeps its
 * rlimits, and the pod's or container's own limits are the outer bound.
 *
 * <p>The launch command is wrapped so that the worker's first process joins the cgroup before it becomes
 * bubblewrap: nothing of it ever runs outside. When the limit is reached the kernel kills a process of the
 * cgroup, preferring the program's (their {@code oom_score_adj} is 1000); {@link #oomKills()} counts those kills
 * so a run that caused one is judged a memory failure.
 */
final class WorkerCgroup implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WorkerCgroup.class);
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** The cgroup directories a worker's processes join; their first entry holds the memory accounting. */
    private final List<Path> directories;
    private final Path oomCounter;
    private final long memoryBytes;

    private WorkerCgroup(List<Path> directories, Path oomCounter, long memoryBytes) {
        this.directories = directories;
        this.oomCounter = oomCounter;
        this.memoryBytes = memoryBytes;
    }

    /** Parent directories for one pool's workers, or empty (logged once with the reason) where cgroups cannot be had. */
    static Optional<Pool> pool() {
        if (!SandboxPool.isRoot()) {
            log.info("sandbox workers run without a cgroup: the service is not root (each process keeps its rlimits;"
                    + " the pod's limits bound the whole)");
            return Optional.empty();
        }
        String name = "leti-sandbox-" + ProcessHandle.current().pid() + "-" + POOLS.incrementAndGet();
        try {
            Path memory = ROOT.resolve("memory");
            Path pids = ROOT.resolve("pids");
            if (Files.isWritable(memory) && Files.isWritable(pids)) {
                Path memoryParent = Files.createDirectories(memory.resolve(ownPath("memory")).resolve(name));
                Path pidsParent = Files.createDirectories(pids.resolve(ownPath("pids")).resolve(name));
                return Optional.of(new Pool(1, List.of(memoryParent, pidsParent)));
            }
            if (Files.exists(ROOT.resolve("cgroup.controllers"))) {
                Path parent = ROOT.resolve(ownPath("")).resolve(name);
                Files.createDirectories(parent);
                Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory +pids");
                return Optional.of(new Pool(2, List.of(parent)));
            }
            log.info("sandbox workers run without a cgroup: neither cgroup v1 memory and pids nor cgroup v2 is mounted"
                    + " at {}", ROOT);
        } catch (IOException | RuntimeException e) {
            log.info("sandbox workers run without a cgroup: {} (each process keeps its rlimits)", e.getMessage());
        }
        return Optional.empty();
    }

    /** This process's own cgroup path in a hierarchy (v1 controller name, or "" for v2), relative to its root. */
    private static String ownPath(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && (controller.isEmpty() ? fields[0].equals("0") && fields[1].isEmpty()
                    : List.of(fields[1].split(",")).contains(controller))) {
                return fields[2].startsWith("/") ? fields[2].substring(1) : fields[2];
            }
        }
        throw new IOException("no " + (controller.isEmpty() ? "cgroup v2" : controller) + " entry in /proc/self/cgroup");
    }

    /** The cgroups of one pool: a parent per hierarchy, a child per worker. */
    record Pool(int version, List<Path> parents) implements AutoCloseable {

        /** A worker's cgroup with these bounds. */
        WorkerCgroup worker(int index, long memoryBytes, int processes) throws IOException {
            List<Path> directories = new ArrayList<>();
            for (Path parent : parents) {
                directories.add(Files.createDirectories(parent.resolve("worker-" + index)));
            }
            if (version == 1) {
                Files.writeString(directories.get(0).resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
                Path swap = directories.get(0).resolve("memory.memsw.limit_in_bytes");
                if (Files.exists(swap)) {
                    Files.writeString(swap, Long.toString(memoryBytes));
                }
                Files.writeString(directories.get(1).resolve("pids.max"), Integer.toString(processes));
                return new WorkerCgroup(directories, directories.get(0).resolve("memory.oom_control"), memoryBytes);
            }
            Path directory = directories.get(0);
            Files.writeString(directory.resolve("memory.max"), Long.toString(memoryBytes));
            Path swap = directory.resolve("memory.swap.max");
            if (Files.exists(swap)) {
                Files.writeString(swap, "0");
            }
            Files.writeString(directory.resolve("pids.max"), Integer.toString(processes));
            return new WorkerCgroup(directories, directory.resolve("memory.events"), memoryBytes);
        }

        /**
         * Removes the workers' cgroups and the parents. A cgroup with a process in it cannot be removed, and killed
         * processes take a moment to leave: this waits up to 5 s for them.
         */
        @Override
        public void close() {
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (Path parent : parents) {
                while (Files.exists(parent) && System.nanoTime() < deadline) {
                    try (var children = Files.list(parent)) {
                        children.filter(Files::isDirectory).forEach(WorkerCgroup::removeQuietly);
                    } catch (IOException ignored) {
                        // gone meanwhile
                    }
                    removeQuietly(parent);
                    if (Files.exists(parent) && !pause()) {
                        return;
                    }
                }
            }
        }

        /** False when interrupted: then the cgroups stay, and the kernel frees them once they are empty. */
        private static boolean pause() {
            try {
                Thread.sleep(20);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * The command that starts a worker: a shell that moves itself into the cgroup, then becomes the command. A
     * failure to join is exit status 70 and the worker does not start.
     */
    List<String> wrap(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c",
                "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 70; shift; done; shift; exec \"$@\"", "leti-cgroup"));
        directories.forEach(directory -> wrapped.add(directory.resolve("cgroup.procs").toString()));
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }

    /** How many processes of this worker the kernel has killed for memory so far. */
    long oomKills() {
        try {
            for (String line : Files.readAllLines(oomCounter, StandardCharsets.UTF_8)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // no counter: no kill is seen
        }
        return 0;
    }

    long memoryBytes() {
        return memoryBytes;
    }

    @Override
    public void close() {
        directories.forEach(WorkerCgroup::removeQuietly);
    }

    private static void removeQuietly(Path directory) {
        try {
            Files.deleteIfExists(directory);
        } catch (IOException ignored) {
            // processes still inside, or already removed: the kernel frees an empty cgroup's memory anyway
        }
    }
}
