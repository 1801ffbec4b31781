"""Pipedrive export tables: "Export data" CSV/XLSX files with `Entity - Field` headers.

Pipedrive names export columns `Deal - Title`, `Deal - Stage`, `Deal - Status`, `Deal - Value`,
`Deal - Owner`, `Organization - Name`, `Person - Name`, `Activity - Due date` (exports from a
single list view may drop the `Entity - ` prefix: both are accepted). Organisations, people and
owners are referenced by name (`Deal - Organization`, `Deal - Contact person`, `Deal - Owner`);
those land in `*_name` columns for staging to resolve. Won and lost come from `Deal - Status`
(`Won`, `Lost`, `Open`, `Deleted`): the stage column keeps the stage the deal was in.

Stage changes come from a deal-updates ("flow") export when present: one row per change with
the deal id, the field, its old and new value and the time (`Deal ID`, `Field`, `Old value`,
`New value`, `Update time`); rows whose field is the stage are stage transitions.
"""

from __future__ import annotations

from ingestion.common.schema import ColumnSpec, TableSpec

SYSTEM = "pipedrive"

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y",
)
DATE_FORMATS = ("%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")
_SUFFIXES = ("csv", "txt", "tsv", "xlsx", "xls", "json")  # .xls: refused, saying why


def files(*words: str) -> tuple[str, ...]:
    return tuple(f"*{word}*.{suffix}" for word in words for suffix in _SUFFIXES)


def _aliases(entity: str, *fields: str) -> tuple[str, ...]:
    # `Deal - Title` normalises to `deal_title`; a prefix-less export to `title`
    return tuple(dict.fromkeys(name for f in fields for name in (f"{entity}_{f}", f)))


def _c(name: str, entity: str, *fields: str, **kwargs: object) -> ColumnSpec:
    return ColumnSpec(name, aliases=_aliases(entity, *fields), **kwargs)  # type: ignore[arg-type]


def _ts(name: str, entity: str, *fields: str) -> ColumnSpec:
    return _c(name, entity, *fields, type="timestamp", formats=DATETIME_FORMATS)


_DEAL_COLUMNS = (
    _c("id", "deal", "id", "pipedrive_system_id", required=True),
    _c("title", "deal", "title", "name"),
    _c("value", "deal", "value", "deal_value", type="double", non_negative=True),
    _c("currency", "deal", "currency", "currency_of_value", "value_currency"),
    _c("stage", "deal", "stage", "stage_pipeline", required=True, stage_system=SYSTEM),
    _c("status", "deal", "status"),
    _c("pipeline", "deal", "pipeline"),
    _c("owner_name", "deal", "owner", "deal_owner", "owner_name"),
    _c(
        "organization_name",
        "deal",
        "organization",
        "organisation",
        "organization_name",
        "organisation_name",
    ),
    _c("person_name", "deal", "contact_person", "person", "person_name"),
    _ts("created_at", "deal", "deal_created", "deal_created_on", "creation_date", "add_time"),
    _ts("updated_at", "deal", "update_time", "last_update", "updated"),
    _ts("won_at", "deal", "won_time", "won_on"),
    _ts("lost_at", "deal", "lost_time", "lost_on"),
    _ts("closed_at", "deal", "deal_closed_on", "close_time", "closed_on"),
    _c(
        "expected_close_date",
        "deal",
        "expected_close_date",
        type="date",
        formats=DATE_FORMATS,
    ),
    _c("lost_reason", "deal", "lost_reason"),
    _c("probability", "deal", "probability", type="double", non_negative=True),
)

DEAL = TableSpec(
    name="deal",
    description="Pipedrive deals, current state: the newest export of each deal.",
    primary_key=("id",),
    files=files("deal") + tuple(f"snapshots/{p}" for p in files("deal")),
    columns=_DEAL_COLUMNS,
)

DEAL_SNAPSHOT = TableSpec(
    name="deal_snapshot",
    description="Every daily full deals export under `snapshots/`, one row per deal and date.",
    primary_key=("id", "snapshot_date"),
    files=tuple(f"snapshots/{p}" for p in files("deal")),
    columns=(*_DEAL_COLUMNS, ColumnSpec("snapshot_date", "date", required=True)),
)

