"""The canonical tables a mapping file maps any CRM's exports onto (`raw_crm`).

Every table carries `source_system` (from the mapping file) as part of its key, so several CRMs
can be mapped side by side. Names of people and accounts are first-class: a CRM that exports
`负责人 = 张伟` instead of an owner id maps it to `owner_name`, and staging resolves it.
"""

from __future__ import annotations

from ingestion.common.schema import ColumnSpec, ColumnType, TableSpec

SOURCE_SYSTEM = ColumnSpec("source_system", required=True)

# canonical column -> (type, required, non_negative, stage label)
_Col = tuple[ColumnType, bool, bool, bool]

OPPORTUNITY_COLUMNS: dict[str, _Col] = {
    "id": ("text", True, False, False),
    "name": ("text", False, False, False),
    "stage": ("text", True, False, True),
    "amount": ("double", False, True, False),
    "currency": ("text", False, False, False),
    "close_date": ("date", False, False, False),
    "created_at": ("timestamp", False, False, False),
    "updated_at": ("timestamp", False, False, False),
    "owner_id": ("text", False, False, False),
    "owner_name": ("text", False, False, False),
    "account_id": ("text", False, False, False),
    "account_name": ("text", False, False, False),
    "pipeline": ("text", False, False, False),
    "probability": ("double", False, True, False),
    "lost_reason": ("text", False, False, False),
    "is_deleted": ("boolean", False, False, False),
}

TABLE_COLUMNS: dict[str, dict[str, _Col]] = {
    "opportunity": OPPORTUNITY_COLUMNS,
    "opportunity_snapshot": OPPORTUNITY_COLUMNS,
    "opportunity_stage_history": {
        "id": ("text", True, False, False),
        "opportunity_id": ("text", True, False, False),
        "stage": ("text", True, False, True),
        "changed_at": ("timestamp", True, False, False),
        "from_stage": ("text", False, False, True),
        "changed_by": ("text", False, False, False),
    },
    "activity": {
        "id": ("text", True, False, False),
        "activity_type": ("text", False, False, False),
        "subject": ("text", False, False, False),
        "occurred_at": ("timestamp", False, False, False),
        "duration_seconds": ("seconds", False, True, False),
        "status": ("text", False, False, False),
        "owner_id": ("text", False, False, False),
        "owner_name": ("text", False, False, False),
        "opportunity_id": ("text", False, False, False),
        "opportunity_name": ("text", False, False, False),
        "account_id": ("text", False, False, False),
        "account_name": ("text", False, False, False),
    },
    "user": {
        "id": ("text", True, False, False),
        "name": ("text", False, False, False),
        "email": ("text", False, False, False),
        "team": ("text", False, False, False),
        "title": ("text", False, False, False),
        "manager_id": ("text", False, False, False),
        "manager_name": ("text", False, False, False),
        "is_active": ("boolean", False, False, False),
    },
    "account": {
        "id": ("text", True, False, False),
        "name": ("text", False, False, False),
        "industry": ("text", False, False, False),
        "country": ("text", False, False, False),
        "website": ("text", False, False, False),
        "employees": ("bigint", False, True, False),
        "owner_id": ("text", False, False, False),
        "owner_name": ("text", False, False, False),
        "created_at": ("timestamp", False, False, False),
    },
}

# When a file has no id column of its own, the id is built from these (md5 of their values).
KEY_FROM: dict[str, tuple[str, ...]] = {
    "opportunity_stage_history": ("opportunity_id", "stage", "changed_at"),
    "activity": (
        "activity_type",
        "subject",
        "occurred_at",
        "owner_id",
        "owner_name",
        "opportunity_id",
        "account_name",
    ),
    "user": ("email", "name"),
    "account": ("name",),
}

DESCRIPTIONS = {
    "opportunity": "Opportunities (deals) of a mapped CRM, current state: newest export wins.",
    "opportunity_snapshot": "Daily full opportunity exports of a mapped CRM, one row per date.",
    "opportunity_stage_history": "Stage changes of a mapped CRM's opportunities.",
    "activity": "Activities (calls, e-mails, meetings, visits, tasks) of a mapped CRM.",
    "user": "Users (sales reps) of a mapped CRM.",
    "account": "Accounts (customers) of a mapped CRM.",
}

ACTIVITY_KINDS = ("call", "email", "meeting", "demo", "task", "other")


def table_spec(
    table: str,
    system: str,
    date_formats: tuple[str, ...],
    decimal_comma: bool,
) -> TableSpec:
    """The spec of one canonical table for one mapping file."""
    columns = [SOURCE_SYSTEM]
    for name, (type_, required, non_negative, stage) in TABLE_COLUMNS[table].items():
        columns.append(
            ColumnSpec(
                name,
                type_,
                required=required,
                non_negative=non_negative,
                formats=date_formats if type_ in ("date", "timestamp") else (),
                stage_system=system if stage else None,
                decimal_comma=decimal_comma and type_ in ("double", "bigint"),
            )
        )
    if table == "opportunity_snapshot":
        columns.append(ColumnSpec("snapshot_date", "date", required=True))
    key = (
        ("source_system", "id", "snapshot_date")
        if table == "opportunity_snapshot"
        else (
            "source_system",
            "id",
        )
    )
    return TableSpec(
        name=table,
        description=DESCRIPTIONS[table],
        primary_key=key,
        columns=tuple(columns),
        key_from=KEY_FROM.get(table, ()),
        key_column="id",
    )
