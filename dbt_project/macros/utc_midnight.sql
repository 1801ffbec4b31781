{#
    00:00 UTC of a date, as a timestamp with time zone (independent of the session time zone).
#}
{% macro utc_midnight(column_name) -%}
    timezone('UTC', cast({{ column_name }} as timestamp))
{%- endmacro %}
