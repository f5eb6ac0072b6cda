"""LETI sandbox worker: a fork server that judges one untrusted program at a time.

The verdict is decided where no code of the program ever runs. Four processes take part:

  server        reads requests from the Java executor and answers each with a verdict. It holds the tests;
                no program code ever runs in it.
  launcher      forked from the server at start-up, before any request was read, so nothing of any test is
                in its memory. For each request it receives the program's text (never the tests) and forks
                the program's process.
  program       sets up its limits (rlimits, unprivileged uid, seccomp), runs the program, then serves calls
                from the test process: it calls the program's functions and sends back their results as
                plain data. It never sees the tests, only the arguments of the calls.
  test process  forked from the server and confined once, it judges one program after another. It runs each
                top-level test statement with its own, untouched interpreter; the program's top-level names
                are references that call across the boundary. Only plain data crosses into it (None, bool,
                int, float, complex, str, bytes, bytearray, list, tuple, dict, set, frozenset, range and the
                standard library's OrderedDict, defaultdict, Counter, deque, Decimal and Fraction); any other
                object of the program stays a reference that the tests may call, read attributes of, iterate
                or hand back, but never compare, hash or ask for a truth value. It alone writes the verdict,
                on a socket to the server, and formats the feedback: frames and source lines come from its own
                copy of the program; the program's side reports only line numbers, names and the message.

Nothing the program does to its own interpreter reaches the tests: it cannot patch their builtins or
modules, walk into their frames, read their text or constants, or write their verdict. The worst it can do
is garble its own results, which fails its tests. Only the server decides that a run was the sandbox's fault
(status "error"): a program can make itself fail, never disappear from training. With "split" off (isolation
off: trusted code only) the program runs in the test process, as in OpenAI's harness.

Protocol with Java (JSON lines): argv[1] is the configuration; the server prints {"ready": ...}; then each
request {"id", "program", "tests", "timeout", "entry_points"} gets one response line on stdout.
Between the test and program processes: length-prefixed JSON frames on two pipes made fresh for each
program, requests answered by ["ok", value, writebacks] or ["raise", exception], in both directions (the
program may call classes the tests defined, and functions the tests passed to it).
"""

import ast
import builtins
import errno
import gc
import importlib
import json
import linecache
import os
import resource
import select
import signal
import socket
import struct
import stat
import sys
import time
import traceback
import types

# Imported once here so a program's imports of them cost nothing after the fork.
import bisect  # noqa: F401
import collections
import collections.abc
import copy  # noqa: F401
import dataclasses  # noqa: F401
import datetime  # noqa: F401
import decimal
import fractions
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import operator  # noqa: F401
import random  # noqa: F401
import re
import statistics  # noqa: F401
import string  # noqa: F401
import typing  # noqa: F401

PROGRAM_FILE = "<program>"
MAX_TRACEBACK_CHARS = 16 * 1024
MAX_MESSAGE_CHARS = 4000
MAX_FRAMES = 2000
OUTPUT_HEAD_BYTES = 2048
MAX_FRAME_BYTES = 64 << 20  # largest message that crosses the boundary
MAX_DEPTH = 200  # deepest nesting of a value that crosses the boundary
CLEANUP_SECONDS = 2.0
PR_SET_DUMPABLE = 4

_write = os.write
_exit = os._exit
_dumps = json.dumps
_loads = json.loads
_LENGTH = struct.Struct(">I")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,199}\Z")
_BUILTIN_NAMES = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names)


# ---------------------------------------------------------------------------------------------------------------
# Process hardening shared by every process


_libc = []


def libc():
    import ctypes
    if not _libc:
        _libc.append(ctypes.CDLL(None, use_errno=True))
    return _libc[0]


