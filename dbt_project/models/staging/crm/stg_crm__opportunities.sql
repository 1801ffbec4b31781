-- Opportunities of the mapped CRMs, current state. A CRM that names the owner or the account
-- instead of giving its id gets it resolved by name (case-insensitive) against its own users
-- and accounts: rep_id / account_id, with rep_name / account_name as exported. A missing
-- created date falls back to the first stage change or the first snapshot showing the
-- opportunity (is_created_at_inferred).
with

source as (

    select * from {{ source('crm', 'opportunity') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

first_stage_change as (

    select
        source_system,
        opportunity_id,
        min(changed_at) as first_changed_at
    from {{ ref('stg_crm__opportunity_stage_history') }}
    group by source_system, opportunity_id

),

first_snapshot as (

    select
        source_system,
        id as opportunity_id,
        min(snapshot_date) as first_snapshot_date
    from {{ source('crm', 'opportunity_snapshot') }}
    group by source_system, id

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
        source.id as opportunity_id,
        source.source_system,
        coalesce(source.owner_id, users_by_name.user_id) as rep_id,
        coalesce(source.account_id, accounts_by_name.account_id) as account_id,

        -- strings
        source.name as opportunity_name,
        source.stage as source_stage_label,
        source.currency,
        source.pipeline,
        source.lost_reason,
        source.owner_name as rep_name,
        source.account_name,

        -- numerics
        cast(source.amount as double) as amount,
        cast(source.probability as double) as probability,

        -- booleans
        coalesce(source.is_deleted, false) as is_deleted,
        source.created_at is null as is_created_at_inferred,

        -- dates
        cast(source.close_date as date) as close_date,

        -- timestamps
        cast(coalesce(
            source.created_at,
            first_stage_change.first_changed_at,
            {{ utc_midnight('first_snapshot.first_snapshot_date') }}
        ) as timestamp with time zone) as created_at,
        cast(source.updated_at as timestamp with time zone) as last_modified_at,

        -- lineage
        source._source_file,
        source._source_row,
        source._dlt_load_id

    from source
    left join users_by_name
        on
            source.source_system = users_by_name.source_system
            and lower(trim(source.owner_name)) = users_by_name.user_name_key
    left join accounts_by_name
        on
            source.source_system = accounts_by_name.source_system
            and lower(trim(source.account_name)) = accounts_by_name.account_name_key
    left join first_stage_change
        on
            source.source_system = first_stage_change.source_system
            and source.id = first_stage_change.opportunity_id
    left join first_snapshot
        on
            source.source_system = first_snapshot.source_system
            and source.id = first_snapshot.opportunity_id

)

select * from final
