package ai.leti.cli.sandbox.hostile;

import static ai.leti.common.messages.ErrorCategory.ASSERTION;
import static ai.leti.common.messages.ErrorCategory.MEMORY;
import static ai.leti.common.messages.ErrorCategory.NAME;
import static ai.leti.common.messages.ErrorCategory.NONE;
import static ai.leti.common.messages.ErrorCategory.OTHER;
import static ai.leti.common.messages.ErrorCategory.OUTPUT_LIMIT;
import static ai.leti.common.messages.ErrorCategory.TIMEOUT;

import java.util.List;

/** Programs that exhaust what a sandbox bounds: processes, memory, CPU, output, stack, disk, and the cleanup after them. */
final class ResourceAttacks {

    static final List<HostileCase> ALL = List.of(
            HostileCase.of("fork bomb", """
                    import os
                    while True:
                        os.fork()
                    """, OTHER, TIMEOUT),
            HostileCase.of("memory bomb", "x = bytearray(20 * (1 << 30))\n", MEMORY),
            // Filling 1 GiB page by page may take longer than the timeout on a machine with slow page faults.
            HostileCase.of("memory bomb, growing", """
                    chunks = []
                    while True:
                        chunks.append(bytearray(64 << 20))
                    """, MEMORY, TIMEOUT),
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
            HostileCase.of("a huge source file", "x = '" + "a".repeat(8 << 20) + "'\nf\n", NAME, MEMORY),
            HostileCase.of("non-UTF-8 output", """
                    import sys
                    sys.stdout.buffer.write(bytes(range(256)) * 64)
                    sys.stdout.flush()
                    def f(x):
                        return x
                    """, ASSERTION),
            HostileCase.of("a directory tree too deep for a recursive cleanup, from a correct program", """
                    import os
                    for _ in range(3000):
                        os.mkdir('d')
                        os.chdir('d')
                        open('f', 'w').close()
                    def f(x):
                        return x + 1
                    """, NONE),
            HostileCase.withProbe("fill the scratch space and every writable place", """
                    import os
                    for folder in [os.getcwd(), '/tmp', '/dev/shm', '/var/tmp', '/']:
                        for i in range(400):
                            try:
                                with open(os.path.join(folder, 'fill-%d' % i), 'wb') as out:
                                    out.write(b'x' * (1 << 20))  # each file stops at the output limit (1 MiB)
                            except OSError:
                                break
                    f
                    """, """
                    import os as _os
                    try:
                        with open(_os.path.join(_os.environ.get('TMPDIR', '.'), 'probe'), 'wb') as _out:
                            _out.write(b'y' * (512 << 10))
                    except OSError as _e:
                        print('{{LEFT}}no room for half a MiB in its own directory: %s' % _e, flush=True)
                    """, NAME),
            HostileCase.withProbe("zombies and stopped processes", """
                    import ctypes, os, signal, time
                    libc = ctypes.CDLL(None)
                    for i in range(8):
                        if os.fork() == 0:
                            libc.prctl(15, b'{{TAG}}', 0, 0, 0)  # PR_SET_NAME
                            if i % 2:
                                os.kill(os.getpid(), signal.SIGSTOP)
                            os._exit(0)  # a zombie: nobody waits for it
                    time.sleep(0.2)
                    f
                    """, """
                    import os as _os
                    for _pid in [_p for _p in _os.listdir('/proc') if _p.isdigit()]:
                        try:
                            _status = open('/proc/%s/status' % _pid).read()
                        except OSError:
                            continue
                        if '{{TAG}}' in _status:
                            print('{{LEFT}}process %s: %s' % (_pid, _status.split('State:')[1].split('\\n')[0].strip()),
                                  flush=True)
                    """, NAME),
            // rlimits bound each process; the worker's cgroup bounds them together.
            HostileCase.ofWorkerBound("memory held together by several processes", """
                    import mmap, os, time
                    children = []
                    for _ in range(4):
                        r, w = os.pipe()
                        pid = os.fork()
                        if pid == 0:
                            # each under the address-space limit, together over it; MAP_POPULATE touches every page now
                            block = mmap.mmap(-1, 384 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x8000)
                            os.write(w, b'x')
                            time.sleep(60)
                            os._exit(0)
                        os.close(w)
                        children.append((pid, r))
                    held = sum(len(os.read(r, 1)) for _, r in children)
                    alive = sum(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid, _ in children)
                    if held == alive == 4:
                        print("{{OPENED}}1536 MB held at once by one program's processes", flush=True)
                    f
                    """, MEMORY));

    private ResourceAttacks() {
    }
}
