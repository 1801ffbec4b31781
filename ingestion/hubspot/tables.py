"""HubSpot export tables: the CSV/XLSX files HubSpot's "Export" writes (property labels).

HubSpot names columns by property label (`Record ID`, `Deal Name`, `Deal Stage`, `Deal owner`,
`Create Date`, `Associated Company`); internal property names (`dealname`, `dealstage`,
`hs_object_id`, `hubspot_owner_id`) are accepted too. Owners are exported by name, so they land
in `owner_name`. Date-times are written `2025-03-04 14:02` in the portal's time zone (set it in
`landing/hubspot/crmkpi.yml`, default UTC). `Deal Stage` holds the stage's internal id
(`qualifiedtobuy`) or its label (`Qualified To Buy`); both must be known to the stage_mapping
seed for source system `hubspot`.
"""

from __future__ import annotations

from ingestion.common.schema import ColumnSpec, TableSpec

SYSTEM = "hubspot"

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y",
)
_SUFFIXES = ("csv", "txt", "tsv", "xlsx", "xls", "json")  # .xls: refused, saying why


def _files(*words: str, exclude_folders: bool = True) -> tuple[str, ...]:
    del exclude_folders
    return tuple(f"*{word}*.{suffix}" for word in words for suffix in _SUFFIXES)


