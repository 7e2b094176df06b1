//! The error at the HTTP edge: the services' [`ServiceError`], sent as RFC 9457
//! `application/problem+json` with a stable `code` member per kind of problem; validation
//! failures list each broken rule with its field. Causes of 500s are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use frontend::api::types::Problem;

use crate::error::is_unavailable;
use crate::error::ServiceError;

/// The HTTP view of a service error.
pub trait HttpProblem {
    fn status(&self) -> StatusCode;
    fn problem(&self) -> Problem;
}

impl HttpProblem for ServiceError {
    fn status(&self) -> StatusCode {
        match self {
            ServiceError::Unauthorized | ServiceError::InvalidLogin => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::NotFound => StatusCode::NOT_FOUND,
            ServiceError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServiceError::Validation(_) | ServiceError::Rejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ServiceError::Conflict(_) => StatusCode::CONFLICT,
            ServiceError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServiceError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Sqlx(e) if is_unavailable(e) => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Sqlx(_) | ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document sent to the client.
    fn problem(&self) -> Problem {
        let status = self.status();
        let (title, detail, errors) = match self {
            ServiceError::Unauthorized => (
                "Unauthorized",
                Some("log in, or send a valid API token as `Authorization: Bearer <token>`".into()),
                vec![],
            ),
            ServiceError::InvalidLogin => (
                "Unauthorized",
                Some("invalid email or password".into()),
                vec![],
            ),
            ServiceError::Forbidden(why) => ("Forbidden", Some(why.clone()), vec![]),
            ServiceError::NotFound => ("Not Found", None, vec![]),
            ServiceError::BadRequest(why) => ("Bad Request", Some(why.clone()), vec![]),
            ServiceError::Validation(errors) => (
                "Validation failed",
                Some("the request breaks the rules listed in `errors`; nothing was changed".into()),
                errors.clone(),
            ),
            ServiceError::Rejected { errors, .. } => (
                "Refused",
                Some("the request breaks the rules listed in `errors`; nothing was changed".into()),
                errors.clone(),
            ),
            ServiceError::Conflict(e) => (
                "Conflict",
                Some(format!("{}: {}", e.field, e.message)),
                vec![e.clone()],
            ),
            ServiceError::UnsupportedMediaType(why) => {
                ("Unsupported Media Type", Some(why.clone()), vec![])
            }
            ServiceError::PayloadTooLarge => (
                "Payload Too Large",
                Some(format!(
                    "request bodies are limited to {} bytes",
                    super::BODY_LIMIT
                )),
                vec![],
            ),
            ServiceError::TooManyRequests(why) => ("Too Many Requests", Some(why.clone()), vec![]),
            ServiceError::Unavailable(why) => ("Service Unavailable", Some(why.clone()), vec![]),
            ServiceError::Sqlx(e) if is_unavailable(e) => (
                "Service Unavailable",
                Some("the database is unreachable; try again shortly".into()),
                vec![],
            ),
            ServiceError::Sqlx(_) | ServiceError::Internal(_) => (
                "Internal Server Error",
                Some("an unexpected error occurred; it has been logged".into()),
                vec![],
            ),
        };
        Problem {
            type_: "about:blank".into(),
            code: self.code().into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
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

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        match &self {
            ServiceError::Sqlx(e) => tracing::error!(error = %e, "database error"),
            ServiceError::Internal(e) => tracing::error!(error = %e, "internal error"),
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
        assert_eq!(
            ServiceError::Unauthorized.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            ServiceError::field("email", "x").status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ServiceError::PayloadTooLarge.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            ServiceError::Sqlx(sqlx::Error::PoolTimedOut).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            ServiceError::Sqlx(sqlx::Error::RowNotFound).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn internal_details_are_not_sent() {
        let p = ServiceError::Internal("secret path /etc/shadow".into()).problem();
        assert_eq!(p.status, 500);
        assert_eq!(p.code, "internal");
        assert!(!p.detail.unwrap_or_default().contains("shadow"));
    }

    #[test]
    fn validation_lists_fields() {
        let p = ServiceError::field("email", "must contain @").problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "validation");
        assert_eq!(p.errors[0].field, "email");
    }
}
