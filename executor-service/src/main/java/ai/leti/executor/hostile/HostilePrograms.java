package ai.leti.executor.hostile;

import static ai.leti.common.messages.ErrorCategory.ASSERTION;
import static ai.leti.common.messages.ErrorCategory.MEMORY;
import static ai.leti.common.messages.ErrorCategory.NAME;
import static ai.leti.common.messages.ErrorCategory.OTHER;
import static ai.leti.common.messages.ErrorCategory.OUTPUT_LIMIT;
import static ai.leti.common.messages.ErrorCategory.TIMEOUT;

import java.util.List;

/** The programs the suite tries: what a model being trained on its own output might write, and worse. */
public final class HostilePrograms {

    private HostilePrograms() {
    }

    public static final List<HostileCase> ALL = List.of(
            HostileCase.of("fork bomb", """
                    import os
                    while True:
                        os.fork()
                    """, OTHER, TIMEOUT),
            HostileCase.of("memory bomb", "x = bytearray(20 * (1 << 30))\n", MEMORY),
            HostileCase.of("memory bomb, growing", """
                    chunks = []
                    while True:
                        chunks.append(bytearray(64 << 20))
                    """, MEMORY),
            HostileCase.of("infinite loop", "while True:\n    pass\n", TIMEOUT),
            HostileCase.of("CPU-burning threads", """
                    import threading
                    def burn():
                        while True:
                            pass
                    for _ in range(16):
                        threading.Thread(target=burn, daemon=True).start()
                    burn()
                    """, TIMEOUT, OTHER),
            HostileCase.of("1 GB of output", """
                    import sys
                    block = 'x' * (1 << 20)
                    for _ in range(1024):
                        sys.stdout.write(block)
                    """, OUTPUT_LIMIT),
            HostileCase.of("deep recursion", """
                    def down(n):
                        return down(n + 1)
                    down(0)
                    """, OTHER),
            HostileCase.of("deep recursion past the C stack", """
                    import sys
                    sys.setrecursionlimit(10 ** 8)
                    def down(n):
                        return down(n + 1)
                    down(0)
                    """, OTHER, MEMORY, TIMEOUT),
            HostileCase.of("write outside the temp dir", """
                    for path in ['{{ESCAPE}}', '/usr/evil', '/evil', '/etc/evil', '/proc/evil']:
                        try:
                            open(path, 'w').write('escaped')
                        except OSError:
                            pass
                    f
                    """, NAME),
            HostileCase.of("read a host file", """
                    secret = ''
                    for path in ['{{CANARY}}', '/etc/shadow', '/etc/passwd', '/root/.ssh/id_rsa']:
                        try:
                            secret += open(path).read()
                        except OSError:
                            pass
                    print(secret, flush=True)
                    raise RuntimeError(secret)
                    """, OTHER),
            HostileCase.of("the service's environment and credentials", """
                    import os
                    found = dict(os.environ)
                    for path in ['/proc/1/environ', '/proc/%d/environ' % os.getppid(), '/proc/self/environ']:
                        try:
                            found[path] = open(path, 'rb').read().decode(errors='replace')
                        except OSError:
                            pass
                    for path in ['/var/run/secrets/kubernetes.io/serviceaccount/token', '/run/secrets']:
                        try:
                            found[path] = open(path).read()
                        except OSError:
                            pass
                    print(found, flush=True)
                    raise RuntimeError(found)
                    """, OTHER),
            HostileCase.of("network sockets", """
                    import socket
                    for family, address in [(socket.AF_INET, ('127.0.0.1', {{PORT}})), (socket.AF_INET6, ('::1', {{PORT}}))]:
                        try:
                            s = socket.socket(family, socket.SOCK_STREAM)
                            s.settimeout(1)
                            s.connect(address)
                            s.sendall(b'escaped')
                        except OSError:
                            pass
                    f
                    """, NAME),
            HostileCase.of("signal and kill the parent", """
                    import os, signal
                    for pid in [os.getppid(), 1, -1, 0]:
                        for sig in [signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP]:
                            try:
                                os.kill(pid, sig)
                            except OSError:
                                pass
                    f
                    """, NAME, OTHER),
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
            HostileCase.of("a daemon that outlives its run", """
                    import os, time
                    if os.fork() == 0:
                        os.setsid()
                        if os.fork() == 0:
                            os.execvp('python3', ['python3', '-c', 'import time; time.sleep(120)', '{{NONCE}}'])
                        os._exit(0)
                    time.sleep(0.5)  # the daemon has exec'd (its command line carries the marker) before this ends
                    f
                    """, NAME),
            HostileCase.of("ptrace, mount and namespaces", """
                    import ctypes, os
                    libc = ctypes.CDLL(None, use_errno=True)
                    libc.ptrace(16, os.getppid(), 0, 0)     # PTRACE_ATTACH
                    libc.unshare(0x10000000)                # CLONE_NEWUSER
                    libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)
                    f
                    """, NAME),
            HostileCase.of("a huge source file", "x = '" + "a".repeat(8 << 20) + "'\nf\n", NAME, MEMORY),
            HostileCase.of("non-UTF-8 output", """
                    import sys
                    sys.stdout.buffer.write(bytes(range(256)) * 64)
                    sys.stdout.flush()
                    def f(x):
                        return x
                    """, ASSERTION));
}
