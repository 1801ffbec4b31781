"""Salesforce export tables: Data Loader CSVs with API field names (`StageName`, `OwnerId`).

Headers are matched after snake_case normalisation, so `StageName` and `Stage Name` both land
in `stage_name`. Report-export labels are accepted as aliases.
"""

from __future__ import annotations

from ingestion.common.schema import ColumnSpec, TableSpec


def _files(object_name: str) -> tuple[str, ...]:
    # `Opportunity.csv`, or dated exports such as `Opportunity_2026-10-30.csv`.
    return (f"{object_name}.csv", f"{object_name}_*.csv", f"{object_name}-*.csv")


USER = TableSpec(
    name="user",
    description="Salesforce users (sales reps and managers); Department carries the sales team.",
    primary_key=("id",),
    files=_files("User"),
    columns=(
        ColumnSpec("id", required=True, aliases=("user_id",)),
        ColumnSpec("username"),
        ColumnSpec("first_name"),
        ColumnSpec("last_name"),
        ColumnSpec("name", aliases=("full_name",)),
        ColumnSpec("email"),
        ColumnSpec("title"),
        ColumnSpec("department"),
        ColumnSpec("manager_id"),
        ColumnSpec("is_active", "boolean", aliases=("active",)),
        ColumnSpec("created_date", "timestamp"),
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
        ColumnSpec("owner_id"),
        ColumnSpec("created_date", "timestamp"),
    ),
)

OPPORTUNITY = TableSpec(
    name="opportunity",
    description="Salesforce opportunities, current state at export time.",
    primary_key=("id",),
    files=_files("Opportunity"),
    columns=(
        ColumnSpec("id", required=True, aliases=("opportunity_id",)),
        ColumnSpec("account_id"),
        ColumnSpec("owner_id", aliases=("opportunity_owner_id",)),
        ColumnSpec("name", aliases=("opportunity_name",)),
        ColumnSpec("stage_name", required=True, aliases=("stage",)),
        ColumnSpec("amount", "double", non_negative=True),
        ColumnSpec("currency_iso_code", aliases=("opportunity_currency", "currency")),
        ColumnSpec("probability", "double", non_negative=True, aliases=("probability",)),
        ColumnSpec("close_date", "date"),
        ColumnSpec("is_closed", "boolean", aliases=("closed",)),
        ColumnSpec("is_won", "boolean", aliases=("won",)),
        ColumnSpec("type"),
        ColumnSpec("lead_source"),
        ColumnSpec("created_date", "timestamp", required=True),
        ColumnSpec("last_modified_date", "timestamp"),
        ColumnSpec("is_deleted", "boolean"),
    ),
)

OPPORTUNITY_HISTORY = TableSpec(
    name="opportunity_history",
    description="Salesforce OpportunityHistory: one row per change of stage, amount or date.",
    primary_key=("id",),
    files=_files("OpportunityHistory"),
    columns=(
        ColumnSpec("id", required=True),
        ColumnSpec("opportunity_id", required=True),
        ColumnSpec("stage_name", required=True, aliases=("stage",)),
        ColumnSpec("amount", "double", non_negative=True),
        ColumnSpec("probability", "double", non_negative=True),
        ColumnSpec("close_date", "date"),
        ColumnSpec("created_date", "timestamp", required=True),
        ColumnSpec("created_by_id"),
    ),
)

TASK = TableSpec(
    name="task",
    description="Salesforce tasks: calls, e-mails and to-dos.",
    primary_key=("id",),
    files=_files("Task"),
    columns=(
        ColumnSpec("id", required=True),
        ColumnSpec("who_id"),
        ColumnSpec("what_id"),
        ColumnSpec("account_id"),
        ColumnSpec("owner_id"),
        ColumnSpec("subject"),
        ColumnSpec("activity_date", "date", aliases=("due_date",)),
        ColumnSpec("status"),
        ColumnSpec("priority"),
        ColumnSpec("type"),
        ColumnSpec("task_subtype"),
        ColumnSpec("call_duration_in_seconds", "bigint", non_negative=True),
        ColumnSpec("is_closed", "boolean"),
        ColumnSpec("created_date", "timestamp"),
    ),
)

EVENT = TableSpec(
    name="event",
    description="Salesforce events: meetings and demos.",
    primary_key=("id",),
    files=_files("Event"),
    columns=(
        ColumnSpec("id", required=True),
        ColumnSpec("who_id"),
        ColumnSpec("what_id"),
        ColumnSpec("account_id"),
        ColumnSpec("owner_id"),
        ColumnSpec("subject"),
        ColumnSpec("type"),
        ColumnSpec("event_subtype"),
        ColumnSpec("activity_date_time", "timestamp"),
        ColumnSpec("start_date_time", "timestamp"),
        ColumnSpec("end_date_time", "timestamp"),
        ColumnSpec("duration_in_minutes", "bigint", non_negative=True),
        ColumnSpec("is_all_day_event", "boolean"),
        ColumnSpec("location"),
        ColumnSpec("created_date", "timestamp"),
    ),
)

SALESFORCE_TABLES: tuple[TableSpec, ...] = (
    USER,
    ACCOUNT,
    OPPORTUNITY,
    OPPORTUNITY_HISTORY,
    TASK,
    EVENT,
)
