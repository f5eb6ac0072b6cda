package ai.leti.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.leti.common.leti.Feedback;
import ai.leti.common.messages.ErrorCategory;
import ai.leti.common.messages.Verdict;

/**
 * The verdict boundary of the real sandbox: the program in one process, its tests in another that only plain data
 * reaches. What honest tests need still works; what a program does to its own interpreter never reaches the tests,
 * their verdict or their feedback; and only the server can call a run the sandbox's fault.
 */
class VerdictBoundaryIT {

    private static SandboxPool pool;

    @BeforeAll
    static void start() {
        pool = SandboxPool.start(SandboxSettings.defaults().withWorkers(2).withTimeout(Duration.ofSeconds(3)));
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static Verdict run(String program, String tests, String... entryPoints) {
        return pool.run(program, tests, List.of(entryPoints), pool.settings().timeout());
    }

    private static void assertPasses(String program, String tests, String... entryPoints) {
        Verdict verdict = run(program, tests, entryPoints);
        assertThat(verdict.passed()).as(program + tests + "\n=> " + verdict.feedback()).isTrue();
    }

    @Test
    void argumentsTheProgramChangesInPlaceChangeForTheTests() {
        assertPasses("def f(xs):\n    xs.sort()\n", "\na = [3, 1, 2]\nf(a)\nassert a == [1, 2, 3]\n");
        assertPasses("def f(d, s):\n    d['k'] = [1]\n    s.add(2)\n",
                "\nd = {}\ns = {1}\nf(d, s=s)\nassert d == {'k': [1]} and s == {1, 2}\n");
        assertPasses("def f(grid):\n    grid[0][0] = 9\n", "\ng = [[0, 1], [2, 3]]\nf(g)\nassert g == [[9, 1], [2, 3]]\n");
    }

    @Test
    void generatorsAndIteratorsAreIteratedAcrossTheBoundary() {
        assertPasses("def f(n):\n    for i in range(n):\n        yield i * i\n",
                "\nassert list(f(3)) == [0, 1, 4]\ng = f(2)\nassert next(g) == 0\nassert next(g) == 1\n");
        assertPasses("def f(xs):\n    return map(str, xs)\n", "\nassert list(f([1, 2])) == ['1', '2']\n");
        assertPasses("def f(n):\n    yield 1\n    raise ValueError('bad')\n",
                "\ng = f(1)\nassert next(g) == 1\ntry:\n    next(g)\n    raise AssertionError('no error')\nexcept ValueError:\n    pass\n");
    }

    @Test
    void objectsOfTheProgramsClassesAreBuiltReadAndHandedBack() {
        assertPasses("""
                class Node:
                    def __init__(self, value):
                        self.value = value
                        self.left = None
                def depth(node):
                    return 0 if node is None else 1 + depth(node.left)
                """, "\nroot = Node(1)\nroot.left = Node(2)\nroot.left.left = Node(3)\nassert depth(root) == 3\n"
                + "assert root.left.value == 2\n");
        assertPasses("class P:\n    def __repr__(self):\n        return 'P()'\ndef f():\n    return [P(), 1]\n",
                "\nassert repr(f()[0]) == 'P()'\nassert len(f()) == 2\n");
        assertPasses("from collections import namedtuple\nPoint = namedtuple('Point', 'x y')\ndef f():\n    return Point(1, 2)\n",
                "\nassert f() == (1, 2)\nassert f() == Point(1, 2)\n");
    }

    @Test
    void classesAndFunctionsOfTheTestsStayInTheTestProcess() {
        // Event argument extraction: the program builds instances of classes the tests define.
        assertPasses("def extract():\n    return Attack(attacker=[Person('Alice')])\n", """

                class Person:
                    def __init__(self, name):
                        self.name = name
                class Attack:
                    def __init__(self, attacker):
                        assert all(isinstance(a, Person) for a in attacker)
                        self.attacker = attacker
                event = extract()
                assert type(event) is Attack and event.attacker[0].name == 'Alice'
                """);
        assertPasses("def f(g, x):\n    return g(x) + 1\n", "\nassert f(lambda y: y * 2, 3) == 7\n");
        assertPasses("def f(xs, t):\n    return [x for x in xs if not isinstance(x, t)]\n", "\nassert f((1, 'a', 2), int) == ['a']\n");
    }

    @Test
    void testsCallSeveralOfTheProgramsNamesAndReadItsConstants() {
        assertPasses("R = 3\ndef enc(s):\n    return s[::-1]\ndef dec(s):\n    return s[::-1]\n",
                "\nassert dec(enc('abc')) == 'abc'\nassert R == 3\n");
        assertPasses("from math import sqrt\ndef f(x):\n    return sqrt(x)\n", "\nassert f(16) == sqrt(16) == 4\n");
    }

    @Test
    void plainDataOfEveryKindCrossesExactly() {
        assertPasses("""
                import collections, decimal, fractions
                def f(kind):
                    return {
                        'big': 2 ** 200, 'neg': -(2 ** 70), 'bytes': b'\\xff\\x00', 'bytearray': bytearray(b'ab'),
                        'complex': 1 + 2j, 'set': {1, 2}, 'frozen': frozenset({(1, 2)}), 'nested': [(1, [2, {3: 'x'}])],
                        'counter': collections.Counter('aab'), 'ordered': collections.OrderedDict(a=1, b=2),
                        'deque': collections.deque([1, 2], maxlen=3), 'default': collections.defaultdict(list, a=[1]),
                        'decimal': decimal.Decimal('1.10'), 'fraction': fractions.Fraction(1, 3), 'range': range(1, 5, 2),
                        'inf': float('inf'), 'zero': -0.0, 'none': None, 'bool': True,
                    }[kind]
                """, """

                import collections, decimal, fractions, math
                assert f('big') == 2 ** 200 and f('neg') == -(2 ** 70)
                assert f('bytes') == b'\\xff\\x00' and f('bytearray') == bytearray(b'ab')
                assert f('complex') == 1 + 2j and f('set') == {1, 2} and f('frozen') == frozenset({(1, 2)})
                assert f('nested') == [(1, [2, {3: 'x'}])]
                assert f('counter') == {'a': 2, 'b': 1} and type(f('counter')) is collections.Counter
                assert f('ordered') == collections.OrderedDict(a=1, b=2) and f('ordered') != collections.OrderedDict(b=2, a=1)
                assert f('deque') == collections.deque([1, 2]) and f('deque').maxlen == 3
                assert f('default')['missing'] == []
                assert f('decimal') == decimal.Decimal('1.10') and str(f('decimal')) == '1.10'
                assert f('fraction') == fractions.Fraction(1, 3) and f('range') == range(1, 5, 2)
                assert f('inf') == math.inf and math.copysign(1, f('zero')) == -1
                assert f('none') is None and f('bool') is True
                """);
    }

    @Test
    void exceptionsTheTestsExpectAreRaisedInTheTestProcess() {
        assertPasses("def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x\n",
                "\ntry:\n    f(-1)\n    raise AssertionError('no error')\nexcept ValueError as e:\n    assert str(e) == 'negative'\n");
    }

    @Test
    void whatBothSidesPrintIsTheOutput() {
        Verdict verdict = run("print('loading')\ndef f(x):\n    print('called', x)\n    return x + 1\n",
                "\nprint('testing')\nassert f(1) == 2\n");
        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.output()).contains("loading", "called 1", "testing");
    }

