-- HubSpot calls, meetings, e-mails and tasks (int_hubspot__engagements, typed there) in the
-- canonical CRM activity shape (int_crm__activities), ids prefixed `hubspot:`. Owner and
-- company resolve like the deals'; what_id is the associated deal (its id, else its name).
with

engagements as (

    select * from {{ ref('int_hubspot__engagements') }}

),

users_by_name as (

    {{ name_lookup(ref('int_hubspot__users'), 'user_id', 'user_name') }}

),

accounts_by_name as (

    {{ name_lookup(ref('int_hubspot__accounts'), 'account_id', 'account_name') }}

),

deals_by_name as (

    {{ name_lookup(ref('int_hubspot__opportunities'), 'opportunity_id', 'opportunity_name') }}

),

directory_loads as (

    {{ latest_load_id([ref('stg_hubspot__owners'), ref('stg_hubspot__deals')]) }}

),

final as (

    select
        'hubspot' as source_system,
        engagements.source_object,
        engagements.activity_type,
        engagements.activity_at,
        engagements.ended_at,
        engagements.subject,
        engagements.duration_minutes,
        engagements.is_completed,
        false as is_all_day,
        engagements.created_at,
        'hubspot:' || engagements.engagement_id as activity_id,
        coalesce('hubspot:' || engagements.owner_id, users_by_name.resolved_id) as rep_id,
        coalesce('hubspot:' || engagements.company_id, accounts_by_name.resolved_id)
            as account_id,
        coalesce('hubspot:' || engagements.deal_id, deals_by_name.resolved_id) as what_id,
        {{ load_id_after_name_resolution(
            'engagements._dlt_load_id',
            'engagements.owner_id is null or engagements.company_id is null'
            ~ ' or engagements.deal_id is null',
            '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from engagements
    left join users_by_name
        on {{ name_key('engagements.owner_name') }} = users_by_name.name_key
    left join accounts_by_name
        on {{ name_key('engagements.company_name') }} = accounts_by_name.name_key
    left join deals_by_name
        on {{ name_key('engagements.deal_name') }} = deals_by_name.name_key

)

select * from final
