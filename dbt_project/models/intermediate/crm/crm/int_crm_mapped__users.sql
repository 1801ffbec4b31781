-- Users of the CRMs mapped through mapping files (raw_crm) in the canonical CRM user shape
-- (int_crm__users), ids prefixed with the mapping's source_system (`xiaoshouyi:<id>`).
-- Opportunities, activities and accounts may name an owner that is no user of the users
-- export: such an owner still becomes a user (`<source_system>:name:<lower-cased name>`, or
-- its exported id), so nothing is dropped; opportunities without an owner belong to the user
-- `<source_system>:unassigned`. The manager is ManagerId, else the user named as
-- manager, when that is a user of the same CRM.
with

users as (

    select * from {{ ref('stg_crm__users') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

users_by_name as (

    {{ name_lookup('users', 'user_id', 'user_name', partition_by=['source_system']) }}

),

known_users as (

    select
        users.source_system,
        users.email,
        users.user_name,
        users.title,
        users.team,
        users.is_active,
        managers.user_id as manager_user_id,
        users.source_system || ':' || users.user_id as user_id
    from users
    left join users_by_name
        on
            users.source_system = users_by_name.source_system
            and {{ name_key('users.manager_name') }} = users_by_name.name_key
    left join users as managers
        on
            users.source_system = managers.source_system
            and coalesce(users.manager_id, users_by_name.resolved_id) = managers.user_id

),

owner_references as (

    select
        source_system,
        rep_id as owner_id,
        rep_name as owner_name
    from opportunities
    union all
    select
        source_system,
        rep_id as owner_id,
        rep_name as owner_name
    from activities
    where rep_id is not null or rep_name is not null
    union all
    select
        source_system,
        owner_user_id as owner_id,
        owner_name
    from accounts
    where owner_user_id is not null or owner_name is not null

),

referenced as (

    select
        owner_references.source_system,
        coalesce(
            owner_references.source_system || ':' || owner_references.owner_id,
            owner_references.source_system || ':' || users_by_name.resolved_id,
            {{ id_from_name('owner_references.source_system', 'owner_references.owner_name') }},
            owner_references.source_system || ':unassigned'
        ) as user_id,
        coalesce(min(trim(owner_references.owner_name)), 'Unassigned') as user_name
    from owner_references
    left join users_by_name
        on
            owner_references.source_system = users_by_name.source_system
            and {{ name_key('owner_references.owner_name') }} = users_by_name.name_key
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
        source_system,
        email,
        user_name,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as username,
        title,
        team,
        source_system || ':' || manager_user_id as manager_id,
        is_active,
        cast(null as timestamp with time zone) as created_at
    from known_users

    union all

    select
        user_id,
        source_system,
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
