-- Opportunities of every CRM source in var crm_sources, in one canonical shape (current
-- state, deleted ones included).
with

unioned as (

    {{ union_crm_sources('opportunities', [
        'opportunity_id', 'source_system', 'account_id', 'rep_id', 'opportunity_name',
        'source_stage_label', 'currency', 'amount', 'probability', 'close_date',
        'opportunity_type', 'lead_source', 'is_deleted', 'created_at', 'last_modified_at', '_dlt_load_id'
    ]) }}

),

final as (

    select * from unioned

)

select * from final
