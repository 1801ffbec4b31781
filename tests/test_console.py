"""The refresh's console: step lines everywhere, progress bars and colour only on a terminal,
everything else into the log file; and dbt's node count from its structured log."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import console as console_module
from orchestration.console import Console, new_log_path, output_to_log


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_bar_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_module, "_BAR_DELAY_SECONDS", 0.0)
    monkeypatch.setattr(console_module, "_REDRAW_SECONDS", 0.0)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")


def test_a_pipe_gets_step_lines_only(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()  # not a terminal
    console = Console(stream)
    with console.bar("dbt build", 413, "nodes") as bar:
        bar.update(200)
        console.line("ingest salesforce  6 files")
        bar.update(413)
    assert not console.interactive
    assert console.styled("FAILED") == "FAILED"
    assert stream.getvalue() == "ingest salesforce  6 files\n"  # no bar, no \r, no escape


def test_a_terminal_gets_a_bar_redrawn_in_place_and_cleared() -> None:
    stream = _Terminal()
    console = Console(stream)
    with console.bar("dbt build", 4, "nodes") as bar:
        bar.update(1)
        bar.update(4)
    console.line("dbt build          4 nodes: 4 passed")

    out = stream.getvalue()
    # 1 of 4 fills a quarter of the 24 cells; the bar is erased before the step line.
    assert "\rdbt build          [######..................] 1/4 nodes" in out
    assert "[########################] 4/4 nodes" in out
    assert out.endswith("\rdbt build          4 nodes: 4 passed\n")
    assert out.split("\n")[-1] == ""
    assert console.styled("FAILED") == "\x1b[31mFAILED\x1b[0m"


def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert Console(_Terminal()).styled("ok") == "ok"


def test_a_polled_bar_follows_work_done_elsewhere() -> None:
    stream = _Terminal()
    done = [0]
    with Console(stream).polled_bar("ingest calendar", 3, "files", poll=lambda: done[0]):
        for count in (1, 2, 3):
            done[0] = count
            deadline = time.monotonic() + 10
            while f"{count}/3 files" not in stream.getvalue() and time.monotonic() < deadline:
                time.sleep(0.01)
    assert "3/3 files" in stream.getvalue()


def test_the_log_takes_the_output_of_this_process_and_its_children(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "refresh.log"
    with output_to_log(log) as terminal:
        print("a Dagster event")
        print("a warning", file=sys.stderr)
        subprocess.run([sys.executable, "-c", "print('dbt: 1 of 413 START')"], check=True)
        terminal.write("ingest salesforce  6 files\n")
    print("after")

    shown = capfd.readouterr()
    assert shown.out == "ingest salesforce  6 files\nafter\n"
    assert shown.err == ""
    assert log.read_text().splitlines() == [
        "a Dagster event",
        "a warning",
        "dbt: 1 of 413 START",
    ]


def test_log_files_are_named_per_warehouse_and_pruned(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for n in range(35):
        (logs / f"w-refresh-2026010{n // 10}T00000{n % 10}000000Z.log").write_text("")
    (logs / "other-refresh-20200101T000000000000Z.log").write_text("")

    path = new_log_path(logs, tmp_path / "w.duckdb")

    assert path.parent == logs and path.name.startswith("w-refresh-") and not path.exists()
    # 29 old ones are kept, so with the new one there are 30; another warehouse's stay.
    assert len(list(logs.glob("w-refresh-*.log"))) == 29
    assert (logs / "other-refresh-20200101T000000000000Z.log").exists()


def test_dbt_nodes_are_counted_from_its_structured_log() -> None:
    from orchestration.dbt_results import DbtBuildTally

    def event(name: str, level: str = "info", msg: str = "", **data: object) -> dict:
        return {"info": {"name": name, "level": level, "msg": msg}, "data": data}

    tally = DbtBuildTally()
    started = [
        event("ConcurrencyLine", node_count=4, num_threads=2),
        event("LogStartLine", index=1, total=4),
        event("LogStartLine", index=2, total=4),
        event("LogModelResult", index=2, total=4, status="OK"),
        event("LogModelResult", index=1, total=4, status="OK"),
    ]
    for raw in started:
        tally.observe(raw)
    # Starts are not results: after the two model results, 2 of 4 are done.
    assert (len(tally.finished), tally.total) == (2, 4)
    for raw in [
        event("LogStartLine", index=3, total=4),
        event("LogTestResult", index=3, num_models=4, status="fail", num_failures=2),
        event("RunResultError", level="error", msg="Failure in test unique_dim_reps_rep_id"),
        event("SkippingDetails", index=4, total=4),
    ]:
        tally.observe(raw)
    assert (len(tally.finished), tally.total) == (4, 4)
    assert tally.errors == ["Failure in test unique_dim_reps_rep_id"]
    assert tally.summary == "4 of 4 nodes ran"
    tally.observe(
        event("StatsLine", stats={"pass": 2, "warn": 0, "error": 1, "skip": 1, "total": 4})
    )
    assert tally.summary == "4 nodes: 2 passed, 0 warned, 1 errors, 1 skipped"
