-- When the account's password last changed. Browser sessions that logged in before it end
-- (the one that made the change is renewed), so a stolen session does not outlive a reset.
alter table account add column password_changed_at timestamptz;
