"""Peak resident memory of a whole process tree (a refresh spawns dbt and more), from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids.extend(int(p) for p in task.read_text().split())
        except OSError:
            continue
    return kids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _tree(root: int) -> list[int]:
    """`root` and all its descendants right now, parents before children."""
    pids: list[int] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop(0)
        if pid in pids:
            continue
        pids.append(pid)
        frontier.extend(_children(pid))
    return pids


def tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and all its descendants right now."""
    return sum(_rss_kb(pid) for pid in _tree(root))


@dataclass(frozen=True)
class MeasuredRun:
    seconds: float
    peak_rss_mib: float
    returncode: int
    output_tail: str


def run_measured(command: list[str], env: dict[str, str], cwd: Path) -> MeasuredRun:
    """Run a command, sampling the RSS of its whole process tree every 50 ms."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        output, _ = process.communicate()
    except BaseException:  # interrupted: take the whole tree down (dbt runs below the refresh)
        for pid in reversed(_tree(process.pid)):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        raise
    finally:
        done.set()
    elapsed = time.perf_counter() - started
    sampler.join()
    return MeasuredRun(
        seconds=elapsed,
        peak_rss_mib=peak / 1024,
        returncode=process.returncode,
        output_tail="\n".join(output.splitlines()[-30:]),
    )
