-- DNSSEC: signing keys of hosted zones, and DS records submitted registrar-style for domains.

-- The key Zonekeeper signs a hosted zone with: one combined signing key (DNSKEY flags 257),
-- ECDSA P-256 with SHA-256 (algorithm 13). A zone without a row is served unsigned.
create table zone_key (
    zone_id     bigint primary key references zone (id) on delete cascade,
    algorithm   smallint not null check (algorithm = 13),
    -- The private key, PKCS#8 DER. Readable by whoever can read this database, like every
    -- other secret of a DNS primary's store; protect the database accordingly.
    private_key bytea not null,
    created_at  timestamptz not null default now()
);

-- A domain whose DS records an account manages. Either its parent zone is hosted here (the
-- DS records are served there, at the delegation) or not (they are recorded for the hand-off
-- to the registrar); which one is decided when read, as zones come and go.
create table domain (
    id         bigint generated always as identity primary key,
    account_id bigint not null references account (id) on delete cascade,
    -- Absolute, lower-case, A-label form with the trailing dot, like zone.name.
    name       text not null,
    created_at timestamptz not null default now()
);
create unique index domain_name_key on domain (name);
create index domain_account_idx on domain (account_id);

create table ds_record (
    id          bigint generated always as identity primary key,
    domain_id   bigint not null references domain (id) on delete cascade,
    key_tag     integer not null check (key_tag between 0 and 65535),
    algorithm   smallint not null check (algorithm between 0 and 255),
    digest_type smallint not null check (digest_type between 0 and 255),
    digest      bytea not null,
    -- What the last live check found: 'valid', 'mismatch', 'no-key', 'unreachable', or
    -- 'pending' for a DS the owner pre-published during a key rollover (re-checked until its
    -- key appears). Only 'valid' records are published in a hosted parent zone.
    state       text not null check (state in ('valid', 'mismatch', 'no-key', 'unreachable', 'pending')),
    reason      text not null,
    warnings    text[] not null default '{}',
    checked_at  timestamptz,
    created_at  timestamptz not null default now()
);
create unique index ds_record_key on ds_record (domain_id, key_tag, algorithm, digest_type, digest);
-- The periodic re-check picks the records that are not valid yet, oldest check first.
create index ds_record_recheck_idx on ds_record (checked_at) where state <> 'valid';
