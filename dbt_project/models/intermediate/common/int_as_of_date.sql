{#-
    The single place that decides the as-of date of every mart.
    - var as_of_date set: that date.
    - unset: the latest UTC date of the record-keeping timestamps in the loaded exports
      (opportunity created/last-modified, opportunity-history changes, task and event creation).
      Business dates such as close dates or meeting starts can lie in the future and are not used.
-#}
{%- set as_of_var = as_of_date_var() -%}

with

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

opportunity_histories as (

    select * from {{ ref('stg_salesforce__opportunity_histories') }}

),

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

export_timestamps as (

    select max(last_modified_at) as latest_at from opportunities
    union all
    select max(created_at) as latest_at from opportunities
    union all
    select max(changed_at) as latest_at from opportunity_histories
    union all
    select max(created_at) as latest_at from tasks
    union all
    select max(created_at) as latest_at from events

),

latest_export as (

    select max({{ utc_date('latest_at') }}) as latest_export_date
    from export_timestamps

),

final as (

    select
        latest_export_date,
        {% if as_of_var is none -%}
            -- an empty warehouse has no export dates: fall back to today
            coalesce(latest_export_date, current_date) as as_of_date,
            'latest_export_date' as as_of_date_source
        {%- else -%}
            cast('{{ as_of_var }}' as date) as as_of_date,
            'var' as as_of_date_source
        {%- endif %}
    from latest_export

)

select * from final
