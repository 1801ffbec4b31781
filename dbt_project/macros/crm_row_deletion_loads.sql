{#
    The dlt load ids of the loads that deleted raw CRM rows: an export replaced in place, read
    again under new rules, or retracted (`crmkpi retract`). The ingestion logs each deletion in
    quarantine.retractions; a deleted row leaves no newer load id behind for an incremental
    model to notice. The log is bookkeeping written by the ingestion, not a data source, so it
    is looked up here instead of being declared as one. Calendar and quota deletions are left
    out: they do not feed the CRM activity models.
#}
{% macro crm_row_deletion_loads() -%}
    {%- set log = adapter.get_relation(
        database=this.database, schema='quarantine', identifier='retractions'
    ) -%}
    {%- if log is not none -%}
        select cast(retractions.load_id as double precision) as load_id
        from {{ log }} as retractions
        where retractions.source_name not in ('calendar', 'targets')
    {%- else -%}
        select cast(null as double precision) as load_id
        where false
    {%- endif -%}
{%- endmacro %}
