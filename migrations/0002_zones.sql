-- Forward zones: the operator's defaults for new zones, the zones, and their records.

-- The operator's settings: one row (id is always true).
create table setting (
    id          boolean primary key default true check (id),
    -- Name servers put at the apex of every new zone (absolute names).
    nameservers text[] not null default array['ns1.zonekeeper.invalid.', 'ns2.zonekeeper.invalid.'],
    -- The SOA RNAME of new zones (a mailbox as a name: hostmaster.example.net.).
    hostmaster  text not null default 'hostmaster.zonekeeper.invalid.',
    -- SOA timers of new zones, in seconds (RFC 1035 §3.3.13; RFC 2308 for minimum).
    soa_refresh integer not null default 7200,
    soa_retry   integer not null default 1800,
    soa_expire  integer not null default 1209600,
    soa_minimum integer not null default 300,
    -- TTL of records created without one, and of the SOA and apex NS of new zones.
    default_ttl integer not null default 3600,
    updated_at  timestamptz not null default now()
);
insert into setting default values;

create table zone (
    id         bigint generated always as identity primary key,
    account_id bigint not null references account (id) on delete cascade,
    -- Absolute, lower-case, A-label form with the trailing dot: 'xn--mnchen-3ya.de.'.
    name       text not null,
    -- SOA serial, 0..2^32-1, advanced with RFC 1982 arithmetic on every change.
    serial     bigint not null check (serial between 0 and 4294967295),
    -- The rest of the SOA (RFC 1035 §3.3.13), copied from the settings at creation and
    -- edited through the zone's settings; the SOA record itself is built from these.
    soa_mname   text not null,
    soa_rname   text not null,
    soa_refresh integer not null,
    soa_retry   integer not null,
    soa_expire  integer not null,
    soa_minimum integer not null,
    soa_ttl     integer not null check (soa_ttl between 1 and 2147483647),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
-- No two accounts (or one account twice) can hold the same zone.
create unique index zone_name_key on zone (name);
create index zone_account_idx on zone (account_id);

-- One row per resource record. An RRset is the rows sharing (zone, name, type); they share
-- one TTL and one comment, which the service keeps equal.
create table record (
    id         bigint generated always as identity primary key,
    zone_id    bigint not null references zone (id) on delete cascade,
    -- Absolute, lower-case owner name with the trailing dot.
    name       text not null,
    type       text not null,
    ttl        integer not null check (ttl between 1 and 2147483647),
    -- The RDATA in canonical presentation format.
    content    text not null,
    comment    text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
create unique index record_content_key on record (zone_id, name, type, content);
create index record_rrset_idx on record (zone_id, name, type);
