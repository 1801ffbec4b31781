{%- set fiscal_start_month = var('fiscal_year_start_month') | int -%}
{%- if fiscal_start_month < 1 or fiscal_start_month > 12 -%}
    {{ exceptions.raise_compiler_error("var fiscal_year_start_month must be 1-12, got " ~ fiscal_start_month) }}
{%- endif -%}
-- One row per day, covering whole calendar years from the earliest to the latest date in the
-- loaded data (and the as-of date). Weeks are ISO weeks starting on Monday. Fiscal years start
-- in month var fiscal_year_start_month and are named after the calendar year they end in.
with

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}

),

opportunity_histories as (

    select * from {{ ref('int_crm__opportunity_stage_history') }}

),

activities as (

    select * from {{ ref('int_crm__activities') }}

),

sales_targets as (

    select * from {{ ref('stg_targets__sales_targets') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

data_dates as (

    select
        {{ utc_date('created_at') }} as first_date,
        coalesce(close_date, {{ utc_date('created_at') }}) as last_date
    from opportunities
    union all
    select
        {{ utc_date('changed_at') }} as first_date,
        {{ utc_date('changed_at') }} as last_date
    from opportunity_histories
    union all
    select
        activity_date as first_date,
        activity_date as last_date
    from activities
    union all
    select
        period_start as first_date,
        period_end as last_date
    from sales_targets
    union all
    select
        as_of_date as first_date,
        as_of_date as last_date
    from as_of

),

bounds as (

    select
        cast(date_trunc('year', min(first_date)) as date) as first_date,
        cast(date_trunc('year', max(last_date)) + interval 1 year - interval 1 day as date)
            as last_date
    from data_dates

),

spine as (

    select
        cast(
            unnest(generate_series(first_date, last_date, interval 1 day)) as date
        ) as date_day
    from bounds

),

calendar as (

    select
        date_day,
        cast(isodow(date_day) as integer) as day_of_week,
        dayname(date_day) as day_name,
        cast(date_trunc('week', date_day) as date) as week_start_date,
        cast(isoyear(date_day) as integer) as iso_year,
        cast(weekofyear(date_day) as integer) as iso_week,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        cast(month(date_day) as integer) as month_number,
        monthname(date_day) as month_name,
        cast(date_trunc('quarter', date_day) as date) as quarter_start_date,
        cast(quarter(date_day) as integer) as quarter_number,
        cast(date_trunc('year', date_day) as date) as year_start_date,
        cast(year(date_day) as integer) as year_number,
        -- months since the start of the fiscal year, 0-11
        cast((month(date_day) - {{ fiscal_start_month }} + 12) % 12 as integer)
            as fiscal_month_offset
    from spine

),

fiscal as (

    select
        *,
        cast(
            date_trunc('month', date_day) - to_months(fiscal_month_offset) as date
        ) as fiscal_year_start_date,
        cast(floor(fiscal_month_offset / 3) as integer) + 1 as fiscal_quarter
    from calendar

),

final as (

    select
        fiscal.date_day,
        fiscal.day_of_week,
        fiscal.day_name,
        fiscal.day_of_week >= 6 as is_weekend,
        fiscal.week_start_date,
        cast(fiscal.week_start_date + interval 6 day as date) as week_end_date,
        fiscal.iso_year,
        fiscal.iso_week,
        fiscal.month_start_date,
        cast(fiscal.month_start_date + interval 1 month - interval 1 day as date)
            as month_end_date,
        fiscal.month_number,
        fiscal.month_name,
        fiscal.quarter_start_date,
        cast(fiscal.quarter_start_date + interval 3 month - interval 1 day as date)
            as quarter_end_date,
        fiscal.quarter_number,
        fiscal.year_start_date,
        fiscal.year_number,
        fiscal.fiscal_year_start_date,
        fiscal.fiscal_quarter,
        cast(
            fiscal.fiscal_year_start_date + to_months(3 * (fiscal.fiscal_quarter - 1)) as date
        ) as fiscal_quarter_start_date,
        cast(
            fiscal.fiscal_year_start_date
            + to_months(3 * fiscal.fiscal_quarter)
            - interval 1 day as date
        ) as fiscal_quarter_end_date,
        cast(year(fiscal.fiscal_year_start_date) as integer)
        {%- if fiscal_start_month > 1 %} + 1{% endif %} as fiscal_year,
        as_of.as_of_date
    from fiscal
    cross join as_of

)

select * from final
