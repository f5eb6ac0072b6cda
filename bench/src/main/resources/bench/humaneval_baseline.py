#!/usr/bin/env python3
# Baseline throughput harness: a faithful re-implementation of the execution
# path of OpenAI's human-eval (https://github.com/openai/human-eval,
# human_eval/execution.py and human_eval/evaluation.py, MIT License,
# Copyright (c) OpenAI). The code below follows the original closely; the
# deviations are marked with "DEVIATION" comments:
#   * the check program is the given program text verbatim (the original
#     builds it as prompt + completion + test + "check(entry_point)");
#   * reliability_guard sets builtins.help instead of __builtins__["help"],
#     because __builtins__ is a module (not a dict) when this file runs as
#     __main__ and the original statement would raise TypeError in the child;
#   * a CLI driver replaces evaluate_functional_correctness's pass@k logic
#     (same ThreadPoolExecutor(max_workers=N) over all programs).
#
# Usage:
#   /usr/bin/python3 humaneval_baseline.py --programs FILE --workers N --timeout S
#       [--results FILE] [--max-memory-bytes B]
# FILE: JSONL, one {"id": ..., "program": ...} per line.
# Prints one JSON line: {"programs", "passed", "seconds", "programs_per_second", "workers"}.

import argparse
import contextlib
import faulthandler
import io
import json
import multiprocessing
import os
import platform
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Dict, Optional


def unsafe_execute(program: str, timeout: float, result, maximum_memory_bytes: Optional[int] = None):
    with create_tempdir():

        # These system calls are needed when cleaning up tempdir.
        import os
        import shutil

        rmtree = shutil.rmtree
        rmdir = os.rmdir
        chdir = os.chdir

        # Disable functionalities that can make destructive changes to the test.
        # (The original calls reliability_guard() with no memory limit.)
        reliability_guard(maximum_memory_bytes)

        # DEVIATION: the check program is the complete program text as given.
        check_program = program

        try:
            exec_globals = {}
            with swallow_io():
                with time_limit(timeout):
                    exec(check_program, exec_globals)
            result.append("passed")
        except TimeoutException:
            result.append("timed out")
        except BaseException as e:
            result.append(f"failed: {e}")

        # Needed for cleaning up.
        shutil.rmtree = rmtree
        os.rmdir = rmdir
        os.chdir = chdir


def check_correctness(
    program_id: str,
    program: str,
    timeout: float,
    completion_id: Optional[int] = None,
    maximum_memory_bytes: Optional[int] = None,
) -> Dict:
    """
    Evaluates the functional correctness of a program, as the original
    check_correctness: one Manager list for the result, one forked Process.
    """

    manager = multiprocessing.Manager()
    result = manager.list()

    p = multiprocessing.Process(
        target=unsafe_execute, args=(program, timeout, result, maximum_memory_bytes)
    )
    p.start()
    p.join(timeout=timeout + 1)
    if p.is_alive():
        p.kill()

    if not result:
        result.append("timed out")

    return dict(
        task_id=program_id,
        passed=result[0] == "passed",
        result=result[0],
        completion_id=completion_id,
    )


@contextlib.contextmanager
def time_limit(seconds: float):
    def signal_handler(signum, frame):
        raise TimeoutException("Timed out!")

    signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.signal(signal.SIGALRM, signal_handler)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def swallow_io():
    stream = WriteOnlyStringIO()
    with contextlib.redirect_stdout(stream):
        with contextlib.redirect_stderr(stream):
            with redirect_stdin(stream):
                yield


@contextlib.contextmanager
def create_tempdir():
    with tempfile.TemporaryDirectory() as dirname:
        with chdir(dirname):
            yield dirname


class TimeoutException(Exception):
    pass


class WriteOnlyStringIO(io.StringIO):
    """StringIO that throws an exception when it's read from"""

    def read(self, *args, **kwargs):
        raise IOError

    def readline(self, *args, **kwargs):
        raise IOError

    def readlines(self, *args, **kwargs):
        raise IOError

    def readable(self, *args, **kwargs):
        """Returns True if the IO object can be read."""
        return False


