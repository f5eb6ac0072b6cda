package ai.leti.generator.sampler;

import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonContainerStoppingErrorHandler;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ContainerProperties;

import ai.leti.common.messages.Topics;
import ai.leti.generator.config.Roles;
import ai.leti.support.DeadLetters;

/**
 * The sampler's Kafka side: a batch listener whose offsets are committed when a batch is sampled, an error handler
 * that stops the listener when sampling cannot go on here (the uncommitted batch goes to the group's other samplers),
 * and the dead-letter publisher (an unreadable message goes out as the bytes it came as).
 */
@Configuration(proxyBeanMethods = false)
@Roles.Sampler
class SamplerKafka {

    @Bean
    ConcurrentKafkaListenerContainerFactory<Object, Object> samplerListenerFactory(
            ConcurrentKafkaListenerContainerFactoryConfigurer boot, ConsumerFactory<Object, Object> consumers) {
        ConcurrentKafkaListenerContainerFactory<Object, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
        boot.configure(factory, consumers); // spring.kafka.listener.* as for every other listener
        factory.setBatchListener(true);
        factory.getContainerProperties().setAckMode(ContainerProperties.AckMode.BATCH);
        factory.setCommonErrorHandler(new CommonContainerStoppingErrorHandler());
        return factory;
    }

    @Bean
    ConsumerRecordRecoverer samplingDeadLetters(KafkaTemplate<Object, Object> template, ProducerFactory<Object, Object> producers) {
        return DeadLetters.to(Topics.SAMPLING_DLT, template, producers);
    }
}
