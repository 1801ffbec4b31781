{#
    A rate column agrees with the numerator and denominator the mart carries: rate =
    numerator / denominator (within a relative tolerance) when the denominator is non-zero,
    and null when it is zero or null. Keeps "every rate mart carries its numerator and
    denominator" honest.
#}
{% test rate_matches_ratio(model, rate_column, numerator, denominator, tolerance=1e-9) %}

select
    {{ rate_column }} as rate_value,
    {{ numerator }} as numerator_value,
    {{ denominator }} as denominator_value
from {{ model }}
where
    (
        coalesce({{ denominator }}, 0) = 0
        and {{ rate_column }} is not null
    )
    or (
        coalesce({{ denominator }}, 0) != 0
        and (
            {{ rate_column }} is null
            or abs(
                {{ rate_column }}
                - cast({{ numerator }} as double) / cast({{ denominator }} as double)
            ) > {{ tolerance }} * greatest(
                1, abs(cast({{ numerator }} as double) / cast({{ denominator }} as double))
            )
        )
    )

{% endtest %}
