package ai.leti.common.tasks;

import java.util.Map;

/**
 * A task type's evaluation scores beyond pass@k, counted over the evaluated programs of one condition: event
 * argument extraction's argument identification and classification F1, say. Made per condition by
 * {@link TaskType#scorer()}.
 */
public interface TaskScorer {

    /** Counts one evaluated program of {@code task}: what its run printed. */
    void add(Task task, String output);

    /** The scores over everything added, by name; empty if nothing was added. */
    Map<String, Double> scores();
}
