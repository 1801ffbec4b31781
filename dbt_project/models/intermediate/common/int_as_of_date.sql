{#-
    The single place that decides the as-of date of every mart.
    - var as_of_date set: that date.
    - unset: the latest UTC date of the record-keeping timestamps in the loaded exports
      (opportunity created/last-modified, opportunity stage-history changes, CRM activity creation).
      Business dates such as close dates or meeting starts can lie in the future and are not used.
-#}
{%- set as_of_var = as_of_date_var() -%}

with

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}

),

opportunity_histories as (

    select * from {{ ref('int_crm__opportunity_stage_history') }}

),

activities as (

    select * from {{ ref('int_crm__activities') }}

),

export_timestamps as (

    select max(last_modified_at) as latest_at from opportunities
    union all
    select max(created_at) as latest_at from opportunities
    union all
    select max(changed_at) as latest_at from opportunity_histories
    union all
    select max(created_at) as latest_at from activities

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
