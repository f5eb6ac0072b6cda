package ai.leti.generator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import ai.leti.common.messages.CheckpointAnnouncement;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.ExecutionResult;
import ai.leti.common.messages.Purpose;
import ai.leti.common.messages.SamplingReport;
import ai.leti.common.messages.SamplingWork;

class RunInboxTest {

    private static ExecutionResult result(int iteration, Purpose purpose, String task, int sample, boolean passed) {
        return new ExecutionResult("run/" + iteration + "/" + purpose + "/" + task + "/" + sample, "run", iteration, purpose,
                task, sample, "p", "c", passed, passed ? ErrorCategory.NONE : ErrorCategory.ASSERTION, "", "", 40, "e", false);
    }

    private static CheckpointAnnouncement checkpoint(int iteration) {
        return new CheckpointAnnouncement("run", iteration, "http://t/" + iteration, Map.of("model.safetensors", "ab"), 1, 0.5,
                4, 2.0, null);
    }

    @Test
    void aWaitEndsWhenTheLastResultArrivesAndCountsEachCandidateOnce() throws Exception {
        RunInbox inbox = new RunInbox(Duration.ofSeconds(30));
        inbox.startIteration(1);
        CompletableFuture<Long> waited = CompletableFuture.supplyAsync(() -> {
            long started = System.nanoTime();
            try {
                inbox.awaitTrainingResults(3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return System.nanoTime() - started;
        });
        inbox.deliver(result(1, Purpose.TRAIN, "a", 0, true));
        inbox.deliver(result(1, Purpose.TRAIN, "a", 0, true)); // a re-delivery counts nothing
        inbox.deliver(result(2, Purpose.TRAIN, "a", 1, true)); // another iteration's
        inbox.deliver(result(1, Purpose.EVAL_GOOD, "a", 0, true)); // an evaluation's
        assertThat(waited).isNotDone();
        inbox.deliver(result(1, Purpose.TRAIN, "a", 1, false));
        assertThat(waited).isNotDone();
        inbox.deliver(result(1, Purpose.TRAIN, "b", 0, false));

        assertThat(waited.get(5, TimeUnit.SECONDS)).isLessThan(TimeUnit.SECONDS.toNanos(5));
        RunInbox.Counts counts = inbox.counts();
        assertThat(counts.executed()).isEqualTo(3);
        assertThat(counts.passed()).isEqualTo(1);
        assertThat(counts.busySeconds()).isEqualTo(0.12);
        assertThat(inbox.evaluationResults("run", 1)).hasSize(1);
    }

    @Test
    void aStopEndsAWaitAtOnce() throws Exception {
        RunInbox inbox = new RunInbox(Duration.ofMinutes(5));
        inbox.startIteration(1);
        CompletableFuture<Void> waited = CompletableFuture.runAsync(() -> {
            try {
                inbox.awaitCheckpoint(1);
            } catch (TimeoutException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        inbox.stop();
        assertThatThrownBy(() -> waited.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RunInbox.StoppedException.class);
    }

    @Test
    void aCheckpointAnnouncedBeforeTheWaitIsFoundAndAForgottenOneIsAwaitedAgain() throws Exception {
        RunInbox inbox = new RunInbox(Duration.ofMillis(300));
        CheckpointAnnouncement refused = checkpoint(1);
        inbox.deliver(refused);
        assertThat(inbox.awaitCheckpoint(1).uri()).isEqualTo("http://t/1");
        inbox.forget(refused);
        assertThatThrownBy(() -> inbox.awaitCheckpoint(1)).isInstanceOf(TimeoutException.class)
                .hasMessageContaining("the checkpoint of iteration 1");
    }

    @Test
    void theTrainersRefusalFailsEveryWaitWithItsReason() {
        RunInbox inbox = new RunInbox(Duration.ofMinutes(5));
        inbox.startIteration(1);
        inbox.deliver(CheckpointAnnouncement.failed("run", 1, "the corpus holds a reference solution"));
        assertThatThrownBy(() -> inbox.awaitTrainingResults(8)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the trainer refused iteration 1: the corpus holds a reference solution");
        assertThatThrownBy(() -> inbox.awaitCheckpoint(1)).hasMessageContaining("refused");
    }

    private static SamplingReport report(int iteration, String task, String sampler, int candidates) {
        return new SamplingReport(SamplingWork.idOf("run", iteration, Purpose.TRAIN, task, 0, candidates), "run", iteration,
                Purpose.TRAIN, sampler, candidates, 10L * candidates, 1.5);
    }

    @Test
    void samplingEndsWhenEveryPieceIsReportedOnceWhoeverSampledIt() throws Exception {
        RunInbox inbox = new RunInbox(Duration.ofSeconds(30));
        inbox.startIteration(1);
        List<String> work = List.of(report(1, "a", "s1", 4).workId(), report(1, "b", "s1", 4).workId());
        CompletableFuture<Void> sampled = CompletableFuture.runAsync(() -> {
            try {
                inbox.awaitSampled(work);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(inbox.deliver(report(1, "a", "s1", 4))).isTrue();
        assertThat(inbox.deliver(report(1, "a", "s2", 4))).as("the same piece again, from the sampler that took it over")
                .isFalse();
        inbox.deliver(report(2, "c", "s2", 4)); // another iteration's
        assertThat(sampled).isNotDone();
        inbox.deliver(report(1, "b", "s2", 4));
        sampled.get(5, TimeUnit.SECONDS);
        RunInbox.Sampled counts = inbox.sampled();
        assertThat(counts.candidates()).isEqualTo(8);
        assertThat(counts.tokens()).isEqualTo(80);
        assertThat(counts.samplers()).containsExactly(Map.entry("s1", 4L), Map.entry("s2", 4L));
    }

    @Test
    void deadLetteredWorkFailsTheWaitWithItsReason() {
        RunInbox inbox = new RunInbox(Duration.ofSeconds(30));
        inbox.startIteration(1);
        CompletableFuture<Void> sampled = CompletableFuture.runAsync(() -> {
            try {
                inbox.awaitSampled(List.of(report(1, "a", "s1", 4).workId()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        inbox.fail("sampling work run/1/train/a/0-4 was dead-lettered: the checkpoint failed verification");
        assertThatThrownBy(() -> sampled.get(5, TimeUnit.SECONDS)).hasMessageContaining("failed verification");
    }
}
