-- One row per live (not deleted) opportunity of every CRM source (int_opportunities).
-- Current stage comes from the opportunity's stage label through the stage_mapping seed; closed
-- and won follow the canonical stage. Salesforce only has a close *date*: closed_date is
-- CloseDate for closed opportunities and closed_at is 00:00 UTC of it. Amounts are converted
-- to the reporting currency with the latest rate on or before the close date (the as-of date
-- for open opportunities).
with

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

stage_dates as (

    select * from {{ ref('int_opportunity_stage_dates') }}

),

currency_rates as (

    select * from {{ ref('int_currency_rates_ranged') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

staged as (

    select
        opportunities.*,
        opportunities.is_closed as is_closed_canonical,
        opportunities.is_won as is_won_canonical,
        coalesce(opportunities.currency, '{{ var("reporting_currency") }}')
            as currency_code,
        as_of.as_of_date
    from opportunities
    cross join as_of

),

converted as (

    select
        staged.*,
        {{ to_reporting_currency('staged.amount', 'staged.currency_code', 'currency_rates.rate') }}
            as amount_reporting
    from staged
    left join currency_rates
        on
            staged.currency_code = currency_rates.currency
            and least(coalesce(staged.closed_date, staged.as_of_date), staged.as_of_date)
            >= currency_rates.valid_from
            and least(coalesce(staged.closed_date, staged.as_of_date), staged.as_of_date)
            < currency_rates.valid_to

),

won_fallback as (

    -- every won opportunity reached stages 1 to 5, even when its history lacks the closing
    -- row (or is missing): it reached won on its close date, after any recorded transition
    select
        converted.opportunity_id,
        greatest(
            {{ utc_midnight('converted.closed_date') }},
            coalesce(stage_dates.last_transitioned_at, {{ utc_midnight('converted.closed_date') }})
        ) as reached_won_at
    from converted
    left join stage_dates
        on converted.opportunity_id = stage_dates.opportunity_id
    where converted.is_won_canonical and stage_dates.reached_won_at is null

),

final as (

    select
        converted.opportunity_id,
        converted.opportunity_name,
        converted.account_id,
        converted.rep_id,
        converted.source_system,
        converted.source_stage_label,
        converted.current_stage,
        converted.current_stage_order,
        converted.is_closed_canonical as is_closed,
        converted.is_won_canonical as is_won,
        converted.created_at,
        {{ utc_date('converted.created_at') }} as created_date,
        {{ utc_midnight('converted.closed_date') }} as closed_at,
        converted.closed_date,
        case
            when not converted.is_closed_canonical then converted.close_date
        end as expected_close_date,
        converted.currency_code as currency,
        converted.amount,
        converted.amount_reporting,
        '{{ var("reporting_currency") }}' as reporting_currency,
        converted.probability,
        converted.opportunity_type,
        converted.lead_source,
        coalesce(stage_dates.reached_qualification_at, won_fallback.reached_won_at)
            as reached_qualification_at,
        coalesce(stage_dates.reached_presentation_at, won_fallback.reached_won_at)
            as reached_presentation_at,
        coalesce(stage_dates.reached_proposal_at, won_fallback.reached_won_at)
            as reached_proposal_at,
        coalesce(stage_dates.reached_contract_at, won_fallback.reached_won_at)
            as reached_contract_at,
        coalesce(stage_dates.reached_won_at, won_fallback.reached_won_at) as reached_won_at,
        case
            when converted.is_won_canonical then 5 else stage_dates.max_stage_order_reached
        end as max_stage_order_reached,
        coalesce(stage_dates.skip_count, 0) as skip_count,
        coalesce(stage_dates.regression_count, 0) as regression_count,
        converted.closed_date - {{ utc_date('converted.created_at') }} as sales_cycle_days,
        converted.last_modified_at,
        converted.as_of_date
    from converted
    left join stage_dates
        on converted.opportunity_id = stage_dates.opportunity_id
    left join won_fallback
        on converted.opportunity_id = won_fallback.opportunity_id

)

select * from final
