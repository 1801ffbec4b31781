{#
    The dlt load ids of the loads that deleted raw CRM rows: an export replaced in place, read
    again under new rules, or retracted (`crmkpi retract`). The ingestion logs each deletion in
    quarantine.retractions; a deleted row leaves no newer load id behind for an incremental
    model to notice. The log is bookkeeping written by the ingestion, not a data source, so it
    is looked up here instead of being declared as one. Left out: calendar and quota
    deletions (they do not feed the CRM activity models) and deletions from the CRMs' activity
    tables themselves (an activity gone is deleted by the model's post-hook, one restored from
    an older export has a new load id), so that exports of tasks overwritten in place every day
    do not recompute every activity every day.
#}
{% macro crm_row_deletion_loads() -%}
    {%- set log = adapter.get_relation(
        database=this.database, schema='quarantine', identifier='retractions'
    ) -%}
    {%- if log is not none -%}
        select cast(retractions.load_id as double precision) as load_id
        from {{ log }} as retractions
        where
            retractions.source_name not in ('calendar', 'targets')
            and retractions.table_name
            not in ('task', 'event', 'call', 'meeting', 'email', 'activity')
    {%- else -%}
        select cast(null as double precision) as load_id
        where false
    {%- endif -%}
{%- endmacro %}
