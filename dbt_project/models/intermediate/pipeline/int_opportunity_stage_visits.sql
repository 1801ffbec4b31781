-- One row per stage visit: a stay of an opportunity in an open canonical stage, from the
-- transition that entered it to the transition that left it (exited_at null while still
-- there). won and lost are terminal and have no visits.
with

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

final as (

    select
        stage_transition_id as stage_visit_id,
        opportunity_id,
        transition_number as entered_transition_number,
        to_stage as stage,
        to_stage_order as stage_order,
        transitioned_at as entered_at,
        next_transitioned_at as exited_at,
        next_stage as exit_to_stage,
        next_transitioned_at is null as is_open,
        case
            when next_stage is null then null
            when next_stage in ('won', 'lost') then next_stage
            when next_stage_order > to_stage_order then 'advanced'
            else 'regressed'
        end as exit_type,
        coalesce(next_stage_order > to_stage_order, false) as is_exit_by_advancing,
        {{ utc_date('next_transitioned_at') }}
        - {{ utc_date('transitioned_at') }} as days_in_stage
    from stage_changes
    where to_stage not in ('won', 'lost')

)

select * from final
