//! Accounts: creation (by an admin, the CLI, or the first start), login, password changes,
//! and the admin's edits (role, disabled). An account's email is its login name.

use std::net::IpAddr;

use frontend::api::types::{Role, User};
use sqlx::PgPool;
use time::OffsetDateTime;

use super::audit::{Action, Actor, Change};
use super::change::Write;
use crate::auth::password::{self, Verified};
use crate::auth::ratelimit;
use crate::error::{map_sqlx, ServiceError};

/// An account as the store holds it. Never serialized: [`User`] is what leaves the server.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

/// An active account, as authentication needs it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

pub fn parse_role(s: &str) -> Role {
    // The column has a check constraint; anything but 'admin' gets the lesser role.
    if s == "admin" {
        Role::Admin
    } else {
        Role::Customer
    }
}

impl AccountRow {
    pub fn to_user(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            role: parse_role(&self.role),
            disabled: self.disabled,
            created_at: self.created_at,
        }
    }
}

fn user_json(u: &User) -> serde_json::Value {
    serde_json::to_value(u).unwrap_or_default()
}

/// The email rule: one `@`, something on each side, no spaces (single-label domains such as `localhost` are allowed for the operator's own accounts), at most
/// 254 octets (RFC 5321's path limit). Stored lower-cased.
pub fn normalize_email(email: &str) -> Result<String, ServiceError> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && match e.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(e)
    } else {
        Err(ServiceError::field(
            "email",
            "must be an email address such as name@example.com",
        ))
    }
}

/// The server is busy with other password checks (the gate's wait ran out).
fn busy(_: password::Busy) -> ServiceError {
    ServiceError::Unavailable(
        "the server is busy checking other passwords; try again in a moment".into(),
    )
}

async fn hash_gated(gate: &password::HashGate, password: String) -> Result<String, ServiceError> {
    gate.run(move |memory| memory.hash(&password))
        .await
        .map_err(busy)?
        .map_err(ServiceError::internal)
}

/// Create an account. Without a password, one is generated and returned (shown once).
pub async fn create(
    pool: &PgPool,
    gate: &password::HashGate,
    actor: &Actor,
    email: &str,
    role: Role,
    password: Option<String>,
) -> Result<(User, Option<String>), ServiceError> {
    let email = normalize_email(email)?;
    let (password, generated) = match password {
        Some(p) => {
            password::check_policy(&p).map_err(|m| ServiceError::field("password", m))?;
            (p, None)
        }
        None => {
            let p = password::generate();
            (p.clone(), Some(p))
        }
    };
    let hash = hash_gated(gate, password).await?;
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        AccountRow,
        "insert into account (email, password_hash, role) values ($1, $2, $3)
         returning id, email, password_hash, role, disabled, created_at",
        email,
        hash,
        role.as_str(),
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let user = row.to_user();
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::AccountCreate,
        object_id: Some(user.id.to_string()),
        before: None,
        after: Some(user_json(&user)),
    });
    write.commit(tx).await?;
    Ok((user, generated))
}

/// Create the first admin if the store has no admin at all. Returns the generated password
/// when one was generated (to be printed once).
pub async fn ensure_admin(
    pool: &PgPool,
    email: &str,
    password: Option<String>,
) -> Result<Option<(User, Option<String>)>, ServiceError> {
    let exists =
        sqlx::query_scalar!(r#"select exists(select 1 from account where role = 'admin') as "e!""#)
            .fetch_one(pool)
            .await?;
    if exists {
        return Ok(None);
    }
    let gate = password::HashGate::single();
    create(pool, &gate, &Actor::system(), email, Role::Admin, password)
        .await
        .map(Some)
}

/// An active (not disabled) account by id.
pub async fn get_active(pool: &PgPool, id: i64) -> Result<Option<Account>, ServiceError> {
    Ok(get_active_since(pool, id)
        .await?
        .map(|(account, _)| account))
}

/// [`get_active`], with the time of the account's last password change (sessions that logged
/// in before it are no longer valid).
pub async fn get_active_since(
    pool: &PgPool,
    id: i64,
) -> Result<Option<(Account, Option<time::OffsetDateTime>)>, ServiceError> {
    let row = sqlx::query!(
        "select id, email, role, password_changed_at from account where id = $1 and not disabled",
        id
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| {
        (
            Account {
                id: r.id,
                email: r.email,
                role: parse_role(&r.role),
            },
            r.password_changed_at,
        )
    }))
}

