"""Privacy of the published file: free text stays out unless asked for; the file's mode is set.

Activity subjects are free text reps write ("call with Anna about her divorce"): the mart
keeps them, the file BI reads does not, unless `publish_free_text` is on.
"""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pytest

from orchestration import settings
from orchestration.publish import free_text_columns, publish_marts

WORKING_SQL = """
create schema marts;
create table marts.fct_activities as
    select 'a1' as activity_id, 'call' as activity_type, 'Call with Anna (divorce)' as subject,
        'crm' as origin;
create table marts.dim_reps as select 'r1' as rep_id, 'Ann Rep' as rep_name;
"""


def _working(path: Path) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute(WORKING_SQL)
    return path


def _columns(published: Path, table: str) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as connection:
        rows = connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    return [row[0] for row in rows]


def test_withheld_columns_stay_out_and_the_file_gets_its_mode(tmp_path: Path) -> None:
    working = _working(tmp_path / "w.duckdb")
    published = tmp_path / "published" / "w.duckdb"

    publish_marts(
        working,
        published,
        ["fct_activities", "dim_reps"],
        "run-1",
        withheld={"fct_activities": ["subject"]},
    )

    assert _columns(published, "fct_activities") == ["activity_id", "activity_type", "origin"]
    assert _columns(published, "dim_reps") == ["rep_id", "rep_name"]
    assert stat.S_IMODE(published.stat().st_mode) == 0o640  # rw owner, r group, none other
    with duckdb.connect(str(published), read_only=True) as connection:
        (details,) = connection.execute("select details from meta.publication").fetchone()
    assert '"withheld_columns": {"fct_activities": ["subject"]}' in details


def test_with_nothing_withheld_subjects_are_published_under_the_mode_asked_for(
    tmp_path: Path,
) -> None:
    working = _working(tmp_path / "w.duckdb")
    published = tmp_path / "published.duckdb"

    publish_marts(working, published, ["fct_activities"], "run-1", file_mode=0o600)

    assert "subject" in _columns(published, "fct_activities")
    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute("select subject from marts.fct_activities").fetchall() == [
            ("Call with Anna (divorce)",)
        ]
    assert stat.S_IMODE(published.stat().st_mode) == 0o600


def test_the_marts_declare_activity_subjects_free_text() -> None:
    """The project's manifest (the YAML meta `free_text: true`) withholds fct_activities.subject
    by default and nothing when the option is on."""
    from orchestration.defs.publish import withheld_columns

    with pytest.MonkeyPatch.context() as env:
        env.delenv("CRMKPI_PUBLISH_FREE_TEXT", raising=False)
        env.setenv("CRMKPI_CONFIG", "/nonexistent/crmkpi.yaml")
        assert withheld_columns() == {"fct_activities": ["subject"]}
        env.setenv("CRMKPI_PUBLISH_FREE_TEXT", "true")
        assert withheld_columns() == {}


def test_free_text_columns_come_from_column_meta() -> None:
    manifest = {
        "nodes": {
            "model.p.fct_activities": {
                "resource_type": "model",
                "schema": "marts",
                "name": "fct_activities",
                "columns": {
                    "subject": {"config": {"meta": {"free_text": True}}},
                    "activity_id": {"config": {"meta": {}}},
                    "note": {"meta": {"free_text": True}},
                },
            },
            "model.p.stg_tasks": {
                "resource_type": "model",
                "schema": "staging",
                "name": "stg_tasks",
                "columns": {"subject": {"meta": {"free_text": True}}},
            },
        }
    }
    assert free_text_columns(manifest) == {"fct_activities": ["note", "subject"]}


@pytest.mark.parametrize(
    ("value", "mode"), [(None, 0o640), ("0600", 0o600), ("640", 0o640), ("0o644", 0o644)]
)
def test_published_file_mode_is_read_as_octal_text(
    value: str | None, mode: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRMKPI_CONFIG", "/nonexistent/crmkpi.yaml")
    if value is None:
        monkeypatch.delenv("CRMKPI_PUBLISHED_FILE_MODE", raising=False)
    else:
        monkeypatch.setenv("CRMKPI_PUBLISHED_FILE_MODE", value)
    assert settings.published_file_mode() == mode


def test_a_numeric_or_invalid_file_mode_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRMKPI_PUBLISHED_FILE_MODE", raising=False)
    config = tmp_path / "crmkpi.yaml"
    config.write_text("published_file_mode: 0640\npublish_free_text: yes\n", encoding="utf-8")
    monkeypatch.setenv("CRMKPI_CONFIG", str(config))
    monkeypatch.delenv("CRMKPI_PUBLISH_FREE_TEXT", raising=False)
    # YAML read the unquoted 0640 as the number 416: ambiguous, refused with the fix
    with pytest.raises(ValueError, match=r"quoted in crmkpi\.yaml"):
        settings.published_file_mode()
    assert settings.option("publish_free_text") is True  # YAML's yes
    monkeypatch.setenv("CRMKPI_PUBLISHED_FILE_MODE", "0999")
    with pytest.raises(ValueError, match="octal permissions"):
        settings.published_file_mode()
    monkeypatch.setenv("CRMKPI_PUBLISH_FREE_TEXT", "false")
    assert settings.option("publish_free_text") is False
    monkeypatch.setenv("CRMKPI_PUBLISH_FREE_TEXT", "maybe")
    with pytest.raises(ValueError, match="expected true or false"):
        settings.option("publish_free_text")
