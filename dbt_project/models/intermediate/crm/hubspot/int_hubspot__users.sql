-- HubSpot users in the canonical CRM user shape (int_crm__users), ids prefixed `hubspot:`.
-- Deals and engagements name their owner (Deal owner, Activity assigned to): an owner that
-- is no user of the users export still becomes a user, so nothing is dropped - by its
-- owner id when the export has one, else `hubspot:name:<lower-cased name>`; deals without
-- an owner belong to the user `hubspot:unassigned`.
with

owners as (

    select * from {{ ref('stg_hubspot__owners') }}

),

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

engagements as (

    select * from {{ ref('int_hubspot__engagements') }}

),

known_users as (

    select
        coalesce(
            'hubspot:' || owner_id,
            {{ id_from_name("'hubspot'", 'user_name') }},
            'hubspot:email:' || email
        ) as user_id,
        email,
        user_name,
        first_name,
        last_name,
        team,
        role as title,
        is_active
    from owners

),

owner_references as (

    -- a deal without an owner makes the unassigned user; engagements only name users
    select
        owner_id,
        owner_name
    from deals
    union all
    select
        owner_id,
        owner_name
    from engagements
    where owner_id is not null or owner_name is not null

),

referenced as (

    select
        case
            when owner_id is not null then 'hubspot:' || owner_id
            else coalesce({{ id_from_name("'hubspot'", 'owner_name') }}, 'hubspot:unassigned')
        end as user_id,
        coalesce(min(trim(owner_name)), 'Unassigned') as user_name
    from owner_references
    where
        owner_id is not null
        or {{ name_key('owner_name') }} is null
        or (
            {{ name_key('owner_name') }} not in (
                select {{ name_key('known_users.user_name') }} from known_users
                where {{ name_key('known_users.user_name') }} is not null
            )
        )
    group by all

),

unknown_owners as (

    select referenced.*
    from referenced
    anti join known_users
        on referenced.user_id = known_users.user_id

),

final as (

    select
        user_id,
        'hubspot' as source_system,
        email,
        user_name,
        first_name,
        last_name,
        cast(null as varchar) as username,
        title,
        team,
        cast(null as varchar) as manager_id,
        is_active,
        cast(null as timestamp with time zone) as created_at
    from known_users

    union all

    select
        user_id,
        'hubspot' as source_system,
        cast(null as varchar) as email,
        user_name,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as username,
        cast(null as varchar) as title,
        cast(null as varchar) as team,
        cast(null as varchar) as manager_id,
        cast(null as boolean) as is_active,
        cast(null as timestamp with time zone) as created_at
    from unknown_owners

)

select * from final
