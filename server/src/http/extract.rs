//! Request-body extractors that answer every bad body with problem+json: a wrong
//! Content-Type (415), an oversized body (413), malformed JSON (400), and well-formed JSON
//! that breaks the schema — unknown or missing fields, wrong types (422, naming the field).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;

use crate::error::ServiceError;

/// A JSON body, strictly parsed.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ServiceError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if media_type(req.headers()) != Some("application/json") {
            return Err(ServiceError::UnsupportedMediaType(
                "send the body as `Content-Type: application/json`".into(),
            ));
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A body that is JSON or an HTML form (`application/x-www-form-urlencoded`): the login and
/// logout endpoints take both, so that the console's forms work before (or without) wasm.
pub enum JsonOrForm<T> {
    Json(T),
    Form(T),
}

impl<S, T> FromRequest<S> for JsonOrForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ServiceError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match media_type(req.headers()) {
            Some("application/json") => {
                let bytes = read_body(req, state).await?;
                parse_json(&bytes).map(JsonOrForm::Json)
            }
            Some("application/x-www-form-urlencoded") => {
                let bytes = read_body(req, state).await?;
                serde_urlencoded_from(&bytes).map(JsonOrForm::Form)
            }
            _ => Err(ServiceError::UnsupportedMediaType(
                "send the body as application/json or application/x-www-form-urlencoded".into(),
            )),
        }
    }
}

/// Whether the client asked for an HTML form flow (303 redirects) rather than JSON.
pub fn is_form<T>(body: &JsonOrForm<T>) -> bool {
    matches!(body, JsonOrForm::Form(_))
}

impl<T> JsonOrForm<T> {
    pub fn into_inner(self) -> T {
        match self {
            JsonOrForm::Json(t) | JsonOrForm::Form(t) => t,
        }
    }
}

fn media_type(headers: &axum::http::HeaderMap) -> Option<&str> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(ct.split(';').next().unwrap_or("").trim())
        .filter(|m| !m.is_empty())
        .map(|m| {
            // Media types are case-insensitive; the two we accept are ASCII lower-case.
            if m.eq_ignore_ascii_case("application/json") {
                "application/json"
            } else if m.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                "application/x-www-form-urlencoded"
            } else {
                m
            }
        })
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ServiceError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ServiceError::PayloadTooLarge
        } else {
            ServiceError::BadRequest("the request body could not be read".into())
        }
    })
}

/// Parse JSON, telling syntax errors (400) from schema errors (422 with the field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => {
                let msg = e.to_string();
                ServiceError::field(&field_of(&msg), strip_position(&msg))
            }
            Category::Syntax | Category::Eof | Category::Io => {
                ServiceError::BadRequest(format!("malformed JSON: {e}"))
            }
        }
    })
}

fn serde_urlencoded_from<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    // Forms carry flat string fields; go through a JSON object so the same strict
    // deserializer (unknown fields refused) applies.
    let mut map = serde_json::Map::new();
    for (k, v) in form_urlencoded_pairs(bytes) {
        map.insert(k, serde_json::Value::String(v));
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
        let msg = e.to_string();
        ServiceError::field(&field_of(&msg), strip_position(&msg))
    })
}

/// Decode `application/x-www-form-urlencoded` (the WHATWG algorithm: `+` is a space,
/// percent-escapes are bytes, the result is UTF-8 with replacement).
fn form_urlencoded_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = std::str::from_utf8(&s[i + 1..i + 3]).ok();
                    match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    bytes
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let mut it = pair.splitn(2, |&b| b == b'=');
            let k = decode(it.next().unwrap_or_default());
            let v = decode(it.next().unwrap_or_default());
            (k, v)
        })
        .collect()
}

/// serde_json names the offending field in backquotes: "unknown field `x`, expected ...",
/// "missing field `x`". Other data errors (wrong type) carry no name: report the body.
fn field_of(msg: &str) -> String {
    msg.split('`').nth(1).unwrap_or("body").to_owned()
}

fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// The client's address as the connection saw it (absent for in-process requests).
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// A path parameter; a malformed one is a 400 problem naming the parameter.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| {
                ServiceError::BadRequest(format!("invalid path parameter: {}", e.body_text()))
            })
    }
}

/// Query-string parameters; unknown or malformed ones are a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ServiceError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| {
                ServiceError::BadRequest(format!("invalid query string: {}", e.body_text()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        #[allow(dead_code)]
        email: String,
    }

    #[test]
    fn json_errors_are_classified() {
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(ServiceError::BadRequest(_))
        ));
        match parse_json::<Body>(br#"{"email":"a","admin":true}"#) {
            Err(ServiceError::Validation(v)) => assert_eq!(v[0].field, "admin"),
            other => panic!("{other:?}"),
        }
        match parse_json::<Body>(br#"{}"#) {
            Err(ServiceError::Validation(v)) => assert_eq!(v[0].field, "email"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn form_decoding() {
        let pairs = form_urlencoded_pairs(b"email=a%40b.c&password=x+y%2Bz&bad=%zz%4");
        assert_eq!(pairs[0], ("email".into(), "a@b.c".into()));
        assert_eq!(pairs[1], ("password".into(), "x y+z".into()));
        assert_eq!(pairs[2], ("bad".into(), "%zz%4".into()));
    }
}
