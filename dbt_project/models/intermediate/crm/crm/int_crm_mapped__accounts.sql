-- Accounts of the mapped CRMs (raw_crm) in the canonical CRM account shape
-- (int_crm__accounts), ids prefixed with the mapping's source_system. An account that
-- opportunities or activities name but the accounts export lacks still becomes an account
-- (`<source_system>:name:<lower-cased name>`, or its exported id). The owner resolves like
-- an opportunity's (int_crm_mapped__users).
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

users_by_name as (

    {{ name_lookup(
        ref('int_crm_mapped__users'), 'user_id', 'user_name', partition_by=['source_system']
    ) }}

),

known_accounts as (

    select
        accounts.source_system,
        accounts.account_name,
        accounts.website,
        accounts.industry,
        accounts.billing_country,
        cast(accounts.number_of_employees as bigint) as number_of_employees,
        accounts.created_at,
        accounts.source_system || ':' || accounts.account_id as account_id,
        coalesce(
            accounts.source_system || ':' || accounts.owner_user_id,
            users_by_name.resolved_id
        ) as owner_user_id
    from accounts
    left join users_by_name
        on
            accounts.source_system = users_by_name.source_system
            and {{ name_key('accounts.owner_name') }} = users_by_name.name_key

),

account_references as (

    select
        source_system,
        account_id,
        account_name
    from opportunities
    union all
    select
        source_system,
        account_id,
        account_name
    from activities

),

referenced as (

    -- staging resolved names of known accounts to their id: what is left is unknown
    select
        source_system,
        coalesce(
            source_system || ':' || account_id,
            {{ id_from_name('source_system', 'account_name') }}
        ) as account_id,
        min(trim(account_name)) as account_name
    from account_references
    where account_id is not null or {{ name_key('account_name') }} is not null
    group by all

),

unknown_accounts as (

    select referenced.*
    from referenced
    anti join known_accounts
        on referenced.account_id = known_accounts.account_id

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
        created_at
    from known_accounts

    union all

    select
        account_id,
        source_system,
        account_name,
        cast(null as varchar) as website,
        cast(null as varchar) as industry,
        cast(null as varchar) as billing_country,
        cast(null as bigint) as number_of_employees,
        cast(null as varchar) as owner_user_id,
        cast(null as timestamp with time zone) as created_at
    from unknown_accounts

)

select * from final
