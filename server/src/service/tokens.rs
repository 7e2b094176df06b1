//! API tokens: bearer secrets for the REST API. Each belongs to one account and acts as that
//! account, optionally read-only and with an expiry. The secret is shown once and stored as
//! a hash; revoked tokens are kept for the audit trail but never authenticate again.
//!
//! A token may be scoped to some of the account's zones (`api_token_zone`): it then sees and
//! edits only those, and nothing account-wide (see [`crate::auth::Principal`]). The `scoped`
//! flag is stored apart from the list, so that deleting a token's last zone leaves a token
//! that sees nothing, not one that suddenly sees everything.

use frontend::api::types::{ApiToken, CreateTokenRequest, CreatedToken, FieldError, Role};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::accounts::parse_role;
use super::audit::{Action, Actor, Change};
use super::change::Write;
use super::zones::{canonical_zone_name, display_name};
use crate::auth::token;
use crate::error::ServiceError;

/// The longest name a token may have.
pub const NAME_MAX: usize = 100;

/// A token that authenticated a request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token_id: i64,
    pub account_id: i64,
    pub email: String,
    pub role: Role,
    pub read_only: bool,
    /// For a scoped token, the zones it may touch (absolute A-label names; possibly none).
    /// `None`: the token acts for the whole account.
    pub zones: Option<Vec<String>>,
}

/// The token with this secret, if it is live: not revoked, not expired, and its account not
/// disabled. Records the use (at most once a minute, to spare the store a write per request).
pub async fn authenticate(
    pool: &PgPool,
    secret: &str,
) -> Result<Option<Authenticated>, ServiceError> {
    if !secret.starts_with(token::PREFIX) {
        return Ok(None);
    }
    let hash = token::hash(secret);
    let row = sqlx::query!(
        r#"select t.id, t.account_id, t.read_only, t.scoped, a.email, a.role,
                  array(select z.name from api_token_zone tz join zone z on z.id = tz.zone_id
                         where tz.token_id = t.id order by z.name) as "zones!"
             from api_token t join account a on a.id = t.account_id
            where t.secret_hash = $1
              and t.revoked_at is null
              and (t.expires_at is null or t.expires_at > now())
              and not a.disabled"#,
        hash
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query!(
        "update api_token set last_used_at = now()
          where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
        row.id
    )
    .execute(pool)
    .await?;
    Ok(Some(Authenticated {
        token_id: row.id,
        account_id: row.account_id,
        email: row.email,
        role: parse_role(&row.role),
        read_only: row.read_only,
        zones: row.scoped.then_some(row.zones),
    }))
}

struct TokenRow {
    id: i64,
    name: String,
    read_only: bool,
    scoped: bool,
    zones: Vec<String>,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    expires_at: Option<OffsetDateTime>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: r.id,
            name: r.name,
            read_only: r.read_only,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
            scoped: r.scoped,
            zones: r.zones,
        }
    }
}

