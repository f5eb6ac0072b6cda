package ai.leti.generator.sampler;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

import ai.leti.generator.config.GeneratorProperties;
import ai.leti.generator.config.Roles;

/**
 * The health contributor {@code samplerModel}, part of readiness: down while this sampler cannot load the model its
 * work names. Then its listener has stopped (the error handler stops it, so the work it held goes back to the
 * group's other samplers uncommitted); after {@code leti.generator.sampler-retry-after} it starts again and tries.
 */
@Component("samplerModelHealthIndicator")
@Roles.Sampler
class SamplerReadiness implements HealthIndicator, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SamplerReadiness.class);

    private final KafkaListenerEndpointRegistry listeners;
    private final SamplerMetrics metrics;
    private final Duration retryAfter;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "leti-sampler-retry");
        thread.setDaemon(true);
        return thread;
    });
    private volatile String problem;

    SamplerReadiness(KafkaListenerEndpointRegistry listeners, SamplerMetrics metrics, GeneratorProperties properties) {
        this.listeners = listeners;
        this.metrics = metrics;
        this.retryAfter = properties.samplerRetryAfter();
    }

    @Override
    public Health health() {
        String now = problem;
        return now == null ? Health.up().build() : Health.down().withDetail("error", now).build();
    }

    /** A model could not be loaded: unready now, the listener started again after the pause. */
    void cannotLoad(String reason) {
        problem = reason;
        metrics.ready(false);
        log.error("sampler cannot load its model ({}); leaving its work to the other samplers, trying again in {}", reason,
                retryAfter);
        timer.schedule(this::startAgain, retryAfter.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A model was loaded (or was already): ready. */
    void loaded() {
        if (problem != null) {
            problem = null;
            metrics.ready(true);
            log.info("sampler ready again");
        }
    }

    private void startAgain() {
        MessageListenerContainer container = listeners.getListenerContainer(WorkListener.ID);
        if (container != null && !container.isRunning()) {
            container.start();
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
