-- CRM activities (tasks, events, calls, e-mails, meetings) of every CRM source in var
-- crm_sources, in one canonical shape, tied to a live opportunity when the activity's related
-- record (what_id) is one. The account falls back to that opportunity's account.
with

unioned as (

    {{ union_crm_sources('activities', [
        'activity_id', 'source_system', 'source_object', 'activity_type', 'activity_at',
        'ended_at', 'rep_id', 'account_id', 'what_id', 'subject', 'duration_minutes',
        'is_completed', 'is_all_day', 'created_at', '_dlt_load_id'
    ]) }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}
    where not is_deleted

),

final as (

    select
        unioned.activity_id,
        unioned.source_system,
        unioned.source_object,
        unioned.activity_type,
        unioned.activity_at,
        unioned.ended_at,
        unioned.rep_id,
        opportunities.opportunity_id,
        unioned.subject,
        unioned.duration_minutes,
        unioned.is_completed,
        unioned.is_all_day,
        unioned.created_at,
        unioned.what_id,
        unioned._dlt_load_id,
        {{ utc_date('unioned.activity_at') }} as activity_date,
        coalesce(unioned.account_id, opportunities.account_id) as account_id
    from unioned
    left join opportunities
        on unioned.what_id = opportunities.opportunity_id

)

select * from final
