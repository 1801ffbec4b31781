-- Salesforce OpportunityHistory in the canonical stage-history shape
-- (int_crm__opportunity_stage_history): one row per history row, the creation row included.
-- Rows that only edit amount, probability or close date stay in; the stage-change logic
-- (int_opportunity_stage_changes) drops them.
with

opportunity_histories as (

    select * from {{ ref('stg_salesforce__opportunity_histories') }}

),

final as (

    select
        opportunity_history_id as stage_history_id,
        'salesforce' as source_system,
        opportunity_id,
        source_stage_label,
        changed_at,
        _dlt_load_id
    from opportunity_histories

)

select * from final
