-- Opportunities of the mapped CRMs (raw_crm) in the canonical CRM opportunity shape
-- (int_crm__opportunities), deleted ones included, ids prefixed with the mapping's
-- source_system. Staging resolved owners and accounts given by name; a name it could not
-- resolve gets the id int_crm_mapped__users / int_crm_mapped__accounts give it. created_at
-- falls back (staging) to the first stage change or snapshot, then to the last update, then
-- to the earlier of the close date and the date in the export file's name (`Deals_2025_03_
-- 05.csv`), then to the CRM's latest created / updated time, then to when it was loaded: a
-- record with no date at all is still counted.
with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

dated as (

    select
        *,
        -- the date in the export file's name (Deals_2025_03_05.csv), if any
        cast(try_strptime(
            regexp_replace(
                regexp_extract(_source_file, '(\d{4}[-_.]?\d{2}[-_.]?\d{2})[^/]*$', 1),
                '[-_.]',
                '',
                'g'
            ),
            '%Y%m%d'
        ) as date) as export_file_date
    from opportunities

),

directory_loads as (

    {{ latest_load_id([
        ref('stg_crm__users'), ref('stg_crm__accounts'), ref('stg_crm__opportunities')
    ]) }}

),

final as (

    select
        source_system || ':' || opportunity_id as opportunity_id,
        source_system,
        coalesce(
            source_system || ':' || account_id,
            {{ id_from_name('source_system', 'account_name') }}
        ) as account_id,
        coalesce(
            source_system || ':' || rep_id,
            {{ id_from_name('source_system', 'rep_name') }},
            source_system || ':unassigned'
        ) as rep_id,
        opportunity_name,
        source_stage_label,
        currency,
        amount,
        probability,
        close_date,
        cast(null as varchar) as opportunity_type,
        cast(null as varchar) as lead_source,
        is_deleted,
        coalesce(
            created_at,
            last_modified_at,
            {{ utc_midnight('least(close_date, export_file_date)') }},
            -- nothing dated at all: the CRM's latest record-keeping time, so the same
            -- exports keep giving the same date (and as-of date)
            max(coalesce(created_at, last_modified_at)) over (partition by source_system),
            to_timestamp(cast(_dlt_load_id as double))
        ) as created_at,
        last_modified_at,
        -- names resolve (staging) against the directory, and a missing created date falls
        -- back to the whole CRM's dates: every opportunity depends on the directory
        {{ load_id_after_name_resolution(
            '_dlt_load_id', 'true', '(select directory_loads.load_id from directory_loads)'
        ) }} as _dlt_load_id
    from dated

)

select * from final