pub async fn get_user(pool: &PgPool, id: i64) -> Result<User, ServiceError> {
    let row = sqlx::query_as!(
        AccountRow,
        "select id, email, password_hash, role, disabled, created_at from account where id = $1",
        id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(row.to_user())
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong email, wrong password, or a disabled account: the caller learns nothing more.
    #[error("invalid email or password")]
    Invalid,
    #[error("too many login attempts; try again later")]
    Throttled,
    #[error("the server is busy checking other logins; try again in a moment")]
    Busy,
    #[error(transparent)]
    Api(#[from] ServiceError),
}

impl From<sqlx::Error> for LoginError {
    fn from(e: sqlx::Error) -> Self {
        LoginError::Api(ServiceError::Sqlx(e))
    }
}

/// Check an email and password. Throttled per account and per source address (the attempt
/// is counted before the password is checked); the hash runs behind `gate`, which bounds the
/// memory a flood of attempts can take.
pub async fn login(
    pool: &PgPool,
    gate: &password::HashGate,
    email: &str,
    password: &str,
    source: Option<IpAddr>,
) -> Result<Account, LoginError> {
    let Some(attempt) = ratelimit::admit(pool, email, source).await? else {
        return Err(LoginError::Throttled);
    };
    let normalized = email.trim().to_lowercase();
    let row = sqlx::query_as!(
        AccountRow,
        "select id, email, password_hash, role, disabled, created_at from account where lower(email) = $1",
        normalized
    )
    .fetch_optional(pool)
    .await?;
    let pw = password.to_owned();
    let (row, verified) = gate
        .run(move |memory| match row {
            Some(row) => {
                let v = memory.verify(&pw, &row.password_hash);
                (Some(row), v)
            }
            None => {
                memory.verify_dummy(&pw);
                (None, Verified::No)
            }
        })
        .await
        .map_err(|password::Busy| LoginError::Busy)?;
    let row = match (row, verified) {
        (Some(row), verified @ (Verified::Yes | Verified::YesRehash)) if !row.disabled => {
            if verified == Verified::YesRehash {
                let new_hash = hash_gated(gate, password.to_owned()).await?;
                sqlx::query!(
                    "update account set password_hash = $2, updated_at = now() where id = $1",
                    row.id,
                    new_hash
                )
                .execute(pool)
                .await?;
            }
            row
        }
        // The failure was counted when the attempt was admitted.
        _ => return Err(LoginError::Invalid),
    };
    ratelimit::succeeded(pool, email, attempt).await?;
    Ok(Account {
        id: row.id,
        email: row.email,
        role: parse_role(&row.role),
    })
}

/// Change one's own password; the current one must be given.
pub async fn change_password(
    pool: &PgPool,
    gate: &password::HashGate,
    actor: &Actor,
    account_id: i64,
    current: &str,
    new: &str,
    revoke_tokens: bool,
) -> Result<(), ServiceError> {
    password::check_policy(new).map_err(|m| ServiceError::field("new_password", m))?;
    let stored = sqlx::query_scalar!(
        "select password_hash from account where id = $1",
        account_id
    )
    .fetch_optional(pool)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let cur = current.to_owned();
    let ok = gate
        .run(move |memory| memory.verify(&cur, &stored))
        .await
        .map_err(busy)?;
    if ok == Verified::No {
        return Err(ServiceError::field(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = hash_gated(gate, new.to_owned()).await?;
    let mut tx = pool.begin().await?;
    // Every browser session that logged in before now ends (the caller renews its own).
    sqlx::query!(
        "update account set password_hash = $2, password_changed_at = now(), updated_at = now()
          where id = $1",
        account_id,
        hash
    )
    .execute(&mut *tx)
    .await?;
    if revoke_tokens {
        sqlx::query!("delete from api_token where account_id = $1", account_id)
            .execute(&mut *tx)
            .await?;
    }
    // Hashes are not audit material: record that it changed, not what to.
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::AccountPasswordChange,
        object_id: Some(account_id.to_string()),
        before: None,
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}

/// All accounts (admin view).
pub async fn list(pool: &PgPool) -> Result<Vec<User>, ServiceError> {
    let rows = sqlx::query_as!(
        AccountRow,
        "select id, email, password_hash, role, disabled, created_at from account order by lower(email)"
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(AccountRow::to_user).collect())
}

/// Change an account's role or disabled flag (admin). An admin cannot lock themselves out,
/// and the last active admin cannot be demoted or disabled.
pub async fn update(
    pool: &PgPool,
    actor: &Actor,
    acting_account: i64,
    id: i64,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<User, ServiceError> {
    let mut tx = pool.begin().await?;
    // Serialize admin edits so two concurrent demotions cannot both pass the last-admin rule.
    sqlx::query!("select pg_advisory_xact_lock(hashtext('account.update'))")
        .execute(&mut *tx)
        .await?;
    let before = sqlx::query_as!(
        AccountRow,
        "select id, email, password_hash, role, disabled, created_at from account where id = $1 for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let new_role = role.unwrap_or(parse_role(&before.role));
    let new_disabled = disabled.unwrap_or(before.disabled);
    let loses_admin = parse_role(&before.role) == Role::Admin
        && !before.disabled
        && (new_role != Role::Admin || new_disabled);
    if loses_admin {
        if id == acting_account {
            let field = if new_disabled { "disabled" } else { "role" };
            return Err(ServiceError::field(
                field,
                "you cannot remove your own admin access",
            ));
        }
        let others = sqlx::query_scalar!(
            r#"select count(*) as "n!" from account where role = 'admin' and not disabled and id <> $1"#,
            id
        )
        .fetch_one(&mut *tx)
        .await?;
        if others == 0 {
            return Err(ServiceError::field(
                "role",
                "the last active admin cannot be demoted or disabled",
            ));
        }
    }
    let after = sqlx::query_as!(
        AccountRow,
        "update account set role = $2, disabled = $3, updated_at = now() where id = $1
         returning id, email, password_hash, role, disabled, created_at",
        id,
        new_role.as_str(),
        new_disabled
    )
    .fetch_one(&mut *tx)
    .await?;
    let (before, after) = (before.to_user(), after.to_user());
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::AccountUpdate,
        object_id: Some(id.to_string()),
        before: Some(user_json(&before)),
        after: Some(user_json(&after)),
    });
    write.commit(tx).await?;
    Ok(after)
}

/// The id of the account with this email.
pub async fn id_by_email(pool: &PgPool, email: &str) -> Result<Option<i64>, ServiceError> {
    Ok(sqlx::query_scalar!(
        "select id from account where lower(email) = $1",
        email.trim().to_lowercase()
    )
    .fetch_optional(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_rule() {
        assert_eq!(
            normalize_email(" Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "a b@example.com",
            "a@b@c",
            "a@.example",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(normalize_email(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
