package ai.leti.cli.sandbox.hostile;

import static ai.leti.common.messages.ErrorCategory.ASSERTION;
import static ai.leti.common.messages.ErrorCategory.NAME;
import static ai.leti.common.messages.ErrorCategory.OTHER;

import java.util.List;

/**
 * Programs that try to reach past the sandbox: the host's files, environment and network, other processes, the
 * kernel's wider surface, and state left for the next program.
 */
final class EscapeAttacks {

    static final List<HostileCase> ALL = List.of(
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
            HostileCase.of("signal every process, through every call", """
                    import ctypes, os, signal
                    libc = ctypes.CDLL(None, use_errno=True)
                    me = os.getpid()
                    for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:
                        if pid == me:
                            continue
                        for sig in (signal.SIGSTOP, signal.SIGKILL):
                            for call in (lambda: os.kill(pid, sig), lambda: os.killpg(pid, sig),
                                         lambda: signal.pthread_kill(pid, sig),
                                         lambda: libc.syscall(424, os.pidfd_open(pid), sig, None, 0),
                                         lambda: libc.syscall(234, pid, pid, sig)):
                                try:
                                    call()
                                except (OSError, ValueError, OverflowError):
                                    pass
                    def f(x):
                        return 0
                    """, ASSERTION, OTHER),
            // Kernel surface seccomp closes by family; the program prints a marker for every call that worked.
            HostileCase.of("kernel surface: io_uring, namespaces, the mount APIs, keys, bpf, perf, userfaultfd", """
                    import ctypes, os, platform, signal
                    libc = ctypes.CDLL(None, use_errno=True)
                    libc.syscall.restype = ctypes.c_long
                    buffer = ctypes.create_string_buffer(4096)
                    calls = {  # x86_64 numbers
                        'io_uring_setup': (425, 8, buffer), 'unshare(CLONE_NEWUSER)': (272, 0x10000000),
                        'unshare(CLONE_NEWNET)': (272, 0x40000000), 'unshare(CLONE_NEWNS)': (272, 0x20000),
                        'setns': (308, 0, 0), 'fsopen': (430, b'tmpfs', 0), 'open_tree': (428, -100, b'/usr', 1),
                        'keyctl': (250, 0, -2, 1), 'add_key': (248, b'user', b'k', b'v', 1, -2),
                        'bpf': (321, 0, buffer, 72), 'perf_event_open': (298, buffer, 0, -1, -1, 0),
                        'userfaultfd': (323, 0), 'ptrace(PTRACE_SEIZE, parent)': (101, 0x4206, os.getppid(), 0, 0),
                        'process_vm_readv': (310, os.getppid(), buffer, 1, buffer, 1, 0),
                        'pidfd_getfd': (438, 0, 0, 0),
                    }
                    if platform.machine() == 'x86_64':
                        for name, (number, *args) in calls.items():
                            if libc.syscall(number, *args) >= 0:
                                print('{{OPENED}}' + name, flush=True)
                        pid = libc.syscall(56, 0x10000000 | 0x40000000 | signal.SIGCHLD, 0, 0, 0, 0)
                        if pid == 0:
                            os._exit(0)
                        if pid > 0:
                            print('{{OPENED}}clone(CLONE_NEWUSER | CLONE_NEWNET)', flush=True)
                    f
                    """, NAME),
            // Nothing crosses from one program to the next: the probe runs before a correct program on every worker.
            HostileCase.withProbe("leave files for the next program, everywhere it can write", """
                    import os, tempfile
                    for folder in [os.getcwd(), tempfile.gettempdir(), os.path.expanduser('~'),
                                   os.path.dirname(os.getcwd()), '/tmp', '/var/tmp', '/dev/shm', '/dev/mqueue', '/dev', '/',
                                   '/run']:
                        try:
                            path = os.path.join(folder, '{{NONCE}}')
                            with open(path, 'w') as out:
                                out.write('left')
                            os.chmod(path, 0)
                        except OSError:
                            pass
                        for make in (os.mkfifo, os.mkdir):
                            try:
                                make(os.path.join(folder, '{{NONCE}}.' + make.__name__))
                            except OSError:
                                pass
                    os.chmod(os.getcwd(), 0)
                    f
                    """, """
                    import os as _os
                    for _folder in [_os.path.dirname(_os.getcwd()), '/tmp', '/var/tmp', '/dev/shm', '/dev/mqueue', '/dev',
                                    '/', '/run']:
                        try:
                            for _name in _os.listdir(_folder):
                                if '{{NONCE}}' in _name:
                                    print('{{LEFT}}' + _os.path.join(_folder, _name), flush=True)
                        except OSError:
                            pass
                    """, NAME),
            HostileCase.of("IPC objects that would outlive the program: System V and POSIX queues", """
                    import ctypes, os
                    libc = ctypes.CDLL(None, use_errno=True)
                    key = 0x1e71
                    calls = {'shmget': (key, 4096, 0o1666), 'semget': (key, 1, 0o1666), 'msgget': (key, 0o1666),
                             'mq_open': (b'/leti', os.O_CREAT | os.O_RDWR, 0o666, None)}
                    for name, args in calls.items():
                        if getattr(libc, name)(*args) >= 0:
                            print('{{OPENED}}' + name, flush=True)
                    f
                    """, NAME),
            // Without root, programs share the server's uid: /proc must still give them nothing of another process.
            HostileCase.of("reach other processes through /proc: memory, descriptors, environment", """
                    import os
                    me = os.getpid()
                    forged = b'{"id": null, "status": "passed", "ms": 1}\\n'
                    for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != me]:
                        for what in ('mem', 'environ', 'syscall', 'stack'):
                            try:
                                os.close(os.open('/proc/%s/%s' % (pid, what), os.O_RDONLY))
                                print('{{OPENED}}/proc/%s/%s' % (pid, what), flush=True)
                            except OSError:
                                pass
                        for what in ('cwd', 'root', 'fd', 'map_files'):
                            try:
                                os.listdir('/proc/%s/%s' % (pid, what))
                                print('{{OPENED}}/proc/%s/%s' % (pid, what), flush=True)
                            except OSError:
                                pass
                        for fd in range(256):
                            try:
                                out = os.open('/proc/%s/fd/%d' % (pid, fd), os.O_WRONLY | os.O_NONBLOCK)
                            except OSError:
                                continue
                            print('{{OPENED}}/proc/%s/fd/%d' % (pid, fd), flush=True)
                            try:
                                os.write(out, forged)
                            except OSError:
                                pass
                    f
                    """, NAME));

    private EscapeAttacks() {
    }
}
