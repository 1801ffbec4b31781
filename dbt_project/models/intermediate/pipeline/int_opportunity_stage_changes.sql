-- Stage transitions derived from the CRMs' stage histories (Salesforce OpportunityHistory).
-- Each history row is mapped to its canonical stage and compared with the previous row of the
-- same opportunity (ordered by change time, then history id). A row is a transition when its
-- canonical stage differs from the previous row's; the first row is the creation transition
-- (from_stage null). Amount / probability / close-date edits and label changes within one
-- canonical stage (e.g. Prospecting -> Qualification) are not transitions.
with

opportunity_histories as (

    select * from {{ ref('int_crm__opportunity_stage_history') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}

),

stage_mapping as (

    select * from {{ ref('int_stage_mapping_expanded') }}

),

live_histories as (

    select opportunity_histories.*
    from opportunity_histories
    inner join opportunities
        on opportunity_histories.opportunity_id = opportunities.opportunity_id
    where not coalesce(opportunities.is_deleted, false)

),

mapped as (

    select
        live_histories.stage_history_id as opportunity_history_id,
        live_histories.opportunity_id,
        live_histories.source_stage_label,
        live_histories.changed_at,
        stage_mapping.canonical_stage,
        stage_mapping.canonical_stage_order,
        row_number() over (
            partition by live_histories.opportunity_id
            order by live_histories.changed_at, live_histories.stage_history_id
        ) as history_sequence
    from live_histories
    left join stage_mapping
        on
            live_histories.source_system = stage_mapping.source_system
            and lower(trim(live_histories.source_stage_label)) = stage_mapping.stage_label_key

),

compared as (

    select
        *,
        lag(canonical_stage) over (
            partition by opportunity_id
            order by history_sequence
        ) as previous_canonical_stage
    from mapped

),

transitions as (

    select * from compared
    where
        history_sequence = 1
        or canonical_stage is distinct from previous_canonical_stage

),

sequenced as (

    select
        opportunity_id,
        opportunity_history_id,
        source_stage_label,
        canonical_stage as to_stage,
        canonical_stage_order as to_stage_order,
        changed_at as transitioned_at,
        row_number() over (
            partition by opportunity_id
            order by history_sequence
        ) as transition_number,
        lag(canonical_stage) over (
            partition by opportunity_id
            order by history_sequence
        ) as from_stage,
        lag(canonical_stage_order) over (
            partition by opportunity_id
            order by history_sequence
        ) as from_stage_order,
        lag(changed_at) over (
            partition by opportunity_id
            order by history_sequence
        ) as from_stage_entered_at,
        lead(changed_at) over (
            partition by opportunity_id
            order by history_sequence
        ) as next_transitioned_at,
        lead(canonical_stage) over (
            partition by opportunity_id
            order by history_sequence
        ) as next_stage,
        lead(canonical_stage_order) over (
            partition by opportunity_id
            order by history_sequence
        ) as next_stage_order
    from transitions

),

final as (

    select
        opportunity_id || ':' || cast(transition_number as varchar) as stage_transition_id,
        opportunity_id,
        transition_number,
        from_stage,
        from_stage_order,
        to_stage,
        to_stage_order,
        from_stage_entered_at,
        transitioned_at,
        next_transitioned_at,
        next_stage,
        next_stage_order,
        transition_number = 1 as is_creation,
        -- lost has no order: moves into or out of lost are neither forward nor regressions
        coalesce(to_stage_order > from_stage_order, false) as is_forward,
        coalesce(to_stage_order > from_stage_order + 1, false) as is_skip,
        coalesce(to_stage_order < from_stage_order, false) as is_regression,
        {{ utc_date('transitioned_at') }}
        - {{ utc_date('from_stage_entered_at') }} as days_in_from_stage,
        opportunity_history_id as source_history_id,
        source_stage_label
    from sequenced

)

select * from final
