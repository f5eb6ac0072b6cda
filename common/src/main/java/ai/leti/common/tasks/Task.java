package ai.leti.common.tasks;

import java.util.Set;

/**
 * A programming task in one of the supported file formats. Each format decides what the model is
 * shown and what runs to judge a completion.
 */
public interface Task {

    String taskId();

    /** What the model is conditioned on (no reward token). */
    String prompt();

    /** The task file's reference solution, written as a completion of {@link #prompt()}. */
    String referenceCompletion();

    /** Code run after {@code prompt + completion}: it passes only if all of it runs without an exception. */
    String tests();

    /**
     * The program's functions the tests call by name. The sandbox shows the tests every top-level name of the
     * program except one that would hide a builtin (a program's {@code abs} or {@code len} must not decide
     * the tests' own comparisons), unless it is one of these: MBPP's task 126 asks for a function named
     * {@code sum}.
     */
    Set<String> entryPoints();

    /** Its type: its file format and its evaluation scores ({@link TaskTypes}). */
    TaskType type();
}