ORGANIZATION = TableSpec(
    name="organization",
    description="Pipedrive organisations (accounts); deals reference them by name.",
    primary_key=("id",),
    key_from=("name",),
    files=files("organization", "organisation", "org"),
    columns=(
        _c("id", "organization", "id", required=True),
        _c("name", "organization", "name", required=True),
        _c("owner_name", "organization", "owner"),
        _c("address", "organization", "address", "full_combined_address_of_address"),
        _c("country", "organization", "country", "country_of_address"),
        _c("industry", "organization", "industry"),
        _c("website", "organization", "website", "domain"),
        _c("employees", "organization", "employees", "number_of_employees", type="bigint"),
        _ts("created_at", "organization", "organization_created", "add_time", "created"),
    ),
)

PERSON = TableSpec(
    name="person",
    description="Pipedrive people (contacts); deals reference them by name.",
    primary_key=("id",),
    key_from=("name", "email"),
    files=files("person", "people", "contact"),
    columns=(
        _c("id", "person", "id", required=True),
        _c("name", "person", "name", required=True),
        _c("organization_name", "person", "organization", "organisation"),
        _c("email", "person", "email", "email_work", "email_home", "email_other"),
        _c("phone", "person", "phone", "phone_work", "phone_mobile"),
        _c("owner_name", "person", "owner"),
        _ts("created_at", "person", "person_created", "add_time", "created"),
    ),
)

ACTIVITY = TableSpec(
    name="activity",
    description="Pipedrive activities: calls, meetings, tasks, deadlines, e-mails, lunches.",
    primary_key=("id",),
    key_from=("subject", "due_date", "due_time", "owner_name", "deal_title"),
    files=files("activit"),
    columns=(
        _c("id", "activity", "id", required=True),
        _c("subject", "activity", "subject", required=True),
        _c("activity_type", "activity", "type"),
        _c("due_date", "activity", "due_date", type="date", formats=DATE_FORMATS),
        _c("due_time", "activity", "due_time"),
        _c("duration_seconds", "activity", "duration", type="seconds", non_negative=True),
        _c("is_done", "activity", "done", "status", type="boolean"),
        _c("owner_name", "activity", "assigned_to_user", "owner", "user", "assigned_to"),
        _c("deal_title", "activity", "deal"),
        _c("deal_id", "deal", "id"),
        _c("organization_name", "activity", "organization", "organisation"),
        _c("person_name", "activity", "contact_person", "person"),
        _ts("created_at", "activity", "add_time", "created", "activity_created"),
        _ts("done_at", "activity", "marked_as_done_time", "done_time"),
        _c("note", "activity", "note"),
    ),
)

_STAGE_FIELD = (
    "lower(trim(field)) in ('stage', 'stage_id', 'deal stage', 'deal - stage', 'pipeline stage')"
)

DEAL_FLOW = TableSpec(
    name="deal_flow",
    description=(
        "Pipedrive deal updates (flow): one row per change of a deal field; stage rows are "
        "stage transitions."
    ),
    primary_key=("id",),
    key_from=("deal_id", "field", "changed_at", "old_value", "new_value"),
    files=files("flow", "update", "change", "histor"),
    columns=(
        _c("id", "change", "id", "update_id", "log_id", required=True),
        _c("deal_id", "deal", "id", "deal_id", "deal", required=True),
        _c("field", "change", "field", "field_name", "field_key", "changed_field", required=True),
        _c(
            "old_value",
            "change",
            "old_value",
            "from",
            "previous_value",
            stage_system=SYSTEM,
            stage_when=_STAGE_FIELD,
        ),
        _c(
            "new_value",
            "change",
            "new_value",
            "to",
            "value",
            stage_system=SYSTEM,
            stage_when=_STAGE_FIELD,
        ),
        _c(
            "changed_at",
            "change",
            "update_time",
            "log_time",
            "time",
            "change_time",
            "date",
            "timestamp",
            type="timestamp",
            formats=DATETIME_FORMATS,
            required=True,
        ),
        _c("changed_by", "change", "user", "changed_by", "user_name"),
    ),
)

PIPEDRIVE_TABLES: tuple[TableSpec, ...] = (DEAL, ORGANIZATION, PERSON, ACTIVITY, DEAL_FLOW)
