-- One row per currency and rate period for the reporting currency: the rate applies from
-- valid_from (inclusive) to valid_to (exclusive), i.e. "the latest rate on or before a date".
with

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

reporting_rates as (

    select
        currency,
        rate,
        rate_date as valid_from,
        lead(rate_date) over (
            partition by currency
            order by rate_date
        ) as next_rate_date
    from currency_rates
    where quote_currency = '{{ var("reporting_currency") }}'

),

final as (

    select
        currency,
        rate,
        valid_from,
        coalesce(next_rate_date, date '9999-12-31') as valid_to
    from reporting_rates

)

select * from final
