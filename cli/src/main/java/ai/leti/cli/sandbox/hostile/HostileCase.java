package ai.leti.cli.sandbox.hostile;

import java.util.Set;

import ai.leti.common.messages.ErrorCategory;

/**
 * One hostile program and the verdicts that are acceptable for it. Programs may use placeholders the suite fills in
 * per run: {@code {{CANARY}}} (a host file holding a secret), {@code {{ESCAPE}}} (a host path that must never be
 * created), {@code {{PORT}}} (a host TCP port that must never be reached), {@code {{NONCE}}} (a marker in the
 * command line of any process it starts, so one that outlives its run can be found), {@code {{FORGED}}} (a marker
 * that must never appear in its feedback) and {@code {{OPENED}}} (the prefix of a line it prints when a system call
 * the sandbox forbids worked), {@code {{TAG}}} (a 15-character name for processes it starts, so one left behind as a
 * zombie or stopped can be found). The tests carry {@code {{SECRET}}} (a marker that must never appear in
 * anything the program printed or was told: only a program that read the tests' text could know it).
 *
 * @param tests    the test code run after the program (as a task's asserts are)
 * @param expected the acceptable categories of its verdict; {@link ErrorCategory#NONE} (a pass) only for a program
 *                 that does solve its task while it attacks something else
 * @param needsWorkerBound the case attacks the bound on a worker as a whole (a cgroup): where the pool has none
 *                 (no root, no cgroups) the suite skips it and says so
 * @param probe    null, or code the suite runs before a correct program on every worker after this one: it prints a
 *                 line starting {@code {{LEFT}}} for anything of the hostile program's it finds (the same
 *                 placeholders are filled in)
 */
public record HostileCase(String name, String program, String tests, Set<ErrorCategory> expected,
        boolean needsWorkerBound, String probe) {

    /** The task every hostile program is judged on, {@code f(x) = x + 1}, with the tests' secret in a comment. */
    static final String TESTS = "\n# {{SECRET}}\nassert f(1) == 2\n";

    static HostileCase of(String name, String program, ErrorCategory... expected) {
        return new HostileCase(name, program, TESTS, Set.of(expected), false, null);
    }

    /** A case whose program leaves something behind that {@code probe}, run next on every worker, looks for. */
    static HostileCase withProbe(String name, String program, String probe, ErrorCategory... expected) {
        return new HostileCase(name, program, TESTS, Set.of(expected), false, probe);
    }

    static HostileCase ofWorkerBound(String name, String program, ErrorCategory... expected) {
        return new HostileCase(name, program, TESTS, Set.of(expected), true, null);
    }

    static HostileCase withTests(String name, String program, String tests, ErrorCategory... expected) {
        return new HostileCase(name, program, tests, Set.of(expected), false, null);
    }

    boolean mayPass() {
        return expected.contains(ErrorCategory.NONE);
    }
}
