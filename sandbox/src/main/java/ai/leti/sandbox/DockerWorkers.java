package ai.leti.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;


/**
 * The Docker backend: one container per worker, created through the Docker engine's API (docker-java). The
 * container has no network, a read-only root with a size-capped tmpfs at /tmp, memory and pids limits, only the
 * capabilities the server needs to start programs under other uids, no-new-privileges, and optionally another runtime (gVisor's {@code runsc}).
 * Inside it the same fork server runs with its rlimits and seccomp; its script is passed on the command line, so
 * the image only needs Python 3 with python3-seccomp ({@code deploy/sandbox/Dockerfile}).
 */
final class DockerWorkers implements AutoCloseable {

    static final String LABEL = "ai.leti.sandbox";
    /**
     * The server starts as the container's root, with only {@link WorkerCommand#SERVER_CAPABILITIES} and
     * no-new-privileges, so that its programs and its test process run under uids of their own, never the server's.
     */
    static final String USER = "0:0";

    private final DockerClient docker;
    private final SandboxSettings settings;

    private DockerWorkers(DockerClient docker, SandboxSettings settings) {
        this.docker = docker;
        this.settings = settings;
    }

    /** Connects to the engine named by DOCKER_HOST (default the local socket); fails naming it if it does not answer. */
    static DockerWorkers connect(SandboxSettings settings) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        DockerClient client = DockerClientImpl.getInstance(config, new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(60)).build());
        try {
            client.pingCmd().exec();
            client.inspectImageCmd(settings.dockerImage()).exec();
        } catch (RuntimeException e) {
            throw new SandboxException("leti.sandbox.isolation=docker needs a Docker engine at " + config.getDockerHost()
                    + " with the image " + settings.dockerImage() + " (docker build -f deploy/sandbox/Dockerfile -t "
                    + settings.dockerImage() + " .): " + e.getMessage(), e);
        }
        return new DockerWorkers(client, settings);
    }

    /**
     * What the fork server inside container {@code index} is told: every layer of its own on, programs in the
     * tmpfs under a uid of their own, the tests under another; the container is its own PID namespace.
     */
    static String serverConfig(SandboxSettings settings, int index) {
        return WorkerCommand.serverConfig(settings, true, true, settings.sandboxUidBase() + index,
                settings.sandboxUidBase() + SandboxPool.TEST_UID_OFFSET + index, "namespace", "/tmp");
    }

    /** The command container {@code index} runs: the interpreter with the server script inline. */
    static List<String> command(String script, SandboxSettings settings, int index) {
        return List.of("python3", "-I", "-S", "-B", "-c", script, serverConfig(settings, index));
    }

    /**
     * Host threads gVisor's own kernel (the Sentry and its gofer) runs a container with: they count against the
     * container's pids limit, which gVisor panics on reaching. The programs' processes are not host processes there;
     * their limit is the RLIMIT_NPROC the server sets, which gVisor enforces itself.
     */
    static final int GVISOR_THREADS = 256;

    static boolean gvisor(SandboxSettings settings) {
        return settings.dockerRuntime() != null && settings.dockerRuntime().startsWith("runsc");
    }

    /** The container's limits and isolation. */
    static HostConfig hostConfig(SandboxSettings settings) {
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode("none")
                .withReadonlyRootfs(true)
                // No /dev/shm (a private IPC namespace without it), and a read-only /dev/mqueue: the only places
                // outside the scratch where a program could leave something for the next one.
                .withIpcMode("none")
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + settings.scratchBytes() + ",mode=1777",
                        "/dev/mqueue", "ro,nosuid,nodev,noexec,size=4k"))
                // the programs' own address-space limit plus the server's, launcher's and test process's
                .withMemory(settings.memoryBytes() + SandboxPool.WORKER_OVERHEAD_BYTES)
                .withMemorySwap(settings.memoryBytes() + SandboxPool.WORKER_OVERHEAD_BYTES)
                .withPidsLimit((long) settings.maxProcesses() + SandboxPool.WORKER_OVERHEAD_PROCESSES
                        + (gvisor(settings) ? GVISOR_THREADS : 0))
                .withCapDrop(Capability.ALL)
                .withCapAdd(WorkerCommand.SERVER_CAPABILITIES.stream()
                        .map(name -> Capability.valueOf(name.substring("CAP_".length()))).toArray(Capability[]::new))
                .withSecurityOpts(List.of("no-new-privileges"))
                .withAutoRemove(true);
        if (settings.dockerRuntime() != null && !settings.dockerRuntime().isBlank()) {
            host.withRuntime(settings.dockerRuntime());
        }
        return host;
    }

    WorkerProcess.Launcher launcher(int index, Path script, Path stderrLog) {
        return new WorkerProcess.Launcher() {
            @Override
            public WorkerProcess launch() throws IOException {
                return start(index, Files.readString(script), stderrLog);
            }

            @Override
            public String describe() {
                return "docker image " + settings.dockerImage()
                        + (settings.dockerRuntime().isBlank() ? "" : " runtime " + settings.dockerRuntime());
            }
        };
    }

    private WorkerProcess start(int index, String script, Path stderrLog) throws IOException {
        String id = docker.createContainerCmd(settings.dockerImage())
                .withCmd(command(script, settings, index))
                .withUser(USER)
                .withWorkingDir("/tmp")
                .withEnv("PATH=/usr/bin:/bin", "LANG=C.UTF-8")
                .withLabels(Map.of(LABEL, "worker-" + index))
                .withStdinOpen(true).withStdInOnce(false).withAttachStdin(true).withAttachStdout(true).withAttachStderr(true)
                .withTty(false)
                .withHostConfig(hostConfig(settings))
                .exec().getId();
        Pipe toContainer = Pipe.open();
        Pipe fromContainer = Pipe.open();
        AtomicBoolean ended = new AtomicBoolean();
        docker.attachContainerCmd(id).withStdIn(Channels.newInputStream(toContainer.source())).withStdOut(true)
                .withStdErr(true).withFollowStream(true)
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        try {
                            if (frame.getStreamType() == StreamType.STDOUT || frame.getStreamType() == StreamType.RAW) {
                                ByteBuffer bytes = ByteBuffer.wrap(frame.getPayload());
                                while (bytes.hasRemaining()) {
                                    fromContainer.sink().write(bytes);
                                }
                            } else {
                                Files.write(stderrLog, frame.getPayload(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                            }
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public void onComplete() {
                        end();
                    }

                    @Override
                    public void onError(Throwable error) {
                        end();
                    }

                    private void end() {
                        ended.set(true);
                        try {
                            fromContainer.sink().close();
                        } catch (IOException ignored) {
                            // the reader sees end of stream either way
                        }
                    }
                });
        docker.startContainerCmd(id).exec();
        OutputStream requests = Channels.newOutputStream(toContainer.sink());
        InputStream answers = Channels.newInputStream(fromContainer.source());
        return new WorkerProcess() {
            @Override
            public OutputStream requests() {
                return requests;
            }

            @Override
            public InputStream answers() {
                return answers;
            }

            @Override
            public boolean alive() {
                return !ended.get();
            }

            @Override
            public void kill() {
                try {
                    docker.killContainerCmd(id).exec();
                } catch (RuntimeException gone) {
                    // already stopped (auto-removed)
                }
                try {
                    toContainer.sink().close();
                } catch (IOException ignored) {
                    // nothing more to send
                }
            }
        };
    }

    /** Containers of this pool that are still running (after close: none). */
    List<String> running() {
        List<String> ids = new ArrayList<>();
        docker.listContainersCmd().withLabelFilter(List.of(LABEL)).exec().forEach(container -> ids.add(container.getId()));
        return ids;
    }

    @Override
    public void close() {
        try {
            docker.close();
        } catch (IOException ignored) {
            // the engine connection is gone either way
        }
    }
}
