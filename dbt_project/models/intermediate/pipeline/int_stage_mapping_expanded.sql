-- The stage_mapping seed with its `any` rows copied to every source system that has no
-- row of its own for the label, keyed on the normalised label (lower, trimmed), so that
-- consumers join on (source_system, stage_label_key) exactly once.
with

stage_mapping as (

    select * from {{ ref('stage_mapping') }}

),

normalized as (

    select
        source_system,
        source_stage_label,
        canonical_stage,
        canonical_stage_order,
        is_closed,
        is_won,
        lower(trim(source_stage_label)) as stage_label_key
    from stage_mapping

),

source_specific as (

    select * from normalized
    where source_system != 'any'

),

source_systems as (

    select distinct source_system from source_specific

),

any_source as (

    select * from normalized
    where source_system = 'any'

),

fallbacks as (

    select
        source_systems.source_system,
        any_source.source_stage_label,
        any_source.canonical_stage,
        any_source.canonical_stage_order,
        any_source.is_closed,
        any_source.is_won,
        any_source.stage_label_key
    from source_systems
    cross join any_source
    left join source_specific
        on
            source_systems.source_system = source_specific.source_system
            and any_source.stage_label_key = source_specific.stage_label_key
    where source_specific.stage_label_key is null

),

final as (

    select
        source_system,
        stage_label_key,
        source_stage_label,
        canonical_stage,
        canonical_stage_order,
        is_closed,
        is_won,
        false as is_from_any_source
    from source_specific

    union all

    select
        source_system,
        stage_label_key,
        source_stage_label,
        canonical_stage,
        canonical_stage_order,
        is_closed,
        is_won,
        true as is_from_any_source
    from fallbacks

)

select * from final
