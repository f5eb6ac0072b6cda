package ai.leti.trainer.kafka;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.Topics;
import ai.leti.trainer.training.IterationBook;

/**
 * Feeds the iteration book. Each record is journaled before the listener returns, so its offset is committed
 * only once a restart could recover it.
 */
@Component
class TrainerListeners {

    private final IterationBook book;

    TrainerListeners(IterationBook book) {
        this.book = book;
    }

    @KafkaListener(topics = Topics.ITERATIONS,
            properties = "spring.json.value.default.type=ai.leti.common.messages.IterationPlan")
    void onPlan(IterationPlan plan) {
        book.accept(plan);
    }

    @KafkaListener(topics = Topics.RESULTS,
            properties = "spring.json.value.default.type=ai.leti.common.messages.ExecutionResult")
    void onResult(ExecutionResult result) {
        book.accept(result);
    }
}
