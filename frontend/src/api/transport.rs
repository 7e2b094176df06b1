//! How one API request travels, depending on where the app runs.
//!
//! * In the browser (`hydrate`): a same-origin `fetch` with the session cookie. The browser adds
//!   the `Origin` header to state-changing requests, which the server checks against CSRF.
//! * On the server while rendering a page (`ssr`): no network at all. The server puts an
//!   [`SsrTransport`] into the leptos context of each page request; we hand it an
//!   `http::Request` carrying the visitor's `cookie` header and it runs the request through the
//!   same axum router that serves `/api/v1`. So server-rendered pages show real data, checked by
//!   exactly the same authorization code as any API client.
//! * With neither feature (plain `cargo check`), every call fails with a transport error.

use std::sync::Arc;

use futures::future::BoxFuture;
use http::Method;

use super::{ApiError, ApiResult};

/// The server's in-process entry to its own REST API, provided as leptos context during SSR.
///
/// The function gets a request whose URI is a path (`/api/v1/me`) and must answer it as the
/// router would (including the 401 of an anonymous visitor).
#[derive(Clone)]
#[allow(clippy::type_complexity)] // the shape is the contract with the server; a type alias would hide it
pub struct SsrTransport(
    pub  Arc<
        dyn Fn(http::Request<String>) -> BoxFuture<'static, http::Response<String>> + Send + Sync,
    >,
);

impl std::fmt::Debug for SsrTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsrTransport(..)")
    }
}

/// A request as the client builds it, before it knows how it will travel.
#[derive(Debug)]
// Without a transport feature nothing sends requests, so nothing reads them.
#[cfg_attr(not(any(feature = "ssr", feature = "hydrate")), allow(dead_code))]
pub(crate) struct ApiRequest {
    pub method: Method,
    /// Absolute path on this origin, e.g. `/api/v1/tokens/7`.
    pub path: String,
    /// The body, if any: JSON unless `content_type` says otherwise.
    pub body: Option<String>,
    /// The media type of `body` (`application/json`; `text/dns` for zone files).
    pub content_type: &'static str,
}

/// Whatever came back, before the client decides whether it is a success.
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub status: u16,
    pub body: String,
}

/// The transport chosen for one call, with everything taken from the context up front.
pub(crate) struct Transport {
    #[cfg(feature = "ssr")]
    ssr: Option<SsrTransport>,
    #[cfg(feature = "ssr")]
    cookie: Option<String>,
}

impl Transport {
    /// Captures the context now. Must be called synchronously inside the reactive owner
    /// (a component, a resource fetcher, an action): after an `.await` the context is gone.
    pub(crate) fn current() -> Self {
        #[cfg(feature = "ssr")]
        {
            use leptos::prelude::use_context;
            let cookie = use_context::<http::request::Parts>().and_then(|parts| {
                // HTTP/2 clients may split cookies over several headers (RFC 9113 §8.2.3);
                // the API behind us expects the one-header form.
                let values: Vec<&str> = parts
                    .headers
                    .get_all(http::header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join("; "))
            });
            Self {
                ssr: use_context::<SsrTransport>(),
                cookie,
            }
        }
        #[cfg(not(feature = "ssr"))]
        {
            Self {}
        }
    }

    #[cfg(feature = "ssr")]
    pub(crate) async fn send(self, req: ApiRequest) -> ApiResult<ApiResponse> {
        let Some(transport) = self.ssr else {
            return Err(ApiError::transport(
                "the server did not provide an SsrTransport for rendering",
            ));
        };
        let mut builder = http::Request::builder()
            .method(req.method)
            .uri(&req.path)
            .header(http::header::ACCEPT, "application/json");
        if let Some(cookie) = self.cookie {
            builder = builder.header(http::header::COOKIE, cookie);
        }
        if req.body.is_some() {
            builder = builder.header(http::header::CONTENT_TYPE, req.content_type);
        }
        let request = builder
            .body(req.body.unwrap_or_default())
            .map_err(|e| ApiError::transport(e.to_string()))?;
        let response = (transport.0)(request).await;
        Ok(ApiResponse {
            status: response.status().as_u16(),
            body: response.into_body(),
        })
    }

    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    pub(crate) fn send(
        self,
        req: ApiRequest,
    ) -> impl std::future::Future<Output = ApiResult<ApiResponse>> + Send + 'static {
        // gloo-net futures hold JS values and are not `Send`; the browser has one thread, so the
        // wrapper's "used on another thread" check can never fire there.
        send_wrapper::SendWrapper::new(browser_fetch(req))
    }

    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    pub(crate) fn send(
        self,
        req: ApiRequest,
    ) -> impl std::future::Future<Output = ApiResult<ApiResponse>> + Send + 'static {
        let _ = req;
        std::future::ready(Err(ApiError::transport(
            "built without the `ssr` or `hydrate` feature: no way to reach the API",
        )))
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
async fn browser_fetch(req: ApiRequest) -> ApiResult<ApiResponse> {
    use gloo_net::http::RequestBuilder;
    use web_sys::RequestCredentials;

    let builder = RequestBuilder::new(&req.path)
        .method(req.method)
        // Same-origin is the fetch default; said explicitly because the session cookie is the
        // whole authentication of the console.
        .credentials(RequestCredentials::SameOrigin)
        .header("accept", "application/json");
    let request = match req.body {
        Some(body) => builder.header("content-type", req.content_type).body(body),
        None => builder.build(),
    }
    .map_err(|e| ApiError::transport(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::transport(e.to_string()))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| ApiError::transport(e.to_string()))?;
    Ok(ApiResponse { status, body })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::sync::Mutex;

    use leptos::prelude::{provide_context, Owner};

    use super::*;
    use crate::api;

    /// A transport that records what it was asked and answers with a fixed user.
    fn recording_transport(seen: Arc<Mutex<Vec<http::Request<String>>>>) -> SsrTransport {
        SsrTransport(Arc::new(move |req| {
            seen.lock().unwrap().push(req);
            Box::pin(async {
                http::Response::builder()
                    .status(200)
                    .body(
                        r#"{"id":1,"email":"a@example.com","role":"admin","disabled":false,
                            "created_at":"2026-11-21T10:00:00Z"}"#
                            .to_string(),
                    )
                    .unwrap()
            })
        }))
    }

    #[test]
    fn ssr_calls_carry_the_visitors_cookies_to_the_in_process_api() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let owner = Owner::new();
        let call = owner.with(|| {
            let (parts, ()) = http::Request::builder()
                .uri("/tokens")
                .header(http::header::COOKIE, "id=abc")
                .header(http::header::COOKIE, "theme=dark")
                .body(())
                .unwrap()
                .into_parts();
            provide_context(parts);
            provide_context(recording_transport(seen.clone()));
            api::me()
        });
        // The context was captured when the call was made: polling happens outside the owner.
        let user = futures::executor::block_on(call).unwrap();
        assert_eq!(user.email, "a@example.com");

        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method(), Method::GET);
        assert_eq!(seen[0].uri(), "/api/v1/me");
        assert_eq!(
            seen[0].headers()[http::header::COOKIE],
            "id=abc; theme=dark"
        );
    }

    #[test]
    fn ssr_without_a_transport_fails_softly() {
        let owner = Owner::new();
        let call = owner.with(api::list_tokens);
        let err = futures::executor::block_on(call).unwrap_err();
        assert_eq!(err.status, 0);
    }
}
