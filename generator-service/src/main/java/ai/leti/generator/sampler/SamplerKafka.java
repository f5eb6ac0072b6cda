package ai.leti.generator.sampler;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.ConcurrentKafkaListenerContainerFactoryConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonContainerStoppingErrorHandler;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import ai.leti.common.messages.Topics;
import ai.leti.generator.config.Roles;

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
        KafkaOperations<Object, Object> raw = new KafkaTemplate<>(producers.copyWithConfigurationOverride(Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, raw);
        templates.put(Object.class, template);
        return new DeadLetterPublishingRecoverer(templates, (record, exception) -> new TopicPartition(Topics.SAMPLING_DLT, -1));
    }
}
