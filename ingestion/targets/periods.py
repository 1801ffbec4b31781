"""Turn a quota sheet's period labels into (grain, start, end), in DuckDB over arrow batches.

Accepted labels: `2025-Q1`, `2025 Q1`, `Q1 2025`, `Q1-2025`, `FY2025-Q1`, `2025-03`, `03/2025`,
`Mar 2025`, `March 2025`, `2025-03-01` (a spreadsheet date on the first of the month), and the
Chinese spellings `2025年第1季度`, `2025年Q1`, `2025年3月`.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from ingestion.common.typing import REJECTED_ROWS_SCHEMA, TypedBatch

TARGET_SCHEMA = pa.schema(
    [
        pa.field("target_id", pa.string(), nullable=False),
        pa.field("scope_type", pa.string()),
        pa.field("rep_email", pa.string()),
        pa.field("team", pa.string()),
        pa.field("scope_name", pa.string()),
        pa.field("period_label", pa.string()),
        pa.field("period_grain", pa.string()),
        pa.field("period_start", pa.date32()),
        pa.field("period_end", pa.date32()),
        pa.field("target_amount", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field(SOURCE_FILE_COLUMN, pa.string()),
        pa.field(SOURCE_ROW_COLUMN, pa.int64()),
    ]
)

_PARSE_SQL = r"""
with labelled as (
    select *, upper(trim(period)) as label from sheet
),

parsed as (
    select
        *,
        coalesce(
            nullif(regexp_extract(label, '^(?:FY)?\s*(\d{4})\s*[-_/ ]?\s*Q([1-4])$', 1), ''),
            nullif(regexp_extract(label, '^Q([1-4])\s*[-_/ ]?\s*(?:FY)?\s*(\d{4})$', 2), ''),
            nullif(regexp_extract(label, '^(\d{4})年\s*(?:第\s*)?Q?([1-4])\s*(?:季度)?$', 1), '')
        ) as quarter_year,
        coalesce(
            nullif(regexp_extract(label, '^(?:FY)?\s*(\d{4})\s*[-_/ ]?\s*Q([1-4])$', 2), ''),
            nullif(regexp_extract(label, '^Q([1-4])\s*[-_/ ]?\s*(?:FY)?\s*(\d{4})$', 1), ''),
            nullif(regexp_extract(label, '^(\d{4})年\s*(?:第\s*)?Q?([1-4])\s*(?:季度)?$', 2), '')
        ) as quarter_number,
        coalesce(
            try_strptime(label, '%Y-%m'),
            -- a spreadsheet date cell on the first of a month names that month
            case
                when day(try_strptime(label, '%Y-%m-%d')) = 1
                    then try_strptime(label, '%Y-%m-%d')
            end,
            try_strptime(label, '%m/%Y'),
            try_strptime(label, '%b %Y'),
            try_strptime(label, '%B %Y'),
            try_strptime(label, '%Y年%m月')
        ) as month_start
    from labelled
),

periods as (
    select
        *,
        case
            when quarter_year is not null then 'quarter'
            when month_start is not null then 'month'
        end as period_grain,
        case
            when quarter_year is not null
                then make_date(cast(quarter_year as int), cast(quarter_number as int) * 3 - 2, 1)
            else cast(month_start as date)
        end as period_start
    from parsed
),

final as (
    select
        *,
        case
            when nullif(trim(rep_email), '') is not null or nullif(trim(rep_name), '') is not null
                then 'rep'
            when nullif(trim(team), '') is not null then 'team'
        end as scope_type,
        lower(nullif(trim(rep_email), '')) as rep_email_normalized,
        cast(
            period_start
            + case when period_grain = 'quarter' then interval 3 month else interval 1 month end
            - interval 1 day as date
        ) as period_end
    from periods
)

select * from final
"""


def parse_target_periods(sheet: pa.Table) -> TypedBatch:
    """Split typed quota rows into loadable targets and rows whose period or scope is unclear."""
    connection = duckdb.connect()
    try:
        connection.register("sheet", sheet)
        connection.execute(f"create temp table parsed as {_PARSE_SQL}")
        loaded = connection.execute(
            """
            select
                scope_type || ':' || coalesce(rep_email_normalized, trim(rep_name), trim(team))
                    || ':' || period_grain || ':' || strftime(period_start, '%Y-%m-%d')
                    as target_id,
                scope_type,
                rep_email_normalized as rep_email,
                nullif(trim(team), '') as team,
                coalesce(nullif(trim(rep_name), ''), rep_email_normalized, trim(team))
                    as scope_name,
                period as period_label,
                period_grain,
                period_start,
                period_end,
                target_amount,
                upper(nullif(trim(currency), '')) as currency,
                _source_file,
                _source_row
            from parsed
            where period_grain is not null and scope_type is not null
            order by _source_row
            """
        ).fetch_arrow_table()
        rejected = connection.execute(
            """
            select
                _source_file as source_file,
                _source_row as source_row,
                case when period_grain is null then 'period' else 'rep_email' end as column_name,
                case
                    when period_grain is null
                        then 'unrecognised period label: ' || coalesce(period, '<empty>')
                            || ' (expected e.g. 2025-Q1, Q1 2025, 2025-03 or Mar 2025)'
                    else 'target names neither a rep nor a team'
                end as reason,
                to_json(struct_pack(period, rep_email, rep_name, team, target_amount, currency))
                    as raw_record
            from parsed
            where period_grain is null or scope_type is null
            order by _source_row
            """
        ).fetch_arrow_table()
    finally:
        connection.close()
    return TypedBatch(
        loaded=loaded.cast(TARGET_SCHEMA), rejected=rejected.cast(REJECTED_ROWS_SCHEMA)
    )
