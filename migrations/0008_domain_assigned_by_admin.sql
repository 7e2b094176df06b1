-- Whether an admin added the domain (for its account). A hosted parent zone publishes the
-- domain's DS records only when it belongs to the same account, or when an admin assigned
-- the domain: a customer must not be able to put records into another account's zone by
-- claiming a name below it before that zone existed.
alter table domain add column assigned_by_admin boolean not null default false;
