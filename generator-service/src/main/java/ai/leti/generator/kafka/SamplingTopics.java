package ai.leti.generator.kafka;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

import ai.leti.common.messages.Topics;

/**
 * The sampling topics, which the generator's roles own: declared by coordinators and samplers alike, so that
 * whichever starts first makes them with these partition counts (never a broker's default of one, which would leave
 * every sampler but one idle).
 */
@Configuration(proxyBeanMethods = false)
class SamplingTopics {

    /** The most samplers that share the work: one partition each (KEDA's maxReplicaCount in k8s/base/sampler). */
    static final int WORK_PARTITIONS = 8;

    @Bean
    NewTopic samplingTopic() {
        return TopicBuilder.name(Topics.SAMPLING).partitions(WORK_PARTITIONS).build();
    }

    @Bean
    NewTopic samplingDoneTopic() {
        return TopicBuilder.name(Topics.SAMPLING_DONE).partitions(1).build();
    }

    @Bean
    NewTopic samplingWithdrawnTopic() {
        return TopicBuilder.name(Topics.SAMPLING_WITHDRAWN).partitions(1).compact().build();
    }

    @Bean
    NewTopic samplingDeadLetterTopic() {
        return TopicBuilder.name(Topics.SAMPLING_DLT).partitions(1).build();
    }
}