    @Test
    void valuesThatCannotCrossAreFailuresWithAClearMessage() {
        String program = "class Thing:\n    def __eq__(self, other):\n        return True\n    def __hash__(self):\n"
                + "        return 0\n    def __bool__(self):\n        return True\n    def __lt__(self, other):\n"
                + "        return True\ndef f(x):\n    return Thing()\n";
        for (String test : new String[] {"assert f(1) == 2", "assert f(1)", "assert f(1) in [2]", "assert {f(1)}",
                "assert f(1) < 3", "assert not f(1) != 2", "assert 2 == f(1)",
                // a test that swallows the error still fails: the boundary remembers
                "try:\n    assert f(1) == 2\nexcept Exception:\n    pass"}) {
            Verdict verdict = run(program, "\n" + test + "\n");
            assertThat(verdict.passed()).as(test).isFalse();
            assertThat(verdict.category()).as(test).isEqualTo(ErrorCategory.OTHER);
            assertThat(verdict.feedback()).as(test).contains("BoundaryError: an object of the program's class 'Thing' cannot be");
        }
    }

    @Test
    void nothingTheProgramDoesToItsInterpreterReachesTheTests() {
        String patches = """
                import builtins, math, operator, json, sys
                math.isclose = lambda *args, **kwargs: True
                operator.eq = lambda a, b: True
                builtins.abs = lambda x: 0
                builtins.AssertionError = type('Quiet', (BaseException,), {})
                json.loads = lambda *args, **kwargs: ['ok', 2, None]
                sys.modules.pop('traceback', None)
                def abs(x):
                    return 0
                def len(x):
                    return 1
                """;
        String tests = "\nimport math, operator\nassert math.isclose(f(1), 2)\n";
        assertThat(run(patches + "def f(x):\n    return 7\n", tests).category()).isEqualTo(ErrorCategory.ASSERTION);
        assertThat(run(patches + "def f(x):\n    return 7\n", "\nassert abs(f(1) - 2) < 1e-9\n").category())
                .isEqualTo(ErrorCategory.ASSERTION);
        assertThat(run(patches + "def f(x):\n    return 7\n",
                "\nimport operator\nassert len([f(1), 1]) == 2 and operator.eq(f(1), 2)\n").category())
                .isEqualTo(ErrorCategory.ASSERTION);
        // With everything patched, a correct program still passes: nothing it did reached the tests.
        assertPasses(patches + "def f(x):\n    return x + 1\n",
                "\nimport math\nassert math.isclose(f(1), 2) and abs(-3) == 3 and len('ab') == 2\n");
    }

