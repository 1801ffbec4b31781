-- Salesforce users in the canonical CRM user shape (int_crm__users). The team is Department.
with

users as (

    select * from {{ ref('stg_salesforce__users') }}

),

final as (

    select
        user_id,
        'salesforce' as source_system,
        email,
        user_name,
        first_name,
        last_name,
        username,
        title,
        manager_id,
        is_active,
        created_at,
        nullif(trim(department), '') as team
    from users

)

select * from final
