"""What `crmkpi refresh` shows a person, and the log file that takes everything else.

A refresh started from the command line prints one line per step (what it did, with counts
and seconds), a progress bar while a long step runs, and the outcome. Everything else (dbt's
node log, Dagster's event log and stack traces, library warnings) goes to a log file whose path
is printed first: :func:`output_to_log` points the process's stdout and stderr, at the level of
file descriptors 1 and 2 so that child processes follow, at that file for the duration of the
run, and the :class:`Console` writes to the terminal saved before.

On a terminal, progress bars redraw one line in place (carriage return) and status words are
coloured (unless `NO_COLOR` is set). When the output is not a terminal (a pipe, a file, CI)
there are no bars and no escape codes at all: only the step lines.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

_BAR_WIDTH = 24
_BAR_DELAY_SECONDS = 0.5  # steps shorter than this never show a bar
_REDRAW_SECONDS = 0.1
_LOGS_KEPT = 30

_COLOURS = {"ok": "32", "warn": "33", "FAILED": "31", "blocked": "31", "refused": "31"}


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """A bar redrawn in place on a terminal; does nothing elsewhere."""

    def __init__(self, console: Console, label: str, total: int | None, unit: str) -> None:
        self._console = console
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._started = time.monotonic()
        self._drawn_at = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._started < _BAR_DELAY_SECONDS or now - self._drawn_at < _REDRAW_SECONDS:
            return
        self._drawn_at = now
        self._console._draw_bar(self.render())

    def render(self) -> str:
        if self.total:
            done = min(self.done, self.total)
            filled = round(_BAR_WIDTH * done / self.total)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            return f"{self.label:<18} [{bar}] {done:,}/{self.total:,} {self.unit}"
        if not self.done:
            return f"{self.label:<18} starting"
        return f"{self.label:<18} {self.done:,} {self.unit}"

    def close(self) -> None:
        self._console._clear_bar()


class Console:
    """Step lines and progress bars for a person watching a refresh."""

    def __init__(self, stream: TextIO, interactive: bool | None = None) -> None:
        self.stream = stream
        self.interactive = _is_terminal(stream) if interactive is None else interactive
        self.colour = self.interactive and "NO_COLOR" not in os.environ
        self._lock = threading.Lock()
        self._bar_length = 0

    def styled(self, word: str) -> str:
        """`word` coloured by its meaning (ok, warn, FAILED...) on a colour terminal."""
        code = _COLOURS.get(word)
        return f"\x1b[{code}m{word}\x1b[0m" if self.colour and code else word

    def line(self, text: str) -> None:
        with self._lock:
            self._erase_bar()
            self.stream.write(text + "\n")
            self.stream.flush()

    @contextmanager
    def bar(self, label: str, total: int | None, unit: str) -> Iterator[ProgressBar]:
        bar = ProgressBar(self, label, total, unit)
        try:
            yield bar
        finally:
            bar.close()

    @contextmanager
    def polled_bar(
        self, label: str, total: int | None, unit: str, poll: Callable[[], int]
    ) -> Iterator[ProgressBar]:
        """A bar whose count `poll()` reads in a background thread (for work done elsewhere)."""
        with self.bar(label, total, unit) as bar:
            if not self.interactive:
                yield bar
                return
            stop = threading.Event()

            def _poll() -> None:
                while not stop.wait(_REDRAW_SECONDS):
                    bar.update(poll())

            thread = threading.Thread(target=_poll, name="crmkpi-progress", daemon=True)
            thread.start()
            try:
                yield bar
            finally:
                stop.set()
                thread.join()

    def _draw_bar(self, text: str) -> None:
        if not self.interactive:
            return
        with self._lock:
            padding = " " * max(self._bar_length - len(text), 0)
            self.stream.write("\r" + text + padding)
            self.stream.flush()
            self._bar_length = len(text)

    def _erase_bar(self) -> None:
        if self._bar_length:
            self.stream.write("\r" + " " * self._bar_length + "\r")
            self._bar_length = 0

    def _clear_bar(self) -> None:
        with self._lock:
            self._erase_bar()
            self.stream.flush()


def new_log_path(logs_dir: Path, warehouse: Path) -> Path:
    """A fresh log file name for a refresh of `warehouse`; older logs beyond the last 30 go."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(warehouse).stem
    old = sorted(logs_dir.glob(f"{stem}-refresh-*.log"))
    for stale in old[: max(len(old) - (_LOGS_KEPT - 1), 0)]:
        stale.unlink(missing_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return logs_dir / f"{stem}-refresh-{stamp}.log"


@contextmanager
def output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Send stdout and stderr (fds 1 and 2, children included) to `log_path`; yield the
    terminal's stdout as a stream of its own, restored on exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    saved_streams = sys.stdout, sys.stderr
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    # The terminal is what fd 1 was; Python's own writes follow fds 1 and 2 to the log (also
    # when sys.stdout had been replaced by something that does not write to fd 1).
    terminal = _text(os.dup(saved_out))
    try:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        sys.stdout, sys.stderr = _text(os.dup(1)), _text(os.dup(2))
        yield terminal
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        replaced = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = saved_streams
        for stream in replaced:
            stream.close()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        for fd in (saved_out, saved_err, log_fd):
            os.close(fd)
        terminal.close()


def _text(fd: int) -> TextIO:
    return os.fdopen(fd, "w", buffering=1, encoding="utf-8", errors="replace")
