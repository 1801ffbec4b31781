-- The stages: of every mapping file, in the shape of the stage_mapping seed (plus the
-- normalised stage_label_key the seed's consumers join on). Union it with the seed to map the
-- mapped CRMs' stage labels.
with

source as (

    select * from {{ source('crm', 'stage_mapping') }}

),

final as (

    select
        source_system,
        source_stage_label,
        canonical_stage,
        canonical_stage_order,
        is_closed,
        is_won,
        _source_file,
        _source_row,
        _dlt_load_id,
        lower(trim(source_stage_label)) as stage_label_key

    from source

)

select * from final
