package ai.leti.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.Map;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

@EmbeddedKafka
class KafkaReadinessTest {

    @Test
    void isUpWhileTheClusterAnswers(EmbeddedKafkaBroker broker) {
        try (KafkaReadiness readiness = new KafkaReadiness(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()))) {
            assertThat(readiness.health().getStatus()).isEqualTo(Status.UP);
            assertThat(readiness.health().getDetails()).containsEntry("brokers", 1);
        }
    }

    @Test
    void isDownAndSaysWhereItLookedWhenNoBrokerAnswers() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (KafkaReadiness readiness = new KafkaReadiness(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + closed))) {
            long started = System.nanoTime();
            assertThat(readiness.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(readiness.health().getDetails()).containsEntry("bootstrapServers", "127.0.0.1:" + closed);
            assertThat((System.nanoTime() - started) / 1e9).as("answers within its timeout").isLessThan(6);
        }
    }
}
