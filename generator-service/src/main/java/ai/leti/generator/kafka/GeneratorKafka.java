package ai.leti.generator.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.generator.config.Roles;
import ai.leti.generator.run.RunRegistry;
import ai.leti.generator.run.RunSink;

/**
 * The run coordinator's Kafka side: plans, sampling work and reference candidates out; samplers' reports, dead-lettered
 * work, results and checkpoint announcements in. Of the topics it uses, it declares only the sampling ones
 * ({@link SamplingTopics}): the executors own the candidates and results topics, the trainer the iterations and
 * checkpoints topics (a second declaration with other partition counts would resize them under their consumers).
 */
@Configuration(proxyBeanMethods = false)
@Roles.Coordinator
class GeneratorKafka {

    private static final Logger log = LoggerFactory.getLogger(GeneratorKafka.class);

    @Bean
    RunSink kafkaSink(KafkaTemplate<String, Object> template) {
        return new RunSink() {
            private final AtomicInteger next = new AtomicInteger();

            /**
             * Round robin over the work topic's partitions: every sampler owns some, so an even spread is an even share
             * (hashing 102 task ids into 8 partitions left one of two samplers 60% of the work).
             */
            @Override
            public void work(SamplingWork work) {
                int partitions = template.partitionsFor(Topics.SAMPLING).size();
                template.send(Topics.SAMPLING, Math.floorMod(next.getAndIncrement(), partitions), work.taskId(), work);
            }

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
            public void withdraw(SamplingWithdrawal withdrawal) {
                try {
                    template.send(Topics.SAMPLING_WITHDRAWN, withdrawal.runId(), withdrawal).get(30, TimeUnit.SECONDS);
                } catch (Exception e) { // the run has ended either way; its queued work is sampled and ignored instead
                    log.warn("cannot withdraw the queued sampling work of run {}: {}", withdrawal.runId(), e.getMessage());
                }
            }

            @Override
            public void flush() {
                template.flush();
            }
        };
    }

    /** What the executors and the samplers tell the runs: verdicts, finished work, work they could not sample. */
    @Component
    @Roles.Coordinator
    static class RunListeners {

        private final RunRegistry runs;

        RunListeners(RunRegistry runs) {
            this.runs = runs;
        }

        @KafkaListener(topics = Topics.RESULTS, groupId = "leti-generator",
                properties = "spring.json.value.default.type=ai.leti.common.messages.ExecutionResult")
        void onResult(ExecutionResult result) {
            runs.onResult(result);
        }

        @KafkaListener(topics = Topics.SAMPLING_DONE, groupId = "leti-generator",
                properties = "spring.json.value.default.type=ai.leti.common.messages.SamplingReport")
        void onReport(SamplingReport report) {
            runs.onSampled(report);
        }

        /** Work a sampler could not sample: the run it belongs to fails with the reason the sampler gave. */
        @KafkaListener(topics = Topics.SAMPLING_DLT, groupId = "leti-generator",
                properties = "spring.json.value.default.type=ai.leti.common.messages.SamplingWork")
        void onDeadLetter(ConsumerRecord<String, SamplingWork> record) {
            Header header = record.headers().lastHeader(KafkaHeaders.DLT_EXCEPTION_MESSAGE);
            String reason = header == null ? "no reason given" : new String(header.value(), StandardCharsets.UTF_8);
            SamplingWork work = record.value();
            if (work == null) {
                log.error("unreadable sampling work was dead-lettered: {}", reason);
                return;
            }
            runs.onDeadLetter(work.runId(), work.workId(), reason);
        }
    }

    /**
     * Reads the checkpoints topic from its beginning at every start: a generator that restarted while its run was
     * training may have missed the announcement it waits for (announcements are small and few).
     */
    @Component
    @Roles.Coordinator
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
