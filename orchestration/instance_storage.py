"""Dagster's SQLite event log, without a disk flush per event.

A refresh stores about 1,500 events (one materialization or check result per dbt node, each
with its planned event, twice: run shard and index). Dagster's `SqliteEventLogStorage` opens
a new connection for every event and closes it again: every commit syncs the write-ahead log
to disk, and every close checkpoints it into the database and syncs again. On this project's
machines that cost a third of a small refresh (profile in BENCHMARKS.md).

This storage writes the same files in the same format (the UI and `crmkpi status` read them
unchanged) but keeps a few connections open, so closing never checkpoints, and commits with
`synchronous = NORMAL`, which in WAL mode is still crash-safe for the database; a power cut
may lose the last events of a run, never corrupt the history.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# The index shard plus the most recent run shards stay open; older ones are disposed.
_OPEN_SHARDS = 8
_BUSY_TIMEOUT_SECONDS = 30


def _tune_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("pragma synchronous = normal")
    cursor.close()


class BufferedSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that reuses one pooled engine per shard (see module docstring).

    `base_dir` defaults to `$DAGSTER_HOME/history/runs`, where Dagster's default storage
    keeps the same files.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir=base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Field]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> BufferedSqliteEventLogStorage:
        base_dir = config_value.get("base_dir")
        if not base_dir:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise ValueError(
                    f"{cls.__name__} keeps its files under $DAGSTER_HOME/history/runs: set"
                    " DAGSTER_HOME to the instance directory, or give `base_dir` in dagster.yaml"
                )
            base_dir = os.path.join(home, "history", "runs")
        return cls(base_dir=base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": _BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
                )
                event.listen(engine, "connect", _tune_connection)
            self._engines[shard] = engine
            while len(self._engines) > _OPEN_SHARDS:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _dispose_engines(self) -> None:
        with self._engines_lock:
            while self._engines:
                _, engine = self._engines.popitem()
                engine.dispose()

    def wipe(self) -> None:
        self._dispose_engines()
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
