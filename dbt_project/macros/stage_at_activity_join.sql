{#
    Join condition from an activity to the stage transition its opportunity was in at
    activity_at: the latest transition at or before activity_at (int_opportunity_stage_changes).
    Activities without an opportunity, or dated before its first transition, match none.
#}
{% macro stage_at_activity_join(activities, stage_changes) -%}
    {{ activities }}.opportunity_id = {{ stage_changes }}.opportunity_id
    and {{ activities }}.activity_at >= {{ stage_changes }}.transitioned_at
    -- a plain range (no `or ... is null`) lets DuckDB use a hash join plus range filter
    and {{ activities }}.activity_at < coalesce(
        {{ stage_changes }}.next_transitioned_at, timestamptz '9999-12-31 00:00:00+00'
    )
{%- endmacro %}
