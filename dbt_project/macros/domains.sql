{#
    The web domain of a website as users type it: lower-cased and trimmed, without scheme
    (https://), user info, a leading `www.`, port, path, query or fragment, and without a
    trailing dot. Null for an empty result.
    e.g. 'HTTPS://www.Northwind.example:443/about?x=1' -> 'northwind.example'
#}
{% macro website_domain(column_name) -%}
    nullif(
        rtrim(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(trim({{ column_name }})), '^[a-z][a-z0-9+.-]*://', ''),
                    '^[^/?#]*@',
                    ''
                ),
                '^www\.|[:/?#].*$',
                '',
                'g'
            ),
            '.'
        ),
        ''
    )
{%- endmacro %}

{#
    The domain of an e-mail address (the part after the last @), lower-cased and trimmed.
    Null when the value has no @.
#}
{% macro email_domain(column_name) -%}
    case
        when {{ column_name }} like '%@%'
            then nullif(rtrim(lower(trim(split_part({{ column_name }}, '@', -1))), '.'), '')
    end
{%- endmacro %}

{#
    The local part of an e-mail address (before the last @), lower-cased and trimmed.
#}
{% macro email_local_part(column_name) -%}
    case
        when {{ column_name }} like '%@%'
            then lower(trim(regexp_extract({{ column_name }}, '^(.*)@[^@]*$', 1)))
    end
{%- endmacro %}
