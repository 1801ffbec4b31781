{#
    Fails for every row where column_name > other_column. Rows where either is null pass.
    E.g. won_count <= reached_count in kpi_funnel_conversion.
#}
{% test column_lte_column(model, column_name, other_column) %}

select
    {{ column_name }} as left_value,
    {{ other_column }} as right_value
from {{ model }}
where {{ column_name }} > {{ other_column }}

{% endtest %}
