package ai.leti.executor.hostile;

import java.util.Set;

import ai.leti.common.messages.ErrorCategory;

/**
 * One hostile program and the verdicts that are acceptable for it. Programs may use placeholders the suite fills in
 * per run: {@code {{CANARY}}} (a host file holding a secret), {@code {{ESCAPE}}} (a host path that must never be
 * created), {@code {{PORT}}} (a host TCP port that must never be reached) and {@code {{NONCE}}} (a marker in the
 * command line of any process it starts, so one that outlives its run can be found).
 *
 * @param tests    the test code run after the program (as a task's asserts are)
 * @param expected the acceptable categories of its (failed) verdict
 */
public record HostileCase(String name, String program, String tests, Set<ErrorCategory> expected) {

    static HostileCase of(String name, String program, ErrorCategory... expected) {
        return new HostileCase(name, program, "\nassert f(1) == 2\n", Set.of(expected));
    }
}
