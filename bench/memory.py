"""Peak resident memory of a whole process tree (a refresh spawns dbt and more), from /proc."""

from __future__ import annotations

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


def tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and all its descendants right now."""
    total, frontier, seen = 0, [root], set()
    while frontier:
        pid = frontier.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        frontier.extend(_children(pid))
    return total


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
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return MeasuredRun(
        seconds=elapsed,
        peak_rss_mib=peak / 1024,
        returncode=process.returncode,
        output_tail="\n".join(output.splitlines()[-30:]),
    )
