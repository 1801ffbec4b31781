-- HubSpot deals in the canonical CRM opportunity shape (int_crm__opportunities), deleted
-- ones included, ids prefixed `hubspot:`. The owner resolves to int_hubspot__users (its id,
-- else its name, case-insensitively), the company to int_hubspot__accounts likewise.
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

users_by_name as (

    {{ name_lookup(ref('int_hubspot__users'), 'user_id', 'user_name') }}

),

accounts_by_name as (

    {{ name_lookup(ref('int_hubspot__accounts'), 'account_id', 'account_name') }}

),

directory_loads as (

    {{ latest_load_id([ref('stg_hubspot__owners'), ref('stg_hubspot__deals')]) }}

),

final as (

    select
        'hubspot:' || deals.deal_id as opportunity_id,
        'hubspot' as source_system,
        coalesce(
            'hubspot:' || {{ first_listed('deals.company_ids') }},
            accounts_by_name.resolved_id
        ) as account_id,
        coalesce(
            'hubspot:' || deals.owner_id, users_by_name.resolved_id, 'hubspot:unassigned'
        ) as rep_id,
        deals.deal_name as opportunity_name,
        deals.source_stage_label,
        deals.currency,
        deals.amount,
        deals.probability,
        deals.close_date,
        deals.deal_type as opportunity_type,
        cast(null as varchar) as lead_source,
        deals.is_deleted,
        deals.created_at,
        deals.last_modified_at,
        {{ load_id_after_name_resolution(
            'deals._dlt_load_id',
            'deals.owner_id is null or ' ~ first_listed('deals.company_ids') ~ ' is null',
            '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from deals
    left join users_by_name
        on {{ name_key('deals.owner_name') }} = users_by_name.name_key
    left join accounts_by_name
        on {{ name_key('deals.company_name') }} = accounts_by_name.name_key

)

select * from final
