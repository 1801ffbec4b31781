{#
    Helpers shared by the KPI marts.
#}

{#- A rate: numerator / denominator as a double, null when the denominator is 0 or null. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}

{#-
    ceil() of a count computed in floating point, robust to representation error:
    5 / (1 / 3.0) is 15.000000000000002 in IEEE doubles and must give 15, not 16.
-#}
{% macro ceil_count(expression) -%}
    cast(ceil(round(cast({{ expression }} as double), 6)) as bigint)
{%- endmacro %}

{#-
    The KPI period grains as a one-column relation (period_grain): week, month, quarter.
-#}
{% macro kpi_period_grains() -%}
    select 'week' as period_grain
    union all
    select 'month' as period_grain
    union all
    select 'quarter' as period_grain
{%- endmacro %}

{#-
    One row per day of `dates` (a relation or CTE with dim_dates' columns) and KPI period
    grain: date_day, period_grain, period_start. Weeks are ISO weeks, quarters fiscal quarters.
-#}
{% macro kpi_date_periods(dates) -%}
    select
        kpi_dates.date_day,
        kpi_grains.period_grain,
        case kpi_grains.period_grain
            when 'week' then kpi_dates.week_start_date
            when 'month' then kpi_dates.month_start_date
            when 'quarter' then kpi_dates.fiscal_quarter_start_date
        end as period_start
    from {{ dates }} as kpi_dates
    cross join ({{ kpi_period_grains() }}) as kpi_grains
{%- endmacro %}

{#-
    The KPI periods (period_grain, period_start) with at least one day between the data's
    first date (the earliest `first_date` of `first_dates`) and the as-of date (`as_of`, a
    one-row relation with as_of_date). `date_periods` is a kpi_date_periods relation.
-#}
{% macro kpi_periods_in_data(date_periods, as_of, first_dates) -%}
    select distinct
        kpi_periods.period_grain,
        kpi_periods.period_start
    from {{ date_periods }} as kpi_periods
    cross join {{ as_of }} as kpi_as_of
    where
        kpi_periods.date_day <= kpi_as_of.as_of_date
        and kpi_periods.date_day >= (
            select min(kpi_first.first_date) from {{ first_dates }} as kpi_first
        )
{%- endmacro %}

{#-
    Fans the rows of `relation` out to the three KPI scopes: every row once for `company`
    (scope_id null), once for its team (rows without a team are skipped) and once for its rep
    (rows without a rep are skipped). `columns` are carried through unchanged.
-#}
{% macro fan_out_scopes(relation, columns, rep_column='rep_id', team_column='team') -%}
    select
        'company' as scope,
        cast(null as varchar) as scope_id,
        {{ columns | join(', ') }}
    from {{ relation }}

    union all

    select
        'team' as scope,
        {{ team_column }} as scope_id,
        {{ columns | join(', ') }}
    from {{ relation }}
    where {{ team_column }} is not null

    union all

    select
        'rep' as scope,
        {{ rep_column }} as scope_id,
        {{ columns | join(', ') }}
    from {{ relation }}
    where {{ rep_column }} is not null
{%- endmacro %}

{#-
    p-th continuous percentile (0-1) of a column, as a double (standard SQL ordered-set
    aggregate, so the marts stay portable to Postgres, Snowflake, BigQuery via dbt adapters).
-#}
{% macro percentile(column_name, fraction) -%}
    cast(percentile_cont({{ fraction }}) within group (order by {{ column_name }}) as double)
{%- endmacro %}