def _timestamp(name: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(
        name, "timestamp", required=required, aliases=aliases, formats=DATETIME_FORMATS
    )


def _id(*aliases: str) -> ColumnSpec:
    return ColumnSpec("id", required=True, aliases=("record_id", "hs_object_id", *aliases))


_ACTIVITY_COMMON = (
    _timestamp("activity_date", "hs_timestamp", "activity_date_time"),
    ColumnSpec("owner_name", aliases=("activity_assigned_to", "assigned_to", "owner")),
    ColumnSpec("owner_id", aliases=("hubspot_owner_id", "activity_assigned_to_id")),
    ColumnSpec("deal_names", aliases=("associated_deal", "associated_deals")),
    ColumnSpec("deal_ids", aliases=("associated_deal_ids", "associated_deal_id")),
    ColumnSpec("company_names", aliases=("associated_company", "associated_companies")),
    ColumnSpec("company_ids", aliases=("associated_company_ids", "associated_company_id")),
    ColumnSpec("contact_names", aliases=("associated_contact", "associated_contacts")),
    ColumnSpec("contact_ids", aliases=("associated_contact_ids", "associated_contact_id")),
    _timestamp("created_at", "create_date", "created_date", "hs_createdate"),
    _timestamp("updated_at", "last_modified_date", "hs_lastmodifieddate"),
)

_DEAL_COLUMNS = (
    _id("deal_id", "deal_record_id"),
    ColumnSpec("deal_name", aliases=("dealname", "name")),
    ColumnSpec("deal_stage", required=True, stage_system=SYSTEM, aliases=("dealstage", "stage")),
    ColumnSpec("pipeline", aliases=("deal_pipeline",)),
    ColumnSpec("amount", "double", non_negative=True),
    ColumnSpec("currency", aliases=("deal_currency_code", "currency_code")),
    _timestamp("close_date", "closedate"),
    _timestamp("created_at", "create_date", "createdate", "created_date"),
    _timestamp("updated_at", "last_modified_date", "hs_lastmodifieddate"),
    ColumnSpec("owner_name", aliases=("deal_owner", "hubspot_owner", "owner")),
    ColumnSpec("owner_id", aliases=("hubspot_owner_id", "deal_owner_id")),
    ColumnSpec("deal_type", aliases=("dealtype", "type")),
    ColumnSpec("is_closed", "boolean", aliases=("is_deal_closed", "hs_is_closed")),
    ColumnSpec("is_closed_won", "boolean", aliases=("hs_is_closed_won", "is_won")),
    ColumnSpec("probability", "double", non_negative=True, aliases=("deal_probability",)),
    ColumnSpec("closed_lost_reason", aliases=("lost_reason",)),
    ColumnSpec(
        "company_name",
        aliases=("associated_company", "associated_company_primary", "company", "company_name"),
    ),
    ColumnSpec("company_ids", aliases=("associated_company_ids", "associated_company_id")),
    ColumnSpec("is_deleted", "boolean", aliases=("archived", "is_archived", "deleted")),
)

DEAL = TableSpec(
    name="deal",
    description="HubSpot deals, current state: the newest export of each deal, snapshots included.",
    primary_key=("id",),
    files=_files("deal") + tuple(f"snapshots/{p}" for p in _files("deal")),
    columns=_DEAL_COLUMNS,
)

DEAL_SNAPSHOT = TableSpec(
    name="deal_snapshot",
    description="Every daily full deals export under `snapshots/`, one row per deal and date.",
    primary_key=("id", "snapshot_date"),
    files=tuple(f"snapshots/{p}" for p in _files("deal")),
    columns=(*_DEAL_COLUMNS, ColumnSpec("snapshot_date", "date", required=True)),
)

OWNER = TableSpec(
    name="owner",
    description="HubSpot users/owners (Settings > Users & Teams export): who owns deals.",
    primary_key=("email",),
    files=_files("owner", "user"),
    columns=(
        ColumnSpec("email", required=True, aliases=("email_address", "user_email")),
        ColumnSpec("owner_id", aliases=("id", "user_id", "hubspot_owner_id", "owner")),
        ColumnSpec("first_name"),
        ColumnSpec("last_name"),
        ColumnSpec("name", aliases=("full_name", "user_name")),
        ColumnSpec("team", aliases=("primary_team", "teams", "team_name")),
        ColumnSpec("role", aliases=("permission_set",)),
        ColumnSpec("is_active", "boolean", aliases=("active", "status_active")),
    ),
)

CALL = TableSpec(
    name="call",
    description="HubSpot logged calls.",
    primary_key=("id",),
    files=_files("call"),
    columns=(
        _id("call_id", "activity_id"),
        ColumnSpec("title", aliases=("call_title", "hs_call_title", "call_notes", "subject")),
        ColumnSpec("outcome", aliases=("call_outcome", "hs_call_disposition")),
        ColumnSpec("direction", aliases=("call_direction", "hs_call_direction")),
        # `Call duration` (hs_call_duration) is in milliseconds; `hh:mm:ss` is read as such.
        ColumnSpec(
            "duration_seconds",
            "seconds",
            non_negative=True,
            scale=0.001,
            aliases=("call_duration", "hs_call_duration", "call_duration_hh_mm_ss"),
        ),
        ColumnSpec("status", aliases=("call_status", "hs_call_status")),
        *_ACTIVITY_COMMON,
    ),
)

MEETING = TableSpec(
    name="meeting",
    description="HubSpot meetings.",
    primary_key=("id",),
    files=_files("meeting"),
    columns=(
        _id("meeting_id", "activity_id"),
        ColumnSpec("title", aliases=("meeting_name", "hs_meeting_title", "meeting_title")),
        _timestamp("start_time", "meeting_start_time", "hs_meeting_start_time"),
        _timestamp("end_time", "meeting_end_time", "hs_meeting_end_time"),
        ColumnSpec("outcome", aliases=("meeting_outcome", "hs_meeting_outcome")),
        ColumnSpec("location", aliases=("meeting_location", "hs_meeting_location")),
        ColumnSpec("meeting_type", aliases=("activity_type", "call_and_meeting_type")),
        *_ACTIVITY_COMMON,
    ),
)

EMAIL = TableSpec(
    name="email",
    description="HubSpot logged and tracked e-mails.",
    primary_key=("id",),
    files=_files("email"),
    columns=(
        _id("email_id", "activity_id"),
        ColumnSpec("subject", aliases=("email_subject", "hs_email_subject")),
        ColumnSpec("direction", aliases=("email_direction", "hs_email_direction")),
        ColumnSpec("send_status", aliases=("email_send_status", "hs_email_status")),
        *_ACTIVITY_COMMON,
    ),
)

TASK = TableSpec(
    name="task",
    description="HubSpot tasks.",
    primary_key=("id",),
    files=_files("task"),
    columns=(
        _id("task_id", "activity_id"),
        ColumnSpec("title", aliases=("task_title", "hs_task_subject", "subject")),
        ColumnSpec("status", aliases=("task_status", "hs_task_status")),
        ColumnSpec("task_type", aliases=("hs_task_type", "type")),
        ColumnSpec("priority", aliases=("task_priority", "hs_task_priority")),
        _timestamp("due_date", "hs_task_due_date"),
        _timestamp("completed_at", "completed_date", "hs_task_completion_date"),
        *_ACTIVITY_COMMON,
    ),
)

HUBSPOT_TABLES: tuple[TableSpec, ...] = (DEAL, OWNER, CALL, MEETING, EMAIL, TASK)
