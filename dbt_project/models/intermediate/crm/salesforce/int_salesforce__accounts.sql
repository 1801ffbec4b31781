-- Salesforce accounts in the canonical CRM account shape (int_crm__accounts).
with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

final as (

    select
        account_id,
        'salesforce' as source_system,
        account_name,
        website,
        industry,
        billing_country,
        number_of_employees,
        owner_user_id,
        created_at
    from accounts

)

select * from final
