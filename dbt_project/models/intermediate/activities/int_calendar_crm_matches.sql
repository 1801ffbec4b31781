{%- set tolerance_minutes = var('calendar_match_tolerance_minutes') | int -%}
-- Pairs of a CRM event and a calendar meeting that are the same meeting (origin `both`):
-- same rep, timed CRM event, starts truncated to the minute at most
-- var calendar_match_tolerance_minutes apart (default 0: the same start minute) on the same
-- UTC day, and the same account when both sides know it. Pairs are one-to-one: each side
-- keeps its closest candidate (then the lowest id), and a pair is kept only when it is the
-- first choice of both sides.
with

crm_activities as (

    select * from {{ ref('int_crm__activities') }}

),

calendar_meetings as (

    select * from {{ ref('int_calendar_meetings') }}

),

crm_events as (

    select
        activity_id,
        rep_id,
        account_id,
        date_trunc('minute', activity_at) as start_minute,
        {{ utc_date('activity_at') }} as start_date
    from crm_activities
    where
        source_object = 'event'
        and not is_all_day
        and rep_id is not null
        and activity_at is not null

),

calendar_starts as (

    select
        calendar_meeting_id,
        rep_id,
        account_id,
        date_trunc('minute', started_at) as start_minute,
        {{ utc_date('started_at') }} as start_date
    from calendar_meetings
    where rep_id is not null

),

candidate_pairs as (

    select
        crm_events.activity_id,
        calendar_starts.calendar_meeting_id,
        abs(date_diff('minute', crm_events.start_minute, calendar_starts.start_minute))
            as start_gap_minutes
    from crm_events
    inner join calendar_starts
        on
            crm_events.rep_id = calendar_starts.rep_id
            {% if tolerance_minutes == 0 -%}
                and crm_events.start_minute = calendar_starts.start_minute
            {%- else -%}
                and crm_events.start_date = calendar_starts.start_date
            {%- endif %}
    where
        abs(date_diff('minute', crm_events.start_minute, calendar_starts.start_minute))
        <= {{ tolerance_minutes }}
        and (
            crm_events.account_id is null
            or calendar_starts.account_id is null
            or crm_events.account_id = calendar_starts.account_id
        )

),

ranked as (

    select
        activity_id,
        calendar_meeting_id,
        start_gap_minutes,
        row_number() over (
            partition by activity_id
            order by start_gap_minutes, calendar_meeting_id
        ) as crm_choice,
        row_number() over (
            partition by calendar_meeting_id
            order by start_gap_minutes, activity_id
        ) as calendar_choice
    from candidate_pairs

),

final as (

    select
        activity_id,
        calendar_meeting_id,
        start_gap_minutes
    from ranked
    where crm_choice = 1 and calendar_choice = 1

)

select * from final
