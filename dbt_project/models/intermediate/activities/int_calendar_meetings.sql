-- Customer meetings from the calendar exports: one row per meeting occurrence and rep.
--
-- Kept: timed (not all-day), not cancelled occurrences with at least one participant
-- (organiser or attendee) outside the company's own e-mail domains (int_company_email_domains);
-- internal-only meetings (pod reviews, kickoffs, 1:1s) are not sales activities.
--
-- Rep, first match wins:
--   calendar_owner  the CRM user whose e-mail, or e-mail local part, is the calendar name (the
--                   ICS file stem); when several users share that local part, the one that
--                   takes part in most of the calendar's meetings
--   organizer       the organiser's e-mail is a CRM user's
--   attendee        exactly one attendee's e-mail is a CRM user's
-- A meeting in several calendars of the same rep (same UID and original start) is kept once
-- per rep; in the calendars of two reps it is one meeting of each rep.
--
-- Account: the CRM account whose website domain (dim_accounts.domain) equals an external
-- participant's e-mail domain. Several candidates: the one with an opportunity open at the
-- meeting's start, then the one most external participants belong to, then the earliest created.
with

calendar_events as (

    select * from {{ ref('stg_calendar__events') }}

),

users as (

    select * from {{ ref('int_crm__users') }}

),

accounts as (

    select * from {{ ref('int_crm__accounts') }}

),

