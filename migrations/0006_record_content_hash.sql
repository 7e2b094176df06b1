-- A btree index entry holds at most about 2.7 kB, so the unique index over the whole record
-- text made records longer than that (a TXT of a few kB, valid in DNS) fail with a server
-- error. The same rule (each record once per RRset) holds over a digest of the text.
drop index record_content_key;
create unique index record_content_key on record (zone_id, name, type, md5(content));
