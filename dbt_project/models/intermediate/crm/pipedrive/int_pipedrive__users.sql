-- Pipedrive users in the canonical CRM user shape (int_crm__users). The exports name users
-- only (Deal - Owner, Activity - Assigned to user, the owners of organisations and people)
-- and hold no users table: every name is a user, `pipedrive:name:<lower-cased name>`; deals
-- without an owner belong to the user `pipedrive:unassigned`.
with

deals as (

    select * from {{ ref('stg_pipedrive__deals') }}

),

activities as (

    select * from {{ ref('stg_pipedrive__activities') }}

),

organizations as (

    select * from {{ ref('stg_pipedrive__organizations') }}

),

persons as (

    select * from {{ ref('stg_pipedrive__persons') }}

),

owner_names as (

    -- a deal without an owner makes the unassigned user; other records only name users
    select owner_name from deals
    union all
    select owner_name from activities
    where owner_name is not null
    union all
    select owner_name from organizations
    where owner_name is not null
    union all
    select owner_name from persons
    where owner_name is not null

),

final as (

    select
        coalesce({{ id_from_name("'pipedrive'", 'owner_name') }}, 'pipedrive:unassigned')
            as user_id,
        'pipedrive' as source_system,
        cast(null as varchar) as email,
        coalesce(min(trim(owner_name)), 'Unassigned') as user_name,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as username,
        cast(null as varchar) as title,
        cast(null as varchar) as team,
        cast(null as varchar) as manager_id,
        cast(null as boolean) as is_active,
        cast(null as timestamp with time zone) as created_at
    from owner_names
    group by all

)

select * from final
