-- Reverse DNS: the provider's IP space as reverse zones, ranges of it assigned to customers,
-- and one PTR per address.

-- btree_gist is not needed: the exclusion constraints below use the built-in inet_ops GiST
-- operator class, whose && operator means "the two networks share an address".

-- A reverse zone (in-addr.arpa or ip6.arpa) that covers one network. Its zone row holds the
-- SOA and the apex NS like any other zone; the PTRs of assigned addresses live in `ptr`.
create table reverse_zone (
    zone_id   bigint primary key references zone (id) on delete cascade,
    -- The network the zone covers: 203.0.0.0/16 for 0.203.in-addr.arpa. Prefix lengths are a
    -- multiple of 8 (IPv4) or 4 (IPv6), the boundaries reverse zones can be cut at.
    network   cidr not null,
    -- The default name of an address without PTR, e.g. 'static.{ip-reversed}.clients.example.net.'
    -- (placeholders: see dns_engine::synth). Synthesized by the engine, never stored per address.
    template  text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint reverse_zone_network_excl exclude using gist (network inet_ops with &&)
);

-- A range of addresses assigned to one customer, from /8 down to a single /32 or /128.
create table ip_range (
    id          bigint generated always as identity primary key,
    zone_id     bigint not null references reverse_zone (zone_id) on delete restrict,
    account_id  bigint not null references account (id) on delete cascade,
    network     cidr not null,
    -- RFC 2317 classless delegation: when set, the customer runs these name servers for the
    -- range; the reverse zone then holds CNAMEs for its addresses and NS records for the child
    -- label instead of PTRs. Only for IPv4 ranges longer than /24.
    delegate_ns text[],
    created_at  timestamptz not null default now(),
    -- An address belongs to at most one customer.
    constraint ip_range_network_excl exclude using gist (network inet_ops with &&)
);
create index ip_range_account_idx on ip_range (account_id);
create index ip_range_zone_idx on ip_range (zone_id);

-- One PTR per address: the address is the key.
create table ptr (
    -- A host address (/32 or /128).
    address     inet primary key check (masklen(address) = case family(address) when 4 then 32 else 128 end),
    range_id    bigint not null references ip_range (id) on delete cascade,
    -- Absolute, lower-case host name with the trailing dot.
    hostname    text not null,
    ttl         integer not null check (ttl between 1 and 2147483647),
    -- Forward-confirmed reverse DNS: does `hostname` resolve to `address`?
    fcrdns      text not null default 'unknown' check (fcrdns in ('pass', 'fail', 'unknown')),
    -- Why, for people: "mail.example.com. resolves to 198.51.100.7, not 198.51.100.1".
    fcrdns_detail text not null default '',
    checked_at  timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index ptr_range_idx on ptr (range_id);
-- Re-checking FCrDNS when a forward record changes finds the PTRs by host name.
create index ptr_hostname_idx on ptr (hostname);

-- The policy applied to FCrDNS failures on save: 'strict' rejects, 'warn' stores and flags.
alter table setting add column fcrdns_policy text not null default 'strict'
    check (fcrdns_policy in ('strict', 'warn'));

-- FCrDNS looks address records up by owner name across zones.
create index record_address_idx on record (name) where type in ('A', 'AAAA');
