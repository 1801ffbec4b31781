{#
    Fails for every row where total_column differs from the sum of part_columns (nulls count
    as 0). E.g. advanced + dropped + open = reached in kpi_funnel_conversion.
#}
{% test sum_of_columns_equals(model, total_column, part_columns) %}

select
    {{ total_column }} as total_value,
    {% for part in part_columns -%}
        {{ part }}{% if not loop.last %},{% endif %}
    {% endfor %}
from {{ model }}
where
    coalesce({{ total_column }}, 0)
    != {% for part in part_columns -%}
        coalesce({{ part }}, 0){% if not loop.last %} + {% endif %}
    {%- endfor %}

{% endtest %}
