-- HubSpot companies in the canonical CRM account shape (int_crm__accounts). The exports hold
-- no companies table: an account is every company a deal or engagement is associated with,
-- `hubspot:<company id>` when the export lists the id, else `hubspot:name:<lower-cased
-- name>` (a name seen with an id anywhere resolves to that id).
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

engagements as (

    select * from {{ ref('int_hubspot__engagements') }}

),

company_references as (

    select
        {{ first_listed('company_ids') }} as company_id,
        company_name
    from deals
    union all
    select
        company_id,
        company_name
    from engagements

),

with_ids as (

    select
        'hubspot:' || company_id as account_id,
        min(trim(company_name)) as account_name
    from company_references
    where company_id is not null
    group by company_id

),

names_only as (

    select
        {{ id_from_name("'hubspot'", 'company_name') }} as account_id,
        min(trim(company_name)) as account_name
    from company_references
    where
        company_id is null
        and {{ name_key('company_name') }} is not null
        and {{ name_key('company_name') }} not in (
            select {{ name_key('with_ids.account_name') }} from with_ids
            where {{ name_key('with_ids.account_name') }} is not null
        )
    group by all

),

companies as (

    select * from with_ids
    union all
    select * from names_only

),

final as (

    select
        account_id,
        'hubspot' as source_system,
        account_name,
        cast(null as varchar) as website,
        cast(null as varchar) as industry,
        cast(null as varchar) as billing_country,
        cast(null as bigint) as number_of_employees,
        cast(null as varchar) as owner_user_id,
        cast(null as timestamp with time zone) as created_at
    from companies

)

select * from final
