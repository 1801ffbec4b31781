-- One row per opportunity with history: when it first reached each canonical stage.
-- Reached follows kpi_definitions.md: an opportunity reached stage k once the highest order it
-- ever attained is at least k. So reached_k_at is the first transition into any stage of order
-- >= k. Like GitLab's opportunity stage dates, a skipped stage is back-filled with the date of
-- the later stage that skipped it; taking the earliest such date (rather than coalescing in
-- stage order) also keeps the dates monotonic when a deal regresses into a stage it skipped.
with

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

final as (

    select
        opportunity_id,
        min(transitioned_at) filter (where to_stage_order >= 1) as reached_qualification_at,
        min(transitioned_at) filter (where to_stage_order >= 2) as reached_presentation_at,
        min(transitioned_at) filter (where to_stage_order >= 3) as reached_proposal_at,
        min(transitioned_at) filter (where to_stage_order >= 4) as reached_contract_at,
        min(transitioned_at) filter (where to_stage_order >= 5) as reached_won_at,
        min(transitioned_at) filter (where to_stage = 'lost') as first_lost_at,
        max(to_stage_order) as max_stage_order_reached,
        max(transitioned_at) as last_transitioned_at,
        count(*) filter (where not is_creation) as stage_change_count,
        count(*) filter (where is_skip) as skip_count,
        count(*) filter (where is_regression) as regression_count
    from stage_changes
    group by opportunity_id

)

select * from final
