{#
    Helpers of the CRM conformers (intermediate/crm/<source>/): name keys, ids built from
    names, name lookups, activity typing and the canonical stage history.
#}

{#- The key names are matched on: lower-cased, trimmed, null when empty. -#}
{% macro name_key(column_name) -%}
    nullif(lower(trim({{ column_name }})), '')
{%- endmacro %}

{#- A stable id for a record known only by its name: `<prefix>:name:<name key>`. -#}
{% macro id_from_name(prefix, column_name) -%}
    {{ prefix }} || ':name:' || {{ name_key(column_name) }}
{%- endmacro %}

{#- The first of several `;`-separated values (HubSpot association columns), null when empty. -#}
{% macro first_listed(column_name) -%}
    nullif(trim(split_part({{ column_name }}, ';', 1)), '')
{%- endmacro %}

{#
    A select of (partition columns..., name_key, resolved_id): each name key of `relation`
    with the smallest id carrying it, so a name resolves to one record.
#}
{% macro name_lookup(relation, id_column, name_column, partition_by=[]) -%}
    select
        {% for column in partition_by -%}
            {{ column }},
        {% endfor -%}
        {{ name_key(name_column) }} as name_key,
        min({{ id_column }}) as resolved_id
    from {{ relation }}
    where {{ name_key(name_column) }} is not null
    group by all
{%- endmacro %}

{#
    A one-row select (load_id, a double) of the latest dlt load id among `relations`: the
    "directory" (users, accounts, deals) that conformed rows resolve names against.
#}
{% macro latest_load_id(relations) -%}
    select max(cast(_dlt_load_id as double)) as load_id
    from (
        {% for relation in relations -%}
            select _dlt_load_id from {{ relation }}
            {% if not loop.last %}union all{% endif %}
        {% endfor -%}
    ) as loads
{%- endmacro %}

{#
    The dlt load id a conformed row carries for incremental models
    (int_crm_activities_attributed_to_stages): its own, or, when one of its ids was
    resolved by name, the later of its own and the directory's (`directory_load_id`, from
    latest_load_id): a newer users or deals export can change what that name resolves to.
#}
{% macro load_id_after_name_resolution(own_load_id, resolved_by_name, directory_load_id) -%}
    case
        when {{ resolved_by_name }}
            then cast(
                greatest(cast({{ own_load_id }} as double), {{ directory_load_id }}) as varchar
            )
        else {{ own_load_id }}
    end
{%- endmacro %}

{#- The subject names a demo (English or Chinese): such a meeting is a demo. -#}
{% macro mentions_demo(column_name) -%}
    (lower({{ column_name }}) like '%demo%' or {{ column_name }} like '%演示%')
{%- endmacro %}

{#
    The canonical stage history of one non-Salesforce CRM source (int_<source>__
    opportunity_stage_history): the source's own stage history where an opportunity has
    one, else the stage changes observed in its daily snapshots, plus a creation row per
    opportunity so that sequencing works as on Salesforce's OpportunityHistory (whose first
    row is the creation).

    The creation row is at the earlier of created_at and the first observed change, with the
    stage the opportunity was created in: the previous stage of the first change when the
    source records it, else the first change's stage, else (nothing observed)
    creation_stage_label.

    Arguments are relation names (CTEs) with these columns:
      opportunities: opportunity_id, source_system, created_at, creation_stage_label,
        _dlt_load_id
      history: stage_history_id, opportunity_id, source_stage_label, previous_stage_label,
        changed_at, _dlt_load_id
      snapshot_changes: as history, without _dlt_load_id
    Ids are expected already prefixed. Output: stage_history_id, source_system,
    opportunity_id, source_stage_label, changed_at, _dlt_load_id: a history row's own; for
    snapshot and creation rows the opportunity's (a new snapshot re-states the opportunity).
#}
{% macro stage_history_with_creation(opportunities, history, snapshot_changes) -%}
    with

    with_own_history as (

        select distinct opportunity_id from {{ history }}

    ),

    observed as (

        select
            stage_history_id,
            opportunity_id,
            source_stage_label,
            previous_stage_label,
            changed_at,
            _dlt_load_id
        from {{ history }}

        union all

        -- only for opportunities without a history of their own
        select
            snapshot_changes.stage_history_id,
            snapshot_changes.opportunity_id,
            snapshot_changes.source_stage_label,
            snapshot_changes.previous_stage_label,
            snapshot_changes.changed_at,
            cast(null as varchar) as _dlt_load_id
        from {{ snapshot_changes }} as snapshot_changes
        anti join with_own_history
            on snapshot_changes.opportunity_id = with_own_history.opportunity_id

    ),

    first_observed as (

        select
            opportunity_id,
            min(changed_at) as first_changed_at,
            arg_min(
                coalesce(previous_stage_label, source_stage_label),
                (changed_at, stage_history_id)
            ) as first_stage_label
        from observed
        group by opportunity_id

    ),

    creations as (

        select
            opportunities.opportunity_id || ':created' as stage_history_id,
            opportunities.opportunity_id,
            coalesce(first_observed.first_stage_label, opportunities.creation_stage_label)
                as source_stage_label,
            least(opportunities.created_at, first_observed.first_changed_at) as changed_at
        from {{ opportunities }} as opportunities
        left join first_observed
            on opportunities.opportunity_id = first_observed.opportunity_id
        where opportunities.created_at is not null or first_observed.first_changed_at is not null

    ),

    source_of as (

        select distinct
            opportunity_id,
            source_system,
            _dlt_load_id
        from {{ opportunities }}

    ),

    combined as (

        select
            stage_history_id,
            opportunity_id,
            source_stage_label,
            changed_at,
            _dlt_load_id
        from observed

        union all

        select
            stage_history_id,
            opportunity_id,
            source_stage_label,
            changed_at,
            cast(null as varchar) as _dlt_load_id
        from creations

    )

    select
        combined.stage_history_id,
        source_of.source_system,
        combined.opportunity_id,
        combined.source_stage_label,
        combined.changed_at,
        coalesce(combined._dlt_load_id, source_of._dlt_load_id) as _dlt_load_id
    from combined
    inner join source_of
        on combined.opportunity_id = source_of.opportunity_id
{%- endmacro %}
