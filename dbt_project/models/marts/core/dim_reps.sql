-- One row per CRM user; every opportunity, activity and target is attributed to one.
-- team is the user's current team (Salesforce: Department), the team every KPI attributes
-- the rep's numbers to; team_since is when the rep joined it, when the team history
-- (dim_rep_team_history, fed by the rep_team_history seed) knows. The manager is the user's
-- manager in the CRM (Salesforce: ManagerId).
with

users as (

    select * from {{ ref('int_crm__users') }}

),

team_history as (

    select * from {{ ref('int_rep_team_history') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

current_stints as (

    select
        rep_id,
        max(valid_from) as team_since
    from team_history
    where is_current
    group by rep_id

),

final as (

    select
        users.user_id as rep_id,
        users.user_name as rep_name,
        users.first_name,
        users.last_name,
        users.email,
        {{ email_domain('users.email') }} as email_domain,
        users.username,
        users.title,
        users.team,
        current_stints.team_since,
        users.manager_id,
        managers.user_name as manager_name,
        managers.email as manager_email,
        users.is_active,
        users.created_at,
        users.source_system,
        as_of.as_of_date
    from users
    left join users as managers
        on users.manager_id = managers.user_id
    left join current_stints
        on users.user_id = current_stints.rep_id
    cross join as_of

)

select * from final
