"""Salesforce export tables: Data Loader CSVs (API field names) and report exports (labels).

Headers are matched after snake_case normalisation, so `StageName` and `Stage Name` both land
in `stage_name`; report labels (`Stage`, `Opportunity Owner`, `Close Date`, `Created Date`,
`Probability (%)`) are aliases. Report exports write dates in the exporting user's locale:
`3/4/2025` and `3/4/2025, 2:00 PM` (en_US, month first) or `04.03.2025 14:00` (de); they carry
no time zone: they are read in the zone of `landing/salesforce/crmkpi.yml` (default UTC;
Data Loader's `2025-01-06T09:15:00.000Z` is unaffected). A slash date is read month first: for
day-first locales (en_GB, fr) export with API names (Data Loader) or use a mapping file.

A report names people and accounts (`Opportunity Owner`, `Account Name`) rather than giving
their ids; those land in `owner_name` and `account_name` for staging to resolve.
"""

from __future__ import annotations

from ingestion.common.schema import ColumnSpec, TableSpec

SYSTEM = "salesforce"

DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y.%m.%d")
DATETIME_FORMATS = (
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %H:%M",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y, %H:%M",
    "%d.%m.%Y %H:%M",
    "%Y/%m/%d %H:%M",
    *DATE_FORMATS,
)
_SUFFIXES = ("csv", "txt", "tsv", "xlsx", "xls")  # .xls: refused, saying why


def _files(object_name: str, snapshots: bool = False) -> tuple[str, ...]:
    # `Opportunity.csv`, dated exports such as `Opportunity_2026-10-30.csv`, report exports
    # saved as `Opportunity.xlsx`; daily full snapshots under `snapshots/`.
    names = (f"{object_name}", f"{object_name}_*", f"{object_name}-*", f"{object_name} *")
    top = tuple(f"{name}.{suffix}" for name in names for suffix in _SUFFIXES)
    if not snapshots:
        return top
    return top + tuple(f"snapshots/{name}" for name in top)


def snapshot_files(object_name: str) -> tuple[str, ...]:
    return tuple(f"snapshots/{name}" for name in _files(object_name))


def _date(name: str, **kwargs: object) -> ColumnSpec:
    return ColumnSpec(name, "date", formats=DATE_FORMATS, **kwargs)  # type: ignore[arg-type]


def _timestamp(name: str, **kwargs: object) -> ColumnSpec:
    return ColumnSpec(name, "timestamp", formats=DATETIME_FORMATS, **kwargs)  # type: ignore[arg-type]


def _stage(name: str, **kwargs: object) -> ColumnSpec:
    return ColumnSpec(name, stage_system=SYSTEM, **kwargs)  # type: ignore[arg-type]


USER = TableSpec(
    name="user",
    description="Salesforce users (sales reps and managers); Department carries the sales team.",
    primary_key=("id",),
    files=_files("User"),
    columns=(
        ColumnSpec("id", required=True, aliases=("user_id",)),
        ColumnSpec("username", aliases=("user_name",)),
        ColumnSpec("first_name"),
        ColumnSpec("last_name"),
        ColumnSpec("name", aliases=("full_name",)),
        ColumnSpec("email", aliases=("email_address",)),
        ColumnSpec("title"),
        ColumnSpec("department"),
        ColumnSpec("manager_id"),
        ColumnSpec("is_active", "boolean", aliases=("active",)),
        _timestamp("created_date", aliases=("create_date",)),
    ),
)

ACCOUNT = TableSpec(
    name="account",
    description="Salesforce accounts (customers and prospects).",
    primary_key=("id",),
    files=_files("Account"),
    columns=(
        ColumnSpec("id", required=True, aliases=("account_id",)),
        ColumnSpec("name", aliases=("account_name",)),
        ColumnSpec("website"),
        ColumnSpec("industry"),
        ColumnSpec("billing_country"),
        ColumnSpec("number_of_employees", "bigint", non_negative=True, aliases=("employees",)),
        ColumnSpec("owner_id", aliases=("account_owner_id",)),
        ColumnSpec("owner_name", aliases=("account_owner",)),
        _timestamp("created_date", aliases=("create_date",)),
    ),
)

