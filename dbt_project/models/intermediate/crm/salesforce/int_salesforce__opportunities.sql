-- Salesforce opportunities in the canonical CRM opportunity shape (int_crm__opportunities),
-- deleted ones included (is_deleted).
with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

final as (

    select
        opportunity_id,
        'salesforce' as source_system,
        account_id,
        rep_id,
        opportunity_name,
        source_stage_label,
        currency,
        amount,
        probability,
        close_date,
        opportunity_type,
        lead_source,
        created_at,
        last_modified_at,
        _dlt_load_id,
        coalesce(is_deleted, false) as is_deleted
    from opportunities

)

select * from final
