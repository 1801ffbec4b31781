"""Duplicate keys: quarantined within one file, superseded across the files of one run.

Within one export file a key must appear once. The first row with a key loads; every later row
with the same key goes to the quarantine, naming the first row and saying whether the content
is identical or conflicting, so that rows in = rows loaded + rows quarantined still holds.

Files sorted by their key (Data Loader exports usually are) are checked for free: a strictly
increasing key column cannot repeat, and nothing is kept. Otherwise the keys seen so far (and
a hash of each row's content) live in an in-memory DuckDB table. A file that is sorted at first
and unsorted later (two exports pasted together) switches to the table, reading its sorted
part again to fill it.

Across files of one run (several exports of the same records, read newest first), a key already
loaded from a newer export supersedes the older rows: they count as loaded (the newer version of
the record is what lands), exactly as a merge of the older file followed by the newer would do.
A newer export that this run does not read again (archived: gone from the landing folder, its
rows still loaded) claims its keys the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.schema import LINEAGE_COLUMNS, SOURCE_ROW_COLUMN
from ingestion.common.settings import duckdb_memory_config
from ingestion.common.typing import REJECTED_ROWS_SCHEMA, empty_rejections, quote

RawRecords = Callable[[list[int]], dict[int, str]]


def _key_text(key: tuple[str, ...], values: Iterable[object]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(key, values, strict=True))


@dataclass
class _Duplicate:
    source_row: int
    first_row: int
    key_text: str
    same: bool


@dataclass
class DuplicateGuard:
    """Finds repeated keys within one file, batch by batch."""

    key: tuple[str, ...]
    source_file: str
    # Reads the file again up to a row: the loaded rows of the sorted part, when needed.
    earlier: Callable[[int], Iterable[pa.Table]] | None = None
    _connection: duckdb.DuckDBPyConnection | None = None
    _last_key: object = None
    _sorted_until: int = 0  # last row checked the cheap way (keys strictly increasing)
    duplicates: list[_Duplicate] = field(default_factory=list)

    @property
    def _fast(self) -> bool:
        return self._connection is None

    def check(self, loaded: pa.Table) -> pa.Table:
        """Return the rows of `loaded` whose key is new in this file; remember the others."""
        if not self.key or loaded.num_rows == 0:
            return loaded
        if self._fast and len(self.key) == 1 and self._still_sorted(loaded):
            return loaded
        if self._fast:
            self._start_table()
        return self._check_with_table(loaded)

    def _still_sorted(self, loaded: pa.Table) -> bool:
        keys = loaded.column(self.key[0]).combine_chunks()
        if not pa.types.is_string(keys.type) and not pa.types.is_integer(keys.type):
            return False
        if len(keys) > 1 and not pc.all(pc.less(keys[:-1], keys[1:])).as_py():
            return False
        first = keys[0].as_py()
        if self._last_key is not None and not first > self._last_key:  # type: ignore[operator]
            return False
        self._last_key = keys[-1].as_py()
        self._sorted_until = pc.max(loaded.column(SOURCE_ROW_COLUMN)).as_py()
        return True

    def _start_table(self) -> None:
        self._connection = duckdb.connect(config=duckdb_memory_config())
        self._connection.execute(
            "create table seen as select "
            + ", ".join(f"cast(null as varchar) as {quote(k)}" for k in self.key)
            + ", cast(null as bigint) as first_row, cast(null as ubigint) as h where false"
        )
        if self._sorted_until and self.earlier is not None:
            # The file was sorted so far and no key was kept: read that part again.
            for loaded in self.earlier(self._sorted_until):
                self._remember(loaded)

    def _remember(self, loaded: pa.Table) -> None:
        connection = self._connection
        assert connection is not None
        content = [c for c in loaded.column_names if c not in (*LINEAGE_COLUMNS,)]
        keys = ", ".join(f"cast({quote(k)} as varchar)" for k in self.key)
        connection.register("earlier", loaded)
        try:
            connection.execute(
                f"insert into seen select {keys}, {SOURCE_ROW_COLUMN}, "
                f"hash({', '.join(quote(c) for c in content)}) from earlier"
            )
        finally:
            connection.unregister("earlier")

    def _check_with_table(self, loaded: pa.Table) -> pa.Table:
        connection = self._connection
        assert connection is not None
        content = [c for c in loaded.column_names if c not in (*LINEAGE_COLUMNS,)]
        keys = ", ".join(f"cast({quote(k)} as varchar) as {quote(k)}" for k in self.key)
        key_list = ", ".join(quote(k) for k in self.key)
        connection.register("cur", loaded)
        try:
            connection.execute(
                f"create or replace temp table cur_keys as select {keys}, "
                f"{SOURCE_ROW_COLUMN} as source_row, "
                f"hash({', '.join(quote(c) for c in content)}) as h from cur"
            )
        finally:
            connection.unregister("cur")
        against_seen = connection.execute(
            f"select c.source_row, s.first_row, s.h = c.h as same, {key_list} "
            f"from cur_keys c join seen s using ({key_list})"
        ).fetchall()
        within = connection.execute(
            f"select source_row, first_row, first_h = h as same, {key_list} from ("
            f"select *, first_value(source_row) over w as first_row, "
            f"first_value(h) over w as first_h, row_number() over w as rn "
            f"from cur_keys anti join seen using ({key_list}) "
            f"window w as (partition by {key_list} order by source_row)) where rn > 1"
        ).fetchall()
        connection.execute(
            f"insert into seen select {key_list}, arg_min(source_row, source_row), "
            f"arg_min(h, source_row) from cur_keys anti join seen using ({key_list}) "
            f"group by {key_list}"
        )
        dropped: set[int] = set()
        for source_row, first_row, same, *key_values in [*against_seen, *within]:
            self.duplicates.append(
                _Duplicate(source_row, first_row, _key_text(self.key, key_values), bool(same))
            )
            dropped.add(source_row)
        if not dropped:
            return loaded
        keep = pc.invert(pc.is_in(loaded.column(SOURCE_ROW_COLUMN), pa.array(sorted(dropped))))
        return loaded.filter(keep)

    def rejections(self, raw_records: RawRecords) -> pa.Table:
        if not self.duplicates:
            return empty_rejections()
        raw = raw_records([d.source_row for d in self.duplicates])
        column = ",".join(self.key)
        records = []
        for d in sorted(self.duplicates, key=lambda d: d.source_row):
            verdict = "identical row, same key" if d.same else "conflicting content, same key"
            records.append(
                {
                    "source_file": self.source_file,
                    "source_row": d.source_row,
                    "column_name": column,
                    "reason": f"duplicate of row {d.first_row} ({verdict}: {d.key_text}); "
                    "the first row was loaded",
                    "raw_record": raw.get(d.source_row),
                }
            )
        return pa.Table.from_pylist(records, schema=REJECTED_ROWS_SCHEMA)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@dataclass
class SupersededFilter:
    """Drops rows whose key a newer export already delivered in this run.

    `claim` marks keys a newer export delivered in an earlier run and that this run does not
    read again (an archived file's rows, still in the warehouse), so older rows cannot
    overwrite them either.
    """

    key: tuple[str, ...]
    _connection: duckdb.DuckDBPyConnection | None = None

    def _keys_table(self) -> duckdb.DuckDBPyConnection:
        if self._connection is None:
            self._connection = duckdb.connect(config=duckdb_memory_config())
            self._connection.execute(
                "create table run_keys as select "
                + ", ".join(f"cast(null as varchar) as {quote(k)}" for k in self.key)
                + " where false"
            )
        return self._connection

    def claim(self, keys: pa.Table) -> None:
        """Keys (columns named like the key) that no older row of this run may overwrite."""
        if not self.key or keys.num_rows == 0:
            return
        connection = self._keys_table()
        connection.register("cur", keys)
        try:
            self._add_new_keys(connection)
        finally:
            connection.unregister("cur")

    def _add_new_keys(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Remember the keys of the registered relation `cur` this run has not seen yet."""
        key_list = ", ".join(quote(k) for k in self.key)
        casts = ", ".join(f"cast({quote(k)} as varchar) as {quote(k)}" for k in self.key)
        connection.execute(
            f"insert into run_keys select distinct * from (select {casts} from cur) "
            f"anti join run_keys using ({key_list})"
        )

    def apply(self, loaded: pa.Table) -> pa.Table:
        if not self.key or loaded.num_rows == 0:
            return loaded
        key_list = ", ".join(quote(k) for k in self.key)
        connection = self._keys_table()
        casts = ", ".join(f"cast({quote(k)} as varchar) as {quote(k)}" for k in self.key)
        connection.register("cur", loaded)
        try:
            superseded = [
                row
                for (row,) in connection.execute(
                    f"select {SOURCE_ROW_COLUMN} from (select {casts}, {SOURCE_ROW_COLUMN} "
                    f"from cur) semi join run_keys using ({key_list})"
                ).fetchall()
            ]
            self._add_new_keys(connection)
        finally:
            connection.unregister("cur")
        if not superseded:
            return loaded
        keep = pc.invert(pc.is_in(loaded.column(SOURCE_ROW_COLUMN), pa.array(superseded)))
        return loaded.filter(keep)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