_OPPORTUNITY_COLUMNS = (
    ColumnSpec("id", required=True, aliases=("opportunity_id",)),
    ColumnSpec("account_id"),
    ColumnSpec("owner_id", aliases=("opportunity_owner_id",)),
    ColumnSpec("name", aliases=("opportunity_name",)),
    _stage("stage_name", required=True, aliases=("stage",)),
    ColumnSpec("amount", "double", non_negative=True),
    ColumnSpec(
        "currency_iso_code", aliases=("opportunity_currency", "currency", "amount_currency")
    ),
    ColumnSpec("probability", "double", non_negative=True),
    _date("close_date"),
    ColumnSpec("is_closed", "boolean", aliases=("closed",)),
    ColumnSpec("is_won", "boolean", aliases=("won",)),
    ColumnSpec("type", aliases=("opportunity_type",)),
    ColumnSpec("lead_source"),
    _timestamp("created_date", required=True, aliases=("create_date",)),
    _timestamp("last_modified_date", aliases=("last_modified",)),
    ColumnSpec("is_deleted", "boolean", aliases=("deleted",)),
    ColumnSpec("owner_name", aliases=("opportunity_owner", "owner", "owner_full_name")),
    ColumnSpec("account_name"),
)

OPPORTUNITY = TableSpec(
    name="opportunity",
    description=(
        "Salesforce opportunities, current state: the newest export of each record, daily "
        "snapshots included."
    ),
    primary_key=("id",),
    files=_files("Opportunity", snapshots=True),
    columns=_OPPORTUNITY_COLUMNS,
)

OPPORTUNITY_SNAPSHOT = TableSpec(
    name="opportunity_snapshot",
    description=(
        "Every daily full export of opportunities under `snapshots/`, one row per opportunity "
        "and snapshot date (from the file name): the stage history of a CRM that keeps none."
    ),
    primary_key=("id", "snapshot_date"),
    files=snapshot_files("Opportunity"),
    columns=(*_OPPORTUNITY_COLUMNS, ColumnSpec("snapshot_date", "date", required=True)),
)

OPPORTUNITY_HISTORY = TableSpec(
    name="opportunity_history",
    description="Salesforce OpportunityHistory: one row per change of stage, amount or date.",
    primary_key=("id",),
    key_from=("opportunity_id", "created_date", "stage_name", "amount", "close_date"),
    files=_files("OpportunityHistory"),
    columns=(
        ColumnSpec("id", required=True, aliases=("opportunity_history_id", "history_id")),
        ColumnSpec("opportunity_id", required=True),
        _stage("stage_name", required=True, aliases=("stage", "to_stage")),
        ColumnSpec("amount", "double", non_negative=True),
        ColumnSpec("probability", "double", non_negative=True),
        _date("close_date"),
        _timestamp("created_date", required=True, aliases=("edit_date", "last_modified")),
        ColumnSpec("created_by_id"),
        _stage("from_stage"),
    ),
)

OPPORTUNITY_FIELD_HISTORY = TableSpec(
    name="opportunity_field_history",
    description=(
        "Salesforce OpportunityFieldHistory (field history tracking): one row per tracked field "
        "change; rows with field StageName are stage changes (old_value -> new_value)."
    ),
    primary_key=("id",),
    key_from=("opportunity_id", "field", "created_date", "old_value", "new_value"),
    files=_files("OpportunityFieldHistory"),
    columns=(
        ColumnSpec("id", required=True, aliases=("history_id",)),
        ColumnSpec("opportunity_id", required=True, aliases=("parent_id",)),
        ColumnSpec("field", required=True, aliases=("field_event", "field_name")),
        ColumnSpec(
            "old_value",
            stage_system=SYSTEM,
            stage_when="lower(trim(field)) in ('stagename', 'stage')",
        ),
        ColumnSpec(
            "new_value",
            stage_system=SYSTEM,
            stage_when="lower(trim(field)) in ('stagename', 'stage')",
        ),
        _timestamp("created_date", required=True, aliases=("edit_date",)),
        ColumnSpec("created_by_id"),
        ColumnSpec("created_by_name", aliases=("edited_by", "created_by")),
        ColumnSpec("data_type"),
        ColumnSpec("is_deleted", "boolean"),
    ),
)

