-- Engine nodes that follow the store by change id (standalone `dns-engine` processes on the
-- primary or on streaming replicas, and the engine embedded in `zonekeeper serve`).
--
-- A node applies the change log in id order and re-reads the zones its entries name, so
-- every change to what a zone serves needs an entry, also those without a serial of their
-- own: 'reload' (the zone's synthesized answers changed — default reverse names — or it was
-- re-read after a change that left its data as it was) and 'policy' (the transfer policy or
-- the catalog zone changed; zone_name is '#transfer', zone_id null). Neither is transfer
-- history: IXFR reads only 'update' entries. Each keeps only its newest entry per zone.
alter table zone_change drop constraint zone_change_kind_check;
alter table zone_change add constraint zone_change_kind_check
    check (kind in ('create', 'update', 'delete', 'reset', 'reload', 'policy'));
create index zone_change_policy_idx on zone_change (id) where kind = 'policy';

-- What each engine node reports about itself (its heartbeat, written every few seconds by
-- the node, on the primary). The admin console shows the nodes and how far behind each is.
create table engine_node (
    name           text primary key check (name <> '' and length(name) <= 253),
    -- Where it serves DNS and its health port, as it was started with (text: host:port).
    dns_address    text not null,
    health_address text,
    -- The last change log entry it applied, and when that entry was committed.
    last_change_id bigint not null default 0,
    last_change_at timestamptz,
    zones          integer not null default 0,
    records        bigint not null default 0,
    -- 'loading' until every zone is served, 'following' while it keeps up with the log,
    -- 'stale' while it cannot read the store (it serves its last snapshots meanwhile).
    state          text not null check (state in ('loading', 'following', 'stale')),
    -- Whether it reads a hot-standby replica (and so polls instead of listening).
    replica        boolean not null default false,
    version        text not null default '',
    started_at     timestamptz not null,
    seen_at        timestamptz not null default now()
);
