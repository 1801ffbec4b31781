"""The landing-folder sensor fires for new export files, once per file version."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation import KPI_REFRESH_JOB_NAME, landing_files_sensor
from orchestration.landing import diff_landing


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing"
    (folder / "salesforce").mkdir(parents=True)
    (folder / "targets").mkdir()
    monkeypatch.setenv("CRMKPI_LANDING_DIR", str(folder))
    monkeypatch.setenv("CRMKPI_SENSOR_SETTLE_SECONDS", "30")
    return folder


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def _write(path: Path, text: str, age_seconds: float = 120) -> None:
    """Write an export that finished landing `age_seconds` ago."""
    path.write_text(text, encoding="utf-8")
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = landing_files_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def test_fires_on_a_new_file_and_never_again_for_the_same_one(
    landing: Path, instance: dg.DagsterInstance
) -> None:
    opportunity = landing / "salesforce" / "Opportunity.csv"
    _write(opportunity, "Id,StageName\n006A,Prospecting\n")

    first = _tick(instance, None)
    (request,) = first.run_requests or []
    assert request.run_key and request.tags["crmkpi/new_files"] == "1"
    assert landing_files_sensor.job_name == KPI_REFRESH_JOB_NAME

    # Same file, next tick: nothing to do.
    second = _tick(instance, first.cursor)
    assert not second.run_requests and second.skip_reason is not None
    # Touched, or copied in again with the same content: still the same file.
    _write(opportunity, "Id,StageName\n006A,Prospecting\n", age_seconds=60)
    third = _tick(instance, second.cursor)
    assert not third.run_requests

    # A new export fires once, for that file only, with another run key.
    _write(landing / "targets" / "quotas.csv", "Rep Email,Period,Quota\n")
    fourth = _tick(instance, third.cursor)
    (new_request,) = fourth.run_requests or []
    assert new_request.tags["crmkpi/new_files"] == "1"
    assert new_request.run_key != request.run_key
    assert not _tick(instance, fourth.cursor).run_requests

    # New content under an old name is a new file version.
    _write(opportunity, "Id,StageName\n006A,Closed Won\n", age_seconds=45)
    fifth = _tick(instance, fourth.cursor)
    assert len(fifth.run_requests or []) == 1
    assert not _tick(instance, fifth.cursor).run_requests


def test_the_run_key_names_the_file_versions(landing: Path, instance: dg.DagsterInstance) -> None:
    """Evaluated twice from the same cursor (a lost cursor update), the run key repeats, so
    Dagster's run-key deduplication still starts only one refresh."""
    _write(landing / "salesforce" / "User.csv", "Id\n005A\n")
    one, two = _tick(instance, None), _tick(instance, None)
    assert one.run_requests[0].run_key == two.run_requests[0].run_key


def test_files_still_being_written_and_partial_downloads_wait(
    landing: Path, instance: dg.DagsterInstance
) -> None:
    growing = landing / "salesforce" / "Task.csv"
    _write(growing, "Id\n00T1\n", age_seconds=1)  # modified a second ago: still landing
    _write(landing / "salesforce" / "Event.csv.part", "Id\n")
    _write(landing / "salesforce" / ".~lock.Event.csv#", "x")
    _write(landing / "targets" / "~$quotas.xlsx", "x")

    settling = _tick(instance, None)
    assert not settling.run_requests
    assert "still being written" in str(settling.skip_reason)

    _write(growing, "Id\n00T1\n00T2\n", age_seconds=90)  # finished
    settled = _tick(instance, settling.cursor)
    assert len(settled.run_requests or []) == 1
    assert settled.run_requests[0].tags["crmkpi/new_files"] == "1"


def test_first_look_skips_files_an_earlier_refresh_already_loaded(landing: Path) -> None:
    _write(landing / "salesforce" / "Account.csv", "Id\n001A\n", age_seconds=3600)
    _write(landing / "salesforce" / "Task.csv", "Id\n00T1\n", age_seconds=60)
    last_refresh_started = time.time() - 600

    diff = diff_landing(landing, None, settle_seconds=30, baseline_mtime=last_refresh_started)
    assert diff.new_files == ["salesforce/Task.csv"]
    # ...but both are in the cursor, so neither fires again.
    assert not diff_landing(landing, diff.cursor, settle_seconds=30).new_files
