-- One row per rep and team stint (int_rep_team_history): valid_from inclusive, valid_to
-- exclusive, null = unknown start / still current. Without a rep_team_history seed every rep
-- has one open stint with their current CRM team.
with

team_history as (

    select * from {{ ref('int_rep_team_history') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        team_history.rep_team_stint_id,
        team_history.rep_id,
        team_history.team,
        team_history.valid_from,
        team_history.valid_to,
        team_history.is_current,
        team_history.history_source,
        as_of.as_of_date
    from team_history
    cross join as_of

)

select * from final
