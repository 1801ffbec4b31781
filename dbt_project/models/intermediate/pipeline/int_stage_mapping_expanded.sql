-- The stage labels of every source system, keyed on the normalised label (lower, trimmed), so
-- that consumers join on (source_system, stage_label_key) exactly once: the stage_mapping
-- seed plus the `stages:` of the mapping files (stg_crm__stage_mapping; a mapping file's row
-- wins over a seed row of the same source system and label), and the seed's `any` rows
-- copied to every source system (the mapped CRMs' included) that has no row of its own for
-- the label.
with

seed_mapping as (

    select * from {{ ref('stage_mapping') }}

),

file_mapping as (

    select * from {{ ref('stg_crm__stage_mapping') }}

),

mapped_opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

mapped_snapshots as (

    select * from {{ ref('stg_crm__opportunity_snapshots') }}

),

normalized as (

    select
        source_system,
        source_stage_label,
        canonical_stage,
        -- the seed's type
        cast(canonical_stage_order as integer) as canonical_stage_order,
        is_closed,
        is_won,
        lower(trim(source_stage_label)) as stage_label_key,
        1 as precedence
    from file_mapping

    union all

    select
        source_system,
        source_stage_label,
        canonical_stage,
        canonical_stage_order,
        is_closed,
        is_won,
        lower(trim(source_stage_label)) as stage_label_key,
        2 as precedence
    from seed_mapping

),

source_specific as (

    select * from normalized
    where source_system != 'any'
    qualify row_number() over (
        partition by source_system, stage_label_key
        order by precedence, source_stage_label
    ) = 1

),

source_systems as (

    -- a mapped CRM may rely on `any` labels only: it has no row of its own
    select source_system from source_specific
    union
    select source_system from mapped_opportunities
    union
    select source_system from mapped_snapshots

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
