"""Outlook calendar CSV exports ("Import/Export > Export to a file > Comma Separated Values").

Outlook writes a fixed 22-column header in the language of the installation:

    Subject, Start Date, Start Time, End Date, End Time, All day event, Reminder on/off,
    Reminder Date, Reminder Time, Meeting Organizer, Required Attendees, Optional Attendees,
    Meeting Resources, Billing Information, Categories, Description, Location, Mileage,
    Priority, Private, Sensitivity, Show time as

German: Betreff, Beginnt am, Beginnt um, Endet am, Endet um, Ganztägiges Ereignis, ...,
Besprechungsplanung, Erforderliche Teilnehmer, Optionale Teilnehmer, ..., Ort. French,
Spanish and Dutch spellings are recognised too. Dates and times are in the exporting machine's
locale (`3/4/2025` + `2:00:00 PM`; `04.03.2025` + `14:00:00`) and local time zone, which is
not in the file: set it in `landing/calendar/crmkpi.yml` (`timezone:`, or per file under
`timezones:`), default UTC. A slash date is read month first unless `date_order: dmy` is set
(en-GB, fr, es exports). Attendees are `;`-separated display names or addresses; addresses land
in `attendee_emails`, names in `attendee_names`. There is no UID: an occurrence is identified by
its calendar (the file name), its content and its start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import duckdb
import pyarrow as pa

from ingestion.calendar.ics import CALENDAR_EVENT_SCHEMA
from ingestion.common.schema import ColumnSpec, TableSpec
from ingestion.common.typing import REJECTED_ROWS_SCHEMA, TypedBatch, _to_arrow, literal

SOURCE_FORMAT = "outlook_csv"


def _c(name: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name, required=required, aliases=aliases)


OUTLOOK_CSV = TableSpec(
    name="calendar_event",
    description="Outlook calendar CSV exports (any export language).",
    primary_key=(),
    files=("*.csv", "**/*.csv", "*.txt", "**/*.txt"),
    columns=(
        _c("subject", "betreff", "objet", "asunto", "onderwerp", "oggetto"),
        _c(
            "start_date",
            "beginnt_am",
            "debut",
            "date_de_debut",
            "fecha_de_comienzo",
            "begindatum",
            "data_inizio",
            required=True,
        ),
        _c("start_time", "beginnt_um", "heure_de_debut", "comienzo", "begintijd", "ora_inizio"),
        _c("end_date", "endet_am", "fin", "date_de_fin", "fecha_de_finalizacion", "einddatum"),
        _c("end_time", "endet_um", "heure_de_fin", "finalizacion", "eindtijd", "ora_fine"),
        _c(
            "all_day_event",
            "ganztagiges_ereignis",
            "ganztaegiges_ereignis",
            "journee_entiere",
            "todo_el_dia",
            "gehele_dag",
            "evento_giornata_intera",
        ),
        _c(
            "meeting_organizer",
            "besprechungsplanung",
            "organisateur_d_une_reunion",
            "organizador_de_la_reunion",
            "organisator_van_vergadering",
            "organizzatore_riunione",
        ),
        _c(
            "required_attendees",
            "erforderliche_teilnehmer",
            "participants_obligatoires",
            "asistentes_requeridos",
            "vereiste_deelnemers",
            "partecipanti_obbligatori",
        ),
        _c(
            "optional_attendees",
            "optionale_teilnehmer",
            "participants_facultatifs",
            "asistentes_opcionales",
            "optionele_deelnemers",
            "partecipanti_facoltativi",
        ),
        _c("location", "ort", "emplacement", "ubicacion", "locatie", "luogo"),
        _c("description", "beschreibung", "descripcion", "beschrijving", "descrizione"),
        _c("categories", "kategorien", "categories", "categorias", "categorieen", "categorie"),
        _c("show_time_as", "zeitspanne_zeigen_als", "afficher_la_disponibilite"),
        _c("sensitivity", "vertraulichkeit", "critere_de_diffusion", "confidencialidad"),
    ),
)

_TRUE = ("true", "ein", "vrai", "verdadero", "waar", "vero", "yes", "ja", "oui", "si", "sí", "1")
_DATE_MDY = ("%m/%d/%Y", "%m/%d/%y")
_DATE_DMY = ("%d/%m/%Y", "%d/%m/%y")
_DATE_OTHER = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d-%m-%Y", "%Y/%m/%d")
_TIMES = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")


def _date_sql(column: str, day_first: bool) -> str:
    formats = (*(_DATE_DMY if day_first else _DATE_MDY), *_DATE_OTHER)
    tried = ", ".join(f"try_strptime(trim({column}), {literal(f)})" for f in formats)
    return f"cast(coalesce({tried}) as date)"


def _time_sql(column: str) -> str:
    tried = ", ".join(f"try_strptime(upper(trim({column})), {literal(f)})" for f in _TIMES)
    return f"cast(coalesce({tried}) as time)"


def _people_sql(columns: str) -> tuple[str, str]:
    """SQL for (addresses, names) of `;`-separated attendee lists."""
    parts = f"list_filter(list_transform(string_split({columns}, ';'), p -> trim(p)), p -> p <> '')"
    emails = (
        f"list_filter(list_transform({parts}, p -> lower(nullif(regexp_extract(p, "
        r"'[^\s<>()\"'';]+@[^\s<>()\"'';]+'), ''))), e -> e is not null)"
    )
    names = (
        f"list_filter(list_transform({parts}, p -> nullif(trim(regexp_replace(p, "
        r"'<?[^\s<>()\"'';]+@[^\s<>()\"'';]+>?', '')), '')), n -> n is not null)"
    )
    return emails, names


def outlook_refine(
    zone_of: Callable[[str], str], day_first: bool
) -> Callable[[pa.Table], TypedBatch]:
    """Refinement of typed Outlook rows into calendar occurrences (one per row)."""

    def refine(loaded: pa.Table) -> TypedBatch:
        if loaded.num_rows == 0:
            return TypedBatch(
                CALENDAR_EVENT_SCHEMA.empty_table(), REJECTED_ROWS_SCHEMA.empty_table()
            )
        source_file = loaded.column("_source_file")[0].as_py()
        zone = zone_of(source_file)
        connection = duckdb.connect()
        try:
            connection.register("rows", _with_all_columns(loaded))
            connection.execute(_sql(zone, day_first))
            columns = ", ".join(CALENDAR_EVENT_SCHEMA.names)
            good = _to_arrow(
                connection.execute(f"select {columns} from parsed where _error is null")
            )
            bad = _to_arrow(
                connection.execute(
                    "select _source_file as source_file, _source_row as source_row, "
                    "_error.column_name as column_name, _error.reason as reason, "
                    "to_json(struct_pack(subject, start_date, start_time, end_date, end_time, "
                    "all_day_event)) as raw_record from parsed where _error is not null "
                    "order by _source_row"
                )
            )
        finally:
            connection.close()
        return TypedBatch(good.cast(CALENDAR_EVENT_SCHEMA), bad.cast(REJECTED_ROWS_SCHEMA))

    return refine


def _with_all_columns(loaded: pa.Table) -> pa.Table:
    for column in OUTLOOK_CSV.columns:
        if column.name not in loaded.column_names:
            loaded = loaded.append_column(column.name, pa.nulls(loaded.num_rows, pa.string()))
    return loaded


def _sql(zone: str, day_first: bool) -> str:
    emails, names = _people_sql("concat_ws(';', required_attendees, optional_attendees)")
    organizer_email = (
        r"lower(nullif(regexp_extract(meeting_organizer, '[^\s<>()\"'';]+@[^\s<>()\"'';]+'), ''))"
    )
    organizer_name = (
        r"nullif(trim(regexp_replace(meeting_organizer, '<?[^\s<>()\"'';]+@[^\s<>()\"'';]+>?', "
        "'')), '')"
    )
    all_day = (
        f"coalesce(lower(trim(all_day_event)) in ({', '.join(literal(w) for w in _TRUE)}), false)"
    )
    identity = (
        "md5(concat_ws('|', coalesce(subject, ''), coalesce(start_date, ''), "
        "coalesce(start_time, ''), coalesce(end_date, ''), coalesce(end_time, ''), "
        "coalesce(location, ''), coalesce(meeting_organizer, ''), "
        "coalesce(required_attendees, ''), coalesce(optional_attendees, '')))"
    )
    return f"""
        create temp table parsed as
        with typed as (
            select
                *,
                {_date_sql("start_date", day_first)} as _start_day,
                {_time_sql("start_time")} as _start_clock,
                {_date_sql("end_date", day_first)} as _end_day,
                {_time_sql("end_time")} as _end_clock,
                {all_day} as _all_day,
                regexp_replace(_source_file, '^.*/|\\.[^.]*$', '', 'g') as _calendar
            from rows
        ),
        stamped as (
            select
                *,
                case
                    when _all_day then cast(_start_day as timestamp) at time zone 'UTC'
                    else timezone(
                        {literal(zone)}, _start_day + coalesce(_start_clock, time '00:00')
                    )
                end as _start_at,
                case
                    when _all_day
                        then cast(coalesce(_end_day, _start_day + 1) as timestamp)
                            at time zone 'UTC'
                    else timezone(
                        {literal(zone)},
                        coalesce(_end_day, _start_day)
                            + coalesce(_end_clock, _start_clock, time '00:00')
                    )
                end as _end_at
            from typed
        ),
        checked as (
            select
                *,
                case
                    when start_date is null or trim(start_date) = ''
                        then {{'column_name': 'start_date', 'reason': 'missing required value'}}
                    when _start_day is null
                        then {{'column_name': 'start_date',
                               'reason': 'not a valid date: ' || start_date}}
                    when start_time is not null and trim(start_time) <> '' and _start_clock is null
                        then {{'column_name': 'start_time',
                               'reason': 'not a valid time: ' || start_time}}
                    when end_date is not null and trim(end_date) <> '' and _end_day is null
                        then {{'column_name': 'end_date',
                               'reason': 'not a valid date: ' || end_date}}
                    when end_time is not null and trim(end_time) <> '' and _end_clock is null
                        then {{'column_name': 'end_time',
                               'reason': 'not a valid time: ' || end_time}}
                    when _end_at < _start_at
                        then {{'column_name': 'end_date', 'reason': 'ends before it starts'}}
                end as _error
            from stamped
        )
        select
            _calendar || '|outlook:' || {identity} || '|'
                || strftime(_start_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S+00:00')
                as occurrence_id,
            'outlook:' || {identity} as uid,
            cast(null as timestamptz) as recurrence_id,
            _calendar as calendar_name,
            '{SOURCE_FORMAT}' as source_format,
            nullif(subject, '') as summary,
            nullif(location, '') as location,
            _start_at as start_at,
            _end_at as end_at,
            _all_day as is_all_day,
            'CONFIRMED' as status,
            {organizer_email} as organizer_email,
            nullif(array_to_string(list_sort(list_distinct(list_filter({emails},
                e -> e is distinct from {organizer_email}))), ';'), '') as attendee_emails,
            false as is_recurring,
            {organizer_name} as organizer_name,
            nullif(array_to_string({names}, ';'), '') as attendee_names,
            _source_file,
            _source_row,
            _error,
            subject, start_date, start_time, end_date, end_time, all_day_event
        from checked
    """


def zone_lookup(default: str, per_file: Mapping[str, str]) -> Callable[[str], str]:
    def zone_of(source_file: str) -> str:
        stem = source_file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return per_file.get(stem, default)

    return zone_of
