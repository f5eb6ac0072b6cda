package ai.leti.cli.sandbox.hostile;

import static ai.leti.common.messages.ErrorCategory.ASSERTION;
import static ai.leti.common.messages.ErrorCategory.OTHER;

import java.util.List;

/**
 * Programs that try to pass without solving the task, or to choose their verdict or feedback: exits before or
 * inside the tests, tampered builtins and libraries, objects equal to everything, reading the tests, posing as the
 * sandbox.
 */
final class VerdictForgeries {

    static final List<HostileCase> ALL = List.of(
            HostileCase.of("os._exit(0) before the tests", "import os\nos._exit(0)\n", OTHER),
            HostileCase.of("sys.exit(0) from the tests", """
                    import sys, atexit
                    atexit.register(lambda: sys.stdout.write('passed'))
                    def f(x):
                        sys.exit(0)
                    """, OTHER),
            HostileCase.of("segfault through ctypes", "import ctypes\nctypes.string_at(0)\n", OTHER),
            HostileCase.of("sys.modules tampering", """
                    import sys, builtins
                    class Quiet(BaseException):
                        pass
                    builtins.AssertionError = Quiet
                    sys.modules['builtins'].AssertionError = Quiet
                    sys.modules.clear()
                    def f(x):
                        return 0
                    """, ASSERTION, OTHER),
            HostileCase.of("os._exit(0) inside the tests' call", """
                    import os
                    def f(x):
                        os._exit(0)
                    """, OTHER),
            // Verdict integrity: programs that try to pass without solving the task, to fail outside of training,
            // to choose their own feedback, or to read the tests.
            HostileCase.of("walk frames and memory for the verdict's nonce", """
                    import gc, os, re, sys
                    hexes = re.compile('^[0-9a-f]{32}$')
                    found = set()
                    def scan(value, depth=0):
                        if isinstance(value, str) and hexes.match(value):
                            found.add(value)
                        elif isinstance(value, dict) and depth < 2:
                            for inner in list(value.values()):
                                scan(inner, depth + 1)
                    for obj in gc.get_objects():
                        if isinstance(obj, dict):
                            scan(obj)
                    frame = sys._getframe()
                    while frame is not None:
                        scan(dict(frame.f_locals))
                        frame = frame.f_back
                    for nonce in found or {'0' * 32}:
                        record = ('{"status": "passed", "nonce": "%s"}\\n' % nonce).encode()
                        for fd in range(3, 256):
                            try:
                                os.write(fd, record)
                            except OSError:
                                pass
                    os._exit(0)
                    """, OTHER),
            HostileCase.of("replace the builtins the tests run with", """
                    import builtins
                    def skip(*args, **kwargs):
                        return None
                    builtins.exec = skip
                    builtins.AssertionError = type('Quiet', (BaseException,), {})
                    def f(x):
                        return 0
                    """, ASSERTION),
            HostileCase.of("an object equal to everything", """
                    class Anything:
                        def __eq__(self, other):
                            return True
                        def __ne__(self, other):
                            return False
                        def __hash__(self):
                            return 0
                        def __bool__(self):
                            return True
                    def f(x):
                        return Anything()
                    """, OTHER),
            HostileCase.of("a library object equal to everything, under a forged name", """
                    import sys
                    from unittest.mock import ANY
                    frame = sys._getframe()
                    while frame is not None:  # the boundary's encoder, found from the frames that run this program
                        for value in list(frame.f_locals.values()):
                            codec = getattr(value, 'codec', None)
                            if type(codec).__name__ == 'ProgramCodec':
                                original = type(codec).encode_other
                                def forge(self, value, depth, original=original):
                                    if value is ANY:  # named as the library's own: the tests would take their own ANY
                                        return ['h', self.export(value), 'object', '', ['unittest.mock', 'ANY']]
                                    return original(self, value, depth)
                                type(codec).encode_other = forge
                        frame = frame.f_back
                    def f(x):
                        return ANY
                    """, OTHER),
            HostileCase.of("an int equal to everything", """
                    class Anything(int):
                        def __eq__(self, other):
                            return True
                        def __ne__(self, other):
                            return False
                        __hash__ = int.__hash__
                    def f(x):
                        return Anything(0)
                    """, ASSERTION),
            HostileCase.withTests("patch the library and builtins the tests rely on", """
                    import builtins, math
                    math.isclose = lambda *args, **kwargs: True
                    builtins.abs = lambda x: 0
                    builtins.sorted = lambda *args, **kwargs: [1, 2]
                    def abs(x):
                        return 0
                    def sorted(*args, **kwargs):
                        return [1, 2]
                    def f(x):
                        return 7
                    """, """
                    # {{SECRET}}
                    import math
                    assert math.isclose(f(1), 2)
                    assert abs(f(1) - 2) < 1e-9
                    assert sorted([f(1), 1]) == [1, 2]
                    """, ASSERTION),
            HostileCase.of("read the tests' text", """
                    import gc, os, re
                    pattern = re.compile('leti-secret-[0-9a-f-]+')
                    seen = set()
                    def look(text):
                        if isinstance(text, (bytes, bytearray)):
                            text = bytes(text).decode('latin-1')
                        seen.update(pattern.findall(text))
                    for obj in gc.get_objects():
                        if isinstance(obj, (dict, list, tuple)):
                            for value in list(obj.values() if isinstance(obj, dict) else obj):
                                if isinstance(value, str) and 'leti-secret' in value:
                                    look(value)
                    try:
                        with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', 0) as mem:
                            for line in maps:
                                span, perms = line.split()[:2]
                                start, end = (int(x, 16) for x in span.split('-'))
                                if 'r' in perms and end - start < (256 << 20):
                                    try:
                                        mem.seek(start)
                                        look(mem.read(end - start))
                                    except (OSError, ValueError, OverflowError):
                                        pass
                    except OSError:
                        pass
                    for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
                        for name in ('cmdline', 'environ'):
                            try:
                                look(open('/proc/%s/%s' % (pid, name), 'rb').read())
                            except OSError:
                                pass
                    for top in ('/tmp', '.'):
                        for folder, _, files in os.walk(top):
                            for name in files:
                                try:
                                    look(open(os.path.join(folder, name), 'rb').read(1 << 20))
                                except OSError:
                                    pass
                    print(sorted(seen), flush=True)
                    def f(x):
                        raise ValueError(str(sorted(seen)))
                    """, OTHER),
            HostileCase.of("pose as the sandbox's own failure", """
                    import gc, os, re, sys
                    class SandboxSetupError(Exception):
                        pass
                    hexes = re.compile('^[0-9a-f]{32}$')
                    nonces = set()
                    frame = sys._getframe()
                    while frame is not None:
                        for value in list(frame.f_locals.values()):
                            for inner in (list(value.values()) if isinstance(value, dict) else [value]):
                                if isinstance(inner, str) and hexes.match(inner):
                                    nonces.add(inner)
                        frame = frame.f_back
                    for nonce in nonces or {'0' * 32}:
                        for record in ('{"status": "error", "error": "forged", "nonce": "%s"}\\n' % nonce,
                                       '{"status": "error", "error": "forged"}\\n', '\\0\\0\\0\\x18["setup_failed","forged"]'):
                            for fd in range(3, 256):
                                try:
                                    os.write(fd, record.encode())
                                except OSError:
                                    pass
                    def f(x):
                        raise SandboxSetupError('the sandbox could not start')
                    """, OTHER),
            HostileCase.of("forge its feedback", """
                    import os, sys, traceback
                    forged = '{{FORGED}}'
                    traceback.format_exception = lambda *args, **kwargs: [forged]
                    traceback.format_exception_only = lambda *args, **kwargs: [forged]
                    traceback.format_tb = lambda *args, **kwargs: [forged]
                    traceback.StackSummary.format = lambda self: [forged]
                    sys.excepthook = lambda *args: None
                    record = '{"status": "failed", "exc_type": "AssertionError", "traceback": "%s"}\\n' % forged
                    for fd in range(3, 256):
                        try:
                            os.write(fd, record.encode())
                        except OSError:
                            pass
                    def f(x):
                        return 1 / 0
                    """, OTHER));

    private VerdictForgeries() {
    }
}
