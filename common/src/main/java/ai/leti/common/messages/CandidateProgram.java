package ai.leti.common.messages;

import java.util.ArrayList;
import java.util.List;

/**
 * One sampled program, self-contained so any executor can run it without the task file.
 *
 * @param candidateId    deterministic id ({@link #idOf}); a re-delivered candidate has the same id,
 *                       which is what makes re-delivery harmless downstream
 * @param runId          the LETI run this sample belongs to
 * @param iteration      LETI iteration, starting at 1
 * @param purpose        training sample or evaluation sample (null is read as {@link Purpose#TRAIN})
 * @param taskId         task id in its task file
 * @param sampleIndex    index of this sample among the task's samples in this iteration
 * @param prompt         what the model was conditioned on (without any reward token)
 * @param completion     what the model wrote
 * @param tests          code run after {@code prompt + completion}: asserts, setup code, check calls
 * @param entryPoints    the program's names the tests call that may be a builtin's too ({@link
 *                       ai.leti.common.tasks.Task#entryPoints()}); null is read as none
 * @param timeoutSeconds wall-clock limit for the run, or 0 for the executor's default
 */
public record CandidateProgram(
        String candidateId,
        String runId,
        int iteration,
        Purpose purpose,
        String taskId,
        int sampleIndex,
        String prompt,
        String completion,
        String tests,
        List<String> entryPoints,
        double timeoutSeconds) {

    /** Largest program text an executor accepts; bigger messages are rejected as malformed. */
    public static final int MAX_PROGRAM_CHARS = 256 * 1024;

    public CandidateProgram {
        purpose = purpose == null ? Purpose.TRAIN : purpose;
        entryPoints = entryPoints == null ? List.of() : List.copyOf(entryPoints);
    }

    public static String idOf(String runId, int iteration, Purpose purpose, String taskId, int sampleIndex) {
        return runId + "/" + iteration + "/" + purpose.name().toLowerCase(java.util.Locale.ROOT) + "/" + taskId + "/" + sampleIndex;
    }

    /** The program as it runs and as feedback line numbers count it: prompt followed by completion. */
    public String program() {
        return prompt + completion;
    }

    /** What is wrong with this message, field by field; empty when it can be executed. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (candidateId == null || candidateId.isBlank()) {
            problems.add("candidateId: must not be blank");
        }
        if (taskId == null || taskId.isBlank()) {
            problems.add("taskId: must not be blank");
        }
        if (prompt == null) {
            problems.add("prompt: must not be null");
        }
        if (completion == null) {
            problems.add("completion: must not be null");
        }
        if (tests == null || tests.isBlank()) {
            problems.add("tests: must not be blank (a program without tests can never be judged)");
        }
        if (iteration < 0 || sampleIndex < 0) {
            problems.add("iteration/sampleIndex: must not be negative");
        }
        if (!(timeoutSeconds >= 0 && timeoutSeconds <= 600)) {
            problems.add("timeoutSeconds: must be within 0..600");
        }
        if (prompt != null && completion != null && tests != null
                && prompt.length() + completion.length() + tests.length() > MAX_PROGRAM_CHARS) {
            problems.add("completion: program is longer than " + MAX_PROGRAM_CHARS + " characters");
        }
        return problems;
    }
}
