package ai.leti.generator.run;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ai.leti.common.messages.CandidateProgram;
import ai.leti.common.messages.IterationPlan;
import ai.leti.common.messages.SamplingWithdrawal;
import ai.leti.common.messages.SamplingWork;

/** A run sink for tests without a broker: it sends nothing and keeps the withdrawals it is given. */
final class RecordingSink implements RunSink {

    final List<SamplingWithdrawal> withdrawals = new CopyOnWriteArrayList<>();

    @Override
    public void work(SamplingWork work) {
    }

    @Override
    public void candidate(CandidateProgram candidate) {
    }

    @Override
    public void plan(IterationPlan plan) {
    }

    @Override
    public void withdraw(SamplingWithdrawal withdrawal) {
        withdrawals.add(withdrawal);
    }

    @Override
    public void flush() {
    }
}
