-- The engines serve what each zone published (zone_rr) rather than building it again from its
-- record rows: the write path makes zone_rr from those rows with every change, in the change's
-- transaction, so the two say the same, and a zone is built from its wire-form records
-- without reading any record's text. Zones with published = false (unchanged since before
-- the change log, or written by hand) are still built from their rows.
--
-- Every role that may read the zones (the engine nodes' role of dist/engine-node-role.sql,
-- under whatever name it was made) may read what they published.
do $$
declare
    reader record;
begin
    for reader in
        select distinct grantee from information_schema.role_table_grants
         where table_schema = current_schema() and table_name = 'zone'
           and privilege_type = 'SELECT' and grantee not in (current_user, 'PUBLIC')
    loop
        execute format('grant select on zone_rr to %I', reader.grantee);
    end loop;
end
$$;
