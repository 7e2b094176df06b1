//! The admin commands (`zonekeeper user create`, `zonekeeper token create`). They open the
//! store the way `serve` does (data directory or DATABASE_URL) and work while it runs.

use std::io::{IsTerminal, Read};

use frontend::api::types::CreateTokenRequest;

use crate::config::{DatabaseArgs, TokenCommand, UserCommand};
use crate::db::Store;
use crate::serve::BoxError;
use crate::service::audit::Actor;
use crate::service::{accounts, tokens};

async fn with_store<T>(
    db: &DatabaseArgs,
    f: impl AsyncFnOnce(&sqlx::PgPool) -> Result<T, BoxError>,
) -> Result<T, BoxError> {
    let store = Store::open(db, 2, false).await?;
    let result = f(&store.pool).await;
    store.close().await;
    result
}

pub async fn user(cmd: UserCommand) -> Result<(), BoxError> {
    match cmd {
        UserCommand::Create { db, email, role } => {
            // A password on stdin (piped) is used as given; on a terminal we generate one
            // rather than echo a typed password.
            let password = if std::io::stdin().is_terminal() {
                None
            } else {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                let s = s.trim_end_matches(['\n', '\r']).to_owned();
                (!s.is_empty()).then_some(s)
            };
            with_store(&db, async |pool| {
                let (user, generated) = accounts::create(
                    pool,
                    &crate::auth::password::HashGate::single(),
                    &Actor::system(),
                    &email,
                    role.into(),
                    password,
                )
                .await
                .map_err(describe)?;
                println!(
                    "created {} account {} (id {})",
                    user.role.as_str(),
                    user.email,
                    user.id
                );
                if let Some(pw) = generated {
                    println!("password: {pw}");
                }
                Ok(())
            })
            .await
        }
    }
}

pub async fn token(cmd: TokenCommand) -> Result<(), BoxError> {
    match cmd {
        TokenCommand::Create {
            db,
            email,
            name,
            read_only,
        } => {
            with_store(&db, async |pool| {
                let account_id = accounts::id_by_email(pool, &email)
                    .await
                    .map_err(describe)?
                    .ok_or_else(|| format!("no account with email {email}"))?;
                let req = CreateTokenRequest {
                    name,
                    read_only,
                    expires_at: None,
                    zones: Vec::new(),
                };
                let created = tokens::create(pool, &Actor::system(), account_id, &req)
                    .await
                    .map_err(describe)?;
                println!("{}", created.secret);
                eprintln!(
                    "token {} ({}) created; the secret above is shown once",
                    created.token.id,
                    if read_only { "read-only" } else { "read-write" }
                );
                Ok(())
            })
            .await
        }
    }
}

/// Field errors read better on a terminal as "field: rule" lines.
fn describe(e: crate::error::ServiceError) -> BoxError {
    use crate::error::ServiceError;
    let fields = match &e {
        ServiceError::Validation(errors) | ServiceError::Rejected { errors, .. } => errors.clone(),
        ServiceError::Conflict(error) => vec![error.clone()],
        _ => vec![],
    };
    if fields.is_empty() {
        e.to_string().into()
    } else {
        fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("\n")
            .into()
    }
}
