-- scope_id is null exactly for the company scope (kpi_definitions.md, "Mart catalogue").
select
    scope,
    scope_id,
    period_grain,
    period_start
from {{ ref('kpi_rep_period_performance') }}
where (scope = 'company') != (scope_id is null)
