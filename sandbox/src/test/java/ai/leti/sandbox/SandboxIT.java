package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.leti.common.leti.Feedback;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/** The real sandbox (bubblewrap, seccomp, rlimits, real Python) against honest, broken and hostile programs. */
class SandboxIT {

    private static final String TESTS = "\nassert f(1) == 2\nassert f(5) == 6\n";
    private static SandboxPool pool;

    @BeforeAll
    static void start() {
        pool = SandboxPool.start(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static Verdict run(String program) {
        return pool.run(program, TESTS);
    }

    @Test
    void passesAProgramWhoseAssertsAllHold() {
        Verdict verdict = run("def f(x):\n    return x + 1\n");
        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.category()).isEqualTo(ErrorCategory.NONE);
        assertThat(verdict.feedback()).isEmpty();
    }

    @Test
    void failsWithFeedbackPointingIntoTheProgram() {
        Verdict verdict = run("\"\"\"\nAdd one.\n\"\"\"\ndef f(x):\n    return x\n");
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.category()).isEqualTo(ErrorCategory.ASSERTION);
        assertThat(Feedback.reduce(verdict.feedback())).as("what the model sees of it").isEqualTo("""
                Traceback (most recent call last):
                  File "<program>", line 7, in <module>
                    assert f(1) == 2
                AssertionError""");
    }

    @Test
    void reportsSyntaxErrors() {
        Verdict verdict = run("def f(x:\n    return x + 1\n");
        assertThat(verdict.category()).isEqualTo(ErrorCategory.SYNTAX);
        assertThat(verdict.feedback()).contains("File \"<program>\", line 1").endsWith("SyntaxError: '(' was never closed");
    }

    @Test
    void exitingEarlyNeverPasses() {
        for (String exit : new String[] {"import sys\nsys.exit(0)\n", "exit(0)\n", "quit()\n", "raise SystemExit\n",
                "import os\nos._exit(0)\n", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"}) {
            Verdict verdict = run("def f(x):\n    return 0\n" + exit);
            assertThat(verdict.passed()).as(exit).isFalse();
        }
    }

    @Test
    void tamperingWithExitAndExceptionHandlingNeverPasses() {
        String[] tricks = {
            "import atexit, os\natexit.register(lambda: os._exit(0))\n",
            "import sys\nsys.excepthook = lambda *a: None\n",
            "import builtins\nbuiltins.AssertionError = type('Fine', (Exception,), {})\n",
            "import sys\ndef tracer(frame, event, arg):\n    return None\nsys.settrace(tracer)\n",
            "print('passed')\nprint('{\"status\": \"passed\"}')\nimport os\nos._exit(0)\n",
            "import os\nos.write(3, b'{\"status\": \"passed\", \"nonce\": \"0\"}\\n')\nos._exit(0)\n",
        };
        for (String trick : tricks) {
            Verdict verdict = run("def f(x):\n    return 0\n" + trick);
            assertThat(verdict.passed()).as(trick).isFalse();
        }
    }

    @Test
    void timesOutInfiniteLoops() {
        Verdict verdict = run("def f(x):\n    while True:\n        pass\n");
        assertThat(verdict.category()).isEqualTo(ErrorCategory.TIMEOUT);
        assertThat(verdict.feedback()).isEqualTo("Timeout");
        assertThat(verdict.durationMillis()).isBetween(1900.0, 4000.0);
    }

    @Test
    void stopsMemoryBombsAtTheLimit() {
        Verdict verdict = run("x = bytearray(20 * (1 << 30))\n");
        assertThat(verdict.category()).isEqualTo(ErrorCategory.MEMORY);
        assertThat(verdict.feedback()).endsWith("MemoryError");
    }

    @Test
    void stopsOutputFloodsAtTheLimit() {
        Verdict verdict = run("while True:\n    print('x' * 4096)\n");
        assertThat(verdict.category()).isEqualTo(ErrorCategory.OUTPUT_LIMIT);
        assertThat(verdict.output()).startsWith("xxxx");
    }

    @Test
    void containsForkBombs() {
        Verdict verdict = run("import os\nwhile True:\n    os.fork()\n");
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.category()).isIn(ErrorCategory.OTHER, ErrorCategory.TIMEOUT);
        assertThat(run("def f(x):\n    return x + 1\n").passed()).isTrue();
    }

    @Test
    void seesNoHostFilesNetworkOrEnvironment() {
        assertThat(run("open('/etc/shadow').read()\n").feedback()).contains("FileNotFoundError");
        assertThat(run("import os\nassert os.listdir('/home')\n").feedback()).contains("FileNotFoundError");
        assertThat(run("import socket\nsocket.create_connection(('127.0.0.1', 9092), timeout=1)\n").feedback())
                .contains("Address family not supported");
        Verdict environment = pool.run("import os\nprint(sorted(os.environ))\n", "\nassert True\n");
        assertThat(environment.passed()).isTrue();
        assertThat(environment.output().strip()).isEqualTo("['HOME', 'LANG', 'PATH', 'TMPDIR']");
    }

    @Test
    void cannotWriteOutsideItsDirectoryOrKeepFilesBetweenRuns() {
        assertThat(run("open('/usr/evil', 'w')\n").feedback()).containsAnyOf("Read-only file system", "Permission denied");
        assertThat(run("open('/evil', 'w')\n").feedback()).containsAnyOf("Read-only file system", "Permission denied");
        Verdict writes = pool.run("open('mine.txt', 'w').write('ok')\n", "\nassert open('mine.txt').read() == 'ok'\n");
        assertThat(writes.passed()).isTrue();
        for (int i = 0; i < 3; i++) { // whichever worker runs it, the file from the last run is gone
            assertThat(pool.run("import os\n", "\nassert not os.path.exists('mine.txt')\n").passed()).isTrue();
        }
    }

