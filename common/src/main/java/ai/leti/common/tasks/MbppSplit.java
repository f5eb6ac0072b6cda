package ai.leti.common.tasks;

import java.util.function.IntPredicate;

/** The standard MBPP splits by task id, as in the original release and the LETI paper. */
public enum MbppSplit implements IntPredicate {
    PROMPT(1, 10),
    TEST(11, 510),
    VALIDATION(511, 600),
    TRAIN(601, 974);

    private final int first;
    private final int last;

    MbppSplit(int first, int last) {
        this.first = first;
        this.last = last;
    }

    @Override
    public boolean test(int taskId) {
        return taskId >= first && taskId <= last;
    }
}
