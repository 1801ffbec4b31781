{#
    Stage history for CRMs that export no history, from repeated full snapshots.

    `snapshot_validity_ranges` turns a dated-snapshot table (one row per record and snapshot
    date, every day's full export) into validity ranges (SCD2): one row per version of a
    record, a version being a change of any tracked column or of the deleted state.
    A record that vanishes from the next full snapshot is deleted from that snapshot's date
    on (is_vanished); one that comes with a deleted flag is deleted too; one that reappears
    starts a new version. Nothing is lost: the deleted version keeps the last values seen.

    Output columns: record_key, <tracked columns>, is_deleted, is_vanished,
    valid_from (date of the first snapshot showing the version), valid_to (date of the first
    snapshot showing the next version; null while current), is_current.
#}
{% macro snapshot_validity_ranges(relation, key, tracked, snapshot_date='snapshot_date', deleted_flag=none) -%}
    {%- set fingerprint -%}
        md5(concat_ws('|',
        {%- for column in tracked %}
            coalesce(cast({{ column }} as varchar), '<null>'),
        {%- endfor %}
            cast(is_deleted as varchar)))
    {%- endset -%}
    with

    snapshots as (

        select
            {{ key }} as record_key,
            {{ snapshot_date }} as snapshot_date,
            {%- for column in tracked %}
            {{ column }},
            {%- endfor %}
            {% if deleted_flag %}coalesce({{ deleted_flag }}, false){% else %}false{% endif %}
                as is_deleted
        from {{ relation }}

    ),

    snapshot_dates as (

        select
            snapshot_date,
            lead(snapshot_date) over (order by snapshot_date) as next_snapshot_date
        from (select distinct snapshot_date from snapshots) as dates

    ),

    present as (

        select
            snapshots.*,
            snapshot_dates.next_snapshot_date,
            lead(snapshots.snapshot_date) over (
                partition by snapshots.record_key order by snapshots.snapshot_date
            ) as next_seen_date
        from snapshots
        inner join snapshot_dates on snapshots.snapshot_date = snapshot_dates.snapshot_date

    ),

    observations as (

        select
            record_key,
            snapshot_date,
            {%- for column in tracked %}
            {{ column }},
            {%- endfor %}
            is_deleted,
            false as is_vanished
        from present

        union all

        -- absent from the next full snapshot: deleted from that snapshot on
        select
            record_key,
            next_snapshot_date as snapshot_date,
            {%- for column in tracked %}
            {{ column }},
            {%- endfor %}
            true as is_deleted,
            true as is_vanished
        from present
        where
            next_snapshot_date is not null
            and (next_seen_date is null or next_seen_date > next_snapshot_date)

    ),

    compared as (

        select
            *,
            {{ fingerprint }} as version_fingerprint,
            lag({{ fingerprint }}) over (
                partition by record_key order by snapshot_date
            ) as previous_fingerprint
        from observations

    ),

    versions as (

        select * from compared
        where previous_fingerprint is null or previous_fingerprint != version_fingerprint

    ),

    final as (

        select
            record_key,
            {%- for column in tracked %}
            {{ column }},
            {%- endfor %}
            is_deleted,
            is_vanished,
            snapshot_date as valid_from,
            lead(snapshot_date) over (
                partition by record_key order by snapshot_date
            ) as valid_to,
            lead(snapshot_date) over (
                partition by record_key order by snapshot_date
            ) is null as is_current
        from versions

    )

    select * from final
{%- endmacro %}


{#
    Stage changes from validity ranges (`snapshot_validity_ranges`): the first version of a
    record and every later version whose stage differs from the previous live version. A
    change is observed at the first snapshot showing it (changed_at: 00:00 UTC of that date);
    it happened after the previous snapshot (previous_snapshot_date), so the precision is the
    snapshot interval. Deleted versions are not stage changes.

    Output columns: record_key, source_stage_label, previous_stage_label, changed_at,
    observed_on, previous_snapshot_date.
#}
{% macro snapshot_stage_changes(ranges_relation, key, stage_column) -%}
    with

    live as (

        select
            {{ key }} as record_key,
            {{ stage_column }} as source_stage_label,
            valid_from
        from {{ ranges_relation }}
        where not is_deleted

    ),

    compared as (

        select
            *,
            lag(source_stage_label) over (
                partition by record_key order by valid_from
            ) as previous_stage_label,
            lag(valid_from) over (
                partition by record_key order by valid_from
            ) as previous_version_from
        from live

    ),

    snapshot_dates as (

        select distinct valid_from as snapshot_date from {{ ranges_relation }}

    ),

    changes as (

        select * from compared
        where
            previous_version_from is null
            or source_stage_label is distinct from previous_stage_label

    ),

    final as (

        select
            changes.record_key,
            changes.source_stage_label,
            changes.previous_stage_label,
            {{ utc_midnight('changes.valid_from') }} as changed_at,
            changes.valid_from as observed_on,
            max(snapshot_dates.snapshot_date) as previous_snapshot_date
        from changes
        left join snapshot_dates on snapshot_dates.snapshot_date < changes.valid_from
        group by all

    )

    select * from final
{%- endmacro %}
