-- The database role of standalone engine nodes (`dns-engine`): it reads what the engine
-- serves and writes nothing but its heartbeat row. No access to accounts, passwords, tokens
-- or sessions. Run it on the primary, in the panel's database, as the owner of its tables:
--
--   psql -d zonekeeper -f dist/engine-node-role.sql
--   psql -d zonekeeper -c "alter role zk_node password '…'"
--
-- The tests run this file as it is (with another role name) and start a node with the role.
create role zk_node login;
grant usage on schema public to zk_node;
grant select on
    zone, zone_rr, record, reverse_zone, ip_range, ptr, zone_key, ds_record, domain,
    zone_change, tsig_key, secondary, transfer_allow, catalog_zone, _sqlx_migrations
    to zk_node;
grant select, insert, update on engine_node to zk_node;
