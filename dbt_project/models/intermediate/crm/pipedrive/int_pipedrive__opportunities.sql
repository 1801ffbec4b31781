-- Pipedrive deals in the canonical CRM opportunity shape (int_crm__opportunities), deleted
-- ones included (status Deleted), ids prefixed `pipedrive:`. Won and lost come from the
-- status, not the stage (which keeps the stage the deal was in): the stage label of a won or
-- lost deal is `won` / `lost` (stage_mapping rows of pipedrive). The close date is the day it
-- was won or lost (UTC), else the expected close date. Owner and organisation resolve by
-- name (int_pipedrive__users, int_pipedrive__accounts).
with

deals as (

    select * from {{ ref('stg_pipedrive__deals') }}

),

users_by_name as (

    {{ name_lookup(ref('int_pipedrive__users'), 'user_id', 'user_name') }}

),

accounts_by_name as (

    {{ name_lookup(ref('int_pipedrive__accounts'), 'account_id', 'account_name') }}

),

directory_loads as (

    {{ latest_load_id([
        ref('stg_pipedrive__organizations'), ref('stg_pipedrive__persons'),
        ref('stg_pipedrive__deals')
    ]) }}

),

final as (

    select
        'pipedrive:' || deals.deal_id as opportunity_id,
        'pipedrive' as source_system,
        accounts_by_name.resolved_id as account_id,
        coalesce(users_by_name.resolved_id, 'pipedrive:unassigned') as rep_id,
        deals.deal_title as opportunity_name,
        case
            when deals.is_closed then deals.status else deals.source_stage_label
        end as source_stage_label,
        deals.currency,
        deals.amount,
        deals.probability,
        case
            when deals.is_closed
                then coalesce({{ utc_date('deals.closed_at') }}, deals.expected_close_date)
            else deals.expected_close_date
        end as close_date,
        cast(null as varchar) as opportunity_type,
        cast(null as varchar) as lead_source,
        deals.is_deleted,
        deals.created_at,
        deals.last_modified_at,
        -- owners and organisations are always named: every deal depends on the directory
        {{ load_id_after_name_resolution(
            'deals._dlt_load_id', 'true', '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from deals
    left join users_by_name
        on {{ name_key('deals.owner_name') }} = users_by_name.name_key
    left join accounts_by_name
        on {{ name_key('deals.organization_name') }} = accounts_by_name.name_key

)

select * from final