/// One token of the account with its scope, revoked or not.
async fn fetch(
    conn: &mut PgConnection,
    account_id: i64,
    id: i64,
) -> Result<ApiToken, ServiceError> {
    let row = sqlx::query_as!(
        TokenRow,
        r#"select t.id, t.name, t.read_only, t.scoped, t.created_at, t.last_used_at, t.expires_at,
                  array(select z.name from api_token_zone tz join zone z on z.id = tz.zone_id
                         where tz.token_id = t.id order by z.name) as "zones!"
             from api_token t where t.id = $1 and t.account_id = $2"#,
        id,
        account_id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    Ok(row.into())
}

/// The most zones one token may be scoped to.
pub const ZONES_MAX: usize = 1000;

type Problems = Vec<(String, String)>;

/// The name and expiry rules; returns the trimmed name.
fn validate(req: &CreateTokenRequest, errors: &mut Problems) -> String {
    let name = req.name.trim().to_owned();
    let mut push = |f: &str, m: String| errors.push((f.to_owned(), m));
    if name.is_empty() {
        push("name", "must not be empty".to_owned());
    } else if name.chars().count() > NAME_MAX {
        push("name", format!("must be at most {NAME_MAX} characters"));
    } else if name.chars().any(char::is_control) {
        push("name", "must not contain control characters".to_owned());
    }
    if let Some(exp) = req.expires_at {
        if exp <= OffsetDateTime::now_utc() {
            push("expires_at", "must lie in the future".to_owned());
        }
    }
    name
}

/// The requested scope as (position in the request, canonical name); a name that cannot be
/// a zone is a problem of its position, in `bad`. A name listed twice counts once.
fn scope_names(
    zones: &[String],
    errors: &mut Problems,
    bad: &mut Vec<(usize, String)>,
) -> Vec<(usize, String)> {
    if zones.len() > ZONES_MAX {
        errors.push((
            "zones".to_owned(),
            format!("may list at most {ZONES_MAX} zones"),
        ));
        return Vec::new();
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, input) in zones.iter().enumerate() {
        match canonical_zone_name(input) {
            Ok(name) => {
                if seen.insert(name.clone()) {
                    out.push((i, name.into()));
                }
            }
            Err(ServiceError::Validation(v)) => bad.extend(v.into_iter().map(|e| (i, e.message))),
            Err(_) => bad.push((i, "is not a zone name".to_owned())),
        }
    }
    out
}

fn problems(errors: Problems) -> ServiceError {
    ServiceError::Validation(
        errors
            .into_iter()
            .map(|(field, message)| FieldError { field, message })
            .collect(),
    )
}

/// Create a token for `account_id`; the secret is in the answer and nowhere else. With
/// `zones`, the token is scoped to them; each must be one of the account's zones.
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    account_id: i64,
    req: &CreateTokenRequest,
) -> Result<CreatedToken, ServiceError> {
    let mut errors = Problems::new();
    let name = validate(req, &mut errors);
    let mut bad = Vec::new();
    let wanted = scope_names(&req.zones, &mut errors, &mut bad);
    let mut tx = pool.begin().await?;
    // The account's zones among those asked for, locked so none is deleted before the scope
    // refers to it. Another account's zone and a zone that does not exist get the same
    // answer: names reveal nothing.
    let names: Vec<String> = wanted.iter().map(|(_, n)| n.clone()).collect();
    let found = sqlx::query!(
        "select id, name from zone where account_id = $1 and name = any($2) for share",
        account_id,
        &names
    )
    .fetch_all(&mut *tx)
    .await?;
    for (i, name) in &wanted {
        if !found.iter().any(|z| &z.name == name) {
            bad.push((
                *i,
                format!("\"{}\" is not one of your zones", display_name(name)),
            ));
        }
    }
    bad.sort_by_key(|(i, _)| *i);
    errors.extend(bad.into_iter().map(|(i, m)| (format!("zones[{i}]"), m)));
    if !errors.is_empty() {
        return Err(problems(errors));
    }
    let secret = token::generate();
    let id = sqlx::query_scalar!(
        "insert into api_token (account_id, name, secret_hash, read_only, expires_at, scoped)
         values ($1, $2, $3, $4, $5, $6)
         returning id",
        account_id,
        name,
        token::hash(&secret),
        req.read_only,
        req.expires_at,
        !wanted.is_empty(),
    )
    .fetch_one(&mut *tx)
    .await?;
    let zone_ids: Vec<i64> = found.iter().map(|z| z.id).collect();
    sqlx::query!(
        "insert into api_token_zone (token_id, zone_id) select $1, unnest($2::bigint[])",
        id,
        &zone_ids
    )
    .execute(&mut *tx)
    .await?;
    let token = fetch(&mut tx, account_id, id).await?;
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::TokenCreate,
        object_id: Some(token.id.to_string()),
        before: None,
        after: serde_json::to_value(&token).ok(),
    });
    write.commit(tx).await?;
    Ok(CreatedToken { token, secret })
}

/// The live (unrevoked) tokens of one account, newest first.
pub async fn list(pool: &PgPool, account_id: i64) -> Result<Vec<ApiToken>, ServiceError> {
    let rows = sqlx::query_as!(
        TokenRow,
        r#"select t.id, t.name, t.read_only, t.scoped, t.created_at, t.last_used_at, t.expires_at,
                  array(select z.name from api_token_zone tz join zone z on z.id = tz.zone_id
                         where tz.token_id = t.id order by z.name) as "zones!"
             from api_token t where t.account_id = $1 and t.revoked_at is null
            order by t.created_at desc, t.id desc"#,
        account_id
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// Revoke one of the account's tokens. Another account's token is "not found", the same
/// answer as a token that does not exist: ids reveal nothing.
pub async fn revoke(
    pool: &PgPool,
    actor: &Actor,
    account_id: i64,
    id: i64,
) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    sqlx::query_scalar!(
        "update api_token set revoked_at = now()
          where id = $1 and account_id = $2 and revoked_at is null
          returning id",
        id,
        account_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let token = fetch(&mut tx, account_id, id).await?;
    let mut write = Write::new(actor);
    write.audit(Change {
        action: Action::TokenRevoke,
        object_id: Some(id.to_string()),
        before: serde_json::to_value(&token).ok(),
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}
