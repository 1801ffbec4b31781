-- A rep is in one team at a time: the stints of dim_rep_team_history never overlap
-- (valid_from inclusive, valid_to exclusive, nulls open-ended).
with

stints as (

    select * from {{ ref('dim_rep_team_history') }}

),

final as (

    select
        earlier.rep_id,
        earlier.team as earlier_team,
        later.team as later_team,
        earlier.valid_from as earlier_from,
        later.valid_from as later_from
    from stints as earlier
    inner join stints as later
        on
            earlier.rep_id = later.rep_id
            and earlier.rep_team_stint_id < later.rep_team_stint_id
    where
        coalesce(earlier.valid_from, date '0001-01-01') < coalesce(later.valid_to, date '9999-12-31')
        and coalesce(later.valid_from, date '0001-01-01') < coalesce(earlier.valid_to, date '9999-12-31')

)

select * from final
