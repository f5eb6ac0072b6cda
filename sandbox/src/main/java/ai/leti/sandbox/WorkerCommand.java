package ai.leti.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.leti.common.json.Jsonl;

/** Builds the command line that starts one fork server, inside bubblewrap or bare. */
final class WorkerCommand {

    static final String BWRAP = "/usr/bin/bwrap";
    static final String SETPRIV = "/usr/bin/setpriv";
    /**
     * What the server keeps of root's capabilities (root mode only; the test process and programs drop them all
     * with their uid): making and removing the programs' directories, signalling and renicing their processes,
     * and starting processes under other uids. No CAP_SYS_ADMIN, CAP_NET_*, CAP_SYS_PTRACE, CAP_MKNOD, ...
     */
    static final List<String> SERVER_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SYS_NICE");

    private WorkerCommand() {
    }

    /**
     * @param scriptDir host directory holding {@code leti_sandbox.py}
     * @param scratch   where programs get their directories: {@code /tmp} inside bubblewrap, a host dir without
     * @param uid       the unprivileged uid programs drop to, or null to keep the current one
     * @param testUid   the unprivileged uid the test process drops to (another than the programs'), or null
     */
    static List<String> of(SandboxSettings settings, Path scriptDir, Path scratch, Integer uid, Integer testUid,
            boolean root) {
        boolean isolated = settings.isolation() == Isolation.BWRAP;
        String configJson = serverConfig(settings, isolated, settings.seccomp(), uid, testUid,
                isolated ? "namespace" : "group", scratch.toString());

        List<String> command = new ArrayList<>();
        if (!isolated) {
            command.addAll(List.of(settings.python().toString(), "-I", "-S", "-B",
                    scriptDir.resolve(PythonWorker.SCRIPT).toString(), configJson));
            return command;
        }
        command.add(BWRAP);
        if (!root) {
            // Without root, namespaces come from an unprivileged user namespace; programs keep the uid.
            command.addAll(List.of("--unshare-user", "--disable-userns"));
        } else {
            command.addAll(List.of("--cap-drop", "ALL"));
            SERVER_CAPABILITIES.forEach(capability -> command.addAll(List.of("--cap-add", capability)));
        }
        command.addAll(List.of("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                // No --die-with-parent: its PR_SET_PDEATHSIG fires when the *thread* that started bwrap ends,
                // which in a JVM is any pool thread. The server exits on stdin EOF instead, i.e. when the JVM dies.
                "--unshare-cgroup-try", "--new-session",
                // The server is the namespace's init: no bubblewrap reaper as PID 1 that, without root, would be a
                // dumpable process of the programs' own uid. Orphans come to the server, which kills and reaps them.
                "--as-pid-1",
                "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
                "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--size", Long.toString(settings.scratchBytes()), "--tmpfs", "/tmp"));
        Path prefix = interpreterPrefix(settings.python());
        if (prefix != null) {
            command.addAll(List.of("--ro-bind", prefix.toString(), prefix.toString()));
        }
        // Nothing but the scratch is writable: without root, bubblewrap's root and /dev belong to the worker's uid,
        // which its programs share, and a file left there would reach the next program.
        command.addAll(List.of("--remount-ro", "/", "--remount-ro", "/dev"));
        // The script goes inline, as for the Docker backend: no host path is mounted, so none shows in mountinfo.
        command.addAll(List.of("--chdir", "/tmp", "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
                "--setenv", "LANG", "C.UTF-8",
                settings.python().toString(), "-I", "-S", "-B", "-c", script(scriptDir), configJson));
        return command;
    }

    /**
     * The same command started as {@code uid}, with no capability in any set and no way to gain one: how the
     * Kubernetes pod (runAsUser 10001, allowPrivilegeEscalation false) starts its workers, for a service that is
     * root here.
     */
    static List<String> runningAs(int uid, List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of(SETPRIV, "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * The fork server's configuration (its first argument), in one place for every backend.
     *
     * @param limits    whether programs get rlimits
     * @param uid       the unprivileged uid programs drop to, or null to keep the current one
     * @param testUid   the unprivileged uid of the test process, or null to keep the current one
     * @param killScope {@code namespace} (every other process in the worker's PID namespace) or {@code group}
     * @param scratch   where programs get their directories, as the server sees it
     */
    static String serverConfig(SandboxSettings settings, boolean limits, boolean seccomp, Integer uid, Integer testUid,
            String killScope, String scratch) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("memory_bytes", settings.memoryBytes());
        config.put("max_output_bytes", settings.maxOutputBytes());
        config.put("max_processes", settings.maxProcesses());
        config.put("max_open_files", settings.maxOpenFiles());
        config.put("limits", limits);
        config.put("seccomp", seccomp);
        config.put("uid", uid);
        config.put("test_uid", testUid);
        config.put("kill_scope", killScope);
        // The program in a process of its own, the tests in another: off only with every other layer (trusted code),
        // or in the bench that measures what it costs.
        config.put("split", settings.isolation() != Isolation.NONE && settings.verdictBoundary());
        config.put("scratch", scratch);
        config.put("deprioritize_after", settings.deprioritizeAfter().toNanos() / 1e9);
        // Inside a container the server counts the container's OOM kills; elsewhere the JVM counts the worker's cgroup's.
        config.put("count_oom_kills", settings.isolation() == Isolation.DOCKER);
        return Jsonl.MAPPER.writeValueAsString(config);
    }

    private static String script(Path scriptDir) {
        try {
            return Files.readString(scriptDir.resolve(PythonWorker.SCRIPT));
        } catch (IOException e) {
            throw new SandboxException("cannot read the sandbox script: " + e.getMessage(), e);
        }
    }

    /** An interpreter installed outside /usr (pyenv, a venv) needs its prefix visible inside the sandbox. */
    private static Path interpreterPrefix(Path python) {
        try {
            Path real = python.toRealPath();
            if (real.startsWith("/usr")) {
                return null;
            }
            Path prefix = real.getParent().getParent();
            return Files.isDirectory(prefix) ? prefix : null;
        } catch (IOException e) {
            throw new IllegalStateException("leti.sandbox.python: cannot resolve " + python + ": " + e.getMessage(), e);
        }
    }
}
