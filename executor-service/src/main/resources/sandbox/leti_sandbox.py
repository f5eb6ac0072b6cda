"""LETI sandbox worker: a fork server that runs one untrusted program at a time.

The Java executor starts one of these per worker, normally inside bubblewrap (its own PID, network,
IPC and UTS namespaces, a read-only /usr, a private size-capped /tmp). It imports the common
standard-library modules once, then for every request forks a child that:
  - leaves the server's session and file descriptors behind (stdin /dev/null, stdout/stderr to a
    size-capped file, nothing else open but its private verdict pipe),
  - gets rlimits (address space, processes, file size, CPU time, open files, no core dumps),
    a private working directory, a clean environment, and drops to an unprivileged uid,
  - loads a seccomp filter (no sockets but AF_UNIX, no ptrace, mount, namespaces, bpf, kernel
    modules, and no signals to the server or to every process),
  - compiles and runs the program, then runs the tests one top-level statement at a time.
A pass is a nonce-tagged record on the private pipe, written by the harness only after the last test
statement returned; exiting early with any status, exit hooks or printed text can never produce it.
After each program the server kills every other process left in its namespace (or the child's uid
or process group without bubblewrap), however it detached itself.

Protocol (JSON lines): argv[1] is the configuration; the server prints {"ready": ...}; then each
request {"id", "program", "tests", "timeout"} gets one response line on stdout.
"""

import ast
import builtins
import errno
import gc
import json
import linecache
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
import traceback
import types

# Imported once here so a program's imports of them cost nothing after the fork.
import bisect  # noqa: F401
import collections  # noqa: F401
import copy  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal  # noqa: F401
import fractions  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import operator  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import statistics  # noqa: F401
import string  # noqa: F401
import typing  # noqa: F401

PROGRAM_FILE = "<program>"
MAX_TRACEBACK_CHARS = 16 * 1024
OUTPUT_HEAD_BYTES = 2048

_write = os.write
_exit = os._exit
_format_exception = traceback.format_exception
_dumps = json.dumps


def build_seccomp_filter(server_pid):
    """A default-allow filter that removes what a program has no business doing."""
    dist_packages = "/usr/lib/python3/dist-packages"
    sys.path.append(dist_packages)
    try:
        import seccomp
    finally:
        sys.path.remove(dist_packages)
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    denied = [
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
        "chroot", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
        "userfaultfd", "kexec_load", "init_module", "finit_module", "delete_module", "reboot",
        "swapon", "swapoff", "syslog", "acct", "settimeofday", "clock_settime", "sethostname",
        "setdomainname", "iopl", "ioperm", "personality", "open_by_handle_at", "name_to_handle_at",
        "quotactl", "fanotify_init", "mknod", "mknodat",
    ]
    for name in denied:
        try:
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except Exception:
            pass  # a syscall this architecture does not have
    f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for target in (server_pid, 1, 0xFFFFFFFF):  # the server, the namespace's init, kill(-1)
        f.add_rule(seccomp.ERRNO(errno.EPERM), "kill", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFFFFFF, target))
        f.add_rule(seccomp.ERRNO(errno.EPERM), "tkill", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFFFFFF, target))
        f.add_rule(seccomp.ERRNO(errno.EPERM), "tgkill", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFFFFFF, target))
    return f


def _limit(kind, value):
    resource.setrlimit(kind, (value, value))


