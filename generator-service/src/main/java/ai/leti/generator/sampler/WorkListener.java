package ai.leti.generator.sampler;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.ModelSource;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.generator.config.Roles;

/**
 * A sampler's intake: up to {@code leti.generator.sampler-poll-items} pieces of work at a time from
 * {@link Topics#SAMPLING}, shared with every other sampler of the group. Pieces that cannot be sampled go to
 * {@link Topics#SAMPLING_DLT} with the reason in their headers: unreadable, invalid, or naming a model that fails
 * verification (never sampled from another model instead). Work of a run withdrawn since ({@link Withdrawals}) is
 * skipped. The rest are sampled model by model; the offsets are
 * committed only when the listener returns, after every candidate and report is durable, so a sampler killed
 * mid-batch leaves its work to the group, and the work's deterministic candidate ids make the second sampling
 * harmless. A model that verifies but does not load here stops this sampler's listener (its work, uncommitted,
 * goes to the others) until {@link SamplerReadiness} starts it again.
 */
@Component
@Roles.Sampler
class WorkListener {

    static final String ID = "sampler";

    private static final Logger log = LoggerFactory.getLogger(WorkListener.class);

    private final SamplerModel models;
    private final WorkSampler sampler;
    private final SamplerReadiness readiness;
    private final SamplerMetrics metrics;
    private final ConsumerRecordRecoverer deadLetters;
    private final Withdrawals withdrawals;

    WorkListener(SamplerModel models, WorkSampler sampler, SamplerReadiness readiness, SamplerMetrics metrics,
            ConsumerRecordRecoverer samplingDeadLetters, Withdrawals withdrawals) {
        this.models = models;
        this.sampler = sampler;
        this.readiness = readiness;
        this.metrics = metrics;
        this.deadLetters = samplingDeadLetters;
        this.withdrawals = withdrawals;
    }

    @KafkaListener(id = ID, topics = Topics.SAMPLING, groupId = Topics.SAMPLERS_GROUP, batch = "true",
            containerFactory = "samplerListenerFactory",
            properties = {"spring.json.value.default.type=ai.leti.common.messages.SamplingWork",
                "max.poll.records=${leti.generator.sampler-poll-items:8}",
                // a batch is sampled before the next poll: at real sizes, minutes
                "max.poll.interval.ms=1800000"})
    void onWork(List<ConsumerRecord<String, SamplingWork>> records) throws Exception {
        Map<String, List<ConsumerRecord<String, SamplingWork>>> byModel = new LinkedHashMap<>();
        for (ConsumerRecord<String, SamplingWork> record : records) {
            SamplingWork work = record.value();
            if (work == null) {
                deadLetter(record, "unreadable sampling work at offset " + record.offset() + " of partition "
                        + record.partition());
                continue;
            }
            if (withdrawals.covers(record)) {
                log.info("skipping sampling work {}: its run was stopped or failed after it was published", work.workId());
                metrics.withdrawn();
                continue;
            }
            List<String> problems = work.problems();
            if (!problems.isEmpty()) {
                deadLetter(record, "invalid sampling work " + work.workId() + ": " + String.join("; ", problems));
                continue;
            }
            byModel.computeIfAbsent(work.model().key(), key -> new ArrayList<>()).add(record);
        }
        for (List<ConsumerRecord<String, SamplingWork>> group : byModel.values()) {
            ModelSource source = group.get(0).value().model();
            SamplerModel.Loaded model;
            try {
                model = models.use(source);
            } catch (SamplerModel.UnverifiableModelException e) {
                group.forEach(record -> deadLetter(record, e.getMessage()));
                continue;
            } catch (SamplerModel.ModelLoadException e) {
                readiness.cannotLoad(e.getMessage());
                throw e; // the error handler stops this listener; the batch stays uncommitted for the others
            }
            readiness.loaded();
            sampler.sample(group.stream().map(ConsumerRecord::value).toList(), model);
        }
    }

    private void deadLetter(ConsumerRecord<String, SamplingWork> record, String reason) {
        log.error("dead-lettering sampling work: {}", reason);
        metrics.deadLettered();
        deadLetters.accept(record, new UnusableWorkException(reason));
    }

    /** Why a piece of work went to the dead-letter topic (its message travels in the record's headers). */
    static final class UnusableWorkException extends RuntimeException {
        UnusableWorkException(String message) {
            super(message, null, false, false);
        }
    }
}