LEAD = TableSpec(
    name="lead",
    description="Salesforce leads: prospects before qualification into an opportunity.",
    primary_key=("id",),
    files=_files("Lead"),
    columns=(
        ColumnSpec("id", required=True, aliases=("lead_id",)),
        ColumnSpec("first_name"),
        ColumnSpec("last_name"),
        ColumnSpec("name", aliases=("full_name", "lead_name")),
        ColumnSpec("company", aliases=("company_account",)),
        ColumnSpec("title"),
        ColumnSpec("email"),
        ColumnSpec("status", aliases=("lead_status",)),
        ColumnSpec("lead_source"),
        ColumnSpec("owner_id", aliases=("lead_owner_id",)),
        ColumnSpec("owner_name", aliases=("lead_owner",)),
        ColumnSpec("is_converted", "boolean", aliases=("converted",)),
        _date("converted_date"),
        ColumnSpec("converted_account_id"),
        ColumnSpec("converted_opportunity_id"),
        _timestamp("created_date", aliases=("create_date",)),
        ColumnSpec("is_deleted", "boolean", aliases=("deleted",)),
    ),
)

TASK = TableSpec(
    name="task",
    description="Salesforce tasks: calls, e-mails and to-dos.",
    primary_key=("id",),
    files=_files("Task"),
    columns=(
        ColumnSpec("id", required=True, aliases=("activity_id", "task_id")),
        ColumnSpec("who_id"),
        ColumnSpec("what_id"),
        ColumnSpec("account_id"),
        ColumnSpec("owner_id"),
        ColumnSpec("subject"),
        _date("activity_date", aliases=("due_date", "date")),
        ColumnSpec("status"),
        ColumnSpec("priority"),
        ColumnSpec("type", aliases=("task_type",)),
        ColumnSpec("task_subtype"),
        ColumnSpec("call_duration_in_seconds", "bigint", non_negative=True),
        ColumnSpec("is_closed", "boolean", aliases=("closed",)),
        _timestamp("created_date", aliases=("create_date",)),
        ColumnSpec("owner_name", aliases=("assigned", "assigned_to")),
    ),
)

EVENT = TableSpec(
    name="event",
    description="Salesforce events: meetings and demos.",
    primary_key=("id",),
    files=_files("Event"),
    columns=(
        ColumnSpec("id", required=True, aliases=("activity_id", "event_id")),
        ColumnSpec("who_id"),
        ColumnSpec("what_id"),
        ColumnSpec("account_id"),
        ColumnSpec("owner_id"),
        ColumnSpec("subject"),
        ColumnSpec("type", aliases=("event_type",)),
        ColumnSpec("event_subtype"),
        _timestamp("activity_date_time"),
        _timestamp("start_date_time", aliases=("start", "start_date")),
        _timestamp("end_date_time", aliases=("end", "end_date")),
        ColumnSpec("duration_in_minutes", "bigint", non_negative=True, aliases=("duration",)),
        ColumnSpec("is_all_day_event", "boolean", aliases=("all_day_event",)),
        ColumnSpec("location"),
        _timestamp("created_date", aliases=("create_date",)),
        ColumnSpec("owner_name", aliases=("assigned", "assigned_to")),
    ),
)

SALESFORCE_TABLES: tuple[TableSpec, ...] = (
    USER,
    ACCOUNT,
    OPPORTUNITY,
    OPPORTUNITY_HISTORY,
    OPPORTUNITY_FIELD_HISTORY,
    LEAD,
    TASK,
    EVENT,
)
