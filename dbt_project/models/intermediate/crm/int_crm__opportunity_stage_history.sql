-- Stage-history rows of every CRM source in var crm_sources: one row per recorded stage (or
-- other field) change of an opportunity, the creation included.
with

unioned as (

    {{ union_crm_sources('opportunity_stage_history', [
        'stage_history_id', 'source_system', 'opportunity_id', 'source_stage_label',
        'changed_at', '_dlt_load_id'
    ]) }}

),

final as (

    select * from unioned

)

select * from final
