package ai.leti.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * The loop with the broker and every service in its container image, built by {@code ./leti images} from this
 * build's jars (the broker's from the Kafka jars of {@code local/kafka-broker}): one LETI iteration, sampled in the
 * generator's container, executed in the executor's (bubblewrap under its seccomp profile, inside the container),
 * trained in the trainer's, each non-root on a read-only root. Its counts are those {@link LetiLoopIT} checks for
 * processes: one verdict per candidate, and the iteration trained on exactly its candidates (the same digest of the
 * same deterministic ids).
 * <p>
 * It needs a Docker engine: {@code ./leti setup} starts one where it can (root, Debian's docker.io). Where none
 * answers, it is skipped and says so; where one answers, the images must build.
 */
class ContainerLoopIT {

    static final String BROKER_IMAGE = "leti/kafka-broker:4.2.1";
    private static LetiSystem system;
    private static String broker;

    @BeforeAll
    static void buildImagesAndStartContainers() throws Exception {
        assumeTrue(engine(), "no Docker engine answers `docker info` (./leti setup starts one as root, where it can)");
        Path log = Path.of("target/leti-images.log").toAbsolutePath();
        ProcessBuilder build = new ProcessBuilder(LetiSystem.ROOT.resolve("leti").toString(), "images")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        build.environment().put("LETI_NO_BUILD", "1"); // this build's jars, as Maven just packaged them
        Process images = build.start();
        assertThat(images.waitFor(20, TimeUnit.MINUTES)).as("./leti images within 20 minutes").isTrue();
        assertThat(images.exitValue()).as("./leti images: " + Files.readString(log)).isZero();
        int port = LetiSystem.freePort();
        broker = "leti-it-kafka-" + port;
        Path brokerLog = Path.of("target/container-kafka.log").toAbsolutePath();
        new ProcessBuilder("docker", "run", "--rm", "--name", broker, "--network", "host", "--read-only", "--tmpfs",
                "/tmp", "--tmpfs", "/var/lib/kafka/data:uid=10001,gid=10001", "--env", "KAFKA_PORT=" + port,
                "--env", "KAFKA_CONTROLLER_PORT=" + LetiSystem.freePort(), "--env", "KAFKA_LISTEN_HOST=127.0.0.1",
                BROKER_IMAGE).redirectErrorStream(true).redirectOutput(brokerLog.toFile()).start();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).ignoreExceptions()
                .until(() -> { // the broker answers on its port
                    new java.net.Socket("127.0.0.1", port).close();
                    return true;
                });
        system = LetiSystem.startInContainers(Path.of("target/container-system-tests").toAbsolutePath(),
                "127.0.0.1:" + port);
    }

    private static boolean engine() {
        try {
            Process info = new ProcessBuilder("docker", "info").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return info.waitFor(30, TimeUnit.SECONDS) && info.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @AfterAll
    static void stopContainers() throws Exception {
        if (system != null) {
            system.close();
        }
        if (broker != null) {
            LetiSystem.docker("stop", "--time", "10", broker);
        }
    }

    @Test
    void runsAnIterationInContainersWithTheCountsOfProcesses() throws Exception {
        List<String> services = new ArrayList<>(List.of(LetiSystem.EXECUTOR, LetiSystem.TRAINER, LetiSystem.GENERATOR));
        services.addAll(LetiSystem.SAMPLERS);
        for (String service : services) {
            String inspected = LetiSystem.docker("inspect", "--format",
                    "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}} {{.Config.Image}}", system.container(service));
            String image = LetiSystem.image(LetiSystem.SAMPLERS.contains(service) ? LetiSystem.GENERATOR : service);
            assertThat(inspected).as(service).isEqualTo("10001:10001 true " + image);
        }
        assertThat(LetiSystem.docker("inspect", "--format", "{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}", broker))
                .isEqualTo("10001:10001 true");
        String id = system.startRun(system.request("containers", 2).replace("\"iterations\": 2", "\"iterations\": 1"));
        JsonNode done = system.awaitDone(id);

        assertThat(done.get("iteration").asInt()).isEqualTo(1);
        assertThat(done.get("sampled").asLong()).isEqualTo(LetiSystem.TASKS * 2);
        assertThat(done.get("executed").asLong()).as("one verdict per candidate").isEqualTo(LetiSystem.TASKS * 2);
        assertThat(done.get("timeline").get(0).get("samplers").properties()).extracting(Map.Entry::getKey)
                .as("sampled by the sampler containers").isNotEmpty().isSubsetOf(LetiSystem.SAMPLERS);
        assertThat(done.get("evaluations")).extracting(e -> e.get("iteration").asInt()).containsExactly(0, 1);
        assertThat(done.get("checkpoint").asString()).endsWith("/checkpoints/" + id + "/1");
        system.assertTrainedOnExactlyItsCandidates(id, 1, 2);
        assertThat(system.work.resolve("store").resolve(id).resolve("iteration-1").resolve("model.safetensors"))
                .as("written by the trainer's container into its volume").exists();
        System.out.printf("containers: run %s: %d sampled, %d executed, %d passed%n", id, done.get("sampled").asLong(),
                done.get("executed").asLong(), done.get("passed").asLong());
    }
}
