-- One row per canonical funnel stage, built from the stage_mapping seed.
with

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

stages as (

    select
        canonical_stage as stage,
        canonical_stage_order as stage_order,
        is_closed,
        is_won,
        count(*) as source_label_count
    from stage_mapping
    group by canonical_stage, canonical_stage_order, is_closed, is_won

),

final as (

    select
        stages.stage,
        stages.stage_order,
        stages.is_closed,
        stages.is_won,
        stages.source_label_count,
        as_of.as_of_date,
        -- lost sorts after won
        coalesce(stages.stage_order, 6) as display_order
    from stages
    cross join as_of

)

select * from final
