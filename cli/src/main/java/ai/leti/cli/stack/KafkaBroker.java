package ai.leti.cli.stack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A standalone KRaft broker from the Maven Central Kafka jars (no Docker): its configuration from
 * {@code local/kafka-broker/server.properties}, its data under {@code .leti/kafka/data} (formatted once), its log
 * in {@code .leti/kafka/broker.log}. A broker already listening on the port is used as it is.
 */
public final class KafkaBroker implements AutoCloseable {

    private final int port;
    private final ServiceProcess process;

    private KafkaBroker(int port, ServiceProcess process) {
        this.port = port;
        this.process = process;
    }

    /** The broker on 127.0.0.1:{@code port}: the one there, or one started now (waiting until it listens). */
    public static KafkaBroker start(Workspace workspace, int port, Duration timeout) throws IOException, InterruptedException {
        if (listening(port)) {
            System.err.println("leti: using the Kafka broker already on 127.0.0.1:" + port);
            return new KafkaBroker(port, null);
        }
        Path lib = workspace.kafkaLib();
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("the Kafka broker's jars are not in " + lib + " (./leti fetches them)");
        }
        Path home = workspace.state().resolve("kafka");
        Path properties = home.resolve("server.properties");
        Files.writeString(properties, Files.readString(workspace.root().resolve("local/kafka-broker/server.properties"))
                .replace("@DATA@", home.resolve("data").toString())
                .replace("@CONTROLLER_PORT@", Integer.toString(port + 1))
                .replace("@PORT@", Integer.toString(port)));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = lib + "/*";
        if (!Files.exists(home.resolve("data").resolve("meta.properties"))) {
            Process format = new ProcessBuilder(java, "-cp", classpath, "kafka.tools.StorageTool", "format", "-t", clusterId(),
                    "-c", properties.toString(), "--standalone").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (format.waitFor() != 0) {
                throw new IllegalStateException("formatting the broker's storage under " + home + " failed");
            }
        }
        System.err.println("leti: starting Kafka on 127.0.0.1:" + port);
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classpath, "kafka.Kafka", properties.toString()));
        ServiceProcess process = new ServiceProcess("kafka", command, Map.of(), port, home.resolve("broker.log"));
        Files.deleteIfExists(process.log());
        process.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!listening(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.close();
                throw new IllegalStateException("Kafka did not start; see " + process.log() + ":\n" + process.tail(10));
            }
            Thread.sleep(500);
        }
        return new KafkaBroker(port, process);
    }

    /** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what StorageTool random-uuid prints). */
    private static String clusterId() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        bytes[0] &= 0x7f; // never the reserved ids (all zero, or the metadata topic's)
        bytes[0] |= 0x01;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Stops the broker if this stack started it. */
    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
