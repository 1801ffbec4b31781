"""Run a server process tree (`dagster dev`) and stop all of it promptly on SIGTERM or SIGINT.

`dagster dev` starts the webserver and the daemon, which start code servers; on a signal it
asks them to stop and waits up to a minute for each. `crmkpi ui` must stop within seconds
(a terminal's Ctrl-C, a service manager's SIGTERM), and leave no process behind. So the
server runs in a process group of its own, and a signal to this process is forwarded to the
whole group, and to every descendant (one may have started a session of its own); whatever is
still alive after a grace period of 3 s is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
GRACE_SECONDS = 3.0
_KILL_WAIT_SECONDS = 1.0  # a killed process takes a moment to be torn down
_POLL_SECONDS = 0.1


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (Linux /proc; elsewhere none are known)."""
    if not Path("/proc").is_dir():
        return []
    children = _children_by_parent()
    found: list[int] = []
    frontier = [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
        return state[state.rindex(")") + 2] != "Z"  # a zombie has ended
    except (OSError, ValueError, IndexError):
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True


def _signal(pids: Sequence[int], group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _wait_gone(process: subprocess.Popen[bytes], pids: Sequence[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        process.poll()  # reap our child as soon as it ends
        if not any(_alive(pid) for pid in pids):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


def stop_tree(
    process: subprocess.Popen[bytes],
    grace_seconds: float = GRACE_SECONDS,
    signum: int = signal.SIGTERM,
) -> None:
    """Send `signum` to `process` (a group leader) and its descendants; SIGKILL whatever
    outlives the grace period, and return once every one of them is gone."""
    tree = [process.pid, *descendants(process.pid)]
    _signal(tree, process.pid, signum)
    if not _wait_gone(process, tree, grace_seconds):
        survivors = [pid for pid in {*tree, *descendants(process.pid)} if _alive(pid)]
        _signal(survivors, process.pid, signal.SIGKILL)
        _wait_gone(process, survivors, _KILL_WAIT_SECONDS)
    process.wait()


def run_supervised(command: Sequence[str], grace_seconds: float = GRACE_SECONDS) -> int:
    """Run `command` until it exits (its exit code) or a stop signal arrives (0, once stopped)."""
    received: list[int] = []

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    try:
        process = subprocess.Popen(list(command), start_new_session=True)
        try:
            while not received and process.poll() is None:
                time.sleep(_POLL_SECONDS)
        finally:
            if process.poll() is None:
                # Forward what we got (Ctrl-C: SIGINT, a service manager: SIGTERM).
                stop_tree(process, grace_seconds, received[0] if received else signal.SIGTERM)
            else:  # it ended on its own: nothing of its group may outlive it
                _signal([], process.pid, signal.SIGTERM)
        return 0 if received else int(process.returncode)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
