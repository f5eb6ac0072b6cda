package ai.leti.cli.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services on this machine as child JVMs from their packaged jars, around a broker: what {@code ./leti demo},
 * {@code ./leti fleet-demo} and {@code ./leti stack} start, and what the system tests start (around their own
 * broker). Each service's log goes to {@code <logs>/<name>.log}; closing the stack stops the services, then the
 * broker, in reverse order of starting.
 */
public final class LocalStack implements AutoCloseable {

    /**
     * glibc keeps freed memory instead of returning it: small, variable-shape training steps ran 10-17% faster. The
     * environment of every model-running JVM the stack starts (and of the launcher's own).
     */
    public static final Map<String, String> MODEL_ENVIRONMENT = Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
            "MALLOC_TRIM_THRESHOLD_", "17179869184", "MALLOC_TOP_PAD_", "536870912");

    private final Workspace workspace;
    private final Path logs;
    private final Map<String, String> environment = new LinkedHashMap<>(MODEL_ENVIRONMENT);
    private final List<AutoCloseable> started = new ArrayList<>();
    private String bootstrapServers;

    public LocalStack(Workspace workspace, Path logs) {
        this.workspace = workspace;
        this.logs = logs;
        // Ctrl-C (or a kill) of the command line stops what it started
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "leti-stack-stop"));
    }

    /** An environment variable for every service started after this call (the generator's API token, say). */
    public LocalStack withEnvironment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Starts (or finds) the local broker on {@code port}; the services started after it use it. */
    public LocalStack withBroker(int port) throws IOException, InterruptedException {
        KafkaBroker broker = KafkaBroker.start(workspace, port, Duration.ofMinutes(1));
        started.add(broker);
        bootstrapServers = broker.bootstrapServers();
        return this;
    }

    /** A broker someone else runs (the system tests' embedded one). */
    public LocalStack withBootstrapServers(String servers) {
        bootstrapServers = servers;
        return this;
    }

    /**
     * Starts one instance of a service from its jar: {@code java -jar} with the port, the broker and
     * {@code arguments} (Spring properties, {@code --name=value}); returns it without waiting for it to be ready.
     */
    public ServiceProcess start(Service service, String name, int port, List<String> jvmOptions, List<String> arguments) {
        return prepare(service, name, port, jvmOptions, arguments).start();
    }

    /** The same instance, not started yet (the stack still stops it when it closes). */
    public ServiceProcess prepare(Service service, String name, int port, List<String> jvmOptions, List<String> arguments) {
        Path jar = workspace.jar(service);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(service.module() + " is not packaged: " + jar + " (./leti build)");
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(), "--server.port=" + port));
        if (bootstrapServers != null) {
            command.add("--spring.kafka.bootstrap-servers=" + bootstrapServers);
        }
        command.addAll(arguments);
        ServiceProcess process = new ServiceProcess(name, command, environment, port, logs.resolve(name + ".log"));
        started.add(process);
        return process;
    }

    /** The same with the service's default port and name and no JVM options. */
    public ServiceProcess start(Service service, String... arguments) {
        return start(service, service.module().replace("-service", ""), service.defaultPort(), List.of(), List.of(arguments));
    }

    /** One instance of each service, and the samplers, as {@link #startServices} starts them. */
    public record Services(ServiceProcess executor, ServiceProcess trainer, ServiceProcess generator,
            List<ServiceProcess> samplers) {

        /** Waits until all are ready. */
        public void awaitReady() throws InterruptedException {
            LocalStack.awaitReady(executor, trainer, generator);
            LocalStack.awaitReady(samplers.toArray(ServiceProcess[]::new));
        }
    }

    /**
     * One instance of each service on its default port: the trainer's store and the generator's state under
     * {@code directory}, and the files a run may name under {@code dataRoots} (comma-separated). With
     * {@code samplers} of 1 or more, the generator is the run coordinator alone and that many samplers (the
     * generator's jar in its other role, {@code sampler-1}, {@code sampler-2}, ... on the ports after the generator's,
     * their torch threads sharing this machine's cores) sample its work; with 0, the generator samples too. Returns
     * without waiting for them to be ready.
     */
    public Services startServices(Path directory, String dataRoots, int samplers) {
        ServiceProcess executor = start(Service.EXECUTOR, "--leti.executor.instance-id=executor-1");
        ServiceProcess trainer = start(Service.TRAINER, "--leti.trainer.store=" + directory.resolve("trainer-store"),
                "--leti.trainer.data-roots=" + dataRoots,
                "--leti.trainer.public-url=http://127.0.0.1:" + Service.TRAINER.defaultPort());
        ServiceProcess generator = start(Service.GENERATOR, "--leti.generator.state=" + directory.resolve("generator-state"),
                "--leti.generator.data-roots=" + dataRoots,
                "--leti.generator.roles=" + (samplers > 0 ? "coordinator" : "coordinator,sampler"));
        List<ServiceProcess> fleet = new ArrayList<>();
        for (int i = 1; i <= samplers; i++) {
            fleet.add(start(Service.GENERATOR, "sampler-" + i, Service.GENERATOR.defaultPort() + 10 + i,
                    samplerJvmOptions(samplers), samplerArguments(i, directory.resolve("sampler-" + i), dataRoots)));
        }
        return new Services(executor, trainer, generator, fleet);
    }

    /** Sampler {@code i}'s arguments: its role, name, state and the files it may read. */
    public static List<String> samplerArguments(int i, Path state, String dataRoots) {
        return List.of("--leti.generator.roles=sampler", "--leti.generator.sampler-id=sampler-" + i,
                "--leti.generator.state=" + state, "--leti.generator.data-roots=" + dataRoots);
    }

    /** Each of {@code samplers} samplers gets its share of this machine's cores for torch's threads. */
    public static List<String> samplerJvmOptions(int samplers) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / samplers);
        return List.of("-Dai.djl.pytorch.num_threads=" + threads, "-Dai.djl.pytorch.num_interop_threads=1");
    }

    /** Waits until each is ready, in order (each wait up to three minutes: a cold JVM, DJL's engine, Kafka topics). */
    public static void awaitReady(ServiceProcess... processes) throws InterruptedException {
        for (ServiceProcess process : processes) {
            process.awaitReady(Duration.ofMinutes(3));
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Workspace workspace() {
        return workspace;
    }

    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("leti: stopping " + started.get(i) + ": " + e.getMessage());
            }
        }
        started.clear();
    }
}
