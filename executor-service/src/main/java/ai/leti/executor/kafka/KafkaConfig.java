package ai.leti.executor.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

import ai.leti.common.messages.Topics;
import ai.leti.executor.config.ExecutorProperties;
import ai.leti.executor.metrics.ExecutorMetrics;
import ai.leti.sandbox.SandboxException;
import ai.leti.support.DeadLetters;

/** Topics this service owns and what happens to a message that cannot be processed. */
@Configuration(proxyBeanMethods = false)
class KafkaConfig {

    @Bean
    NewTopic candidatesTopic(ExecutorProperties properties) {
        return TopicBuilder.name(Topics.CANDIDATES).partitions(properties.partitions()).build();
    }

    @Bean
    NewTopic resultsTopic(ExecutorProperties properties) {
        return TopicBuilder.name(Topics.RESULTS).partitions(properties.partitions()).build();
    }

    @Bean
    NewTopic candidatesDeadLetterTopic() {
        return TopicBuilder.name(Topics.CANDIDATES_DLT).partitions(1).build();
    }

    /**
     * Unreadable or invalid candidates go to the dead-letter topic at once, with the exception in its headers.
     * A failing sandbox is not the message's fault: that record is retried until the sandbox recovers.
     * Unreadable JSON reaches the recoverer as the original bytes, published as they came.
     */
    @Bean
    CommonErrorHandler errorHandler(KafkaTemplate<Object, Object> template, ProducerFactory<Object, Object> producers,
            ExecutorMetrics metrics) {
        DeadLetterPublishingRecoverer deadLetters = DeadLetters.to(Topics.CANDIDATES_DLT, template, producers);
        DefaultErrorHandler handler = new DefaultErrorHandler((record, exception) -> {
            metrics.deadLetter();
            deadLetters.accept(record, exception);
        }, new FixedBackOff(1000L, 2));
        handler.addNotRetryableExceptions(InvalidCandidateException.class);
        handler.setBackOffFunction((record, exception) -> hasCause(exception, SandboxException.class)
                ? new FixedBackOff(5000L, FixedBackOff.UNLIMITED_ATTEMPTS) : null);
        return handler;
    }

    private static boolean hasCause(Throwable exception, Class<? extends Throwable> type) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