    @Test
    void aProgramNameHidesABuiltinOnlyWhenTheTaskNamesItAsItsEntryPoint() {
        String program = "def sum(a, b):\n    return a * b\n";
        assertThat(run(program, "\nassert sum([2, 3]) == 5\n").passed()).isTrue(); // the tests' own sum
        assertThat(run(program, "\nassert sum(2, 3) == 6\n", "sum").passed()).isTrue(); // the task's function
        assertThat(run(program, "\nassert sum(2, 3) == 6\n").category()).isEqualTo(ErrorCategory.TYPE);
    }

    @Test
    void feedbackIsTheTracebackPythonWouldPrintFromTrustedParts() {
        String program = "import traceback\ntraceback.format_exception = lambda *a, **k: ['FORGED']\n"
                + "traceback.StackSummary.format = lambda self: ['FORGED']\n"
                + "def g(x):\n    return 1 / x\ndef f(x):\n    return g(x)\n";
        Verdict verdict = run(program, "\nassert f(0) == 1\n");
        assertThat(verdict.category()).isEqualTo(ErrorCategory.OTHER);
        assertThat(Feedback.reduce(verdict.feedback())).as("what the model sees of it").isEqualTo("""
                Traceback (most recent call last):
                  File "<program>", line 9, in <module>
                    assert f(0) == 1
                  File "<program>", line 7, in f
                    return g(x)
                  File "<program>", line 5, in g
                    return 1 / x
                ZeroDivisionError: division by zero""");
        Verdict loading = run("x = 1\nraise KeyError('k')\n", "\nassert True\n");
        assertThat(Feedback.reduce(loading.feedback())).isEqualTo("""
                Traceback (most recent call last):
                  File "<program>", line 2, in <module>
                    raise KeyError('k')
                KeyError: 'k'""");
    }

    @Test
    void onlyTheServerDecidesThatARunWasTheSandboxs() {
        for (String name : new String[] {"SandboxSetupError", "TestProcessError", "BoundaryError", "PeerGone", "Malformed"}) {
            Verdict verdict = run("class " + name + "(Exception):\n    pass\ndef f(x):\n    raise " + name + "('sandbox')\n",
                    "\nassert f(1) == 2\n");
            assertThat(verdict.category()).as(name).isEqualTo(ErrorCategory.OTHER);
            assertThat(verdict.feedback()).as(name).endsWith(name + ": sandbox");
        }
        Verdict junk = run("import os\nfor fd in range(256):\n    try:\n        os.write(fd, b'{\"status\": \"error\"}\\n\\0\\0')\n"
                + "    except OSError:\n        pass\ndef f(x):\n    return x + 1\n", "\nassert f(1) == 2\n");
        assertThat(junk.category()).isNotEqualTo(ErrorCategory.SANDBOX).isNotEqualTo(ErrorCategory.NONE);
        String deep = "import os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\ndef f(x):\n    return x + 1\n";
        assertThat(run(deep, "\nassert f(1) == 2\n").passed()).as("a correct program keeps its pass").isTrue();
        assertThat(run("def f(x):\n    return x + 1\n", "\nassert f(1) == 2\n").passed()).isTrue();
    }

    @Test
    void aCrashedTestProcessAndAKilledProgramEachGetAVerdict() {
        Verdict crashed = run("def f(x):\n    return x + 1\n", "\nimport ctypes\nctypes.string_at(0)\n");
        assertThat(crashed.passed()).isFalse();
        assertThat(crashed.category()).isEqualTo(ErrorCategory.OTHER);
        assertThat(crashed.feedback()).isEqualTo("Fatal: the test process was killed by SIGSEGV without a verdict");
        Verdict killed = run("import os, signal\ndef f(x):\n    os.kill(os.getpid(), signal.SIGKILL)\n", "\nassert f(1) == 2\n");
        assertThat(killed.category()).isEqualTo(ErrorCategory.OTHER);
        assertThat(killed.feedback()).isEqualTo("Fatal: the program was killed by SIGKILL");
        Verdict exited = run("import os\ndef f(x):\n    os._exit(0)\n", "\nassert f(1) == 2\n");
        assertThat(exited.feedback()).isEqualTo("The program exited with status 0 before its tests finished");
        Verdict memory = run("def f(x):\n    return bytearray(20 << 30)\n", "\nassert f(1) == 2\n");
        assertThat(memory.category()).isEqualTo(ErrorCategory.MEMORY);
        for (int i = 0; i < 4; i++) {
            assertThat(run("def f(x):\n    return x + 1\n", "\nassert f(1) == 2\n").passed()).isTrue();
        }
    }
}
