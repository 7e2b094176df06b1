//! API tokens: bearer secrets for the REST API. Each belongs to one account and acts as that
//! account, optionally read-only and with an expiry. The secret is shown once and stored as
//! a hash; revoked tokens are kept for the audit trail but never authenticate again.

use frontend::api::types::{ApiToken, CreateTokenRequest, CreatedToken, Role};
use sqlx::PgPool;
use time::OffsetDateTime;

use super::accounts::parse_role;
use super::audit::{self, Actor, Change};
use crate::auth::token;
use crate::http::error::ApiError;

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
}

/// The token with this secret, if it is live: not revoked, not expired, and its account not
/// disabled. Records the use (at most once a minute, to spare the store a write per request).
pub async fn authenticate(pool: &PgPool, secret: &str) -> Result<Option<Authenticated>, ApiError> {
    if !secret.starts_with(token::PREFIX) {
        return Ok(None);
    }
    let hash = token::hash(secret);
    let row = sqlx::query!(
        "select t.id, t.account_id, t.read_only, a.email, a.role
           from api_token t join account a on a.id = t.account_id
          where t.secret_hash = $1
            and t.revoked_at is null
            and (t.expires_at is null or t.expires_at > now())
            and not a.disabled",
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
    }))
}

struct TokenRow {
    id: i64,
    name: String,
    read_only: bool,
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
        }
    }
}

fn validate(req: &CreateTokenRequest) -> Result<String, ApiError> {
    let name = req.name.trim().to_owned();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(("name", "must not be empty".to_owned()));
    } else if name.chars().count() > NAME_MAX {
        errors.push(("name", format!("must be at most {NAME_MAX} characters")));
    } else if name.chars().any(char::is_control) {
        errors.push(("name", "must not contain control characters".to_owned()));
    }
    if let Some(exp) = req.expires_at {
        if exp <= OffsetDateTime::now_utc() {
            errors.push(("expires_at", "must lie in the future".to_owned()));
        }
    }
    if errors.is_empty() {
        Ok(name)
    } else {
        Err(ApiError::Validation(
            errors
                .into_iter()
                .map(|(f, m)| frontend::api::types::FieldError {
                    field: f.into(),
                    message: m,
                })
                .collect(),
        ))
    }
}

/// Create a token for `account_id`; the secret is in the answer and nowhere else.
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    account_id: i64,
    req: &CreateTokenRequest,
) -> Result<CreatedToken, ApiError> {
    let name = validate(req)?;
    let secret = token::generate();
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        TokenRow,
        "insert into api_token (account_id, name, secret_hash, read_only, expires_at)
         values ($1, $2, $3, $4, $5)
         returning id, name, read_only, created_at, last_used_at, expires_at",
        account_id,
        name,
        token::hash(&secret),
        req.read_only,
        req.expires_at,
    )
    .fetch_one(&mut *tx)
    .await?;
    let token: ApiToken = row.into();
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "token.create",
            object_type: "api_token",
            object_id: Some(token.id.to_string()),
            before: None,
            after: serde_json::to_value(&token).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { token, secret })
}

/// The live (unrevoked) tokens of one account, newest first.
pub async fn list(pool: &PgPool, account_id: i64) -> Result<Vec<ApiToken>, ApiError> {
    let rows = sqlx::query_as!(
        TokenRow,
        "select id, name, read_only, created_at, last_used_at, expires_at
           from api_token where account_id = $1 and revoked_at is null
          order by created_at desc, id desc",
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
) -> Result<(), ApiError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        TokenRow,
        "update api_token set revoked_at = now()
          where id = $1 and account_id = $2 and revoked_at is null
          returning id, name, read_only, created_at, last_used_at, expires_at",
        id,
        account_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound)?;
    let token: ApiToken = row.into();
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "token.revoke",
            object_type: "api_token",
            object_id: Some(id.to_string()),
            before: serde_json::to_value(&token).ok(),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
