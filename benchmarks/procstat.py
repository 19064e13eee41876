"""Run one command and measure it alone: wall time, peak resident memory, exit code.

Linux keeps a process's peak RSS across ``execve``, so a child forked from a big process (a
benchmark that has just generated 50,000 papers, a test session) reports the parent's size.
The command is therefore started from a small trampoline interpreter, which forks, execs the
command, and reports the command's own ``wait4`` rusage on a pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

_TRAMPOLINE = r"""
import os, sys, time
argv = sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
os.write(int(sys.argv[1]), ("%r %d %d %r" % (wall, ru.ru_maxrss, os.waitstatus_to_exitcode(status),
                                          ru.ru_utime + ru.ru_stime)).encode())
"""


@dataclass
class Outcome:
    seconds: float
    peak_mb: float
    code: int
    stdout: bytes = b""
    stderr: bytes = b""
    timed_out: bool = False
    cpu_seconds: float = float("nan")  # user + system time of the command: what it cost, whatever the load


def run_measured(argv: list[str], env: dict | None = None, timeout: float = 600, cwd=None,
                 capture: bool = True) -> Outcome:
    """Run ``argv``; stdout/stderr are captured (or discarded when ``capture`` is false)."""
    r, w = os.pipe()
    sink = subprocess.PIPE if capture else subprocess.DEVNULL
    try:
        p = subprocess.Popen([sys.executable, "-S", "-c", _TRAMPOLINE, str(w), *argv], env=env, cwd=cwd,
                             stdout=sink, stderr=sink, stdin=subprocess.DEVNULL, pass_fds=(w,),
                             start_new_session=True)
    finally:
        os.close(w)
    try:
        out, err = p.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        timed_out = True
    with os.fdopen(r, "rb") as f:
        report = f.read().decode()
    if timed_out or not report:
        return Outcome(float("inf"), 0.0, -9, out or b"", err or b"", timed_out=True)
    wall, rss_kb, code, cpu = report.split()
    return Outcome(float(wall), int(rss_kb) / 1024, int(code), out or b"", err or b"", cpu_seconds=float(cpu))


def _self_test() -> None:  # pragma: no cover - manual check
    o = run_measured([sys.executable, "-c", "x = bytearray(50_000_000); print(len(x))"])
    print(o)
    time.sleep(0)


if __name__ == "__main__":  # pragma: no cover
    _self_test()