class redirect_stdin(contextlib._RedirectStream):  # type: ignore
    _stream = "stdin"


@contextlib.contextmanager
def chdir(root):
    if root == ".":
        yield
        return
    cwd = os.getcwd()
    os.chdir(root)
    try:
        yield
    except BaseException as exc:
        raise exc
    finally:
        os.chdir(cwd)


def reliability_guard(maximum_memory_bytes: Optional[int] = None):
    """
    This disables various destructive functions and prevents the generated code
    from interfering with the test (e.g. fork bomb, killing other processes,
    removing filesystem files, etc.)

    WARNING
    This function is NOT a security sandbox.
    """

    if maximum_memory_bytes is not None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (maximum_memory_bytes, maximum_memory_bytes))
        resource.setrlimit(resource.RLIMIT_DATA, (maximum_memory_bytes, maximum_memory_bytes))
        if not platform.uname().system == "Darwin":
            resource.setrlimit(resource.RLIMIT_STACK, (maximum_memory_bytes, maximum_memory_bytes))

    faulthandler.disable()

    import builtins

    builtins.exit = None
    builtins.quit = None

    import os

    os.environ["OMP_NUM_THREADS"] = "1"

    os.kill = None
    os.system = None
    os.putenv = None
    os.remove = None
    os.removedirs = None
    os.rmdir = None
    os.fchdir = None
    os.setuid = None
    os.fork = None
    os.forkpty = None
    os.killpg = None
    os.rename = None
    os.renames = None
    os.truncate = None
    os.replace = None
    os.unlink = None
    os.fchmod = None
    os.fchown = None
    os.chmod = None
    os.chown = None
    os.chroot = None
    os.fchdir = None
    os.lchflags = None
    os.lchmod = None
    os.lchown = None
    os.getcwd = None
    os.chdir = None

    import shutil

    shutil.rmtree = None
    shutil.move = None
    shutil.chown = None

    import subprocess

    subprocess.Popen = None  # type: ignore

    # DEVIATION: original is __builtins__["help"] = None, which only works when
    # this code is an imported module (__builtins__ is then a dict).
    builtins.help = None

    import sys

    sys.modules["ipdb"] = None
    sys.modules["joblib"] = None
    sys.modules["resource"] = None
    sys.modules["psutil"] = None
    sys.modules["tkinter"] = None


def main() -> None:
    ap = argparse.ArgumentParser(description="human-eval execution baseline")
    ap.add_argument("--programs", required=True, help="JSONL with {id, program} per line")
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--results", default=None, help="optional JSONL of per-program results")
    ap.add_argument("--max-memory-bytes", type=int, default=None,
                    help="rlimit passed to reliability_guard (original: none)")
    args = ap.parse_args()

    programs = []
    with open(args.programs, "r", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                programs.append((str(obj["id"]), obj["program"]))

    # Execution phase, as evaluate_functional_correctness does it.
    start = time.perf_counter()
    results = [None] * len(programs)
    with ThreadPoolExecutor(max_workers=args.workers) as executor:
        futures = {}
        for i, (pid, program) in enumerate(programs):
            future = executor.submit(
                check_correctness, pid, program, args.timeout, i, args.max_memory_bytes
            )
            futures[future] = i
        for future in as_completed(futures):
            result = future.result()
            results[result["completion_id"]] = result
    seconds = time.perf_counter() - start

    passed = sum(1 for r in results if r["passed"])

    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            for r in results:
                f.write(json.dumps({"id": r["task_id"], "passed": r["passed"],
                                    "result": r["result"]}) + "\n")

    print(json.dumps({
        "programs": len(programs),
        "passed": passed,
        "seconds": seconds,
        "programs_per_second": (len(programs) / seconds) if seconds > 0 else 0.0,
        "workers": args.workers,
    }), flush=True)


if __name__ == "__main__":
    main()
