//! The error of the services: what went wrong, in terms of the rules, with a stable
//! machine-readable [`ServiceError::code`] for each kind. It knows nothing of HTTP; the edge
//! (`http::error`) maps it to a status and an RFC 9457 problem document, the CLI to a
//! sentence.

use frontend::api::types::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("authentication required")]
    Unauthorized,
    /// A failed login: one message for every reason (unknown email, wrong password, disabled).
    #[error("invalid email or password")]
    InvalidLogin,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("invalid request body: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Refused by a rule that clients tell apart by `code` (e.g. `ds-mismatch`); listed per
    /// field like [`ServiceError::Validation`].
    #[error("refused ({code})")]
    Rejected {
        code: &'static str,
        errors: Vec<FieldError>,
    },
    #[error("conflict on {}: {}", .0.field, .0.message)]
    Conflict(FieldError),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests(String),
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl ServiceError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn internal(e: impl std::fmt::Display) -> ServiceError {
        ServiceError::Internal(e.to_string())
    }

    /// Map a unique-constraint violation to the field it protects. Constraint names are the
    /// ones in `migrations/`.
    pub(crate) fn from_constraint(constraint: &str) -> Option<ServiceError> {
        let (field, message) = match constraint {
            "account_email_key" => ("email", "an account with this email already exists"),
            "zone_name_key" => ("name", "this zone already exists"),
            "reverse_zone_network_excl" => ("network", "overlaps another reverse zone"),
            "ip_range_network_excl" => ("network", "overlaps a range that is already assigned"),
            "ptr_pkey" => ("ip", "this address already has a PTR"),
            "domain_name_key" => ("name", "this domain is already managed here"),
            "ds_record_key" => ("ds", "this DS record is already submitted for the domain"),
            "tsig_key_name_key" => ("name", "a TSIG key with this name already exists"),
            "secondary_address_port_key" => ("address", "this secondary is already configured"),
            "transfer_allow_network_key" => ("network", "this network is already allowed"),
            _ => return None,
        };
        Some(ServiceError::Conflict(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }))
    }

    /// The stable, machine-readable name of this kind of problem (the `code` member of the
    /// problem document): clients branch on it, never on the English of `detail`.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthorized => "unauthorized",
            ServiceError::InvalidLogin => "invalid-login",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::NotFound => "not-found",
            ServiceError::BadRequest(_) => "bad-request",
            ServiceError::Validation(_) => "validation",
            ServiceError::Rejected { code, .. } => code,
            ServiceError::Conflict(_) => "conflict",
            ServiceError::UnsupportedMediaType(_) => "unsupported-media-type",
            ServiceError::PayloadTooLarge => "payload-too-large",
            ServiceError::TooManyRequests(_) => "too-many-requests",
            ServiceError::Unavailable(_) => "unavailable",
            ServiceError::Sqlx(e) if is_unavailable(e) => "unavailable",
            ServiceError::Sqlx(_) | ServiceError::Internal(_) => "internal",
        }
    }
}

/// Errors that mean "the database is not there right now" rather than "we have a bug".
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
    )
}

/// Turn unique violations into 409s with their field; everything else stays a database error.
pub fn map_sqlx(e: sqlx::Error) -> ServiceError {
    if let sqlx::Error::Database(db) = &e {
        if let Some(mapped) = db.constraint().and_then(ServiceError::from_constraint) {
            return mapped;
        }
    }
    ServiceError::Sqlx(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_map_to_their_fields() {
        assert!(matches!(
            ServiceError::from_constraint("account_email_key"),
            Some(ServiceError::Conflict(_))
        ));
        assert!(ServiceError::from_constraint("nope").is_none());
    }

    #[test]
    fn codes_are_stable_names() {
        assert_eq!(ServiceError::NotFound.code(), "not-found");
        assert_eq!(ServiceError::field("email", "x").code(), "validation");
        assert_eq!(
            ServiceError::Sqlx(sqlx::Error::PoolTimedOut).code(),
            "unavailable"
        );
        assert_eq!(
            ServiceError::Sqlx(sqlx::Error::RowNotFound).code(),
            "internal"
        );
        let refused = ServiceError::Rejected {
            code: "ds-mismatch",
            errors: vec![],
        };
        assert_eq!(refused.code(), "ds-mismatch");
    }
}
