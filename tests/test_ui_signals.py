"""`crmkpi ui` (dagster dev: webserver, daemon, code servers) stops within 5 s of SIGTERM or
SIGINT, and leaves no process of its tree behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.supervise import descendants

pytestmark = pytest.mark.slow

CRMKPI = str(Path(sys.executable).with_name("crmkpi"))
STARTUP_TIMEOUT_S = 300  # dagster dev loads the definitions (dbt manifest) in a code server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _serving(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_ui_stops_within_five_seconds_of_a_signal(tmp_path: Path, signum: int) -> None:
    port = _free_port()
    (tmp_path / "landing").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMKPI_", "DAGSTER_"))}
    ui = subprocess.Popen(
        [
            CRMKPI,
            "ui",
            "--landing",
            str(tmp_path / "landing"),
            "--warehouse",
            str(tmp_path / "w" / "crm_kpi.duckdb"),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tree: list[int] = []
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _serving(port):
            assert ui.poll() is None, f"crmkpi ui exited with {ui.returncode} before serving"
            assert time.monotonic() < deadline, "the Dagster UI did not start"
            time.sleep(1)
        tree = descendants(ui.pid)
        # dagster dev, and under it the webserver and the daemon (and their code servers).
        assert len(tree) >= 3, tree

        ui.send_signal(signum)
        assert ui.wait(timeout=5) == 0  # stopped on request: a clean exit
        assert not [pid for pid in tree if _alive(pid)], "processes of the UI outlived it"
        assert not _serving(port)
    finally:
        if ui.poll() is None:
            ui.kill()
            ui.wait()
        for pid in tree:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
