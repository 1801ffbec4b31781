-- One row per Salesforce account, with the web domain derived from its website.
with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.website,
        accounts.industry,
        accounts.billing_country,
        accounts.number_of_employees,
        accounts.owner_user_id as owner_rep_id,
        accounts.created_at,
        as_of.as_of_date,
        nullif(
            split_part(
                split_part(
                    regexp_replace(
                        regexp_replace(
                            lower(trim(accounts.website)), '^[a-z][a-z0-9+.-]*://', ''
                        ),
                        '^www\.',
                        ''
                    ),
                    '/',
                    1
                ),
                ':',
                1
            ),
            ''
        ) as domain
    from accounts
    cross join as_of

)

select * from final
