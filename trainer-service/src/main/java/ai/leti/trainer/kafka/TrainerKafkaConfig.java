package ai.leti.trainer.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

import ai.leti.common.messages.Topics;

/** Topics the trainer owns, and dead-lettering of what it cannot read. */
@Configuration(proxyBeanMethods = false)
class TrainerKafkaConfig {

    @Bean
    NewTopic iterationsTopic() {
        return TopicBuilder.name(Topics.ITERATIONS).partitions(1).build();
    }

    @Bean
    NewTopic checkpointsTopic() {
        return TopicBuilder.name(Topics.CHECKPOINTS).partitions(1).build();
    }

    @Bean
    NewTopic resultsDeadLetterTopic() {
        return TopicBuilder.name(Topics.RESULTS_DLT).partitions(1).build();
    }

    /** Unreadable plans and results go to the dead-letter topic; a failing journal write is retried. */
    @Bean
    CommonErrorHandler errorHandler(KafkaTemplate<Object, Object> template) {
        DeadLetterPublishingRecoverer deadLetters = new DeadLetterPublishingRecoverer(template,
                (record, exception) -> new TopicPartition(Topics.RESULTS_DLT, -1));
        return new DefaultErrorHandler(deadLetters, new FixedBackOff(2000L, 5));
    }
}
