-- Sales velocity per scope, period grain and period (kpi_definitions.md, "sales velocity"):
--   velocity_per_day = opportunities_created x win_rate x avg_deal_size / avg_sales_cycle_days
-- n = opportunities created in the period; win rate, average deal size and mean sales cycle
-- are those of the same period, so every term is exactly kpi_rep_period_performance's (this
-- mart reads it: same scopes, periods, attribution and as-of rules). Null when a term is
-- null or the mean cycle is 0 days. The terms' numerators and denominators are carried.
with

performance as (

    select * from {{ ref('kpi_rep_period_performance') }}

),

final as (

    select
        scope,
        scope_id,
        period_grain,
        period_start,
        opportunities_created,
        opportunities_won,
        opportunities_closed,
        win_rate,
        won_amount,
        avg_deal_size,
        sales_cycle_days_sum,
        avg_sales_cycle_days,
        cast(
            opportunities_created * win_rate * avg_deal_size
            / nullif(avg_sales_cycle_days, 0) as double
        ) as velocity_per_day,
        as_of_date
    from performance

)

select * from final
