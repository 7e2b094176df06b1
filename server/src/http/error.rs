//! The one error type at the HTTP edge. Every failure of the API leaves as RFC 9457
//! `application/problem+json`; validation failures list each broken rule with its field.
//! Causes of 500s are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use frontend::api::types::{FieldError, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
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

impl ApiError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }

    /// Map a unique-constraint violation to the field it protects. Constraint names are the
    /// ones in `migrations/`.
    fn from_constraint(constraint: &str) -> Option<ApiError> {
        let (field, message) = match constraint {
            "account_email_key" => ("email", "an account with this email already exists"),
            "zone_name_key" => ("name", "this zone already exists"),
            "reverse_zone_network_excl" => ("network", "overlaps another reverse zone"),
            "ip_range_network_excl" => ("network", "overlaps a range that is already assigned"),
            "ptr_pkey" => ("ip", "this address already has a PTR"),
            "domain_name_key" => ("name", "this domain is already managed here"),
            "ds_record_key" => ("ds", "this DS record is already submitted for the domain"),
            _ => return None,
        };
        Some(ApiError::Conflict(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::InvalidLogin => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Sqlx(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Sqlx(_) | ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document sent to the client.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (title, detail, errors) = match self {
            ApiError::Unauthorized => (
                "Unauthorized",
                Some("log in, or send a valid API token as `Authorization: Bearer <token>`".into()),
                vec![],
            ),
            ApiError::InvalidLogin => (
                "Unauthorized",
                Some("invalid email or password".into()),
                vec![],
            ),
            ApiError::Forbidden(why) => ("Forbidden", Some(why.clone()), vec![]),
            ApiError::NotFound => ("Not Found", None, vec![]),
            ApiError::BadRequest(why) => ("Bad Request", Some(why.clone()), vec![]),
            ApiError::Validation(errors) => (
                "Validation failed",
                Some("the request breaks the rules listed in `errors`; nothing was changed".into()),
                errors.clone(),
            ),
            ApiError::Conflict(e) => (
                "Conflict",
                Some(format!("{}: {}", e.field, e.message)),
                vec![e.clone()],
            ),
            ApiError::UnsupportedMediaType(why) => {
                ("Unsupported Media Type", Some(why.clone()), vec![])
            }
            ApiError::PayloadTooLarge => (
                "Payload Too Large",
                Some(format!(
                    "request bodies are limited to {} bytes",
                    super::BODY_LIMIT
                )),
                vec![],
            ),
            ApiError::TooManyRequests(why) => ("Too Many Requests", Some(why.clone()), vec![]),
            ApiError::Unavailable(why) => ("Service Unavailable", Some(why.clone()), vec![]),
            ApiError::Sqlx(e) if is_unavailable(e) => (
                "Service Unavailable",
                Some("the database is unreachable; try again shortly".into()),
                vec![],
            ),
            ApiError::Sqlx(_) | ApiError::Internal(_) => (
                "Internal Server Error",
                Some("an unexpected error occurred; it has been logged".into()),
                vec![],
            ),
        };
        Problem {
            type_: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// Errors that mean "the database is not there right now" rather than "we have a bug".
fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed
    )
}

/// Turn unique violations into 409s with their field; everything else stays a database error.
pub fn map_sqlx(e: sqlx::Error) -> ApiError {
    if let sqlx::Error::Database(db) = &e {
        if let Some(mapped) = db.constraint().and_then(ApiError::from_constraint) {
            return mapped;
        }
    }
    ApiError::Sqlx(e)
}

/// Build a problem+json response.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Sqlx(e) => tracing::error!(error = %e, "database error"),
            ApiError::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
        problem_response(&self.problem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping() {
        assert_eq!(ApiError::Unauthorized.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            ApiError::field("email", "x").status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ApiError::PayloadTooLarge.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ApiError::Sqlx(sqlx::Error::PoolTimedOut).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ApiError::Sqlx(sqlx::Error::RowNotFound).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert!(matches!(
            ApiError::from_constraint("account_email_key"),
            Some(ApiError::Conflict(_))
        ));
        assert!(ApiError::from_constraint("nope").is_none());
    }

    #[test]
    fn internal_details_are_not_sent() {
        let p = ApiError::Internal("secret path /etc/shadow".into()).problem();
        assert_eq!(p.status, 500);
        assert!(!p.detail.unwrap_or_default().contains("shadow"));
    }

    #[test]
    fn validation_lists_fields() {
        let p = ApiError::field("email", "must contain @").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].field, "email");
    }
}
