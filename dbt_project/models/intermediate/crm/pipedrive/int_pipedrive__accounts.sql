-- Pipedrive organisations in the canonical CRM account shape (int_crm__accounts), ids
-- prefixed `pipedrive:`. Deals, activities and people name their organisation: a name no
-- organisation of the export carries still becomes an account, `pipedrive:name:<lower-cased
-- name>`, so nothing is dropped.
with

organizations as (

    select * from {{ ref('stg_pipedrive__organizations') }}

),

deals as (

    select * from {{ ref('stg_pipedrive__deals') }}

),

activities as (

    select * from {{ ref('stg_pipedrive__activities') }}

),

persons as (

    select * from {{ ref('stg_pipedrive__persons') }}

),

organization_names as (

    select organization_name from deals
    union all
    select organization_name from activities
    union all
    select organization_name from persons

),

unknown_organizations as (

    select
        {{ id_from_name("'pipedrive'", 'organization_name') }} as account_id,
        min(trim(organization_name)) as account_name
    from organization_names
    where
        {{ name_key('organization_name') }} is not null
        and {{ name_key('organization_name') }} not in (
            select {{ name_key('organizations.organization_name') }} from organizations
            where {{ name_key('organizations.organization_name') }} is not null
        )
    group by all

),

final as (

    select
        'pipedrive:' || organization_id as account_id,
        'pipedrive' as source_system,
        organization_name as account_name,
        website,
        industry,
        country as billing_country,
        cast(number_of_employees as bigint) as number_of_employees,
        {{ id_from_name("'pipedrive'", 'owner_name') }} as owner_user_id,
        created_at
    from organizations

    union all

    select
        account_id,
        'pipedrive' as source_system,
        account_name,
        cast(null as varchar) as website,
        cast(null as varchar) as industry,
        cast(null as varchar) as billing_country,
        cast(null as bigint) as number_of_employees,
        cast(null as varchar) as owner_user_id,
        cast(null as timestamp with time zone) as created_at
    from unknown_organizations

)

select * from final