company_domains as (

    select * from {{ ref('int_company_email_domains') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

timed_events as (

    select
        occurrence_id,
        event_uid,
        calendar_name,
        summary,
        started_at,
        ended_at,
        organizer_email,
        attendee_emails,
        lower(trim(calendar_name)) as calendar_key,
        coalesce(original_start_at, started_at) as occurrence_start_at
    from calendar_events
    where
        coalesce(upper(event_status), 'CONFIRMED') != 'CANCELLED'
        and not coalesce(is_all_day, false)
        and started_at is not null

),

attendee_lists as (

    select
        occurrence_id,
        string_split(attendee_emails, ';') as attendee_list
    from timed_events
    where nullif(trim(attendee_emails), '') is not null

),

raw_participants as (

    select
        occurrence_id,
        organizer_email as participant_email,
        true as is_organizer
    from timed_events

    union all

    select
        occurrence_id,
        unnest(attendee_list) as participant_email,
        false as is_organizer
    from attendee_lists

),

participants as (

    select distinct
        raw_participants.occurrence_id,
        lower(trim(raw_participants.participant_email)) as email,
        raw_participants.is_organizer,
        {{ email_domain('raw_participants.participant_email') }} as email_domain
    from raw_participants
    where raw_participants.participant_email like '%@%'

),

classified_participants as (

    select
        participants.*,
        company_domains.email_domain is not null as is_internal
    from participants
    left join company_domains
        on participants.email_domain = company_domains.email_domain

),

external_meetings as (

    select occurrence_id
    from classified_participants
    group by occurrence_id
    having count(*) filter (where not is_internal) > 0

),

user_keys as (

    select
        user_id,
        email as user_key
    from users
    where email is not null

    union all

    select
        user_id,
        {{ email_local_part('email') }} as user_key
    from users
    where email is not null

),

calendar_user_candidates as (

    select
        timed_events.calendar_key,
        user_keys.user_id,
        count(classified_participants.email) as participations
    from (select distinct calendar_key from timed_events) as timed_events
    inner join user_keys
        on timed_events.calendar_key = user_keys.user_key
    left join users
        on user_keys.user_id = users.user_id
    left join timed_events as calendar_occurrences
        on timed_events.calendar_key = calendar_occurrences.calendar_key
    left join classified_participants
        on
            calendar_occurrences.occurrence_id = classified_participants.occurrence_id
            and users.email = classified_participants.email
    group by timed_events.calendar_key, user_keys.user_id

),

calendar_owners as (

    select
        calendar_user_candidates.calendar_key,
        calendar_user_candidates.user_id as rep_id
    from calendar_user_candidates
    inner join users
        on calendar_user_candidates.user_id = users.user_id
    qualify row_number() over (
        partition by calendar_user_candidates.calendar_key
        order by
            calendar_user_candidates.participations desc,
            users.is_active desc nulls last,
            calendar_user_candidates.user_id asc
    ) = 1

),

participant_reps as (

    select
        classified_participants.occurrence_id,
        classified_participants.is_organizer,
        min(users.user_id) as rep_id,
        count(distinct users.user_id) as rep_count
    from classified_participants
    inner join users
        on classified_participants.email = users.email
    group by classified_participants.occurrence_id, classified_participants.is_organizer

),

meetings_with_rep as (

    select
        timed_events.*,
        case
            when calendar_owners.rep_id is not null then calendar_owners.rep_id
            when organizer_reps.rep_id is not null then organizer_reps.rep_id
            when attendee_reps.rep_count = 1 then attendee_reps.rep_id
        end as rep_id,
        case
            when calendar_owners.rep_id is not null then 'calendar_owner'
            when organizer_reps.rep_id is not null then 'organizer'
            when attendee_reps.rep_count = 1 then 'attendee'
        end as rep_match_method
    from timed_events
    inner join external_meetings
        on timed_events.occurrence_id = external_meetings.occurrence_id
    left join calendar_owners
        on timed_events.calendar_key = calendar_owners.calendar_key
    left join participant_reps as organizer_reps
        on
            timed_events.occurrence_id = organizer_reps.occurrence_id
            and organizer_reps.is_organizer
    left join participant_reps as attendee_reps
        on
            timed_events.occurrence_id = attendee_reps.occurrence_id
            and not attendee_reps.is_organizer

),

-- the same meeting (UID and original start) once per rep, whichever calendars it is in
deduplicated as (

    select * from meetings_with_rep
    qualify row_number() over (
        partition by event_uid, occurrence_start_at, rep_id
        order by (rep_match_method = 'calendar_owner') desc, occurrence_id asc
    ) = 1

),

external_domains as (

    select
        occurrence_id,
        email_domain,
        count(*) as participant_count
    from classified_participants
    where not is_internal
    group by occurrence_id, email_domain

),

account_candidates as (

    select
        deduplicated.occurrence_id,
        accounts.account_id,
        accounts.created_at,
        external_domains.participant_count,
        count(opportunities.opportunity_id) > 0 as has_open_opportunity
    from deduplicated
    inner join external_domains
        on deduplicated.occurrence_id = external_domains.occurrence_id
    inner join accounts
        on external_domains.email_domain = accounts.domain
    left join opportunities
        on
            accounts.account_id = opportunities.account_id
            and deduplicated.started_at >= opportunities.created_at
            and deduplicated.started_at < opportunities.open_until
    group by
        deduplicated.occurrence_id,
        accounts.account_id,
        accounts.created_at,
        external_domains.participant_count

),

matched_accounts as (

    select
        occurrence_id,
        account_id
    from account_candidates
    qualify row_number() over (
        partition by occurrence_id
        order by
            has_open_opportunity desc,
            participant_count desc,
            created_at asc nulls last,
            account_id asc
    ) = 1

),

external_counts as (

    select
        occurrence_id,
        sum(participant_count) as external_participant_count
    from external_domains
    group by occurrence_id

),

final as (

    select
        deduplicated.occurrence_id,
        deduplicated.event_uid,
        deduplicated.calendar_name,
        deduplicated.rep_id,
        deduplicated.rep_match_method,
        matched_accounts.account_id,
        deduplicated.summary,
        deduplicated.started_at,
        deduplicated.ended_at,
        deduplicated.occurrence_start_at,
        external_counts.external_participant_count,
        cast(date_diff('minute', deduplicated.started_at, deduplicated.ended_at) as double)
            as duration_minutes,
        'cal:' || md5(
            deduplicated.event_uid
            || '|' || cast(deduplicated.occurrence_start_at as varchar)
            || '|' || coalesce(deduplicated.rep_id, '')
        ) as calendar_meeting_id,
        case
            when lower(deduplicated.summary) like '%demo%' or deduplicated.summary like '%演示%'
                then 'demo'
            else 'meeting'
        end as activity_type
    from deduplicated
    left join matched_accounts
        on deduplicated.occurrence_id = matched_accounts.occurrence_id
    left join external_counts
        on deduplicated.occurrence_id = external_counts.occurrence_id

)

select * from final
