{%- set configured_domains = var('company_email_domains') or [] -%}
{%- if configured_domains is string -%}
    {%- set configured_domains = [configured_domains] -%}
{%- endif -%}
{%- set domain_values = [] -%}
{%- for domain_name in configured_domains -%}
    {%- do domain_values.append("'" ~ (domain_name | string | lower | trim) ~ "'") -%}
{%- endfor -%}
-- The company's own e-mail domains: var company_email_domains when set, otherwise every
-- domain of a CRM user's e-mail. A calendar meeting whose participants are all at these
-- domains is internal (int_calendar_meetings).
with

users as (

    select * from {{ ref('int_crm__users') }}

),

configured as (

    select unnest(cast([{{ domain_values | join(', ') }}] as varchar[])) as email_domain

),

user_domains as (

    select {{ email_domain('email') }} as email_domain
    from users

),

final as (

    select distinct
        email_domain,
        'var' as domain_source
    from configured

    union all

    select distinct
        email_domain,
        'crm_users' as domain_source
    from user_domains
    where
        email_domain is not null
        and not exists (select configured.email_domain from configured)

)

select * from final