    @Test
    void nothingOneProgramLeavesInItsTemporaryFilesReachesTheNext() {
        String fill = """
                import os, tempfile
                here = os.getcwd()
                assert tempfile.gettempdir() == here and here.startswith('/tmp/run-')
                try:
                    for i in range(1000):
                        with open('fill-%d' % i, 'wb') as f:
                            f.write(b'x' * (1 << 20))
                except OSError:
                    pass
                for name in ('/tmp/leftover', '/tmp/.leftover', '../leftover'):
                    try:
                        open(name, 'w').write('from an earlier program')
                    except OSError:
                        pass
                """;
        String next = "import os, tempfile\nwith tempfile.NamedTemporaryFile() as f:\n    f.write(b'y' * 4096)\n"
                + "seen = [os.path.exists(p) for p in ('/tmp/leftover', '/tmp/.leftover')]\n";
        for (int i = 0; i < 2; i++) { // both workers filled their /tmp
            assertThat(pool.run(fill, "\nassert True\n").passed()).isTrue();
        }
        for (int i = 0; i < 4; i++) {
            Verdict after = pool.run(next, "\nassert seen == [False, False], seen\n");
            assertThat(after.passed()).as(after.feedback()).isTrue();
        }
    }

    @Test
    void cannotSignalTheServerOrEveryProcess() {
        assertThat(run("import os, signal\nos.kill(1, signal.SIGKILL)\n").feedback()).contains("PermissionError");
        assertThat(run("import os, signal\nos.kill(-1, signal.SIGKILL)\n").passed()).isFalse();
        assertThat(run("def f(x):\n    return x + 1\n").passed()).isTrue();
    }

    @Test
    void killsProcessesThatLeftTheSessionBeforeTheNextProgram() {
        String daemon = "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                + "        time.sleep(60)\n    os._exit(0)\ndef f(x):\n    return x + 1\n";
        assertThat(run(daemon).passed()).isTrue();
        // Inside the worker's PID namespace only the server (its init), the program launcher, the test process and
        // this program remain.
        for (int i = 0; i < 2; i++) {
            Verdict alone = pool.run("import os\nprocs = [p for p in os.listdir('/proc') if p.isdigit()]\n",
                    "\nassert len(procs) == 4, procs\n");
            assertThat(alone.passed()).as(alone.feedback()).isTrue();
        }
    }

    @Test
    void keepsItsThroughputAfterHostilePrograms() {
        for (String hostile : new String[] {"import os\nwhile True:\n    os.fork()\n", "x = bytearray(20 * (1 << 30))\n",
                "while True:\n    print('x' * 4096)\n", "import os\nos.kill(-1, 9)\n"}) {
            assertThat(run(hostile).passed()).isFalse();
        }
        long started = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            assertThat(run("def f(x):\n    return x + 1\n").passed()).isTrue();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // One caller, one program at a time: ~2-3 ms each when healthy; a damaged pool would be far slower.
        assertThat(seconds).as("100 quick programs after hostile ones").isLessThan(5.0);
    }

    @Test
    void seesNoHostPathInItsMounts() {
        Verdict verdict = pool.run("mounts = [line.split() for line in open('/proc/self/mountinfo')]\n", """

                points = [fields[4] for fields in mounts]
                assert all(p == '/' or p.split('/')[1] in ('usr', 'proc', 'dev', 'tmp') for p in points), points
                assert not any('leti-sandbox' in field or field.startswith('/leti') for m in mounts for field in m), mounts
                """);
        assertThat(verdict.passed()).as(verdict.feedback()).isTrue();
    }

    @Test
    void theServerKeepsOnlyTheCapabilitiesItNeedsAndTheOthersNone() {
        assumeTrue(SandboxPool.isRoot(), "capabilities are dropped by bubblewrap in root mode; without root there are none");
        // CAP_CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, KILL, SETGID, SETUID, SYS_NICE
        long allowed = 0x8000efL;
        Verdict verdict = pool.run("""
                import os
                caps = {}
                for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
                    fields = dict(line.split(':', 1) for line in open('/proc/%s/status' % pid).read().splitlines())
                    caps[int(pid)] = (int(fields['Uid'].split()[0]), int(fields['CapEff'], 16), int(fields['CapPrm'], 16))
                """, """

                assert len(caps) == 4, caps  # the server (PID 1), its launcher, the test process, this program
                for pid, (uid, effective, permitted) in caps.items():
                    assert (effective | permitted) & ~%d == 0, (pid, hex(effective))
                    if uid != 0:
                        assert effective == permitted == 0, (pid, uid, hex(effective))
                """.formatted(allowed));
        assertThat(verdict.passed()).as(verdict.feedback()).isTrue();
    }

    @Test
    void decodesNonUtf8Output() {
        Verdict verdict = pool.run("import sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok')\n", "\nassert True\n");
        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.output()).endsWith(" ok");
    }

    @Test
    void refusesToStartWithoutAnInterpreter(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("python3");
        assertThat(Files.exists(missing)).isFalse();
        SandboxSettings settings = SandboxSettings.defaults().withPython(missing).withWorkers(1);
        assertThatThrownBy(() -> SandboxPool.start(settings)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("leti.sandbox.python");
    }
}
