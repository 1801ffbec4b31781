{#
    The UTC calendar date of a `timestamp with time zone`.
    A plain cast to date would use the session time zone; KPI day counts are defined on
    UTC dates (kpi_definitions.md: "whole calendar days between the UTC dates").
#}
{% macro utc_date(column_name) -%}
    cast(timezone('UTC', {{ column_name }}) as date)
{%- endmacro %}
