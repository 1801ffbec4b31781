-- "Every won opportunity reached stages 1 to 5" (kpi_definitions.md), and reached dates are
-- monotonic in stage order.
select
    opportunity_id,
    reached_qualification_at,
    reached_presentation_at,
    reached_proposal_at,
    reached_contract_at,
    reached_won_at
from {{ ref('fct_opportunities') }}
where
    (
        is_won
        and (
            reached_qualification_at is null
            or reached_presentation_at is null
            or reached_proposal_at is null
            or reached_contract_at is null
            or reached_won_at is null
        )
    )
    or reached_qualification_at > reached_presentation_at
    or reached_presentation_at > reached_proposal_at
    or reached_proposal_at > reached_contract_at
    or reached_contract_at > reached_won_at