def set_dumpable(flag):
    """A non-dumpable process's /proc entries, memory and descriptors are closed to processes of its own uid.
    The flag is inherited through fork, and setuid clears it."""
    import ctypes
    if libc().prctl(PR_SET_DUMPABLE, 1 if flag else 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def build_seccomp_filter(protected):
    """A default-allow filter that removes what neither a program nor the tests have any business doing, as
    compiled BPF (libseccomp would compile it again at every load).

    protected: pids no signal may reach (the server, the launcher, the test process, the namespace's init)."""
    dist_packages = "/usr/lib/python3/dist-packages"
    sys.path.append(dist_packages)
    try:
        import seccomp
    finally:
        sys.path.remove(dist_packages)
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    denied = [
        "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp", "mount", "umount2",
        "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
        "open_tree", "mount_setattr", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
        "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load",
        "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "syslog", "acct",
        "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl",
        "ioperm", "personality", "open_by_handle_at", "name_to_handle_at", "quotactl", "fanotify_init",
        "mknod", "mknodat", "pidfd_getfd", "pidfd_send_signal", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
        # IPC objects outlive their process in the worker's IPC namespace: one program could leave them to the next
        "shmget", "semget", "msgget", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
        "mq_getsetattr",
    ]
    for name in denied:
        try:
            f.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except Exception:
            pass  # a syscall this architecture or libseccomp does not have
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc fall back to clone, whose
    # flags it can. No new namespace of any kind through clone.
    try:
        f.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    except Exception:
        pass
    for flag in (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
        f.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    f.add_rule(seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    for call in ("kill", "tkill", "tgkill"):
        for target in list(protected) + [0xFFFFFFFF]:  # and kill(-1): every process
            f.add_rule(seccomp.ERRNO(errno.EPERM), call, seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFFFFFF, target))
    # kill(-pgid): no process group but one's own (0)
    f.add_rule(seccomp.ERRNO(errno.EPERM), "kill", seccomp.Arg(0, seccomp.MASKED_EQ, 0x80000000, 0x80000000))
    read_end, write_end = os.pipe()
    try:
        with os.fdopen(os.dup(write_end), "wb") as sink:
            f.export_bpf(sink)
        os.close(write_end)
        write_end = None
        chunks = []
        while True:
            data = os.read(read_end, 65536)
            if not data:
                break
            chunks.append(data)
        return SeccompProgram(b"".join(chunks))
    finally:
        os.close(read_end)
        if write_end is not None:
            os.close(write_end)


class SeccompProgram:
    """A compiled filter, ready to install: the child that installs it only makes two prctl calls."""

    def __init__(self, bpf):
        import ctypes

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        self.ctypes = ctypes
        self.libc = libc()
        self.buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self.fprog = SockFprog(len(bpf) // 8, ctypes.addressof(self.buffer))
        self.pointer = ctypes.byref(self.fprog)

    def load(self):
        if self.libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(self.ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if self.libc.prctl(22, 2, self.pointer, 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(self.ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def _limit(kind, value):
    resource.setrlimit(kind, (value, value))


def confine(config, uid, timeout, seccomp_filter, dumpable_cleared=True):
    """Limits, identity and system calls of a program or test process (in that order). timeout None: no CPU limit
    (the long-lived test process; the server's wall clock bounds each of its jobs). Every process here inherits
    the server's non-dumpable flag and setuid keeps it cleared, so only the test process says it again."""
    if config.get("limits", True):
        _limit(resource.RLIMIT_AS, config["memory_bytes"])
        _limit(resource.RLIMIT_FSIZE, config["max_output_bytes"])
        _limit(resource.RLIMIT_NPROC, config["max_processes"])
        _limit(resource.RLIMIT_NOFILE, config["max_open_files"])
        _limit(resource.RLIMIT_CORE, 0)
        if timeout is not None:
            cpu = int(timeout) + 2
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if not dumpable_cleared:
        set_dumpable(False)
    if seccomp_filter is not None:
        seccomp_filter.load()


def close_all_but(keep):
    """Closes every descriptor above 2 except those in keep (close_range underneath: cheap)."""
    previous = 2
    for fd in sorted(set(keep)):
        if fd > previous + 1:
            os.closerange(previous + 1, fd)
        previous = max(previous, fd)
    os.closerange(previous + 1, 0x7FFFFFFF)


def child_streams(output_fd):
    """stdin /dev/null, stdout and stderr into the size-capped output file, default signal handling."""
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # over-long output fails the write instead


# ---------------------------------------------------------------------------------------------------------------
# Frames: length-prefixed JSON on a pipe


class PeerGone(BaseException):
    """The other side of the boundary closed its end (it exited or was killed)."""


class Malformed(Exception):
    pass


def frame(message):
    data = _dumps(message, separators=(",", ":")).encode("utf-8")
    return _LENGTH.pack(len(data)) + data


READY_FRAME = frame(["ready"])


def write_frame(fd, message):
    view = memoryview(frame(message))
    while view:
        try:
            written = _write(fd, view)
        except BrokenPipeError:
            raise PeerGone()
        view = view[written:]


def _read_exact(fd, size):
    chunks = []
    while size > 0:
        data = os.read(fd, min(size, 1 << 20))
        if not data:
            raise PeerGone()
        chunks.append(data)
        size -= len(data)
    return b"".join(chunks)


def read_frame(fd):
    (size,) = _LENGTH.unpack(_read_exact(fd, 4))
    if size > MAX_FRAME_BYTES:
        raise Malformed("a message of %d bytes, over the limit of %d" % (size, MAX_FRAME_BYTES))
    try:
        message = _loads(_read_exact(fd, size))
    except PeerGone:
        raise
    except Exception as e:
        raise Malformed("an unreadable message (%s)" % type(e).__name__)
    if type(message) is not list or not message or type(message[0]) is not str:
        raise Malformed("a message that is not a request or a reply")
    return message


# ---------------------------------------------------------------------------------------------------------------
# Values across the boundary. Scalars travel as JSON; everything else as [tag, payload]. Decoding builds only
# the exact plain types; references to objects on the other side are ["h", ...] (program) or ["th", ...] (tests).

_STDLIB_TYPES = {collections.OrderedDict: "od", collections.Counter: "ctr", collections.defaultdict: "dd",
                 collections.deque: "dq"}
_EXACT_INT = 1 << 53


class Unencodable(Exception):
    pass


class Codec:
    """Turns values into frames and back. Subclasses say what becomes of objects that are not plain data."""

    def __init__(self):
        self.objects = []  # this side's objects the other side holds references to, by index
        self.indexes = {}

    def export(self, value):
        key = id(value)
        index = self.indexes.get(key)
        if index is None or self.objects[index] is not value:
            index = len(self.objects)
            self.objects.append(value)
            self.indexes[key] = index
        return index

    def local(self, index):
        if type(index) is not int or not 0 <= index < len(self.objects):
            raise Malformed("a reference to an object that does not exist")
        return self.objects[index]

    def encode(self, value, depth=0):
        t = type(value)
        if t is str or t is bool or value is None or t is float:
            return value
        if t is int:
            return value if -_EXACT_INT < value < _EXACT_INT else ["i", format(value, "x")]
        if depth > MAX_DEPTH:
            raise Unencodable("a value nested deeper than %d levels" % MAX_DEPTH)
        d = depth + 1
        if t is list:
            return ["l", [self.encode(x, d) for x in value]]
        if t is tuple:
            return ["t", [self.encode(x, d) for x in value]]
        if t is dict:
            return ["d", [[self.encode(k, d), self.encode(v, d)] for k, v in value.items()]]
        if t is set:
            return ["s", [self.encode(x, d) for x in value]]
        if t is frozenset:
            return ["f", [self.encode(x, d) for x in value]]
        if t is bytes:
            return ["b", value.decode("latin-1")]
        if t is bytearray:
            return ["y", value.decode("latin-1")]
        if t is complex:
            return ["c", value.real, value.imag]
        if t is range:
            return ["r", self.encode(value.start), self.encode(value.stop), self.encode(value.step)]
        tag = _STDLIB_TYPES.get(t)
        if tag == "dq":
            return ["dq", [self.encode(x, d) for x in value], value.maxlen]
        if tag == "dd":
            factory = value.default_factory
            return ["dd", [[self.encode(k, d), self.encode(v, d)] for k, v in dict.items(value)],
                    None if factory is None else self.encode(factory, d)]
        if tag is not None:
            return [tag, [[self.encode(k, d), self.encode(v, d)] for k, v in dict.items(value)]]
        if t is decimal.Decimal:
            return ["dec", str(value)]
        if t is fractions.Fraction:
            return ["fr", self.encode(value.numerator), self.encode(value.denominator)]
        return self.encode_other(value, depth)

    def encode_other(self, value, depth):
        raise NotImplementedError

    def decode(self, value):
        t = type(value)
        if t is str or t is bool or t is int or t is float or value is None:
            return value
        if t is not list or not value or type(value[0]) is not str:
            raise Malformed("a value that is not plain data")
        tag = value[0]
        payload = value[1] if len(value) > 1 else None
        if tag == "l":
            return [self.decode(x) for x in _items(payload)]
        if tag == "t":
            return tuple(self.decode(x) for x in _items(payload))
        if tag == "d":
            return {self.decode(k): self.decode(v) for k, v in _pairs(payload)}
        if tag == "s":
            return {self.decode(x) for x in _items(payload)}
        if tag == "f":
            return frozenset(self.decode(x) for x in _items(payload))
        if tag == "i":
            return int(_text(payload), 16)
        if tag == "b":
            return _text(payload).encode("latin-1")
        if tag == "y":
            return bytearray(_text(payload).encode("latin-1"))
        if tag == "c":
            return complex(_number(payload), _number(value[2]))
        if tag == "r":
            return range(_int(self.decode(payload)), _int(self.decode(value[2])), _int(self.decode(value[3])))
        if tag == "dq":
            maxlen = value[2]
            if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
                raise Malformed("a deque with a bad maxlen")
            return collections.deque((self.decode(x) for x in _items(payload)), maxlen)
        if tag == "od":
            return collections.OrderedDict((self.decode(k), self.decode(v)) for k, v in _pairs(payload))
        if tag == "ctr":
            return collections.Counter({self.decode(k): self.decode(v) for k, v in _pairs(payload)})
        if tag == "dd":
            factory = None if value[2] is None else self.decode(value[2])
            if factory is not None and not callable(factory):
                raise Malformed("a defaultdict whose factory cannot be called")
            result = collections.defaultdict(factory)
            for k, v in _pairs(payload):
                result[self.decode(k)] = self.decode(v)
            return result
        if tag == "dec":
            return decimal.Decimal(_text(payload))
        if tag == "fr":
            return fractions.Fraction(_int(self.decode(payload)), _int(self.decode(value[2])))
        return self.decode_other(tag, value)

    def decode_other(self, tag, value):
        raise Malformed("a value of unknown kind %r" % tag[:20])


def _items(payload):
    if type(payload) is not list:
        raise Malformed("a container whose items are not a list")
    return payload


def _pairs(payload):
    for pair in _items(payload):
        if type(pair) is not list or len(pair) != 2:
            raise Malformed("a mapping whose items are not pairs")
        yield pair


def _typed(value, kinds, what):
    if type(value) not in kinds:
        raise Malformed("%s expected" % what)
    return value


def _text(payload):
    return _typed(payload, (str,), "text")


def _number(payload):
    return _typed(payload, (int, float), "a number")


def _int(value):
    return _typed(value, (int,), "an integer")


def stdlib_hint(value):
    """[module, qualname] when value is a module, class or function of the standard library, else None."""
    try:
        if type(value) is types.ModuleType:
            name = value.__name__
            return [name, None] if type(name) is str and name.partition(".")[0] in _STDLIB else None
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None)
        if type(module) is str and type(qualname) is str and module.partition(".")[0] in _STDLIB \
                and "<" not in qualname and (isinstance(value, type) or callable(value)):
            return [module, qualname]
    except Exception:
        pass
    return None


def describe_exception(e):
    """What the program's side reports of an exception: its name, message and the frames in <program>."""
    try:
        t = type(e)
        module = getattr(t, "__module__", "builtins")
        name = t.__qualname__ if module in ("__main__", "builtins") else "%s.%s" % (module, t.__qualname__)
        try:
            message = str(e)
        except BaseException:
            message = "<exception str() failed>"
        frames = list(getattr(e, "_leti_frames", ()))  # frames on the other side, for a relayed exception
        tb = e.__traceback__
        mine = []
        while tb is not None and len(mine) < MAX_FRAMES:
            code = tb.tb_frame.f_code
            if code.co_filename == PROGRAM_FILE:
                mine.append([tb.tb_lineno, code.co_name])
            tb = tb.tb_next
        info = {"type": name, "msg": message[:MAX_MESSAGE_CHARS], "frames": mine + frames}
        if isinstance(e, SyntaxError) and e.filename == PROGRAM_FILE:
            info["syntax"] = True
        return info
    except BaseException:
        return {"type": "Exception", "msg": "", "frames": []}


_exception_classes = {}


def exception_class(name):
    """A local class for an exception of the other side: a subclass of the builtin of that name, if any, so
    that `except ValueError` still catches it; otherwise of Exception."""
    cls = _exception_classes.get(name)
    if cls is None:
        short = name.rpartition(".")[2]
        base = getattr(builtins, short, None) if short in _BUILTIN_NAMES else None
        if not (isinstance(base, type) and issubclass(base, BaseException)):
            base = Exception
        try:
            cls = type(short, (base,), {"__module__": "builtins"})
        except TypeError:
            cls = type(short, (Exception,), {"__module__": "builtins"})
        _exception_classes[name] = cls
    return cls


def relayed(info):
    """The exception the other side raised, as a local exception that carries its description."""
    if type(info) is not dict:
        raise Malformed("an exception report that is not a mapping")
    name = info.get("type")
    if type(name) is not str or not _NAME.match(name):
        name = "Exception"
    message = info.get("msg")
    message = message[:MAX_MESSAGE_CHARS] if type(message) is str else ""
    frames = []
    raw = info.get("frames")
    if type(raw) is list:
        for frame in raw[:MAX_FRAMES]:
            if type(frame) is list and len(frame) == 2 and type(frame[0]) is int and type(frame[1]) is str:
                frames.append([frame[0], frame[1][:200]])
    cls = exception_class(name)
    try:
        e = cls(message) if message else cls()
    except Exception:
        e = exception_class("Exception")(message)
    e._leti_frames = frames
    e._leti_name = name
    e._leti_message = message
    e._leti_syntax = info.get("syntax") is True
    return e


class Endpoint:
    """One side of the boundary: sends requests and serves the other side's, in both directions, re-entrantly."""

    def __init__(self, codec, incoming, outgoing):
        self.codec = codec
        self.incoming = incoming
        self.outgoing = outgoing
        self.writebacks = None

    def request(self, message):
        """Sends a request and returns the decoded value of its reply, serving requests that come first."""
        write_frame(self.outgoing, message)
        while True:
            reply = read_frame(self.incoming)
            kind = reply[0]
            if kind == "ok":
                if len(reply) < 2:
                    raise Malformed("a reply without a value")
                self.writebacks = reply[2] if len(reply) > 2 else None
                return self.decode(reply[1])
            if kind == "raise":
                raise relayed(reply[1] if len(reply) > 1 else None)
            self.serve(reply)

    def decode(self, value):
        """A value the other side sent; anything that cannot be read as one is Malformed, never another error."""
        try:
            return self.codec.decode(value)
        except Malformed:
            raise
        except Exception as e:
            raise Malformed("a value that cannot be read (%s)" % type(e).__name__)

    def serve(self, message):
        """Answers one request of the other side."""
        try:
            value, writebacks = self.handle(message)
            reply = ["ok", value, writebacks]
        except PeerGone:
            raise
        except BaseException as e:
            reply = ["raise", describe_exception(e)]
        write_frame(self.outgoing, reply)

    def handle(self, message):
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------------------
# The program's side


class TestsObject:
    """In the program's process: a reference to an object of the tests (a class they defined, a function they
    passed). Calling it runs the call in the test process; nothing else about it is visible."""

    __slots__ = ("_leti_index", "_leti_name", "_leti_endpoint")

    def __init__(self, endpoint, index, name):
        object.__setattr__(self, "_leti_endpoint", endpoint)
        object.__setattr__(self, "_leti_index", index)
        object.__setattr__(self, "_leti_name", name)

    def __call__(self, *args, **kwargs):
        endpoint = object.__getattribute__(self, "_leti_endpoint")
        codec = endpoint.codec
        return endpoint.request(["call", ["th", object.__getattribute__(self, "_leti_index")],
                                 [codec.encode(a) for a in args], [[k, codec.encode(v)] for k, v in kwargs.items()]])

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        endpoint = object.__getattribute__(self, "_leti_endpoint")
        return endpoint.request(["getattr", ["th", object.__getattribute__(self, "_leti_index")], name])

    def __repr__(self):
        return "<%s of the tests>" % object.__getattribute__(self, "_leti_name")


class ProgramCodec(Codec):
    def __init__(self):
        super().__init__()
        self.endpoint = None
        self.tests_objects = {}

    def encode_other(self, value, depth):
        if type(value) is TestsObject:
            return ["th", object.__getattribute__(value, "_leti_index")]
        d = depth + 1
        try:  # instances of subclasses of the plain types cross as their plain value
            if isinstance(value, str):
                return str.__str__(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return self.encode(int.__int__(value))
            if isinstance(value, float):
                return float.__float__(value)
            if isinstance(value, tuple):
                return ["t", [self.encode(x, d) for x in tuple.__iter__(value)]]
            if isinstance(value, list):
                return ["l", [self.encode(x, d) for x in list.__iter__(value)]]
            if isinstance(value, dict):
                return ["d", [[self.encode(k, d), self.encode(v, d)] for k, v in dict.items(value)]]
            if isinstance(value, set):
                return ["s", [self.encode(x, d) for x in set.__iter__(value)]]
            if isinstance(value, frozenset):
                return ["f", [self.encode(x, d) for x in frozenset.__iter__(value)]]
            if isinstance(value, bytes):
                return ["b", bytes.decode(value, "latin-1")]
        except Unencodable:
            raise
        except RecursionError:
            raise Unencodable("a value nested too deeply")
        flags = ""
        if callable(value):
            flags += "c"
        if isinstance(value, (types.GeneratorType, collections.abc.Iterator)):
            flags += "i"
        try:
            type_name = type(value).__qualname__
        except Exception:
            type_name = "object"
        return ["h", self.export(value), str(type_name)[:100], flags, stdlib_hint(value)]

    def decode_other(self, tag, value):
        if tag == "h":
            return self.local(value[1])
        if tag == "g":  # a class or function of the standard library, by name: this process's own
            resolved = _resolve_stdlib(value[1], value[2]) if len(value) == 4 else None
            if resolved is not None:
                return resolved
            tag, value = "th", ["th", value[3] if len(value) == 4 else None]
        if tag == "th":
            index = value[1]
            if type(index) is not int:
                raise Malformed("a bad reference to an object of the tests")
            proxy = self.tests_objects.get(index)
            if proxy is None:
                name = value[2] if len(value) > 2 and type(value[2]) is str else "object"
                proxy = self.tests_objects[index] = TestsObject(self.endpoint, index, name[:100])
            return proxy
        return super().decode_other(tag, value)


class ProgramSide(Endpoint):
    """Serves the test process: calls, attribute access and iteration on the program's objects."""

    def __init__(self, incoming, outgoing, module):
        codec = ProgramCodec()
        super().__init__(codec, incoming, outgoing)
        codec.endpoint = self
        self.module = module

    def handle(self, message):
        op = message[0]
        codec = self.codec
        if op == "define":  # classes the tests defined, visible to the program where it has no such name
            namespace = self.module.__dict__
            for name, ref in _pairs(message[1]):
                if type(name) is str and name not in namespace:
                    namespace[name] = codec.decode(ref)
            return None, None
        target = codec.decode(message[1])
        if op == "call":
            raw_args = _items(message[2])
            raw_kwargs = list(_pairs(message[3]))
            args = [codec.decode(a) for a in raw_args]
            kwargs = {_text(k): codec.decode(v) for k, v in raw_kwargs}
            try:
                result = target(*args, **kwargs)
            finally:
                _flush()
            return self.encode_result(result), self.writebacks_of(args, raw_args, kwargs, raw_kwargs)
        if op == "getattr":
            return self.encode_result(getattr(target, _text(message[2]))), None
        if op == "setattr":
            setattr(target, _text(message[2]), codec.decode(message[3]))
            return None, None
        if op == "delattr":
            delattr(target, _text(message[2]))
            return None, None
        if op == "iter":
            return self.encode_result(iter(target)), None
        if op == "next":
            return self.encode_result(next(target)), None
        if op == "len":
            return len(target), None
        if op == "getitem":
            return self.encode_result(target[codec.decode(message[2])]), None
        if op == "setitem":
            target[codec.decode(message[2])] = codec.decode(message[3])
            return None, None
        if op == "delitem":
            del target[codec.decode(message[2])]
            return None, None
        if op == "str":
            return str.__str__(str(target)), None
        if op == "repr":
            return str.__str__(repr(target)), None
        raise Malformed("an unknown request %r" % op[:20])

    def encode_result(self, value):
        try:
            return self.codec.encode(value)
        except RecursionError:
            raise Unencodable("a value nested too deeply")

    def writebacks_of(self, args, raw_args, kwargs, raw_kwargs):
        """Arguments the call changed in place (top-level lists, dicts, sets, bytearrays), as they are now."""
        changed = []
        for index, arg in enumerate(args):
            if type(arg) in (list, dict, set, bytearray):
                now = self.encode_result(arg)
                if now != raw_args[index]:
                    changed.append([index, now])
        for key, raw in raw_kwargs:
            arg = kwargs.get(key)
            if type(arg) in (list, dict, set, bytearray):
                now = self.encode_result(arg)
                if now != raw:
                    changed.append([key, now])
        return changed or None


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def program_process(config, request, incoming, outgoing, output_fd, seccomp_filter):
    """The program's process (forked by the launcher); never returns."""
    try:
        child_streams(output_fd)
        close_all_but([incoming, outgoing])
        os.chdir(request["workdir"])
        try:  # where the worker's memory bound is reached, the kernel kills the program's processes first
            with open("/proc/self/oom_score_adj", "w") as adjust:
                adjust.write("1000")
        except OSError:
            pass
        confine(config, config.get("uid"), request["timeout"], seccomp_filter)
        os.environ["HOME"] = os.environ["TMPDIR"] = request["workdir"]  # the rest was set once, in the launcher
        # No program code has run yet: this first message is the sandbox's own, and the tests believe it.
        _write(outgoing, READY_FRAME)
    except BaseException as e:
        try:
            write_frame(outgoing, ["setup_failed", "%s: %s" % (type(e).__name__, e)])
        finally:
            _exit(71)
    program = request["program"]
    linecache.cache[PROGRAM_FILE] = (len(program), None, program.splitlines(True), PROGRAM_FILE)
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    sys.argv = [PROGRAM_FILE]
    side = ProgramSide(incoming, outgoing, module)
    try:
        try:
            code = compile(program, PROGRAM_FILE, "exec", dont_inherit=True)
            exec(code, module.__dict__)
        except BaseException as e:
            _flush()
            write_frame(outgoing, ["failed", describe_exception(e)])
            _exit(1)
        _flush()
        names = []
        for name, value in list(module.__dict__.items()):
            if type(name) is str and not (name.startswith("__") and name.endswith("__")):
                try:
                    names.append([name, side.encode_result(value)])
                except Exception:
                    names.append([name, ["h", side.codec.export(value), "object", "", None]])
        write_frame(outgoing, ["loaded", names])
        while True:
            side.serve(read_frame(incoming))
    except PeerGone:
        _exit(0)
    except BaseException:
        _exit(1)


class Launcher:
    """The zygote the program processes are forked from: it never sees a request's tests. It answers each
    launch with the program's pid at once, and reports its wait status whenever it has been reaped, so the
    server waits for neither a fork's return trip through the scheduler nor a dead process's teardown."""

    def __init__(self, config, server_pid):
        self.config = config
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.pid = os.fork()
        if self.pid == 0:
            parent.close()
            try:
                self.serve(child, server_pid)
            finally:
                _exit(0)
        child.close()
        self.socket = parent
        self.buffer = b""
        self.sequence = 0
        self.statuses = {}

    # -- in the launcher's process

    def serve(self, sock, server_pid):
        close_all_but([sock.fileno()])
        os.environ.clear()
        os.environ.update({"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        filters = {}  # compiled once per set of protected pids (they change only when a test process is renewed)
        gc.freeze()
        children = {}  # pidfd -> (sequence, pid)
        polled = {}  # pid -> sequence, where the kernel has no pidfd_open (gVisor): reaped by polling every 10 ms
        sequence = 0
        while True:
            ready, _, _ = select.select([sock.fileno()] + list(children), [], [], 0.01 if polled else None)
            for fd in ready:
                if fd in children:
                    number, pid = children.pop(fd)
                    os.close(fd)
                    _, status = os.waitpid(pid, 0)
                    sock.sendall(_dumps({"seq": number, "status": status}).encode() + b"\n")
            for pid, number in list(polled.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done == pid:
                    del polled[pid]
                    sock.sendall(_dumps({"seq": number, "status": status}).encode() + b"\n")
            if sock.fileno() not in ready:
                continue
            received = self.receive(sock)
            if received is None:
                return  # the server is gone
            request, fds = received
            sequence += 1
            seccomp_filter = None
            if self.config.get("seccomp"):
                protected = tuple([server_pid, os.getpid(), 1] + [pid for pid in request.get("protect", ())
                                                                  if type(pid) is int and pid > 1])
                seccomp_filter = filters.get(protected)
                if seccomp_filter is None:
                    filters.clear()
                    seccomp_filter = filters[protected] = build_seccomp_filter(protected)
            pid = os.fork()
            if pid == 0:
                sock.close()
                program_process(self.config, request, fds[0], fds[1], fds[2], seccomp_filter)
                _exit(70)  # not reached
            for fd in fds:
                os.close(fd)
            del request
            try:
                children[os.pidfd_open(pid)] = (sequence, pid)
            except OSError as error:  # ENOSYS: gVisor implements no pidfd_open
                if error.errno != errno.ENOSYS:
                    raise
                polled[pid] = sequence
            sock.sendall(_dumps({"seq": sequence, "pid": pid}).encode() + b"\n")

    @staticmethod
    def receive(sock, count=3):
        """One request and its descriptors, as send() wrote them; None once the other end is gone."""
        header, fds, _, _ = socket.recv_fds(sock, _LENGTH.size, count)
        while header and len(header) < _LENGTH.size:
            more = sock.recv(_LENGTH.size - len(header))
            if not more:
                return None
            header += more
        if not header or len(fds) != count:
            return None
        (size,) = _LENGTH.unpack(header)
        body = bytearray()
        while len(body) < size:
            more = sock.recv(min(size - len(body), 1 << 20))
            if not more:
                return None
            body += more
        return _loads(bytes(body)), fds

    # -- in the server's process

    @staticmethod
    def send(sock, request, fds):
        body = _dumps(request).encode("utf-8")
        socket.send_fds(sock, [_LENGTH.pack(len(body))], fds)
        sock.sendall(body)

    def launch(self, program, workdir, timeout, incoming, outgoing, output_fd, protect):
        """Asks for a program process (protect: more pids it may not signal); launched() says its pid."""
        self.send(self.socket, {"program": program, "workdir": workdir, "timeout": timeout, "protect": protect},
                  [incoming, outgoing, output_fd])
        self.sequence += 1

    def launched(self):
        """The pid of the program process launch() asked for."""
        deadline = time.monotonic() + 10.0
        while True:
            answer = self.answer(deadline)
            if answer is None:
                raise RuntimeError("the program launcher did not start the program")
            if answer.get("seq") == self.sequence and type(answer.get("pid")) is int:
                return answer["pid"]

    def exit_status(self, deadline):
        """The wait status of the last program process once reaped; None if not reported by the deadline."""
        while self.sequence not in self.statuses:
            if self.answer(deadline) is None:
                return None
        return self.statuses[self.sequence]

    def answer(self, deadline):
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.socket], [], [], remaining)
            if not ready:
                return None
            data = self.socket.recv(65536)
            if not data:
                raise RuntimeError("the program launcher exited")
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        answer = _loads(line)
        if "status" in answer:
            self.statuses = {key: value for key, value in self.statuses.items() if key > self.sequence - 4}
            self.statuses[answer.get("seq")] = answer["status"]
        return answer


# ---------------------------------------------------------------------------------------------------------------
# The tests' side


class BoundaryError(Exception):
    """A value or an operation that cannot cross from the program to the tests."""


class Remote:
    """In the test process: an object that lives in the program's process. The tests may call it, read and set
    its attributes, iterate it, index it, take its len, str or repr (each answer crosses as plain data), and hand
    it back to the program. They never let it decide a comparison, a hash or a truth value."""

    __slots__ = ("_leti_index", "_leti_type", "_leti_flags", "_leti_side")

    def __init__(self, side, index, type_name, flags):
        object.__setattr__(self, "_leti_side", side)
        object.__setattr__(self, "_leti_index", index)
        object.__setattr__(self, "_leti_type", type_name)
        object.__setattr__(self, "_leti_flags", flags)

    def _leti_request(self, op, *rest):
        side = object.__getattribute__(self, "_leti_side")
        return side.ask([op, ["h", object.__getattribute__(self, "_leti_index")]] + list(rest))

    def __call__(self, *args, **kwargs):
        side = object.__getattribute__(self, "_leti_side")
        return side.call(self, args, kwargs)

    def __getattr__(self, name):
        return Remote._leti_request(self, "getattr", name)

    def __setattr__(self, name, value):
        Remote._leti_request(self, "setattr", name, object.__getattribute__(self, "_leti_side").codec.encode(value))

    def __delattr__(self, name):
        Remote._leti_request(self, "delattr", name)

    def __iter__(self):
        if "i" in object.__getattribute__(self, "_leti_flags"):
            return self
        return Remote._leti_request(self, "iter")

    def __next__(self):
        return Remote._leti_request(self, "next")  # the program's StopIteration arrives as a StopIteration

    def __format__(self, spec):
        if spec:
            raise object.__getattribute__(self, "_leti_side").refuse(self, "formatted")
        return Remote.__str__(self)

    def __len__(self):
        value = Remote._leti_request(self, "len")
        if type(value) is not int or value < 0:
            raise BoundaryError("len() of the program's %s object was not a non-negative int" % _type_of(self))
        return value

    def __getitem__(self, key):
        return Remote._leti_request(self, "getitem", object.__getattribute__(self, "_leti_side").codec.encode(key))

    def __setitem__(self, key, value):
        codec = object.__getattribute__(self, "_leti_side").codec
        Remote._leti_request(self, "setitem", codec.encode(key), codec.encode(value))

    def __delitem__(self, key):
        Remote._leti_request(self, "delitem", object.__getattribute__(self, "_leti_side").codec.encode(key))

    def __str__(self):
        return _plain_str(Remote._leti_request(self, "str"))

    def __repr__(self):
        return _plain_str(Remote._leti_request(self, "repr"))


def _type_of(remote):
    return object.__getattribute__(remote, "_leti_type")


def _plain_str(value):
    if type(value) is not str:
        raise BoundaryError("the program's str() or repr() was not a string")
    return value


def _refuse(what):
    def refused(self, *args):
        raise object.__getattribute__(self, "_leti_side").refuse(self, what)
    refused.__name__ = what
    return refused


for _dunder, _what in [("__eq__", "compared with =="), ("__ne__", "compared with !="), ("__lt__", "ordered"),
                       ("__le__", "ordered"), ("__gt__", "ordered"), ("__ge__", "ordered"),
                       ("__bool__", "used as a truth value"), ("__hash__", "hashed"), ("__contains__", "searched with in"),
                       ("__index__", "used as an integer"), ("__int__", "converted to int"),
                       ("__float__", "converted to float"), ("__complex__", "converted to complex"),
                       ("__bytes__", "converted to bytes"), ("__abs__", "used in arithmetic"),
                       ("__neg__", "used in arithmetic"), ("__pos__", "used in arithmetic"),
                       ("__invert__", "used in arithmetic"), ("__round__", "rounded")] + [
        ("__%s%s__" % (prefix, op), "used in arithmetic") for op in
        ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow", "lshift", "rshift", "and",
         "xor", "or") for prefix in ("", "r", "i")]:
    setattr(Remote, _dunder, _refuse(_what))
del _dunder, _what


class ProgramEnded(BaseException):
    """The program's process is gone; no `except Exception` in the tests can catch this."""


class TestsCodec(Codec):
    def __init__(self, side):
        super().__init__()
        self.side = side

    def encode_other(self, value, depth):
        if type(value) is Remote:
            return ["h", object.__getattribute__(value, "_leti_index")]
        # The standard library's classes and functions (int, str, math.sqrt) cross by name: the program's process
        # uses its own (isinstance(x, int) must work there). Anything else of the tests (their classes, functions,
        # instances of their classes) stays here: the program gets a reference it can call and read public
        # attributes of, and hands back intact.
        hint = stdlib_hint(value) if type(value) is not types.ModuleType else None
        if hint is not None and hint[1] is not None:
            return ["g", hint[0], hint[1], self.export(value)]
        try:
            name = getattr(value, "__name__", None)
            name = name if type(name) is str else type(value).__name__
        except Exception:
            name = "object"
        return ["th", self.export(value), name[:100]]

    def decode_other(self, tag, value):
        if tag == "h":
            if len(value) != 5 or type(value[1]) is not int:
                raise Malformed("a bad reference to an object of the program")
            hint = value[4]
            if type(hint) is list and len(hint) == 2:
                resolved = _resolve_stdlib(hint[0], hint[1])
                if resolved is not None:
                    return resolved
            type_name = value[2] if type(value[2]) is str else "object"
            flags = value[3] if type(value[3]) is str else ""
            return Remote(self.side, value[1], type_name[:100], flags)
        if tag == "th":
            return self.local(value[1])
        if tag == "g":
            return self.local(value[3] if len(value) == 4 else None)
        return super().decode_other(tag, value)


_RESOLVABLE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)


def _resolve_stdlib(module, qualname):
    """This process's own module, class or function of that name in the standard library, or None. Never any other
    object: the name comes from the other side, and a library object such as unittest.mock.ANY equals everything."""
    try:
        if type(module) is not str or module.partition(".")[0] not in _STDLIB or not _NAME.match(module):
            return None
        target = importlib.import_module(module)
        if qualname is not None:
            if type(qualname) is not str or not _NAME.match(qualname):
                return None
            for part in qualname.split("."):
                target = getattr(target, part)
        return target if type(target) in _RESOLVABLE or isinstance(target, type) else None
    except Exception:
        return None


class TestsSide(Endpoint):
    """The test process's end of the boundary: asks the program's process, answers its calls of the tests'
    classes and functions, and remembers every failure to cross so that no `except` in the tests hides one."""

    def __init__(self, incoming, outgoing):
        super().__init__(TestsCodec(self), incoming, outgoing)
        self.ended = None  # what the tests were doing when the program's process went away
        self.boundary_failure = None
        self.pending_classes = []

    def ask(self, message):
        if self.ended is not None:
            raise ProgramEnded(self.ended)
        try:
            self.flush_classes()
            return self.request(message)
        except PeerGone:
            self.ended = _doing(message)
            raise ProgramEnded(self.ended) from None
        except Malformed as e:
            raise self.fail(BoundaryError("the program's process sent %s" % e)) from None

    def call(self, remote, args, kwargs):
        codec = self.codec
        encoded = [codec.encode(a) for a in args]
        encoded_kwargs = [[k, codec.encode(v)] for k, v in kwargs.items()]
        result = self.ask(["call", ["h", object.__getattribute__(remote, "_leti_index")], encoded, encoded_kwargs])
        changes = self.writebacks
        if changes:
            self.apply_writebacks(changes, args, kwargs)
        return result

    def apply_writebacks(self, changes, args, kwargs):
        for change in _items(changes):
            if type(change) is not list or len(change) != 2:
                raise self.fail(BoundaryError("the program's process sent a malformed change to an argument"))
            key, raw = change
            target = args[key] if type(key) is int and 0 <= key < len(args) else kwargs.get(key) if type(key) is str else None
            value = self.decode(raw)
            if type(target) is list and type(value) is list or type(target) is bytearray and type(value) is bytearray:
                target[:] = value
            elif type(target) is dict and type(value) is dict or type(target) is set and type(value) is set:
                target.clear()
                target.update(value)
            else:
                raise self.fail(BoundaryError("the program's process changed an argument into another type"))

    def refuse(self, remote, what):
        return self.fail(BoundaryError(
            "an object of the program's class %r cannot be %s by the tests: only plain data (numbers, strings, "
            "bytes, lists, tuples, dicts, sets, None, bool) crosses from the program" % (_type_of(remote), what)))

    def fail(self, error):
        if self.boundary_failure is None:
            self.boundary_failure = error
        return error

    def flush_classes(self):
        if self.pending_classes:
            defined, self.pending_classes = self.pending_classes, []
            self.request(["define", [[name, self.codec.encode(cls)] for name, cls in defined]])

    def handle(self, message):
        """The program calls a class the tests defined or a function they passed to it."""
        op = message[0]
        codec = self.codec
        if type(message[1]) is not list or message[1][:1] != ["th"]:
            raise TypeError("the program can only call the tests' objects")
        target = codec.local(message[1][1])
        if op == "call":
            args = [codec.decode(a) for a in _items(message[2])]
            kwargs = {_text(k): codec.decode(v) for k, v in _pairs(message[3])}
            return codec.encode(target(*args, **kwargs)), None
        if op == "getattr":
            name = _text(message[2])
            if name.startswith("_"):
                raise AttributeError(name)
            return codec.encode(getattr(target, name)), None
        raise TypeError("the tests' objects can only be called by the program")


def _doing(message):
    op = message[0]
    return {"call": "a call", "getattr": "an attribute read", "iter": "an iteration", "next": "an iteration"}.get(
        op, "a request")


TESTS_PROCESS_JOBS = 2000  # then a fresh test process: whatever the tests' code left behind goes with it


def tests_server(config, sock, output_fd, seccomp_filter):
    """The long-lived test process: judges one program at a time for the server; never returns. It is forked
    from the server (trusted code only), confined once, and never runs any code of a program."""
    try:
        child_streams(output_fd)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # a program gone mid-call is an EPIPE to handle, not a death
        close_all_but([sock.fileno()])
        os.chdir("/")
        confine(config, config.get("test_uid"), None, seccomp_filter, dumpable_cleared=False)
    except BaseException as e:
        sock.sendall(_dumps({"status": "error", "error": "the test process could not start: %s: %s"
                                                         % (type(e).__name__, e)}).encode() + b"\n")
        _exit(71)
    gc.freeze()
    while True:
        received = Launcher.receive(sock, 2)
        if received is None:
            _exit(0)
        job, (incoming, outgoing) = received
        split = config.get("split", True)
        if not split:  # isolation off: no program process to talk to
            os.close(incoming)
            os.close(outgoing)
        try:
            os.chdir(job["workdir"])  # to read what the program wrote
        except OSError:
            pass
        try:
            record = Judge(job, incoming, outgoing, split).run()
        except BaseException as e:  # a bug of the judge itself: the tests did not finish, so it is no pass
            record = {"status": "failed", "exc_type": type(e).__name__,
                      "traceback": "%s: %s\n" % (type(e).__name__, str(e)[:MAX_MESSAGE_CHARS])}
        if split:
            os.close(incoming)
            os.close(outgoing)
        os.chdir("/")
        _flush()
        record["nonce"] = job["nonce"]
        sock.sendall(_dumps(record).encode("utf-8", "replace") + b"\n")


class TestProcess:
    """The server's side of the long-lived test process: starts it, hands it jobs, reads its verdicts, and
    replaces it after a timeout, a death or TESTS_PROCESS_JOBS jobs."""

    def __init__(self, config, output_fd, protected):
        self.config = config
        self.output_fd = output_fd
        self.seccomp = build_seccomp_filter(protected) if config.get("seccomp") else None
        self.pid = None

    def ensure(self):
        if self.pid is not None and self.jobs < (TESTS_PROCESS_JOBS if self.config.get("split", True) else 1):
            return
        self.stop()
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            parent.close()
            tests_server(self.config, child, self.output_fd, self.seccomp)
            _exit(70)  # not reached
        child.close()
        self.socket = parent
        self.pid = pid
        self.jobs = 0
        self.buffer = b""

    def judge(self, job, fds):
        self.jobs += 1
        Launcher.send(self.socket, job, fds)

    def verdict(self, nonce, clock):
        """The record for this nonce; "timeout" past the clock's deadline; None if the test process died first."""
        while True:
            while b"\n" in self.buffer:
                line, _, self.buffer = self.buffer.partition(b"\n")
                try:
                    record = _loads(line)
                except ValueError:
                    continue
                if type(record) is dict and (record.get("nonce") == nonce or record.get("status") == "error"):
                    return record
            now = time.monotonic()
            wake = clock.tick(now)
            deadline = clock.deadline()
            if now >= deadline:
                return "timeout"
            ready, _, _ = select.select([self.socket], [], [], max(0.0, min(deadline, wake) - now))
            if ready:
                data = self.socket.recv(65536)
                if not data:
                    return None
                self.buffer += data

    def stop(self):
        """Ends the test process (a timeout may have left it inside the tests); returns its wait status."""
        if self.pid is None:
            return None
        self.socket.close()
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped with the program's orphans: it ended, how is not known
            status = None
        self.pid = None
        return status


NO_TESTS = {"status": "failed", "exc_type": "NoTests", "traceback": "NoTests\n"}


class Judge:
    """Runs the tests against the program's process and decides the verdict."""

    def __init__(self, request, incoming, outgoing, split=True):
        self.program = request["program"]
        self.tests = request["tests"]
        self.entry_points = set(request.get("entry_points") or ())
        self.side = TestsSide(incoming, outgoing) if split else None
        source = self.program + self.tests
        linecache.cache[PROGRAM_FILE] = (len(source), None, source.splitlines(True), PROGRAM_FILE)

    def run(self):
        statements, error = self.compile_tests()
        side = self.side
        if side is None:
            return self.run_in_process(statements, error)
        try:
            first = read_frame(side.incoming)
            if first[0] != "ready":
                reason = first[1] if first[0] == "setup_failed" and len(first) > 1 else "no ready message"
                return {"status": "error", "error": "the program process could not start: %s" % str(reason)[:2000]}
            loaded = read_frame(side.incoming)
        except PeerGone:
            return {"status": "program_ended", "during": "loading"}
        except Malformed as e:
            return self.failed(side.fail(BoundaryError("the program's process sent %s" % e)))
        if loaded[0] == "failed" and len(loaded) > 1:
            return self.program_failed(relayed(loaded[1]))
        if loaded[0] != "loaded" or len(loaded) < 2:
            return self.failed(side.fail(BoundaryError("the program's process sent an unexpected message")))
        if error is not None:
            return self.failed(error)
        try:
            namespace = self.namespace(loaded[1])
        except BaseException as e:
            return self.failed(e if isinstance(e, BoundaryError) else side.fail(BoundaryError(
                "the program's names could not be read: %s" % e)))
        try:
            for code, classes in statements:
                exec(code, namespace)
                for name in classes:
                    if isinstance(namespace.get(name), type):
                        side.pending_classes.append((name, namespace[name]))
        except BaseException as e:  # ProgramEnded included: it is raised only once side.ended is set
            if side.ended is None:
                return self.failed(e)
        if side.ended is not None:
            return {"status": "program_ended", "during": side.ended}
        if side.boundary_failure is not None:
            return self.failed(side.boundary_failure)
        if not statements:
            return dict(NO_TESTS)
        return {"status": "passed"}

    def run_in_process(self, statements, error):
        """Isolation off (trusted code only): the program runs here, before its tests, in one namespace, as in
        OpenAI's human-eval harness. Every guarantee of the boundary is gone; the hostile suite uses this mode to
        show that its checks see what a program does without it."""
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        try:
            exec(compile(self.program, PROGRAM_FILE, "exec", dont_inherit=True), namespace)
            if error is not None:
                raise error
            for code, _ in statements:
                exec(code, namespace)
        except BaseException as e:
            return {"status": "failed", "exc_type": type(e).__name__,
                    "traceback": self.format(e)[-MAX_TRACEBACK_CHARS:]}
        if not statements:
            return dict(NO_TESTS)
        return {"status": "passed"}

    def compile_tests(self):
        """Each top-level test statement compiled on its own, numbered after the program's lines."""
        try:
            tree = ast.parse(self.tests, PROGRAM_FILE)
            ast.increment_lineno(tree, self.program.count("\n"))
            statements = []
            for node in tree.body:
                classes = [node.name] if isinstance(node, ast.ClassDef) else []
                statements.append((compile(ast.Module(body=[node], type_ignores=[]), PROGRAM_FILE, "exec",
                                           dont_inherit=True), classes))
            return statements, None
        except BaseException as e:
            return [], e

    def namespace(self, names):
        """The tests' globals: the program's top-level names as proxies, never in place of a builtin the tests use
        (unless the task names it as its entry point), then whatever the tests define themselves."""
        namespace = {"__name__": "__main__", "__builtins__": builtins}
        for name, value in _pairs(names):
            if type(name) is not str or (name.startswith("__") and name.endswith("__")):
                continue
            if name in _BUILTIN_NAMES and name not in self.entry_points:
                continue
            namespace[name] = self.side.decode(value)
        return namespace

    def program_failed(self, error):
        """The program raised while it was loaded: a syntax error is re-made here from the program's own text."""
        if getattr(error, "_leti_syntax", False) or getattr(error, "_leti_name", None) in (
                "SyntaxError", "IndentationError", "TabError", "ValueError"):
            try:
                compile(self.program, PROGRAM_FILE, "exec", dont_inherit=True)
            except BaseException as e:
                text = "".join(traceback.format_exception_only(type(e), e))
                return {"status": "failed", "exc_type": type(e).__name__, "traceback": text[-MAX_TRACEBACK_CHARS:]}
        return self.failed(error)

    def failed(self, e):
        return {"status": "failed", "exc_type": getattr(e, "_leti_name", None) or type(e).__name__,
                "traceback": self.format(e)[-MAX_TRACEBACK_CHARS:]}

    def format(self, e):
        """The traceback as Python would print it, from trusted parts only: the tests' own frames, the program's
        frames as line numbers into this process's copy of the program, the exception's name and message."""
        remote = getattr(e, "_leti_frames", None)
        if remote is None:
            try:
                return "".join(traceback.format_exception(type(e), e, e.__traceback__, chain=False))
            except BaseException:
                return "%s\n" % type(e).__name__
        frames = [traceback.FrameSummary(f.filename, f.lineno, f.name, line=f.line)
                  for f in traceback.extract_tb(e.__traceback__) if f.filename == PROGRAM_FILE]
        lines = len(linecache.cache[PROGRAM_FILE][2])
        for lineno, name in remote:
            if 1 <= lineno <= lines:
                name = name if _NAME.match(name) or name in ("<module>", "<lambda>", "<listcomp>", "<dictcomp>",
                                                              "<setcomp>", "<genexpr>") else "?"
                frames.append(traceback.FrameSummary(PROGRAM_FILE, lineno, name,
                                                     line=linecache.getline(PROGRAM_FILE, lineno)))
        message = getattr(e, "_leti_message", "")
        text = "".join(traceback.StackSummary.from_list(frames).format())
        return "Traceback (most recent call last):\n%s%s%s\n" % (text, e._leti_name, ": " + message if message else "")


# ---------------------------------------------------------------------------------------------------------------
# The server


class Server:
    def __init__(self, config):
        self.config = config
        self.pid = os.getpid()
        set_dumpable(False)
        # Protocol streams on private descriptors; 0/1/2 become /dev/null so nothing stray reaches Java.
        self.requests = os.fdopen(os.dup(0), "rb")
        self.responses = os.fdopen(os.dup(1), "wb")
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        self.scratch = config.get("scratch", "/tmp")
        self.uid = config.get("uid")
        self.test_uid = config.get("test_uid")
        # Programs of their own uid write only in their own fresh directory (also their TMPDIR), never into the
        # shared scratch itself. Without root they share the server's uid and can: sweep() clears it after each.
        self.scratch_mode = 0o711 if self.uid is not None else stat.S_IMODE(os.stat(self.scratch).st_mode)
        self.restore_scratch()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # Forked before any request is read: nothing of any test is ever in a program's memory.
        self.launcher = Launcher(config, self.pid)
        self.output_path = os.path.join(self.scratch, ".leti-output-%d" % self.pid)
        self.output_fd = os.open(self.output_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.set_inheritable(self.output_fd, False)
        self.tests = TestProcess(config, self.output_fd, [self.pid, self.launcher.pid, 1])
        # In a container, the container's cgroup bounds the worker as a whole; its OOM kills are counted here.
        self.oom_file = next((path for path in OOM_COUNTERS if os.path.exists(path)), None) \
            if config.get("count_oom_kills") else None

    def send(self, message):
        self.responses.write(_dumps(message).encode("utf-8") + b"\n")
        self.responses.flush()

    def serve(self):
        self.send({"ready": True, "pid": self.pid, "python": sys.version.split()[0],
                   "seccomp": self.tests.seccomp is not None, "uid": self.uid, "test_uid": self.test_uid})
        gc.freeze()  # keep the imported modules' pages shared with every forked child
        for line in self.requests:
            try:
                request = json.loads(line)
                response = self.run(request)
            except Exception as e:  # a bug or a bad request: answer, then let Java start a fresh worker
                response = {"id": None, "status": "error", "error": "%s: %s" % (type(e).__name__, e), "restart": True}
            self.send(response)
            if response.get("restart"):
                return

    def run(self, request):
        # The server is the namespace's init: whatever the last program left to die after its own end (its zombie
        # children, reparented only once it had gone) is reaped before the next program starts.
        _reap()
        oom_kills = self.oom_kills()
        workdir = os.path.join(self.scratch, "run-" + os.urandom(12).hex())
        os.mkdir(workdir, 0o755)
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        os.ftruncate(self.output_fd, 0)
        os.lseek(self.output_fd, 0, os.SEEK_SET)
        nonce = os.urandom(16).hex()
        timeout = float(request["timeout"])
        split = self.config.get("split", True)
        self.tests.ensure()
        calls_r, calls_w = os.pipe()      # tests -> program, fresh for each program: nothing stale in them
        replies_r, replies_w = os.pipe()  # program -> tests
        started = time.monotonic()
        program_pid = None
        record = None
        try:
            try:  # the program's fork first: it takes longest
                if split:
                    self.launcher.launch(request["program"], workdir, timeout, calls_r, replies_w, self.output_fd,
                                         [self.tests.pid])
                self.tests.judge({"program": request["program"], "tests": request["tests"], "workdir": workdir,
                                  "entry_points": request.get("entry_points") or [], "nonce": nonce},
                                 [replies_r, calls_w])
            finally:
                for fd in (calls_r, calls_w, replies_r, replies_w):
                    os.close(fd)
            program_pid = self.launcher.launched() if split else None
            record = self.tests.verdict(nonce, Clock(self, started, timeout, program_pid))
        finally:
            tests_pid = self.tests.pid
            # Timed out, died, or (isolation off) ran the program itself: the test process goes.
            tests_status = self.tests.stop() if type(record) is not dict or not split else None
            self.kill_leftovers([program_pid] if split else [tests_pid])
        elapsed_ms = (time.monotonic() - started) * 1000.0
        response = self.judge(record, tests_status)
        if response.get("status") == "program_ended":
            # Only now is the program's own end worth waiting for: it says how it ended (a signal, a status).
            response = self.program_ended(self.launcher.exit_status(time.monotonic() + 5.0))
        if response.get("status") != "passed" and self.oom_kills() > oom_kills:
            # The kernel killed one of them for the memory they held together, whatever that looked like inside.
            response = {"status": "failed", "exc_type": "MemoryError",
                        "traceback": "MemoryError: the program's processes together used more than the worker's"
                                     " memory\n"}
        size = os.fstat(self.output_fd).st_size
        head = os.pread(self.output_fd, OUTPUT_HEAD_BYTES, 0)
        response.update({
            "id": request.get("id"),
            "ms": round(elapsed_ms, 3),
            "output": head.decode("utf-8", "replace"),
            "output_bytes": size,
            "output_limit": size >= self.config["max_output_bytes"],
        })
        # The verdict is decided; nothing in the cleanup can change it. A tree the server cannot remove in time
        # (too deep, too many files) only costs this worker a restart, after the answer.
        try:
            if not self.sweep(workdir, time.monotonic() + CLEANUP_SECONDS):
                response["restart"] = True
        except Exception:
            response["restart"] = True
        return response

    def oom_kills(self):
        if self.oom_file is None:
            return 0
        try:
            with open(self.oom_file, "rb") as counters:
                for line in counters:
                    if line.startswith(b"oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def restore_scratch(self):
        try:
            os.chmod(self.scratch, self.scratch_mode)
        except PermissionError:
            pass  # not the scratch's owner (a root-owned tmpfs): then no program of this uid can change it either

    def sweep(self, workdir, deadline):
        """Removes the program's directory and everything else in the scratch but the server's own output file:
        where programs share the server's uid (no root), they can write into the scratch itself, and nothing they
        leave there may reach the next program. False if it could not be done by the deadline."""
        if not remove_tree(workdir, deadline):
            return False
        self.restore_scratch()  # a program of the server's uid may have changed its mode
        own = os.path.basename(self.output_path)
        for name in os.listdir(self.scratch):
            if name != own:
                path = os.path.join(self.scratch, name)
                if os.path.isdir(path) and not os.path.islink(path):
                    if not remove_tree(path, deadline):
                        return False
                else:
                    os.unlink(path)
        return True

    def deprioritize(self, pids):
        """A program still running after a while is almost always a loop that will time out: let the
        executor's quick programs have the CPU first (nice 19) while its wall-clock limit runs out."""
        if self.uid is not None and self.uid != self.test_uid:
            try:
                os.setpriority(os.PRIO_USER, self.uid, 19)  # every process the program started
            except OSError:
                pass
        for pid in pids:
            if pid is not None:
                try:
                    os.setpriority(os.PRIO_PGRP, pid, 19)
                except OSError:
                    pass  # already gone

    @staticmethod
    def judge(record, tests_status):
        if record == "timeout":
            return {"status": "timeout"}
        if type(record) is not dict:
            # No verdict: the test process died (a signal, its memory). That is the program's failure (it may
            # have killed it), never the sandbox's.
            how = ("was killed by %s" % _signal_name(os.WTERMSIG(tests_status)) if tests_status is not None
                   and os.WIFSIGNALED(tests_status) else "ended")
            return {"status": "failed", "exc_type": "TestProcessError",
                    "traceback": "Fatal: the test process %s without a verdict\n" % how}
        kind = record.get("status")
        if kind == "passed":
            return {"status": "passed"}
        if kind == "failed":
            return {"status": "failed", "exc_type": str(record.get("exc_type")),
                    "traceback": str(record.get("traceback"))[-MAX_TRACEBACK_CHARS:]}
        if kind == "error":
            return {"status": "error", "error": str(record.get("error"))[:2000]}
        if kind == "program_ended":
            return {"status": "program_ended"}
        return {"status": "failed", "exc_type": "TestProcessError",
                "traceback": "Fatal: the test process wrote an unreadable verdict\n"}

    @staticmethod
    def program_ended(status):
        """The program's process went away while the tests needed it: how it ended is its verdict."""
        if status is not None and os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            return {"status": "signaled", "signal": number, "signal_name": _signal_name(number)}
        code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
        return {"status": "exited", "exit_code": code}

    def kill_leftovers(self, pids):
        """Kills whatever the program and the tests started, including processes that left their session. Returns
        once every one of them is dead or has SIGKILL pending (it never runs again); their teardown goes on."""
        scope = self.config.get("kill_scope", "group")
        pids = [pid for pid in pids if pid is not None]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        pause = 0.0002
        deadline = time.monotonic() + 5.0
        while True:
            victims = self.leftovers(scope, pids)
            if not victims:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("processes survive SIGKILL: %s" % victims)
            for victim in victims:
                try:
                    os.kill(victim, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        _reap()

    def leftovers(self, scope, pids):
        """Processes of the program or the tests that are neither dead nor dying."""
        if scope == "group":
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if self.uid is None:
                return []
        spared = (1, self.pid, self.launcher.pid, self.tests.pid)
        victims = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            other = int(entry)
            if other in spared:
                continue
            try:
                with open("/proc/%d/status" % other, "rb") as status:
                    fields = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
                if fields[b"State"].split()[0] in (b"Z", b"X"):
                    continue  # dead, waiting to be reaped
                if scope != "namespace" and int(fields[b"Uid"].split()[0]) != self.uid:
                    continue
                if (int(fields[b"ShdPnd"], 16) | int(fields[b"SigPnd"], 16)) & (1 << (signal.SIGKILL - 1)):
                    continue  # SIGKILL is pending: it never runs another instruction of its own
            except (OSError, KeyError, IndexError, ValueError):
                continue
            victims.append(other)
        return victims


OOM_COUNTERS = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")  # cgroup v2, v1
STARVED_EXTENSION = 2.0  # at most this many timeouts added for the time a deprioritized program waited for a CPU


class Clock:
    """A program's wall-clock limit. After deprioritize_after the program drops to nice 19 and its lane goes to the
    next program; from then on, the time it spends waiting for a CPU behind full-priority programs is added to its
    limit, up to STARVED_EXTENSION timeouts. A slow but correct program is judged by the time it could run; a loop
    still ends (its CPU limit is the timeout plus 2 s); a sleeping program gains nothing."""

    def __init__(self, server, started, timeout, program_pid):
        after = server.config.get("deprioritize_after", 0)
        self.server = server
        self.pid = program_pid
        self.limit = started + timeout
        self.timeout = timeout
        self.lower_at = started + after if after > 0 and program_pid is not None else None
        self.waited_before = None

    def tick(self, now):
        """Deprioritizes the program when it is due; returns when to be called again."""
        if self.lower_at is not None and now >= self.lower_at:
            self.server.deprioritize([self.pid])
            self.waited_before = _run_delay(self.pid)
            self.lower_at = None
        return self.lower_at if self.lower_at is not None else float("inf")

    def deadline(self):
        if self.waited_before is None:
            return self.limit
        waited = _run_delay(self.pid)
        starved = (waited - self.waited_before) / 1e9 if waited is not None else 0.0
        return self.limit + min(max(starved, 0.0), STARVED_EXTENSION * self.timeout)


def _run_delay(pid):
    """Nanoseconds the process's main thread has spent runnable but waiting for a CPU; None if unknown."""
    try:
        with open("/proc/%d/schedstat" % pid, "rb") as stat:
            return int(stat.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def remove_tree(root, deadline):
    """Removes a directory tree without recursion, without following links, and with two descriptors at most,
    however deep it is; False if it could not be done by the deadline."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        if stat.S_ISDIR(os.lstat(root).st_mode):
            os.chmod(root, 0o700)  # its program (gone by now) may have taken the server's access away
        fd = os.open(root, flags)
    except FileNotFoundError:
        return True
    names = []
    try:
        while True:
            subdirectory = None
            with os.scandir(fd) as entries:
                for count, entry in enumerate(entries):
                    if count % 1024 == 1023 and time.monotonic() > deadline:
                        return False
                    if entry.is_dir(follow_symlinks=False):
                        subdirectory = entry.name
                        break
                    os.unlink(entry.name, dir_fd=fd)
            if time.monotonic() > deadline:
                return False
            if subdirectory is not None:
                os.chmod(subdirectory, 0o700, dir_fd=fd)
                child = os.open(subdirectory, flags, dir_fd=fd)
                os.close(fd)
                fd = child
                names.append(subdirectory)
                continue
            if not names:
                try:
                    os.rmdir(root)
                except OSError as e:
                    if e.errno != errno.ENOTEMPTY:
                        raise
                    continue
                return True
            parent = os.open("..", flags, dir_fd=fd)
            os.close(fd)
            fd = parent
            try:
                os.rmdir(names[-1], dir_fd=fd)
                names.pop()
            except OSError as e:  # a dying process made one last entry: go back down and look again
                if e.errno != errno.ENOTEMPTY:
                    raise
                child = os.open(names[-1], flags, dir_fd=fd)
                os.close(fd)
                fd = child
    finally:
        if fd is not None:
            os.close(fd)


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


def main():
    config = json.loads(sys.argv[1])
    Server(config).serve()


if __name__ == "__main__":
    main()
