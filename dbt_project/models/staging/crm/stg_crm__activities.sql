-- Activities of the mapped CRMs. activity_type is the canonical kind (call, email, meeting,
-- demo, task, other) from the mapping's activity_types, else `other`; source_activity_type
-- keeps the CRM's own. Owners and accounts named instead of identified are resolved by name.
with

source as (

    select * from {{ source('crm', 'activity') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

users_by_name as (

    select
        source_system,
        user_name_key,
        min(user_id) as user_id
    from users
    where user_name_key is not null
    group by source_system, user_name_key

),

accounts_by_name as (

    select
        source_system,
        account_name_key,
        min(account_id) as account_id
    from accounts
    where account_name_key is not null
    group by source_system, account_name_key

),

final as (

    select
        -- ids
        source.id as activity_id,
        source.source_system,
        source.opportunity_id,

        -- strings
        source.activity_type as source_activity_type,
        source.subject,
        source.status,
        source.owner_name as rep_name,
        source.opportunity_name,
        source.account_name,

        -- lineage
        source._source_file,
        source._source_row,
        source._dlt_load_id,

        -- timestamps
        cast(source.occurred_at as timestamp with time zone) as activity_at,

        -- resolved: ids as exported, else matched by name
        coalesce(source.owner_id, users_by_name.user_id) as rep_id,
        coalesce(source.account_id, accounts_by_name.account_id) as account_id,

        -- the canonical kind from the mapping's activity_types
        coalesce(source.activity_kind, 'other') as activity_type,

        -- numerics
        cast(source.duration_seconds as double) / 60 as duration_minutes

    from source
    left join users_by_name
        on
            source.source_system = users_by_name.source_system
            and lower(trim(source.owner_name)) = users_by_name.user_name_key
    left join accounts_by_name
        on
            source.source_system = accounts_by_name.source_system
            and lower(trim(source.account_name)) = accounts_by_name.account_name_key

)

select * from final
