"""Type string batches against a TableSpec, splitting loadable rows from rejected ones.

Casting runs in an in-memory DuckDB over the arrow batch (zero-copy), so typing stays on the
arrow path: no per-row Python. Only the typed columns and one "bad row" flag come back from
DuckDB; text columns go through untouched (zero-copy), and the reasons and original record of a
bad row are worked out only for the rows that are bad. A value that does not cast is never
loaded as null: its row goes to the quarantine with the column and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dlt.common.normalizers.naming.snake_case import NamingConvention

from ingestion.common.delimited import UnreadableFileError
from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN, ColumnSpec, TableSpec

_naming = NamingConvention()

_SQL_TYPES = {
    "text": "varchar",
    "bigint": "bigint",
    "double": "double",
    "date": "date",
    "timestamp": "timestamptz",
    "boolean": "boolean",
    "seconds": "bigint",
}

ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
    "seconds": pa.int64(),
}

REJECTED_ROWS_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("column_name", pa.string()),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
    ]
)

_TRUE_WORDS = ("true", "t", "yes", "y", "1", "x", "checked", "done", "ja", "oui", "si", "sí", "是")
_FALSE_WORDS = ("false", "f", "no", "n", "0", "unchecked", "to do", "nein", "non", "否")
# `$1,234.50`, `USD 1,234.50`, `1,234.50 EUR`, `¥1,000`: currency marks and thousands commas.
_PLAIN_AMOUNT = (
    r"^-?\s*(?:[A-Z]{3}\s*)?[-$€£¥￥]?\s*-?\d{1,3}(?:,\d{3})*(?:\.\d+)?\s*(?:[A-Z]{3})?$"
)


def normalize_header(header: str) -> str:
    """The column name for this header (`CreatedDate` -> `created_date`, `Fällig am` ->
    `fallig_am`, `Probability (%)` -> `probability`); ``""`` when nothing readable is left
    (e.g. a Chinese header), which the typer then names by position.
    """
    header = re.sub(r"IDs\b", "Ids", header.replace("ß", "ss"))  # `Deal IDs`, not `deal_i_ds`
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", header) if not unicodedata.combining(c)
    )
    if any(c.isalpha() and ord(c) > 127 for c in folded):
        return ""  # letters dlt's snake_case would drop: not a usable name
    cleaned = re.sub(r"[^0-9A-Za-z_\- ]+", " ", folded).strip()
    return _naming.normalize_identifier(cleaned) if cleaned else ""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed_expression(column: ColumnSpec, raw: str) -> str:
    """SQL that types `raw` (a varchar column) as `column.type`; null when it cannot."""
    sql_type = _SQL_TYPES[column.type]
    trimmed = f"trim({raw})"
    if column.type == "seconds":
        scale = repr(float(column.scale))
        return (
            f"case when contains({raw}, ':') "
            f"then cast(epoch(try_cast({trimmed} as interval)) as bigint) "
            f"else cast(round(try_cast({trimmed} as double) * {scale}) as bigint) end"
        )
    if column.type in ("double", "bigint") and column.decimal_comma:
        european = f"replace(regexp_replace({trimmed}, '[\\s.]', '', 'g'), ',', '.')"
        return f"try_cast({european} as {sql_type})"
    first = f"try_cast({raw} as {sql_type})"
    fallbacks = [f"try_cast({trimmed} as {sql_type})"]
    fallbacks += [
        f"try_cast(try_strptime({trimmed}, {literal(fmt)}) as {sql_type})" for fmt in column.formats
    ]
    if column.type == "boolean":
        words_true = ", ".join(literal(w) for w in _TRUE_WORDS)
        words_false = ", ".join(literal(w) for w in _FALSE_WORDS)
        fallbacks.append(
            f"case when lower({trimmed}) in ({words_true}) then true "
            f"when lower({trimmed}) in ({words_false}) then false end"
        )
    if column.type in ("double", "bigint"):
        stripped = f"regexp_replace({trimmed}, '[A-Z]{{3}}|[$€£¥￥,\\s]', '', 'g')"
        fallbacks.append(
            f"case when regexp_full_match({trimmed}, {literal(_PLAIN_AMOUNT)}) "
            f"then try_cast({stripped} as {sql_type}) end"
        )
    # coalesce evaluates its later arguments only where the earlier ones are null
    return (
        f"coalesce({first}, case when {raw} is not null then coalesce({', '.join(fallbacks)}) end)"
    )


@dataclass(frozen=True)
class TypedBatch:
    loaded: pa.Table
    rejected: pa.Table


def empty_rejections() -> pa.Table:
    return REJECTED_ROWS_SCHEMA.empty_table()


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The arrow schema of a table's declared columns; key columns are non-nullable."""
    fields = [
        pa.field(c.name, ARROW_TYPES[c.type], nullable=c.name not in spec.primary_key)
        for c in spec.columns
    ]
    fields.append(pa.field(SOURCE_FILE_COLUMN, pa.string()))
    fields.append(pa.field(SOURCE_ROW_COLUMN, pa.int64()))
    return pa.schema(fields)


