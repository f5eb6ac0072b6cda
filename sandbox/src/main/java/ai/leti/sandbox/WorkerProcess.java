package ai.leti.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A running fork server, wherever it runs: its request and answer streams, and how to end it. */
interface WorkerProcess {

    OutputStream requests();

    InputStream answers();

    boolean alive();

    /** Ends the server and everything it started. */
    void kill();

    /** Starts one fork server; {@link #describe()} names it in errors. */
    interface Launcher {
        WorkerProcess launch() throws IOException;

        String describe();
    }

    /** A local process: the fork server bare or inside bubblewrap. */
    static Launcher local(List<String> command, Path stderrLog) {
        return new Launcher() {
            @Override
            public WorkerProcess launch() throws IOException {
                ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()));
                builder.environment().clear();
                builder.environment().put("PATH", "/usr/bin:/bin");
                builder.environment().put("LANG", "C.UTF-8");
                Process process = builder.start();
                return new WorkerProcess() {
                    @Override
                    public OutputStream requests() {
                        return process.getOutputStream();
                    }

                    @Override
                    public InputStream answers() {
                        return process.getInputStream();
                    }

                    @Override
                    public boolean alive() {
                        return process.isAlive();
                    }

                    @Override
                    public void kill() { // bubblewrap's namespace dies with its init
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                        process.destroyForcibly();
                        try {
                            process.waitFor(5, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                };
            }

            @Override
            public String describe() {
                return String.join(" ", command.subList(0, Math.min(command.size(), 3))) + " ...";
            }
        };
    }
}
