-- The hidden primary: the zone change log (IXFR, engine nodes, history), the RRs each zone
-- last published (what the log's differences are taken against), TSIG keys, secondaries,
-- the transfer allow-list, the catalog zone's serial and the sync status of secondaries.

-- Every transferable RR of a zone as it was published by the last logged change, in DNS wire
-- format (uncompressed owner, type, class, TTL, RDLENGTH, RDATA; RFC 1035 §4.1.3). A zone is
-- compared with these rows when it changes, and the difference is the change log entry.
create table zone_rr (
    zone_id bigint not null references zone (id) on delete cascade,
    rr      bytea not null,
    primary key (zone_id, rr)
);
-- Whether zone_rr holds the zone's published RRs. Zones that existed before the change log
-- get their baseline with their first change (logged as a 'reset': IXFR from older serials
-- falls back to a full transfer, RFC 1995 §4).
alter table zone add column published boolean not null default false;

-- One row per committed change to a zone, in commit order of the zone's lock. 'create' holds
-- the whole new zone, 'update' the RRs removed and added (SOA excluded: the serials say it),
-- 'delete' nothing, 'reset' a new baseline without a difference.
create table zone_change (
    id         bigint generated always as identity primary key,
    -- No foreign key: the entries of a deleted zone (its 'delete' above all) outlive it.
    -- Null only for the deletion of a zone that had no entry before.
    zone_id    bigint,
    zone_name  text not null,
    kind       text not null check (kind in ('create', 'update', 'delete', 'reset')),
    old_serial bigint check (old_serial between 0 and 4294967295),
    new_serial bigint check (new_serial between 0 and 4294967295),
    removed    bytea[] not null default '{}',
    added      bytea[] not null default '{}',
    -- Octets of removed and added together, for the retention bound.
    octets     bigint not null default 0,
    account_id bigint,
    token_id   bigint,
    created_at timestamptz not null default now()
);
create index zone_change_zone_idx on zone_change (zone_id, id);

-- Retention of the change log, per zone: at most this many entries and octets are kept (the
-- newest entry always is). An IXFR from a serial older than what is kept becomes a full
-- transfer (RFC 1995 §4).
alter table setting
    add column changelog_versions integer not null default 100
        check (changelog_versions between 1 and 100000),
    add column changelog_octets bigint not null default 4194304
        check (changelog_octets between 65536 and 1073741824);

-- TSIG keys (RFC 8945). The secret is returned once, when the key is created.
create table tsig_key (
    id         bigint generated always as identity primary key,
    -- A domain name, absolute and lower case ('transfer-key.').
    name       text not null unique,
    algorithm  text not null check (algorithm in ('hmac-sha1', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512')),
    secret     bytea not null check (octet_length(secret) between 16 and 128),
    created_at timestamptz not null default now()
);

-- The secondaries that follow every hosted zone: NOTIFY goes to each, and each may transfer
-- (signed with its key, or, without a key, from its address).
create table secondary (
    id          bigint generated always as identity primary key,
    address     inet not null,
    port        integer not null default 53 check (port between 1 and 65535),
    tsig_key_id bigint references tsig_key (id) on delete restrict,
    -- Whether it consumes the catalog zone (RFC 9432) and so learns the zone list from it.
    catalog     boolean not null default true,
    comment     text not null default '',
    created_at  timestamptz not null default now(),
    unique (address, port)
);

-- Networks allowed to transfer without TSIG (besides secondaries without a key).
create table transfer_allow (
    id         bigint generated always as identity primary key,
    network    cidr not null unique,
    comment    text not null default '',
    created_at timestamptz not null default now()
);

-- The catalog zone's own serial, bumped whenever a zone is created or deleted.
create table catalog_zone (
    singleton boolean primary key default true check (singleton),
    serial    bigint not null check (serial between 0 and 4294967295)
);
insert into catalog_zone (serial) values (to_char(now(), 'YYYYMMDD')::bigint * 100);

-- What each secondary serves, asked with an SOA query after every change and periodically.
create table secondary_sync (
    secondary_id bigint not null references secondary (id) on delete cascade,
    zone_name    text not null,
    serial       bigint,
    error        text,
    checked_at   timestamptz not null default now(),
    -- Since when the secondary has served an older serial than ours; null when in sync.
    behind_since timestamptz,
    primary key (secondary_id, zone_name)
);
