-- Activities of the mapped CRMs (raw_crm) in the canonical CRM activity shape
-- (int_crm__activities), ids prefixed with the mapping's source_system. The type is the
-- mapping's activity_types (else other); a meeting whose subject mentions a demo is a demo,
-- as on Salesforce. Meetings and demos are events, the rest tasks. Done unless the status
-- says open, planned or cancelled. what_id is the opportunity by id, else by name; owner and
-- account resolve like the opportunities'. The CRMs export no creation time (null).
with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

opportunities_by_name as (

    {{ name_lookup(
        ref('int_crm_mapped__opportunities'),
        'opportunity_id',
        'opportunity_name',
        partition_by=['source_system']
    ) }}

),

directory_loads as (

    {{ latest_load_id([
        ref('stg_crm__users'), ref('stg_crm__accounts'), ref('stg_crm__opportunities')
    ]) }}

),

typed as (

    select
        *,
        case
            when activity_type = 'meeting' and {{ mentions_demo('subject') }} then 'demo'
            else activity_type
        end as canonical_type
    from activities

),

final as (

    select
        typed.source_system || ':' || typed.activity_id as activity_id,
        typed.source_system,
        case
            when typed.canonical_type in ('meeting', 'demo') then 'event' else 'task'
        end as source_object,
        typed.canonical_type as activity_type,
        typed.activity_at,
        case
            when typed.canonical_type in ('meeting', 'demo')
                then typed.activity_at + to_seconds(cast(typed.duration_minutes * 60 as bigint))
        end as ended_at,
        coalesce(
            typed.source_system || ':' || typed.rep_id,
            {{ id_from_name('typed.source_system', 'typed.rep_name') }}
        ) as rep_id,
        coalesce(
            typed.source_system || ':' || typed.account_id,
            {{ id_from_name('typed.source_system', 'typed.account_name') }}
        ) as account_id,
        coalesce(
            typed.source_system || ':' || typed.opportunity_id,
            opportunities_by_name.resolved_id
        ) as what_id,
        typed.subject,
        typed.duration_minutes,
        coalesce(lower(trim(typed.status)), '') not in (
            'open', 'not started', 'to do', 'todo', 'planned', 'scheduled', 'cancelled',
            'canceled', '未开始', '未完成', '待办', '计划中', '已取消'
        ) as is_completed,
        false as is_all_day,
        cast(null as timestamp with time zone) as created_at,
        {{ load_id_after_name_resolution(
            'typed._dlt_load_id', 'true', '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from typed
    left join opportunities_by_name
        on
            typed.source_system = opportunities_by_name.source_system
            and {{ name_key('typed.opportunity_name') }} = opportunities_by_name.name_key

)

select * from final