class Server:
    def __init__(self, config):
        self.config = config
        self.pid = os.getpid()
        # Protocol streams on private descriptors; 0/1/2 become /dev/null so nothing stray reaches Java.
        self.requests = os.fdopen(os.dup(0), "rb")
        self.responses = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        self.scratch = config.get("scratch", "/tmp")
        self.uid = config.get("uid")
        self.seccomp = build_seccomp_filter(self.pid) if config.get("seccomp") else None
        self.output_path = os.path.join(self.scratch, ".leti-output-%d" % self.pid)
        self.output_fd = os.open(self.output_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.set_inheritable(self.output_fd, False)
        self.counter = 0
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)

    def send(self, message):
        self.responses.write(_dumps(message).encode("utf-8") + b"\n")
        self.responses.flush()

    def serve(self):
        self.send({"ready": True, "pid": self.pid, "python": sys.version.split()[0],
                   "seccomp": self.seccomp is not None, "uid": self.uid})
        gc.freeze()  # keep the imported modules' pages shared with every forked child
        for line in self.requests:
            try:
                request = json.loads(line)
                response = self.run(request)
            except Exception as e:  # a bug or a bad request: answer, keep serving
                response = {"id": None, "status": "error", "error": "%s: %s" % (type(e).__name__, e)}
            self.send(response)

    def run(self, request):
        self.counter += 1
        workdir = os.path.join(self.scratch, "run-%d-%d" % (self.pid, self.counter))
        os.mkdir(workdir, 0o700)
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        os.ftruncate(self.output_fd, 0)
        os.lseek(self.output_fd, 0, os.SEEK_SET)
        nonce = os.urandom(16).hex()
        timeout = float(request["timeout"])
        read_end, write_end = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            child(request, write_end, workdir, self.output_fd, self.config, self.uid, self.seccomp, nonce, timeout)
            _exit(70)  # not reached
        os.close(write_end)
        try:
            status, raw, exit_status = self.wait(pid, read_end, started + timeout)
        finally:
            os.close(read_end)
            self.kill_leftovers(pid)
        elapsed_ms = (time.monotonic() - started) * 1000.0
        response = self.judge(status, raw, exit_status, nonce)
        size = os.fstat(self.output_fd).st_size
        head = os.pread(self.output_fd, OUTPUT_HEAD_BYTES, 0)
        response.update({
            "id": request.get("id"),
            "ms": round(elapsed_ms, 3),
            "output": head.decode("utf-8", "replace"),
            "output_bytes": size,
            "output_limit": size >= self.config["max_output_bytes"],
        })
        shutil.rmtree(workdir, ignore_errors=True)
        return response

    def wait(self, pid, read_end, deadline):
        """Collects the child's verdict until it exits or the deadline passes."""
        pidfd = os.pidfd_open(pid)
        chunks = []
        size = 0
        after = self.config.get("deprioritize_after", 0)
        deprioritize_at = time.monotonic() + after if after > 0 else None
        try:
            while True:
                now = time.monotonic()
                remaining = deadline - now
                if remaining <= 0:
                    return "timeout", b"".join(chunks), None
                if deprioritize_at is not None and now >= deprioritize_at:
                    self.deprioritize(pid)
                    deprioritize_at = None
                wake = remaining if deprioritize_at is None else min(remaining, deprioritize_at - now)
                ready, _, _ = select.select([pidfd, read_end], [], [], max(0.0, wake))
                if read_end in ready:
                    data = os.read(read_end, 65536)
                    if data and size < 4 * MAX_TRACEBACK_CHARS:
                        chunks.append(data)
                        size += len(data)
                    elif not data:
                        # Every holder closed the pipe: the harness is done. Wait for the exit itself.
                        exited, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
                        if not exited:
                            return "timeout", b"".join(chunks), None
                        _, exit_status = os.waitpid(pid, 0)
                        return "exited", b"".join(chunks), exit_status
                if pidfd in ready:
                    _, exit_status = os.waitpid(pid, 0)
                    os.set_blocking(read_end, False)
                    try:
                        while size < 4 * MAX_TRACEBACK_CHARS:
                            data = os.read(read_end, 65536)
                            if not data:
                                break
                            chunks.append(data)
                            size += len(data)
                    except BlockingIOError:
                        pass  # a descendant still holds the pipe; the child's own words are in
                    return "exited", b"".join(chunks), exit_status
        finally:
            os.close(pidfd)

    def deprioritize(self, pid):
        """A program still running after a while is almost always a loop that will time out: let the
        executor's quick programs have the CPU first (nice 19) while its wall-clock limit runs out."""
        try:
            if self.uid is not None:
                os.setpriority(os.PRIO_USER, self.uid, 19)  # every process the program started
            else:
                os.setpriority(os.PRIO_PGRP, pid, 19)
        except OSError:
            pass  # already gone

    def judge(self, status, raw, exit_status, nonce):
        if status == "timeout":
            return {"status": "timeout"}
        record = None
        for line in raw.split(b"\n"):
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                break  # only the first record counts: the harness writes exactly one
        if record and record.get("status") == "passed":
            if record.get("nonce") == nonce and os.WIFEXITED(exit_status) and os.WEXITSTATUS(exit_status) == 0:
                return {"status": "passed"}
            record = None
        if record and record.get("status") == "failed":
            return {"status": "failed", "exc_type": str(record.get("exc_type")),
                    "traceback": str(record.get("traceback"))[-MAX_TRACEBACK_CHARS:]}
        if os.WIFSIGNALED(exit_status):
            number = os.WTERMSIG(exit_status)
            return {"status": "signaled", "signal": number, "signal_name": _signal_name(number)}
        return {"status": "exited", "exit_code": os.WEXITSTATUS(exit_status)}

    def kill_leftovers(self, pid):
        """Kills whatever the program started, including processes that left its session."""
        scope = self.config.get("kill_scope", "group")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        pause = 0.0005
        deadline = time.monotonic() + 5.0
        while True:
            victims = self.leftovers(scope, pid)
            if not victims:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("processes survive SIGKILL: %s" % victims)
            for victim in victims:
                try:
                    os.kill(victim, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            _reap()
            time.sleep(pause)  # SIGKILL lands asynchronously; give the dying a moment
            pause = min(pause * 2, 0.05)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        _reap()

    def leftovers(self, scope, pid):
        if scope == "group":
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.uid is None:
                return []
        victims = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            other = int(entry)
            if other in (1, self.pid):
                continue
            try:
                with open("/proc/%d/stat" % other, "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                if fields[0] == b"Z":
                    continue  # already dead, waiting to be reaped
                if scope != "namespace":
                    if os.stat("/proc/%d" % other).st_uid != self.uid:
                        continue
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            victims.append(other)
        return victims


def _reap():
    while True:
        try:
            waited, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if waited == 0:
            return


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def child(request, verdict_fd, workdir, output_fd, config, uid, seccomp_filter, nonce, timeout):
    """Runs in the forked child; never returns."""
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.closerange(3, verdict_fd)
        os.closerange(verdict_fd + 1, 65536)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-long output fails the write instead
        os.chdir(workdir)
        if config.get("limits", True):
            _limit(resource.RLIMIT_AS, config["memory_bytes"])
            _limit(resource.RLIMIT_FSIZE, config["max_output_bytes"])
            _limit(resource.RLIMIT_NPROC, config["max_processes"])
            _limit(resource.RLIMIT_NOFILE, config["max_open_files"])
            _limit(resource.RLIMIT_CORE, 0)
            cpu = int(timeout) + 2
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
        os.environ.clear()
        os.environ.update({"PATH": "/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8"})
        if seccomp_filter is not None:
            seccomp_filter.load()
    except BaseException as e:
        _report(verdict_fd, {"status": "failed", "exc_type": "SandboxSetupError",
                             "traceback": "SandboxSetupError: %s: %s\n" % (type(e).__name__, e)})
        _exit(71)
    _run_program(request, verdict_fd, nonce)


def _run_program(request, verdict_fd, nonce):
    program = request["program"]
    tests = request["tests"]
    source = program + tests
    linecache.cache[PROGRAM_FILE] = (len(source), None, source.splitlines(True), PROGRAM_FILE)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    sys.argv = [PROGRAM_FILE]
    try:
        code = compile(program, PROGRAM_FILE, "exec", dont_inherit=True)
        test_tree = ast.parse(tests, PROGRAM_FILE)
        ast.increment_lineno(test_tree, program.count("\n"))
        statements = [compile(ast.Module(body=[node], type_ignores=[]), PROGRAM_FILE, "exec", dont_inherit=True)
                      for node in test_tree.body]
        exec(code, module.__dict__)
        completed = 0
        for statement in statements:
            sys.settrace(None)
            sys.setprofile(None)
            exec(statement, module.__dict__)
            completed += 1
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException as e:  # SystemExit included: exiting early is a failure, whatever its status
        try:
            text = "".join(_format_exception(type(e), e, e.__traceback__, chain=False))
        except BaseException:
            text = "%s\n" % type(e).__name__
        _report(verdict_fd, {"status": "failed", "exc_type": type(e).__name__,
                             "traceback": text[-MAX_TRACEBACK_CHARS:]})
        _exit(1)
    if completed != len(statements) or not statements:
        _report(verdict_fd, {"status": "failed", "exc_type": "NoTests", "traceback": "NoTests\n"})
        _exit(1)
    _report(verdict_fd, {"status": "passed", "nonce": nonce})
    _exit(0)


def _report(fd, record):
    data = _dumps(record).encode("utf-8", "replace") + b"\n"
    view = memoryview(data)
    while view:
        written = _write(fd, view)
        view = view[written:]
    os.close(fd)


def main():
    config = json.loads(sys.argv[1])
    Server(config).serve()


if __name__ == "__main__":
    main()
