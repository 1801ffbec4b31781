-- Pipedrive activities in the canonical CRM activity shape (int_crm__activities), ids
-- prefixed `pipedrive:`. Types: call, email; meeting (demo when the subject mentions a
-- demo) and lunch -> meeting, both events; task and deadline -> task; demo; anything else
-- other. Placed at the due date and time (else when marked done, else added); done =
-- Activity - Done. what_id is the deal by id, else by title (case-insensitive); owner and
-- organisation resolve by name.
with

activities as (

    select * from {{ ref('stg_pipedrive__activities') }}

),

users_by_name as (

    {{ name_lookup(ref('int_pipedrive__users'), 'user_id', 'user_name') }}

),

accounts_by_name as (

    {{ name_lookup(ref('int_pipedrive__accounts'), 'account_id', 'account_name') }}

),

deals_by_title as (

    {{ name_lookup(ref('int_pipedrive__opportunities'), 'opportunity_id', 'opportunity_name') }}

),

directory_loads as (

    {{ latest_load_id([
        ref('stg_pipedrive__organizations'), ref('stg_pipedrive__persons'),
        ref('stg_pipedrive__deals')
    ]) }}

),

typed as (

    select
        *,
        case
            when activity_type = 'call' then 'call'
            when activity_type = 'email' then 'email'
            when activity_type = 'demo' then 'demo'
            when activity_type = 'meeting' and {{ mentions_demo('subject') }} then 'demo'
            when activity_type in ('meeting', 'lunch') then 'meeting'
            when activity_type in ('task', 'deadline') then 'task'
            else 'other'
        end as canonical_type,
        coalesce(due_at, done_at, created_at) as occurred_at
    from activities

),

final as (

    select
        'pipedrive' as source_system,
        typed.canonical_type as activity_type,
        typed.occurred_at as activity_at,
        users_by_name.resolved_id as rep_id,
        accounts_by_name.resolved_id as account_id,
        typed.subject,
        false as is_all_day,
        typed.created_at,
        'pipedrive:' || typed.activity_id as activity_id,
        case
            when typed.canonical_type in ('meeting', 'demo') then 'event' else 'task'
        end as source_object,
        case
            when typed.canonical_type in ('meeting', 'demo')
                then typed.occurred_at + to_seconds(typed.duration_seconds)
        end as ended_at,
        coalesce('pipedrive:' || typed.deal_id, deals_by_title.resolved_id) as what_id,
        cast(typed.duration_seconds as double) / 60 as duration_minutes,
        coalesce(typed.is_done, false) as is_completed,
        -- owners and organisations are always named: every activity depends on the directory
        {{ load_id_after_name_resolution(
            'typed._dlt_load_id', 'true', '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from typed
    left join users_by_name
        on {{ name_key('typed.owner_name') }} = users_by_name.name_key
    left join accounts_by_name
        on {{ name_key('typed.organization_name') }} = accounts_by_name.name_key
    left join deals_by_title
        on {{ name_key('typed.deal_title') }} = deals_by_title.name_key

)

select * from final
