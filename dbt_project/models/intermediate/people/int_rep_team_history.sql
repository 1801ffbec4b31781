-- Team memberships of every CRM user over time: one row per user and team stint.
-- For a user listed in the rep_team_history seed (matched on lower-cased e-mail) the seed is
-- the whole history; every other user with a team gets one open-ended stint with their
-- current CRM team, valid_from unknown (null). A snapshot of the user export can be unioned
-- in here later in the same shape.
with

users as (

    select * from {{ ref('int_crm__users') }}

),

seeded_history as (

    select * from {{ ref('rep_team_history') }}

),

users_by_email as (

    select
        email,
        user_id
    from users
    where email is not null
    qualify row_number() over (
        partition by email
        order by is_active desc nulls last, created_at desc nulls last, user_id asc
    ) = 1

),

seeded as (

    select
        users_by_email.user_id as rep_id,
        trim(seeded_history.team) as team,
        seeded_history.valid_from,
        seeded_history.valid_to,
        'rep_team_history' as history_source
    from seeded_history
    inner join users_by_email
        on lower(trim(seeded_history.rep_email)) = users_by_email.email

),

seeded_reps as (

    select distinct rep_id from seeded

),

crm_current as (

    select
        users.user_id as rep_id,
        users.team,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        'crm_current' as history_source
    from users
    left join seeded_reps
        on users.user_id = seeded_reps.rep_id
    where seeded_reps.rep_id is null and users.team is not null

),

unioned as (

    select * from seeded
    union all
    select * from crm_current

),

final as (

    select
        rep_id,
        team,
        valid_from,
        valid_to,
        history_source,
        rep_id || ':' || coalesce(cast(valid_from as varchar), 'start') as rep_team_stint_id,
        valid_to is null as is_current
    from unioned

)

select * from final
