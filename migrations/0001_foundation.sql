-- Accounts, sessions, API tokens, login throttling and the audit log.

create table account (
    id            bigint generated always as identity primary key,
    email         text not null,
    -- PHC string (argon2id); rehashed on login when the parameters change.
    password_hash text not null,
    role          text not null check (role in ('admin', 'customer')),
    -- A disabled account cannot log in and its tokens stop working.
    disabled      boolean not null default false,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
-- Emails are compared case-insensitively: one account per address.
create unique index account_email_key on account (lower(email));

create table api_token (
    id           bigint generated always as identity primary key,
    account_id   bigint not null references account (id) on delete cascade,
    name         text not null,
    -- SHA-256 of the bearer secret. The secret has 256 bits of entropy, so a fast hash is
    -- enough; the secret itself is never stored.
    secret_hash  bytea not null,
    -- A read-only token may only use safe methods (GET/HEAD).
    read_only    boolean not null default false,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    -- Revoked tokens are kept (the audit log refers to them) but never authenticate.
    revoked_at   timestamptz
);
create unique index api_token_secret_hash_key on api_token (secret_hash);
create index api_token_account_idx on api_token (account_id);

-- Failed logins, counted in a sliding window per account and per source address.
create table login_failure (
    id         bigint generated always as identity primary key,
    -- 'account:<lowercased email>' or 'ip:<address>'
    key        text not null,
    created_at timestamptz not null default now()
);
create index login_failure_key_idx on login_failure (key, created_at);

create table audit_log (
    id          bigint generated always as identity primary key,
    -- Who: the account (null for the system itself, e.g. the CLI bootstrap) and the token used.
    account_id  bigint references account (id) on delete set null,
    token_id    bigint references api_token (id) on delete set null,
    -- What: a verb such as 'account.create', and the object it touched.
    action      text not null,
    object_type text not null,
    object_id   text,
    -- From where: the client address, when there is one (null for the CLI).
    source      text,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz not null default now()
);
create index audit_log_created_idx on audit_log (created_at);
create index audit_log_object_idx on audit_log (object_type, object_id);

-- Browser sessions, in the layout that tower-sessions-sqlx-store's PostgresStore reads and
-- writes (schema "tower_sessions", table "session"). Created here, not by the store, so that
-- this folder stays the only place the schema changes.
create schema tower_sessions;
create table tower_sessions.session (
    id          text primary key not null,
    -- The session record (account id, authentication time), serialized by tower-sessions.
    data        bytea not null,
    expiry_date timestamptz not null
);
create index session_expiry_idx on tower_sessions.session (expiry_date);
