-- Funnel invariant: no scope wins more opportunities than reached presentation (a won deal
-- reached every stage; kpi_definitions.md, "Canonical funnel"). Checked per rep and for the
-- company on fct_opportunities, and per cohort on kpi_funnel_conversion.
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

funnel as (

    select * from {{ ref('kpi_funnel_conversion') }}

),

per_rep as (

    select
        'rep' as scope,
        rep_id as scope_id,
        count(*) filter (where is_won) as won,
        count(*) filter (where reached_presentation_at is not null) as reached_presentation
    from opportunities
    group by rep_id

    union all

    select
        'company' as scope,
        null as scope_id,
        count(*) filter (where is_won) as won,
        count(*) filter (where reached_presentation_at is not null) as reached_presentation
    from opportunities

),

per_cohort as (

    select
        scope,
        scope_id,
        won_count as won,
        reached_count as reached_presentation
    from funnel
    where from_stage = 'presentation'

),

final as (

    select * from per_rep
    where won > reached_presentation
    union all
    select * from per_cohort
    where won > reached_presentation

)

select * from final
