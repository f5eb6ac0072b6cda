package ai.leti.generator.kafka;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.TopicPartition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Topics;
import ai.leti.generator.run.CandidateSink;
import ai.leti.generator.run.RunRegistry;

/**
 * The generator's Kafka side: candidates and plans out, results and checkpoint announcements in. It declares no
 * topics: the executors own the candidates and results topics, the trainer the iterations and checkpoints topics
 * (a second declaration with other partition counts would resize them under their consumers).
 */
@Configuration(proxyBeanMethods = false)
class GeneratorKafka {

    @Bean
    CandidateSink kafkaSink(KafkaTemplate<String, Object> template) {
        return new CandidateSink() {
            @Override
            public void candidate(CandidateProgram candidate) {
                template.send(Topics.CANDIDATES, candidate.taskId(), candidate); // keyed by task: its samples stay in order
            }

            @Override
            public void plan(IterationPlan plan) {
                try {
                    template.send(Topics.ITERATIONS, plan.runId(), plan).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot publish the plan of iteration " + plan.iteration(), e);
                }
            }

            @Override
            public void flush() {
                template.flush();
            }
        };
    }

    @Component
    static class ResultListener {

        private final RunRegistry runs;

        ResultListener(RunRegistry runs) {
            this.runs = runs;
        }

        @KafkaListener(topics = Topics.RESULTS, groupId = "leti-generator",
                properties = "spring.json.value.default.type=ai.leti.common.messages.ExecutionResult")
        void onResult(ExecutionResult result) {
            runs.onResult(result);
        }
    }

    /**
     * Reads the checkpoints topic from its beginning at every start: a generator that restarted while its run was
     * training may have missed the announcement it waits for (announcements are small and few).
     */
    @Component
    static class CheckpointListener implements ConsumerSeekAware {

        private final RunRegistry runs;

        CheckpointListener(RunRegistry runs) {
            this.runs = runs;
        }

        @Override
        public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
            callback.seekToBeginning(assignments.keySet());
        }

        @KafkaListener(topics = Topics.CHECKPOINTS, groupId = "leti-generator",
                properties = "spring.json.value.default.type=ai.leti.common.messages.CheckpointAnnouncement")
        void onCheckpoint(CheckpointAnnouncement announcement) {
            runs.onCheckpoint(announcement);
        }
    }
}
