-- Users (reps, managers) of every CRM source in var crm_sources, in one canonical shape.
with

unioned as (

    {{ union_crm_sources('users', [
        'user_id', 'source_system', 'email', 'user_name', 'first_name', 'last_name',
        'username', 'title', 'team', 'manager_id', 'is_active', 'created_at'
    ]) }}

),

final as (

    select
        user_id,
        source_system,
        user_name,
        first_name,
        last_name,
        username,
        title,
        manager_id,
        is_active,
        created_at,
        -- e-mails match case-insensitively everywhere (quota sheets, calendars)
        nullif(lower(trim(email)), '') as email,
        nullif(trim(team), '') as team
    from unioned

)

select * from final
