-- API tokens scoped to some of the account's zones.

-- A scoped token may touch only the zones listed for it in api_token_zone, and nothing
-- account-wide (no new zones, tokens, users or password). The flag is kept apart from the
-- list so that a token whose zones have all been deleted sees nothing, instead of becoming
-- an unscoped token that sees everything.
alter table api_token add column scoped boolean not null default false;

-- The zones of a scoped token. Deleting a zone removes it from every scope (the token keeps
-- working for its other zones); revoking or deleting a token removes its rows.
create table api_token_zone (
    token_id   bigint not null references api_token (id) on delete cascade,
    zone_id    bigint not null references zone (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (token_id, zone_id)
);
-- Zone deletion cascades through this index.
create index api_token_zone_zone_idx on api_token_zone (zone_id);