_constants: dict[tuple[str, str], pa.Array] = {}


def constant_column(value: str | None, length: int, type_: pa.DataType | None = None) -> pa.Array:
    """`value` repeated `length` times; a slice of a cached array (zero-copy per batch)."""
    type_ = type_ or pa.string()
    if value is None:
        return pa.nulls(length, type_)
    key = (value, str(type_))
    cached = _constants.get(key)
    if cached is None or len(cached) < length:
        if len(_constants) > 64:
            _constants.clear()
        size = max(length, 1 << 16)
        cached = pa.array([value], type_).take(pa.array(np.zeros(size, dtype=np.int32)))
        _constants[key] = cached
    return cached.slice(0, length)


class BatchTyper:
    """Types every batch of one file against one TableSpec.

    `stage_labels` maps a stage-label column to the lower-cased labels accepted in it (see
    `ingestion.common.stages`). `constants` adds fixed-value text columns to every loaded row
    (e.g. the snapshot date of a snapshot file).
    """

    def __init__(
        self,
        spec: TableSpec,
        source_file: str,
        headers: list[str],
        stage_labels: Mapping[str, frozenset[str]] | None = None,
        constants: Mapping[str, str] | None = None,
        header_map: Mapping[str, str] | None = None,
        timezone: str = "UTC",
        composites: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.spec = spec
        self.source_file = source_file
        self.headers = headers
        self.stage_labels = dict(stage_labels or {})
        self.constants = dict(constants or {})
        self._connection = duckdb.connect()
        # Date-times without an offset are local times of this zone (UTC unless configured).
        self._connection.execute(f"set timezone = {literal(timezone)}")
        self.timezone = timezone
        matched: dict[str, str] = {}  # spec column -> header carrying it
        extra: dict[str, str] = {}  # normalised name -> header, for undeclared columns
        declared = {c.name for c in spec.columns}
        explicit = dict(header_map or {})  # header -> spec column, from a mapping file
        for position, header in enumerate(headers, start=1):
            if header in explicit and explicit[header] in declared:
                matched.setdefault(explicit[header], header)
                continue
            normalized = normalize_header(header)
            column = spec.column_for_header(normalized) if normalized else None
            if column is not None and column.name in explicit.values():
                column = None  # the mapping file names another header for this column
            if column is not None and column.name not in matched:
                matched[column.name] = header
                continue
            name = normalized or f"column_{position}"
            if name in declared or name in extra or name in self.constants:
                name = f"{name}_{position}"
            extra[name] = header
        self.composites: dict[str, tuple[str, ...]] = {}
        for name, parts in (composites or {}).items():
            absent = [h for h in parts if h not in headers]
            if absent:
                raise UnreadableFileError(
                    f"missing column(s) {', '.join(absent)} for {spec.name}.{name}"
                )
            self.composites[name] = tuple(parts)
            matched[name] = parts[0]
            for part in parts:  # the parts are only read through the composite
                for extra_name, extra_header in list(extra.items()):
                    if extra_header == part:
                        del extra[extra_name]
        self.synthesized_key = (
            spec.synthesized_column
            if spec.key_from
            and spec.synthesized_column not in matched
            and any(name in matched for name in spec.key_from)
            else None
        )
        missing = [
            c.name
            for c in spec.required_columns
            if c.name not in matched
            and c.name != self.synthesized_key
            and c.name not in self.constants
        ]
        if missing:
            raise UnreadableFileError(
                f"missing required column(s) for {spec.name}: {', '.join(missing)}"
            )
        self.matched = matched
        self.extra = extra
        self._build_sql()

    # -- SQL ------------------------------------------------------------------------------

    def _build_sql(self) -> None:
        renames = [
            f"concat_ws('|', {', '.join(quote(p) for p in self.composites[c])}) as {quote(c)}"
            if c in self.composites
            else f"{quote(h)} as {quote(c)}"
            for c, h in self.matched.items()
        ]
        for column in self.spec.columns:
            if column.name not in self.matched and column.name != self.synthesized_key:
                value = self.constants.get(column.name)
                renames.append(
                    f"cast({literal(value) if value is not None else 'null'} as varchar) "
                    f"as {quote(column.name)}"
                )
        raw_record = (
            "json_object(" + ", ".join(f"{literal(h)}, {quote(h)}" for h in self.headers) + ")"
        )
        renamed = f"select {', '.join(renames)}, {SOURCE_ROW_COLUMN} from batch"
        renamed_with_record = (
            f"select {', '.join(renames)}, {SOURCE_ROW_COLUMN}, {raw_record} as _raw_record "
            "from batch"
        )
        # Level 1 (`t`): raw columns under their names, typed values as `__t_<name>`. Level 2:
        # the typed values and one flag. Every check is a CASE, so the costly part (trim,
        # lower) runs only for the rows that need it, and no typed value is computed twice.
        typed: list[str] = []
        outputs: list[str] = []
        checks: list[tuple[str, str, str]] = []  # (condition, column, reason SQL)
        for column in self.spec.columns:
            if column.name not in self.matched:
                continue
            raw = quote(column.name)
            value = raw
            if column.type != "text":
                value = quote(f"__t_{column.name}")
                typed.append(f"{_typed_expression(column, raw)} as {value}")
                outputs.append(f"{value} as {raw}")
            elif column.name in self.composites:
                outputs.append(raw)
            if column.required or column.name in self.spec.primary_key:
                checks.append(
                    (
                        f"case when {raw} is null then true when ascii({raw}) <= 32 "
                        f"then trim({raw}) = '' else false end",
                        column.name,
                        literal("missing required value"),
                    )
                )
            if column.type != "text":
                checks.append(
                    (
                        f"case when {value} is null and {raw} is not null "
                        f"then trim({raw}) <> '' else false end",
                        column.name,
                        f"{literal(f'not a valid {column.type}: ')} || {raw}",
                    )
                )
            if column.non_negative and column.type != "text":
                checks.append(
                    (f"coalesce({value} < 0, false)", column.name, f"'negative value: ' || {raw}")
                )
            if column.name in self.stage_labels:
                labels = sorted(self.stage_labels[column.name])
                known = ", ".join(literal(label) for label in labels) or "''"
                when = f"coalesce(({column.stage_when}), false)" if column.stage_when else "true"
                condition = (
                    f"case when {raw} is null then false when {when} "
                    f"then lower(trim({raw})) not in ({known}) else false end"
                )
                system = column.stage_system or "any"
                checks.append(
                    (
                        condition,
                        column.name,
                        f"'unknown stage label: ' || {raw} || "
                        + literal(
                            " (not in dbt_project/seeds/stage_mapping.csv for source_system "
                            f"'{system}' or 'any'; add it there and refresh)"
                        ),
                    )
                )
        if self.synthesized_key:
            parts = ", ".join(f"coalesce({quote(c)}, '')" for c in self.spec.key_from)
            outputs.append(f"md5(concat_ws('|', {parts})) as {quote(self.synthesized_key)}")
        self._typed_names = [
            c.name
            for c in self.spec.columns
            if c.name in self.matched and (c.type != "text" or c.name in self.composites)
        ]
        if self.synthesized_key:
            self._typed_names.append(self.synthesized_key)
        self._needs_duckdb = bool(outputs or checks)
        self._fast_path_possible = (
            not self.synthesized_key
            and not self.composites
            and all(
                c.type not in ("seconds",)
                and not c.decimal_comma
                and not (c.name in self.stage_labels and c.stage_when)
                for c in self.spec.columns
                if c.name in self.matched
            )
        )
        bad = " or ".join(f"({condition})" for condition, _, _ in checks) or "false"
        level_one = f"select *, {', '.join(typed)} from r" if typed else "select * from r"
        self._typed_sql = (
            f"with r as ({renamed}), t as ({level_one}) "
            f"select {', '.join([*outputs, f'{bad} as _bad'])} from t"
        )
        errors = ", ".join(
            f"case when {condition} then "
            f"{{'column_name': {literal(column)}, 'reason': {reason}}} end"
            for condition, column, reason in checks
        )
        self._detail_sql = (
            f"with r as ({renamed_with_record}), t as ({level_one}) "
            f"select _source_row, unnest(list_filter([{errors or 'null'}], e -> e is not null)) "
            "as error, _raw_record from t"
        )

    # -- typing ---------------------------------------------------------------------------

    def type_batch(self, batch: pa.RecordBatch) -> TypedBatch:
        rows = batch.num_rows
        typed: Mapping[str, pa.ChunkedArray | pa.Array] | None = None
        bad: pa.ChunkedArray | pa.Array | None = None
        fast = self._arrow_fast_path(batch) if self._fast_path_possible else None
        if fast is not None:
            typed, bad = fast
        elif self._needs_duckdb:
            connection = self._connection
            connection.register("batch", batch)
            try:
                result = _to_arrow(connection.execute(self._typed_sql))
            finally:
                connection.unregister("batch")
            typed = {name: result.column(name) for name in self._typed_names}
            bad = result.column("_bad")
        columns: list[pa.ChunkedArray | pa.Array] = []
        names: list[str] = []
        for column in self.spec.columns:
            names.append(column.name)
            if typed is not None and column.name in typed:
                columns.append(typed[column.name])
            elif column.name in self.matched:
                columns.append(batch.column(self.matched[column.name]))
            elif column.name in self.constants:
                value = constant_column(self.constants[column.name], rows)
                columns.append(value.cast(ARROW_TYPES[column.type]))
            else:
                columns.append(pa.nulls(rows, ARROW_TYPES[column.type]))
        for name, header in self.extra.items():
            names.append(name)
            columns.append(batch.column(header))
        declared = {c.name for c in self.spec.columns}
        for name, value in self.constants.items():
            if name not in declared:
                names.append(name)
                columns.append(constant_column(value, rows))
        names += [SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN]
        columns += [constant_column(self.source_file, rows), batch.column(SOURCE_ROW_COLUMN)]
        loaded = pa.Table.from_arrays(
            [c if isinstance(c, pa.ChunkedArray) else pa.chunked_array([c]) for c in columns],
            names=names,
        )
        schema = self._loaded_schema(loaded.schema)
        if bad is None or not pc.any(bad).as_py():
            return TypedBatch(loaded=loaded.cast(schema), rejected=empty_rejections())
        if isinstance(bad, pa.ChunkedArray):
            bad = bad.combine_chunks()
        good = pc.invert(bad)
        bad_batch = batch.filter(pc.fill_null(bad, False))
        return TypedBatch(
            loaded=loaded.filter(good).cast(schema), rejected=self._details(bad_batch)
        )

    def _arrow_fast_path(
        self, batch: pa.RecordBatch
    ) -> tuple[dict[str, pa.Array], pa.Array] | None:
        """Type a clean batch with arrow casts alone; None when any value needs DuckDB.

        Arrow's casts accept a strict subset of what the DuckDB typing accepts (ISO dates,
        ISO timestamps with a zone, `true`/`false`/`1`/`0`, plain numbers) and give the same
        values for it, so a batch that casts cleanly is typed exactly as DuckDB would type it.
        Any other value (a report date, a zone-less timestamp, `1,000`, stray spaces) sends the
        whole batch through DuckDB.
        """
        typed: dict[str, pa.Array] = {}
        flags: list[pa.Array] = []
        for column in self.spec.columns:
            header = self.matched.get(column.name)
            if header is None:
                continue
            raw = batch.column(header)
            value = raw
            if column.type != "text":
                try:
                    value = pc.cast(raw, ARROW_TYPES[column.type])
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    return None
                typed[column.name] = value
            if column.required or column.name in self.spec.primary_key:
                flags.append(pc.or_kleene(pc.is_null(raw), pc.utf8_is_space(raw)))
            if column.non_negative and column.type != "text":
                flags.append(pc.less(value, 0))
            if column.name in self.stage_labels:
                labels = pa.array(sorted(self.stage_labels[column.name]), pa.string())
                lowered = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
                flags.append(pc.invert(pc.is_in(lowered, value_set=labels)))
        bad: pa.Array = pa.nulls(batch.num_rows, pa.bool_())
        for flag in flags:
            bad = pc.or_kleene(bad, flag)
        return typed, pc.fill_null(bad, False)

    def _details(self, bad_batch: pa.RecordBatch) -> pa.Table:
        connection = self._connection
        connection.register("batch", bad_batch)
        try:
            details = _to_arrow(
                connection.execute(
                    f"select ? as source_file, _source_row as source_row, "
                    f"error.column_name as column_name, error.reason as reason, "
                    f"_raw_record as raw_record from ({self._detail_sql}) "
                    "order by source_row, column_name",
                    [self.source_file],
                )
            )
        finally:
            connection.unregister("batch")
        return details.cast(REJECTED_ROWS_SCHEMA)

    def _loaded_schema(self, schema: pa.Schema) -> pa.Schema:
        # Key columns are never null once typed; saying so keeps dlt's key hints consistent.
        # Timestamps are UTC whatever zone local times were read in.
        types = {c.name: ARROW_TYPES[c.type] for c in self.spec.columns}
        fields = []
        for f in schema:
            if f.name in types:
                f = f.with_type(types[f.name])
            elif f.name in self.extra or f.name in self.constants:
                f = f.with_type(pa.string())
            if f.name in self.spec.primary_key:
                f = f.with_nullable(False)
            fields.append(f)
        return pa.schema(fields)

    def raw_records(self, batch: pa.RecordBatch) -> pa.Table:
        """JSON text of each row's original cells (for quarantining rows found bad later)."""
        connection = self._connection
        connection.register("batch", batch)
        try:
            record = ", ".join(f"{literal(h)}, {quote(h)}" for h in self.headers)
            return _to_arrow(
                connection.execute(
                    f"select {SOURCE_ROW_COLUMN} as source_row, "
                    f"json_object({record}) as raw_record from batch"
                )
            )
        finally:
            connection.unregister("batch")

    def close(self) -> None:
        self._connection.close()


def _to_arrow(result: duckdb.DuckDBPyConnection) -> pa.Table:
    to_table = getattr(result, "to_arrow_table", None)
    return to_table() if to_table is not None else result.fetch_arrow_table()
