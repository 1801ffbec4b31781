{#
    Converts an amount to the reporting currency (var reporting_currency).
    `rate` comes from int_currency_rates_ranged joined on currency and the relevant date;
    an amount already in the reporting currency needs no rate.
#}
{% macro to_reporting_currency(amount, currency, rate) -%}
    case
        when {{ currency }} = '{{ var("reporting_currency") }}' then {{ amount }}
        else {{ amount }} * {{ rate }}
    end
{%- endmacro %}
