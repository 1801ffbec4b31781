-- One row per live (not deleted) opportunity of every CRM, with its canonical current stage
-- (source stage label through the stage_mapping seed) and when it was open.
--
-- closed_date is the CRM's close date of a closed opportunity (Salesforce: CloseDate).
-- The opportunity was open from created_at (inclusive) to open_until (exclusive):
--   closed, with a stage history that records the closing  -> the latest move into won/lost
--   closed, without such a row                             -> the end of closed_date (UTC)
--   open                                                   -> 9999-12-31
-- int_activities_unioned uses this to tie calendar meetings to the deal open at the time.
with

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}
    where not is_deleted

),

stage_mapping as (

    select * from {{ ref('int_stage_mapping_expanded') }}

),

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

closing_moves as (

    select
        opportunity_id,
        max(transitioned_at) as last_closed_at
    from stage_changes
    where to_stage in ('won', 'lost')
    group by opportunity_id

),

staged as (

    select
        opportunities.*,
        stage_mapping.canonical_stage as current_stage,
        stage_mapping.canonical_stage_order as current_stage_order,
        coalesce(stage_mapping.is_closed, false) as is_closed,
        coalesce(stage_mapping.is_won, false) as is_won
    from opportunities
    left join stage_mapping
        on
            opportunities.source_system = stage_mapping.source_system
            and lower(trim(opportunities.source_stage_label)) = stage_mapping.stage_label_key

),

final as (

    select
        staged.opportunity_id,
        staged.source_system,
        staged.account_id,
        staged.rep_id,
        staged.opportunity_name,
        staged.source_stage_label,
        staged.current_stage,
        staged.current_stage_order,
        staged.is_closed,
        staged.is_won,
        staged.currency,
        staged.amount,
        staged.probability,
        staged.opportunity_type,
        staged.lead_source,
        staged.created_at,
        staged.last_modified_at,
        staged.close_date,
        case when staged.is_closed then staged.close_date end as closed_date,
        case
            when staged.is_closed
                then coalesce(
                    closing_moves.last_closed_at,
                    {{ utc_midnight('staged.close_date') }} + interval 1 day
                )
            else timestamptz '9999-12-31 00:00:00+00'
        end as open_until
    from staged
    left join closing_moves
        on staged.opportunity_id = closing_moves.opportunity_id

)

select * from final
