-- Every sales activity once: CRM activities (int_crm_activities_attributed_to_stages, with
-- their stage at the time) plus calendar meetings
-- (int_calendar_meetings). A calendar meeting that is the same meeting as a CRM event
-- (int_calendar_crm_matches) does not add a row: the CRM row gets origin `both` and the
-- calendar occurrence id. Other CRM activities are origin `crm`; other calendar meetings are
-- origin `calendar`.
--
-- Opportunity: CRM rows keep the CRM's own link (WhatId). A calendar-only meeting is tied to
-- its account's opportunity open at the meeting's start (created_at <= start < open_until,
-- see int_opportunities); with several, the most recently created one (then the highest id).
with

crm_activities as (

    select * from {{ ref('int_crm_activities_attributed_to_stages') }}

),

calendar_meetings as (

    select * from {{ ref('int_calendar_meetings') }}

),

matches as (

    select * from {{ ref('int_calendar_crm_matches') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

crm_rows as (

    select
        crm_activities.activity_id,
        crm_activities.source_system,
        crm_activities.source_object,
        crm_activities.activity_type,
        crm_activities.activity_at,
        crm_activities.activity_date,
        crm_activities.rep_id,
        crm_activities.account_id,
        crm_activities.opportunity_id,
        crm_activities.subject,
        crm_activities.is_completed,
        calendar_meetings.occurrence_id as calendar_occurrence_id,
        coalesce(crm_activities.duration_minutes, calendar_meetings.duration_minutes)
            as duration_minutes,
        case when matches.activity_id is null then 'crm' else 'both' end as origin,
        case when crm_activities.opportunity_id is not null then 'crm' end
            as opportunity_link_method,
        crm_activities.stage_at_activity,
        crm_activities.stage_transition_id,
        crm_activities.stage_transition_number
    from crm_activities
    left join matches
        on crm_activities.activity_id = matches.activity_id
    left join calendar_meetings
        on matches.calendar_meeting_id = calendar_meetings.calendar_meeting_id

),

calendar_only as (

    select calendar_meetings.*
    from calendar_meetings
    left join matches
        on calendar_meetings.calendar_meeting_id = matches.calendar_meeting_id
    where matches.calendar_meeting_id is null

),

open_opportunities as (

    select
        calendar_only.calendar_meeting_id,
        opportunities.opportunity_id
    from calendar_only
    inner join opportunities
        on
            calendar_only.account_id = opportunities.account_id
            and calendar_only.started_at >= opportunities.created_at
            and calendar_only.started_at < opportunities.open_until
    qualify row_number() over (
        partition by calendar_only.calendar_meeting_id
        order by opportunities.created_at desc, opportunities.opportunity_id desc
    ) = 1

),

calendar_rows as (

    select
        calendar_only.calendar_meeting_id as activity_id,
        'calendar' as source_system,
        'calendar_event' as source_object,
        calendar_only.activity_type,
        calendar_only.started_at as activity_at,
        {{ utc_date('calendar_only.started_at') }} as activity_date,
        calendar_only.rep_id,
        calendar_only.account_id,
        open_opportunities.opportunity_id,
        calendar_only.summary as subject,
        true as is_completed,
        calendar_only.occurrence_id as calendar_occurrence_id,
        calendar_only.duration_minutes,
        'calendar' as origin,
        case when open_opportunities.opportunity_id is not null then 'calendar_inferred' end
            as opportunity_link_method,
        -- attributed in int_activities_attributed_to_stages
        cast(null as varchar) as stage_at_activity,
        cast(null as varchar) as stage_transition_id,
        cast(null as bigint) as stage_transition_number
    from calendar_only
    left join open_opportunities
        on calendar_only.calendar_meeting_id = open_opportunities.calendar_meeting_id

),

final as (

    select * from crm_rows
    union all
    select * from calendar_rows

)

select * from final
