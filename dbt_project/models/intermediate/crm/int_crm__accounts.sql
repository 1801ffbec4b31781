-- Accounts of every CRM source in var crm_sources, in one canonical shape, with the web
-- domain derived from the website (macro website_domain).
with

unioned as (

    {{ union_crm_sources('accounts', [
        'account_id', 'source_system', 'account_name', 'website', 'industry',
        'billing_country', 'number_of_employees', 'owner_user_id', 'created_at'
    ]) }}

),

final as (

    select
        account_id,
        source_system,
        account_name,
        website,
        industry,
        billing_country,
        number_of_employees,
        owner_user_id,
        created_at,
        {{ website_domain('website') }} as domain
    from unioned

)

select * from final
