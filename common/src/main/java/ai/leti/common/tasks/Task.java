package ai.leti.common.tasks;

/**
 * A programming task in one of the supported file formats. Each format decides what the model is
 * shown and what runs to judge a completion.
 */
public sealed interface Task permits MbppTask, HumanEvalTask, EaeTask {

    String taskId();

    /** What the model is conditioned on (no reward token). */
    String prompt();

    /** The task file's reference solution, written as a completion of {@link #prompt()}. */
    String referenceCompletion();

    /** Code run after {@code prompt + completion}: it passes only if all of it runs without an exception. */
    String tests();
}
