"""The KPI app in a real browser: a real `crmkpi app` server, Debian's Chromium, Playwright.

Loads every page of the hand-built published warehouse (tests/published_fixture.py), checks
that no exception or error box shows and that a known KPI value of the page appears, and
saves a screenshot of each page under the test's tmp dir (`browser_artefacts/`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import published_fixture as fixture
import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Offline-safe flags: without the background-networking ones Chromium keeps calling home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_SECONDS = 60
# page url -> a value the page must show (worked out in tests/published_fixture.py)
# (tables draw on a canvas, so the values checked are metrics and text)
PAGES = {
    "": "1,100,000",  # Overview, at the root: the company's Q2 target
    "funnel": "80.0%",  # qualification -> presentation: 4 / (4 + 1)
    "stages": "9.0 · 14.0 days",  # qualification median and p75
    "coaching?team=EMEA": "low follow-up in presentation (1.0 against a team median of 3.0)",
    "plan?team=EMEA&rep=Ada+Lovelace": "500,000 to go",  # 600,000 target - 100,000 won
    "data-health": "2025-05-14",  # the as-of date
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"crmkpi app exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"crmkpi app did not answer within {SERVER_START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("browser")
    published = fixture.build_published(
        base / "crm_kpi.duckdb", fixture.fixture_rows(), quarantine=fixture.fixture_quarantine()
    )
    port = _free_port()
    log = base / "app.log"
    crmkpi = Path(sys.executable).with_name("crmkpi")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                str(crmkpi),
                "app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--published",
                str(published),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_every_page_loads_in_chromium_without_an_error(app_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium when run as root; "
            "otherwise run `apt-get install -y chromium`"
        )
    from playwright.sync_api import expect, sync_playwright

    artefacts = tmp_path / "browser_artefacts"
    artefacts.mkdir()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            for path, known_value in PAGES.items():
                page.goto(f"{app_url}/{path}", wait_until="networkidle")
                expect(page.get_by_text(known_value).first).to_be_visible(timeout=30_000)
                # the page has finished its run: no "running" indicator left
                expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=30_000)
                name = path.split("?")[0] or "overview"
                page.screenshot(path=str(artefacts / f"{name}.png"), full_page=True)
                assert page.get_by_test_id("stException").count() == 0, path
                assert page.get_by_test_id("stAlertContentError").count() == 0, path
                assert page.get_by_text("Page not found").count() == 0, path
        finally:
            browser.close()
    shots = sorted(p.name for p in artefacts.iterdir())
    assert shots == sorted(f"{p.split('?')[0] or 'overview'}.png" for p in PAGES)
