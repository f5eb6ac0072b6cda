package ai.leti.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * The broker itself killed (kill -9) in the middle of a run and started again on the same data: the services
 * reconnect, the run finishes, and each iteration is trained on exactly its candidates. The broker is the
 * standalone KRaft broker {@code ./leti demo} runs ({@code local/kafka-broker/server.properties}), as a process of
 * its own from the Kafka jars on this module's test classpath.
 */
class BrokerRestartIT {

    private static final Path WORK = Path.of("target/broker-restart").toAbsolutePath();
    private static Broker broker;
    private static LetiSystem system;

    /** One KRaft broker process on a fixed port and data directory, so a restart finds its topics and offsets. */
    private static final class Broker {
        private final int port = LetiSystem.freePort();
        private final int controllerPort = LetiSystem.freePort();
        private final Path properties = WORK.resolve("server.properties");
        private Process process;

        void format() throws Exception {
            String template = Files.readString(LetiSystem.ROOT.resolve("local/kafka-broker/server.properties"));
            Files.writeString(properties, template.replace("@DATA@", WORK.resolve("kafka-data").toString())
                    .replace("@CONTROLLER_PORT@", Integer.toString(controllerPort)).replace("@PORT@", Integer.toString(port)));
            Process format = java("kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().replace("-", "")
                    .substring(0, 22), "-c", properties.toString(), "--standalone").start();
            assertThat(format.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(format.exitValue()).as(new String(format.getInputStream().readAllBytes())).isZero();
        }

        void start() throws Exception {
            process = java("kafka.Kafka", properties.toString())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(WORK.resolve("broker.log").toFile())).start();
            org.awaitility.Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> {
                        try (Socket ignored = new Socket("127.0.0.1", port)) {
                            return true;
                        }
                    });
        }

        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        private static ProcessBuilder java(String main, String... arguments) {
            List<String> command = new java.util.ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-cp", System.getProperty("java.class.path"), main));
            command.addAll(List.of(arguments));
            return new ProcessBuilder(command).redirectErrorStream(true);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        if (Files.exists(WORK)) {
            try (var old = Files.walk(WORK)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        Files.createDirectories(WORK);
        broker = new Broker();
        broker.format();
        broker.start();
        system = LetiSystem.start(WORK.resolve("services"), broker.address());
    }

    @AfterAll
    static void stop() throws Exception {
        if (system != null) {
            system.close();
        }
        if (broker != null && broker.process != null) {
            broker.process.destroy();
            broker.process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRunSurvivesABrokerRestartLosingAndDoublingNothing() throws Exception {
        String id = system.startRun(system.request("broker", 4));
        system.awaitIteration(id, 1);
        broker.kill();
        Thread.sleep(3000); // the services see the broker gone: connections fail, producers buffer and retry
        broker.start();

        JsonNode done = system.awaitDone(id);
        assertThat(done.get("evaluations")).extracting(e -> e.get("iteration").asInt()).containsExactly(0, 1, 2);
        system.assertTrainedOnExactlyItsCandidates(id, 2, 4);
    }
}
