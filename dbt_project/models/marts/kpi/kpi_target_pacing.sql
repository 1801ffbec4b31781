-- Target pacing per rep target (kpi_definitions.md, "pacing" and "target attainment"), as of
-- as_of_date. One row per rep target of fct_sales_targets (month or quarter, as set in the
-- quota sheet) whose rep is known:
--   won_to_date        reporting-currency amount of the rep's opportunities won with a close
--                      date in [period_start, min(period_end, as_of_date)]
--   period_days        period_end - period_start + 1
--   elapsed_days       days of the period up to and including the as-of date (0 before the
--                      period, period_days after it)
--   expected_to_date   target_amount x elapsed_days / period_days
--   pace_ratio         won_to_date / expected_to_date (null before the period starts)
--   projected_amount   won_to_date / (elapsed_days / period_days) (null before the period)
--   attainment         won_to_date / target_amount
with

sales_targets as (

    select * from {{ ref('fct_sales_targets') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

rep_targets as (

    select
        sales_targets.sales_target_id,
        sales_targets.rep_id,
        sales_targets.team,
        sales_targets.period_grain,
        sales_targets.period_start,
        sales_targets.period_end,
        sales_targets.target_amount_reporting as target_amount,
        as_of.as_of_date,
        cast(sales_targets.period_end - sales_targets.period_start + 1 as bigint) as period_days,
        cast(
            greatest(
                least(as_of.as_of_date, sales_targets.period_end)
                - sales_targets.period_start + 1,
                0
            ) as bigint
        ) as elapsed_days
    from sales_targets
    cross join as_of
    where sales_targets.scope = 'rep' and sales_targets.rep_id is not null

),

won_opportunities as (

    select
        rep_id,
        closed_date,
        amount_reporting
    from opportunities
    where is_won

),

won_to_date as (

    select
        rep_targets.sales_target_id,
        count(won_opportunities.rep_id) as won_deals_to_date,
        coalesce(sum(won_opportunities.amount_reporting), 0) as won_to_date
    from rep_targets
    left join won_opportunities
        on
            rep_targets.rep_id = won_opportunities.rep_id
            and rep_targets.period_start <= won_opportunities.closed_date
            and least(rep_targets.period_end, rep_targets.as_of_date)
            >= won_opportunities.closed_date
    group by rep_targets.sales_target_id

),

final as (

    select
        rep_targets.sales_target_id,
        rep_targets.rep_id,
        rep_targets.team,
        rep_targets.period_grain,
        rep_targets.period_start,
        rep_targets.period_end,
        cast(rep_targets.target_amount as double) as target_amount,
        cast(won_to_date.won_deals_to_date as bigint) as won_deals_to_date,
        cast(won_to_date.won_to_date as double) as won_to_date,
        rep_targets.elapsed_days,
        rep_targets.period_days,
        cast(
            rep_targets.target_amount * rep_targets.elapsed_days / rep_targets.period_days
            as double
        ) as expected_to_date,
        {{ safe_divide(
            'won_to_date.won_to_date',
            'rep_targets.target_amount * rep_targets.elapsed_days / rep_targets.period_days'
        ) }} as pace_ratio,
        {{ safe_divide(
            'won_to_date.won_to_date * rep_targets.period_days', 'rep_targets.elapsed_days'
        ) }} as projected_amount,
        {{ safe_divide('won_to_date.won_to_date', 'rep_targets.target_amount') }} as attainment,
        rep_targets.as_of_date
    from rep_targets
    inner join won_to_date
        on rep_targets.sales_target_id = won_to_date.sales_target_id

)

select * from final
