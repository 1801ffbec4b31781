{#
    The `as_of_date` var as a 'YYYY-MM-DD' string, or none when it is unset (null or empty).
    Only int_as_of_date reads it; every other model reads as_of_date from that model.
#}
{% macro as_of_date_var() -%}
    {%- set value = var('as_of_date', none) -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
        {{ return(none) }}
    {%- else -%}
        {{ return(value | string | trim) }}
    {%- endif -%}
{%- endmacro %}
