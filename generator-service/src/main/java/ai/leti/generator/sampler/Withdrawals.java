package ai.leti.generator.sampler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.PartitionOffset;
import org.springframework.kafka.annotation.TopicPartition;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.messages.SamplingWork;
import ai.leti.common.messages.Topics;
import ai.leti.generator.config.Roles;

/**
 * The runs whose queued work is withdrawn (stopped or failed), read from {@link Topics#SAMPLING_WITHDRAWN} from its
 * beginning at every start (the topic is compacted: one record per run), so a sampler skips a stopped run's work
 * instead of sampling it for nobody. Only work published before the withdrawal is skipped: a resumed run's new work
 * goes through. Work read before the withdrawal arrives is sampled and ignored by the coordinator, as before.
 */
@Component
@Roles.Sampler
class Withdrawals {

    private final Map<String, Long> withdrawnAt = new ConcurrentHashMap<>();

    @KafkaListener(id = "sampler-withdrawals", groupId = "leti-sampler-withdrawals",
            topicPartitions = @TopicPartition(topic = Topics.SAMPLING_WITHDRAWN,
                    partitionOffsets = @PartitionOffset(partition = "0", initialOffset = "0")),
            properties = "spring.json.value.default.type=ai.leti.common.messages.SamplingWithdrawal")
    void onWithdrawal(ConsumerRecord<String, SamplingWithdrawal> record) {
        SamplingWithdrawal withdrawal = record.value();
        if (withdrawal != null) {
            withdrawnAt.merge(withdrawal.runId(), withdrawal.withdrawnAt(), Math::max);
        }
    }

    /** Whether {@code record}'s work was published no later than its run's withdrawal. */
    boolean covers(ConsumerRecord<String, SamplingWork> record) {
        Long at = withdrawnAt.get(record.value().runId());
        return at != null && record.timestamp() <= at;
    }

    /** Whether a withdrawal of {@code runId} has been read. */
    boolean known(String runId) {
        return withdrawnAt.containsKey(runId);
    }
}
