"""`crmkpi kpis --by --grain --format --periods` on the hand-built published warehouse."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import published_fixture as fixture
import pytest

from orchestration.summary import kpi_table, render_csv, render_json, render_table


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kpis") / "crm_kpi.duckdb"
    return fixture.build_published(path, fixture.fixture_rows())


def test_company_quarters_with_the_partial_one_marked(published: Path) -> None:
    table = kpi_table(published)

    assert [row["period"] for row in table.rows] == ["2025-Q1", "2025-Q2"]
    # the as-of date 2025-05-14 lies in Q2: partial (computed; this mart has no flag yet)
    assert [row["is_partial_period"] for row in table.rows] == [False, True]
    assert [row["won_amount"] for row in table.rows] == [400_000.0, 100_000.0]
    text = render_table(table)
    assert "2025-Q2*" in text and "2025-Q1*" not in text
    assert "9.1%" in text  # Q2 attainment 100,000 / 1,100,000


def test_by_team_and_rep_in_json_and_csv(published: Path) -> None:
    teams = json.loads(render_json(kpi_table(published, by="team")))
    assert teams["by"] == "team" and teams["as_of_date"] == "2025-05-14"
    [emea] = teams["rows"]
    assert (emea["team"], emea["period"], emea["period_start"]) == ("EMEA", "2025-Q2", "2025-04-01")
    assert emea["attainment"] == pytest.approx(100_000 / 700_000)
    assert emea["avg_deal_size"] is None  # unknown stays null

    rows = list(csv.DictReader(io.StringIO(render_csv(kpi_table(published, by="rep")))))
    assert [(r["rep"], r["scope_id"], r["won_amount"]) for r in rows] == [
        ("Ada Lovelace", "r1", "100000.0")
    ]
    assert rows[0]["is_partial_period"] == "True"


def test_periods_and_grain_cut_the_rows(published: Path) -> None:
    assert [r["period"] for r in kpi_table(published, periods=1).rows] == ["2025-Q2"]
    assert kpi_table(published, grain="month").rows == []  # the fixture has quarters only


def test_the_command_line_options(published: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("crmkpi")),
            "kpis",
            "--published",
            str(published),
            "--by",
            "rep",
            "--grain",
            "quarter",
            "--format",
            "json",
            "--periods",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [row["rep"] for row in document["rows"]] == ["Ada Lovelace"]
