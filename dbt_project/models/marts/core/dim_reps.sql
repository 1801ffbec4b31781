-- One row per Salesforce user; every opportunity, activity and target is attributed to one.
-- The team is the user's Department; the manager is the user's ManagerId.
with

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        users.user_id as rep_id,
        users.user_name as rep_name,
        users.first_name,
        users.last_name,
        users.email,
        users.username,
        users.title,
        users.manager_id,
        managers.user_name as manager_name,
        users.is_active,
        users.created_at,
        as_of.as_of_date,
        nullif(trim(users.department), '') as team
    from users
    left join users as managers
        on users.manager_id = managers.user_id
    cross join as_of

)

select * from final
