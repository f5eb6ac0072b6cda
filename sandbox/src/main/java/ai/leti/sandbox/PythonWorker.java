package ai.leti.sandbox;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import ai.leti.common.json.Jsonl;
import tools.jackson.core.JacksonException;

/**
 * One fork server process and the pipe to it. Not thread-safe: the {@link SandboxPool} hands a worker to
 * one caller at a time. A worker that stops answering is killed with its whole process tree and restarted.
 */
final class PythonWorker implements AutoCloseable {

    static final String SCRIPT = "leti_sandbox.py";
    private static final Logger log = LoggerFactory.getLogger(PythonWorker.class);
    /** Beyond the program's own limit: the server's kill-and-reap pass may take up to 5 s in the worst case. */
    private static final long GRACE_MILLIS = 10_000;
    private static final String EOF = "\u0000EOF";

    private final int index;
    private final WorkerProcess.Launcher launcher;
    private final Path stderrLog;
    private final long startTimeoutMillis;
    private final WorkerCgroup cgroup;
    private WorkerProcess process;
    private BufferedWriter requests;
    private BlockingQueue<String> responses;
    private long counter;

    /** @param cgroup the worker's bound on memory and processes as a whole, or null where there is none */
    PythonWorker(int index, WorkerProcess.Launcher launcher, Path stderrLog, long startTimeoutMillis, WorkerCgroup cgroup) {
        this.index = index;
        this.launcher = launcher;
        this.stderrLog = stderrLog;
        this.startTimeoutMillis = startTimeoutMillis;
        this.cgroup = cgroup;
    }

    /** Starts the server and waits for its ready line; fails with what the server printed if it cannot start. */
    void start() {
        try {
            process = launcher.launch();
        } catch (IOException | RuntimeException e) {
            throw new SandboxException("cannot start sandbox worker " + index + " (" + launcher.describe() + "): "
                    + e.getMessage(), e);
        }
        requests = new BufferedWriter(new OutputStreamWriter(process.requests(), StandardCharsets.UTF_8));
        responses = new LinkedBlockingQueue<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.answers(), StandardCharsets.UTF_8));
        BlockingQueue<String> queue = responses;
        Thread pump = new Thread(() -> pump(reader, queue), "sandbox-worker-" + index + "-reader");
        pump.setDaemon(true);
        pump.start();
        String ready = poll(startTimeoutMillis);
        if (ready == null || ready == EOF || !ready.contains("\"ready\"")) {
            kill();
            throw new SandboxException("sandbox worker " + index + " did not start: " + describeFailure(ready));
        }
        log.debug("sandbox worker {} ready: {}", index, ready);
    }

    private static void pump(BufferedReader reader, BlockingQueue<String> queue) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                queue.add(line);
            }
        } catch (IOException ignored) {
            // the process went away; EOF below tells the waiting caller
        }
        queue.add(EOF);
    }

    /**
     * Runs one program; never throws for anything the program does. A run during which the kernel killed a
     * process of the worker for memory is a memory failure, whatever that kill looked like from inside.
     */
    WorkerResponse run(String program, String tests, List<String> entryPoints, double timeoutSeconds) {
        long killedBefore = cgroup == null ? 0 : cgroup.oomKills();
        WorkerResponse response = exchange(program, tests, entryPoints, timeoutSeconds);
        if (cgroup != null && !"passed".equals(response.status()) && cgroup.oomKills() > killedBefore) {
            return WorkerResponse.memoryExceeded(response, cgroup.memoryBytes());
        }
        return response;
    }

    private WorkerResponse exchange(String program, String tests, List<String> entryPoints, double timeoutSeconds) {
        String id = Long.toString(++counter);
        if (!isAlive()) {
            restart("it was not running");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("id", id);
        request.put("program", program);
        request.put("tests", tests);
        request.put("timeout", timeoutSeconds);
        request.put("entry_points", entryPoints);
        long started = System.nanoTime();
        try {
            requests.write(Jsonl.MAPPER.writeValueAsString(request));
            requests.write('\n');
            requests.flush();
        } catch (IOException e) {
            restart("its input pipe broke: " + e.getMessage());
            return WorkerResponse.sandboxFailure(id, "sandbox worker died before the program was sent");
        }
        // A deprioritized program starved of CPU may get up to twice its timeout more (leti_sandbox.py, Clock).
        String line = poll((long) (timeoutSeconds * 3000) + GRACE_MILLIS);
        if (line == null) {
            restart("it did not answer within the timeout");
            return WorkerResponse.timedOut(id, (System.nanoTime() - started) / 1e6);
        }
        if (line == EOF) {
            restart("it exited while running a program");
            return WorkerResponse.sandboxFailure(id, "sandbox worker exited while running the program");
        }
        try {
            WorkerResponse response = Jsonl.MAPPER.readValue(line, WorkerResponse.class);
            if (!id.equals(response.id())) {
                restart("it answered request " + response.id() + " instead of " + id);
                return WorkerResponse.sandboxFailure(id, "sandbox worker protocol out of step");
            }
            if (response.restartRequested()) {
                restart("it asked for it after request " + id);
            }
            return response;
        } catch (JacksonException e) {
            // what it wrote goes to the log (cut short, control characters escaped), never into a verdict
            restart("it wrote an unreadable answer: " + printable(line.length() > 160 ? line.substring(0, 160) + "..." : line));
            return WorkerResponse.sandboxFailure(id, "unreadable sandbox answer");
        }
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> out.append(Character.isISOControl(c) ? String.format("\\x%02x", c) : Character.toString(c)));
        return out.toString();
    }

    boolean isAlive() {
        return process != null && process.alive();
    }

    private void restart(String why) {
        log.warn("restarting sandbox worker {}: {}", index, why);
        kill();
        start();
    }

    private String poll(long millis) {
        try {
            return responses.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String describeFailure(String line) {
        String stderr = "";
        try {
            if (Files.exists(stderrLog)) {
                stderr = Files.readString(stderrLog, StandardCharsets.UTF_8).strip();
            }
        } catch (IOException ignored) {
            // the message below still names the command
        }
        String said = line == null ? "no answer within " + startTimeoutMillis + " ms"
                : line == EOF ? "it exited" : "unexpected first line " + line;
        return said + (stderr.isEmpty() ? "" : "; stderr: " + stderr.lines().reduce((a, b) -> b).orElse(""))
                + "; command: " + launcher.describe();
    }

    /** Kills the server and everything under it. */
    private void kill() {
        if (process != null) {
            process.kill();
        }
    }

    @Override
    public void close() {
        kill();
        if (cgroup != null) {
            cgroup.close();
        }
    }
}
