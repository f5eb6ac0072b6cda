package ai.leti.support;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Registers {@link KafkaReadiness} as the health contributor {@code kafka}, which each service's readiness group
 * includes ({@code management.endpoint.health.group.readiness.include}).
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
public class SupportAutoConfiguration {

    @Bean("kafka")
    @ConditionalOnMissingBean(name = "kafka")
    KafkaReadiness kafkaReadiness(KafkaAdmin admin) {
        return new KafkaReadiness(admin.getConfigurationProperties());
    }
}
