package ai.leti.common.messages;

/**
 * The verdict on one candidate, carrying what the trainer needs to build its training text.
 *
 * @param candidateId the candidate's id; consumers keep the first result per id
 * @param passed      true only when every test statement ran and held
 * @param category    why it failed ({@link ErrorCategory#NONE} when it passed)
 * @param feedback    LETI textual feedback: the program's own traceback frames and the exception line,
 *                    or {@code Timeout}; empty when it passed
 * @param output      the head of what the program printed (never training data; for debugging)
 * @param durationMillis wall time of the run inside the sandbox
 * @param executor    which executor instance ran it
 * @param reused      the executor did not run this candidate again: the same program, tests and limit ran a moment
 *                    before for another candidate of the same task, and its verdict is repeated (durationMillis is
 *                    that run's)
 */
public record ExecutionResult(
        String candidateId,
        String runId,
        int iteration,
        Purpose purpose,
        String taskId,
        int sampleIndex,
        String prompt,
        String completion,
        boolean passed,
        ErrorCategory category,
        String feedback,
        String output,
        double durationMillis,
        String executor,
        boolean reused) {

    public static ExecutionResult of(CandidateProgram candidate, Verdict verdict, String executor) {
        return of(candidate, verdict, executor, false);
    }

    public static ExecutionResult of(CandidateProgram candidate, Verdict verdict, String executor, boolean reused) {
        return new ExecutionResult(candidate.candidateId(), candidate.runId(), candidate.iteration(),
                candidate.purpose(), candidate.taskId(), candidate.sampleIndex(), candidate.prompt(), candidate.completion(),
                verdict.passed(), verdict.category(), verdict.feedback(), verdict.output(),
                verdict.durationMillis(), executor, reused);
    }
}
