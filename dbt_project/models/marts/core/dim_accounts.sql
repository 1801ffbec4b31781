-- One row per CRM account, with the web domain derived from its website (int_crm__accounts,
-- macro website_domain): lower-cased, without scheme, `www.`, port and path. Calendar
-- meetings are tied to accounts on this domain.
with

accounts as (

    select * from {{ ref('int_crm__accounts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.website,
        accounts.domain,
        accounts.industry,
        accounts.billing_country,
        accounts.number_of_employees,
        accounts.owner_user_id as owner_rep_id,
        accounts.created_at,
        accounts.source_system,
        as_of.as_of_date
    from accounts
    cross join as_of

)

select * from final
