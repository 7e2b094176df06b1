//! Server-rendered pages with hostile input in their paths and query strings: nothing from the
//! URL reaches the HTML unescaped (the page titles held route parameters verbatim once).

use reqwest::StatusCode;

use crate::harness::TestApp;

/// Markup that would run if written into the page as it is.
const HOSTILE: &str =
    "</title><script>alert(document.domain)</script><img src=x onerror=alert(1)>\"'";

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn hostile_route_parameters_are_escaped_on_every_page() {
    let app = TestApp::start().await;
    let mut admin = app.admin().await;
    let hostile = encode(HOSTILE);
    let paths = [
        format!("/zones/{hostile}"),
        format!("/zones/{hostile}.example"),
        format!("/domains/{hostile}"),
        format!("/rdns?range={hostile}"),
        format!("/zones?q={hostile}"),
        format!("/domains?name={hostile}"),
        format!("/tokens?{hostile}={hostile}"),
        format!("/account?x={hostile}"),
        format!("/admin/users?x={hostile}"),
        format!("/admin/settings?x={hostile}"),
        format!("/admin/reverse-dns?network={hostile}"),
        format!("/{hostile}"),
        format!("/login?next={hostile}"),
    ];
    for path in &paths {
        let reply = admin.get(path).await;
        assert!(
            reply.status.is_success() || reply.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            reply.status
        );
        for raw in ["<script>alert", "<img src=x"] {
            assert!(
                !reply.body.contains(raw),
                "{path}: the page holds {raw:?} unescaped:\n{}",
                &reply.body[..reply.body.len().min(3000)]
            );
        }
    }
    // The escaped title is still a title people can read.
    let page = admin.get(&format!("/zones/{hostile}")).await.body;
    assert!(
        page.contains("&lt;/title&gt;&lt;script&gt;"),
        "{}",
        &page[..page.len().min(2000)]
    );
    app.stop().await;
}
