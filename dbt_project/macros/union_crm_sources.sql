{#
    Unions the conformed model `int_<source>__<entity>` of every CRM source in var
    `crm_sources`, selecting `columns` in that order. A source is added by writing its
    conformers (intermediate/crm/<source>/) and listing it in the var.
#}
{% macro union_crm_sources(entity, columns) -%}
    {%- set sources = var('crm_sources') -%}
    {%- if sources is string -%}
        {%- set sources = [sources] -%}
    {%- endif -%}
    {%- if sources | length == 0 -%}
        {{ exceptions.raise_compiler_error("var crm_sources lists no CRM source") }}
    {%- endif -%}
    {%- for source_name in sources %}
    select
        {{ columns | join(',\n        ') }}
    from {{ ref('int_' ~ source_name ~ '__' ~ entity) }}
    {% if not loop.last %}
    union all
    {% endif -%}
    {%- endfor %}
{%- endmacro %}
