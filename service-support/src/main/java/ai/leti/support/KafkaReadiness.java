package ai.leti.support;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Up while the Kafka cluster answers: a service is not ready before it can consume and publish. The answer is
 * cached for a few seconds, so frequent probes cost one request at most per period.
 */
public final class KafkaReadiness implements HealthIndicator, AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CACHE = Duration.ofSeconds(5);

    private final Map<String, Object> adminConfig;
    private Admin admin;
    private Health last;
    private long checkedAt;

    public KafkaReadiness(Map<String, Object> adminConfig) {
        this.adminConfig = Map.copyOf(adminConfig);
    }

    @Override
    public synchronized Health health() {
        if (last != null && System.nanoTime() - checkedAt < CACHE.toNanos()) {
            return last;
        }
        last = check();
        checkedAt = System.nanoTime();
        return last;
    }

    private Health check() {
        try {
            if (admin == null) {
                Map<String, Object> config = new java.util.HashMap<>(adminConfig);
                config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                admin = Admin.create(config);
            }
            int brokers = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                    .nodes().get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS).size();
            return Health.up().withDetail("brokers", brokers).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("error", "interrupted").build();
        } catch (Exception e) {
            String servers = String.valueOf(adminConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
            return Health.down().withDetail("bootstrapServers", servers)
                    .withDetail("error", "no answer from Kafka within " + TIMEOUT.toSeconds() + " s").build();
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
