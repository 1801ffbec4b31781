"""The publish guard: a refresh may not replace the published marts with far fewer rows.

Checks can pass on data that is merely *missing*: an export that came back truncated, a file
refused whole, a source folder that was emptied. The marts built from what is left are valid,
just small, and publishing them would replace good data. So before `published_marts` replaces
the published file, it compares what it is about to publish with what is published now:

- **each mart**: fewer rows than the published version by more than `publish_max_shrink_percent`
  (default 50 %) blocks publishing. Marts whose size follows the state of the business rather
  than the amount of data (open-deal risk lists, the current period's plan) opt out in their
  dbt YAML (`config.meta.publish_shrink_guard: false`);
- **each raw table** the published marts were built from: the same rule, and a raw table that
  holds no rows at all while it held rows at the last publication names its source as having
  loaded nothing.

Raw *tables* are compared, not the rows a refresh loaded: loads are incremental, so a refresh
that finds no new export files legitimately loads nothing while the raw tables still hold every
row, and it publishes. What the guard stops is the raw tables or marts *losing* rows: a fresh
warehouse built from a truncated export, a correction that retracted most of a table, a
source whose files are gone.

`crmkpi refresh --allow-shrink` (run config `allow_shrink` of `published_marts`) publishes
anyway; the publication then records the shrink it was allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.publish import PUBLICATION_TABLE

#: Key of the raw table row counts in `meta.publication.details`.
RAW_ROW_COUNTS_KEY = "raw_row_counts"
#: dbt `meta` key: `false` exempts a mart from the shrink rule.
SHRINK_GUARD_META_KEY = "publish_shrink_guard"


@dataclass(frozen=True)
class ShrinkBlocker:
    """One table that would lose too many rows if published."""

    table: str  # `marts.<mart>` or `raw_<source>.<table>`
    published_rows: int
    working_rows: int
    max_shrink_percent: float

    @property
    def is_raw(self) -> bool:
        return self.table.startswith("raw_")

    @property
    def drop_percent(self) -> float:
        return 100.0 * (self.published_rows - self.working_rows) / self.published_rows

    @property
    def shown_drop_percent(self) -> float:
        """The drop, never rounded up to 100 % while rows remain."""
        return min(self.drop_percent, 99.9) if self.working_rows else 100.0

    @property
    def reason(self) -> str:
        if self.is_raw and self.working_rows == 0:
            source = self.table.split(".", 1)[0].removeprefix("raw_")
            return (
                f"{self.table} holds no rows, while the published marts were built from "
                f"{self.published_rows:,} of them: the {source} source loaded nothing"
            )
        what = "the published marts were built from" if self.is_raw else "the published file has"
        return (
            f"{self.table}: {self.working_rows:,} rows, {what} {self.published_rows:,} "
            f"(-{self.shown_drop_percent:.1f} %, more than the {self.max_shrink_percent:g} % "
            "a refresh may drop)"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "table": self.table,
            "published_rows": self.published_rows,
            "working_rows": self.working_rows,
            "reason": self.reason,
        }


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def raw_row_counts(
    connection: duckdb.DuckDBPyConnection, raw_schemas: Iterable[str]
) -> dict[str, int]:
    """Rows of every raw table (dlt's own `_dlt_*` tables excluded), keyed `schema.table`."""
    schemas = sorted(set(raw_schemas))
    if not schemas:
        return {}
    tables = connection.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in (select unnest(?::varchar[]))"
        " and table_name not like '\\_dlt\\_%' escape '\\'"
        " and table_catalog = current_database()"
        " order by all",
        [schemas],
    ).fetchall()
    counts: dict[str, int] = {}
    for schema, table in tables:
        row = connection.execute(
            f"select count(*) from {_quote(schema)}.{_quote(table)}"
        ).fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def mart_row_counts(connection: duckdb.DuckDBPyConnection, marts: Iterable[str]) -> dict[str, int]:
    """Rows of each of `marts` that exists in schema `marts` (a missing one is left out)."""
    existing = {
        row[0]
        for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
            " and table_catalog = current_database()"
        ).fetchall()
    }
    counts: dict[str, int] = {}
    for mart in sorted(set(marts) & existing):
        row = connection.execute(f"select count(*) from marts.{_quote(mart)}").fetchone()
        counts[mart] = int(row[0]) if row else 0
    return counts


def published_row_counts(published: Path) -> tuple[dict[str, int], dict[str, int]] | None:
    """(mart rows, raw table rows) recorded by the last publication; None if nothing is published.

    Raw rows are empty for a file published before the guard recorded them.
    """
    if not Path(published).is_file():
        return None
    connection = duckdb.connect(str(published), read_only=True)
    try:
        row = connection.execute(f"select row_counts, details from {PUBLICATION_TABLE}").fetchone()
    except duckdb.CatalogException:
        return None  # not a published file of this project
    finally:
        connection.close()
    if row is None:
        return None
    marts, details = (json.loads(v) if isinstance(v, str) else (v or {}) for v in row)
    return dict(marts), dict(details.get(RAW_ROW_COUNTS_KEY) or {})


def shrink_blockers(
    published: Mapping[str, int],
    working: Mapping[str, int],
    max_shrink_percent: float,
) -> list[ShrinkBlocker]:
    """Tables of `published` that `working` would shrink by more than `max_shrink_percent`.

    Both map a table to its row count; a table absent from `working` counts as empty, one
    absent from `published` (new, or not recorded) is not judged.
    """
    if not 0 <= max_shrink_percent <= 100:
        raise ValueError(f"publish_max_shrink_percent must be within 0..100: {max_shrink_percent}")
    keep = 1 - max_shrink_percent / 100
    return [
        ShrinkBlocker(table, before, working.get(table, 0), max_shrink_percent)
        for table, before in sorted(published.items())
        if before > 0 and working.get(table, 0) < before * keep
    ]


def publication_shrink(
    working: Path,
    published: Path,
    guarded_marts: Iterable[str],
    raw_schemas: Iterable[str],
    max_shrink_percent: float,
) -> tuple[list[ShrinkBlocker], dict[str, int]]:
    """The shrink blockers of publishing `working` over `published`, and the working file's
    raw row counts (to record with the publication, for the next comparison)."""
    connection = duckdb.connect(str(working), read_only=True)
    try:
        raw_now = raw_row_counts(connection, raw_schemas)
        marts = sorted(set(guarded_marts))
        marts_now = mart_row_counts(connection, marts)
    finally:
        connection.close()
    before = published_row_counts(published)
    if before is None:
        return [], raw_now  # first publication: nothing to lose
    marts_before, raw_before = before
    blockers = shrink_blockers(
        {f"marts.{m}": n for m, n in marts_before.items() if m in marts},
        {f"marts.{m}": n for m, n in marts_now.items()},
        max_shrink_percent,
    )
    blockers += shrink_blockers(raw_before, raw_now, max_shrink_percent)
    return blockers, raw_now
