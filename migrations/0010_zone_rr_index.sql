-- zone_rr's primary key indexed each whole RR. A btree entry holds at most about 2.7 kB, so
-- a zone holding one larger record (an OPENPGPKEY, a long TXT, a big generic record) could
-- not change at all: every commit failed on the index. The RRs of a zone are distinct by
-- construction (the change log stores set differences), so the rows only need to be found by
-- zone: the change log reads all of a zone's rows to compare, and deletes the removed ones by
-- their row address (ctid) under the zone's lock.
alter table zone_rr drop constraint zone_rr_pkey;
create index zone_rr_zone_idx on zone_rr (zone_id);

-- record_rrset_idx (zone_id, name, type) is a prefix of record_content_key, which serves the
-- same lookups.
drop index record_rrset_idx;
