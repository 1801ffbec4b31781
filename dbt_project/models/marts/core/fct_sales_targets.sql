-- One row per rep or team target and target period, from the quota sheets.
-- Rep targets are matched to CRM users on lower-cased e-mail (an active user first,
-- then the most recently created); their team is the user's current team, as for
-- opportunities. Team targets are matched to a CRM team case-insensitively. Amounts are
-- converted to the reporting currency at the latest rate on or before period_start.
with

sales_targets as (

    select * from {{ ref('stg_targets__sales_targets') }}

),

users as (

    select * from {{ ref('int_crm__users') }}

),

currency_rates as (

    select * from {{ ref('int_currency_rates_ranged') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

reps_by_email as (

    select
        email,
        user_id as rep_id,
        team
    from users
    where email is not null
    qualify row_number() over (
        partition by email
        order by is_active desc nulls last, created_at desc nulls last, user_id asc
    ) = 1

),

crm_teams as (

    select
        lower(team) as team_key,
        min(team) as team
    from users
    where team is not null
    group by lower(team)

),

resolved as (

    select
        sales_targets.*,
        reps_by_email.rep_id,
        case
            when sales_targets.scope_type = 'rep'
                then coalesce(reps_by_email.team, nullif(trim(sales_targets.team), ''))
            else coalesce(crm_teams.team, nullif(trim(sales_targets.team), ''))
        end as resolved_team,
        coalesce(sales_targets.currency, '{{ var("reporting_currency") }}') as currency_code
    from sales_targets
    left join reps_by_email
        on
            sales_targets.scope_type = 'rep'
            and lower(trim(sales_targets.rep_email)) = reps_by_email.email
    left join crm_teams
        on
            sales_targets.scope_type = 'team'
            and lower(trim(sales_targets.team)) = crm_teams.team_key

),

final as (

    select
        resolved.sales_target_id,
        resolved.scope_type as scope,
        case
            when resolved.scope_type = 'rep' then resolved.rep_id
            else resolved.resolved_team
        end as scope_id,
        resolved.rep_id,
        resolved.rep_email,
        resolved.resolved_team as team,
        resolved.scope_name,
        resolved.period_label,
        resolved.period_grain,
        resolved.period_start,
        resolved.period_end,
        resolved.currency_code as currency,
        resolved.target_amount,
        {{ to_reporting_currency(
            'resolved.target_amount', 'resolved.currency_code', 'currency_rates.rate'
        ) }} as target_amount_reporting,
        '{{ var("reporting_currency") }}' as reporting_currency,
        as_of.as_of_date
    from resolved
    left join currency_rates
        on
            resolved.currency_code = currency_rates.currency
            and resolved.period_start >= currency_rates.valid_from
            and resolved.period_start < currency_rates.valid_to
    cross join as_of

)

select * from final
