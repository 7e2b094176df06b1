//! Cross-site request forgery defence for cookie sessions: a state-changing request (any
//! method but GET, HEAD, OPTIONS, TRACE) that carries a cookie must come from our own origin.
//! Browsers send `Origin` on such requests (`Referer` as a fallback for old ones); a request
//! with neither is refused. A state-changing request *without* a cookie that names an origin
//! must name ours too: that is a browser, and a cross-site form posting to the login would
//! otherwise log the victim into the attacker's account (login CSRF). Scripts that send no
//! `Origin` and no cookie are not affected. Requests authenticated by `Authorization: Bearer` are exempt:
//! browsers never attach that header by themselves, so it cannot be forged cross-site.
//! This is defence in depth on top of the SameSite=Strict session cookie.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ServiceError;
use crate::state::AppState;

pub async fn check_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let claims_origin =
        headers.contains_key(header::ORIGIN) || headers.contains_key(header::REFERER);
    let needs_check = !req.method().is_safe()
        && (headers.contains_key(header::COOKIE) || claims_origin)
        && !headers.contains_key(header::AUTHORIZATION);
    if needs_check && !same_origin(headers, state.web.origin.as_deref()) {
        return ServiceError::Forbidden(
            "cross-origin request refused: the Origin header must match this site".into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// Whether the request's `Origin` (or `Referer`) is the allowed origin: the configured public
/// origin, or else `http(s)://<Host>` of the request itself.
fn same_origin(headers: &HeaderMap, configured: Option<&str>) -> bool {
    let claimed = match headers.get(header::ORIGIN) {
        Some(o) => o.to_str().ok().map(|s| s.to_ascii_lowercase()),
        None => headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .map(|r| origin_of(r).to_ascii_lowercase()),
    };
    let Some(claimed) = claimed else {
        return false;
    };
    match configured {
        Some(origin) => claimed == origin,
        None => {
            let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
                return false;
            };
            let host = host.to_ascii_lowercase();
            claimed == format!("http://{host}") || claimed == format!("https://{host}")
        }
    }
}

/// `scheme://authority` of a URL.
fn origin_of(url: &str) -> &str {
    match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => &url[..i + 3 + j],
            None => url,
        },
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&h, None));
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://evil.example"),
        ]);
        assert!(!same_origin(&h, None));
        let h = headers(&[(header::HOST, "127.0.0.1:8080")]);
        assert!(!same_origin(&h, None), "no Origin and no Referer");
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::REFERER, "http://127.0.0.1:8080/login?x=1"),
        ]);
        assert!(same_origin(&h, None));
        let h = headers(&[(header::ORIGIN, "https://dns.example.net")]);
        assert!(same_origin(&h, Some("https://dns.example.net")));
        assert!(!same_origin(&h, Some("https://other.example.net")));
        let h = headers(&[(header::HOST, "a.example"), (header::ORIGIN, "null")]);
        assert!(!same_origin(&h, None));
    }
}
