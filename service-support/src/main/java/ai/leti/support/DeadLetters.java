package ai.leti.support;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/** The dead-letter publisher the services share. */
public final class DeadLetters {

    private DeadLetters() {
    }

    /**
     * A recoverer that publishes a failed record to {@code topic} with the exception in its headers: a record whose
     * value could not be read goes out as the bytes it came as (through a byte-array producer made from
     * {@code producers}), any other through {@code template}.
     */
    public static DeadLetterPublishingRecoverer to(String topic, KafkaTemplate<Object, Object> template,
            ProducerFactory<Object, Object> producers) {
        KafkaOperations<Object, Object> raw = new KafkaTemplate<>(producers.copyWithConfigurationOverride(Map.of(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, raw);
        templates.put(Object.class, template);
        return new DeadLetterPublishingRecoverer(templates, (record, exception) -> new TopicPartition(topic, -1));
    }
}
