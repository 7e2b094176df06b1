//! The application root: the HTML document the server renders ([`shell`]), the router with
//! every page of the console ([`App`]), and the hydration signal browser tests wait for.

use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::ConsoleLayout;
use crate::components::ui::Hydrated;
use crate::pages::account::AccountPage;
use crate::pages::admin_rdns::AdminReverseDnsPage;
use crate::pages::admin_secondaries::AdminSecondariesPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::domain::DomainPage;
use crate::pages::domains::DomainsPage;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::rdns::ReverseDnsPage;
use crate::pages::settings::SettingsPage;
use crate::pages::tokens::TokensPage;
use crate::pages::users::UsersPage;
use crate::pages::zone::ZonePage;
use crate::pages::zones::ZonesPage;

/// The whole HTML document. The server renders this for every page route; the browser then
/// hydrates only `<body>` (see `hydrate` in `lib.rs`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico" sizes="16x16"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "ssr")]
    content_security_policy();

    let (hydrated, set_hydrated) = signal(false);
    provide_context(Hydrated(hydrated));
    // Effects never run during SSR, so this marks the moment the browser took over: the app's
    // JS-only buttons enable themselves, and browser tests wait for `body[data-hydrated]`.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        set_hydrated.set(true);
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/zonekeeper.css"/>
        <Title formatter=|page: String| page_title(&page)/>
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/login") view=LoginPage/>
                // Async: the server waits for the session check before sending anything, so
                // an anonymous visitor gets a real 302 to /login and a logged-in one gets a
                // page that already holds its data.
                <ParentRoute path=path!("") view=ConsoleLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage/>
                    <Route path=path!("zones") view=ZonesPage/>
                    <Route path=path!("zones/:name") view=ZonePage/>
                    <Route path=path!("rdns") view=ReverseDnsPage/>
                    <Route path=path!("domains") view=DomainsPage/>
                    <Route path=path!("domains/:name") view=DomainPage/>
                    // The section's first address: old bookmarks and links land on its list.
                    <Route path=path!("ds") view=|| view! { <Redirect path="/domains"/> }/>
                    <Route path=path!("tokens") view=TokensPage/>
                    <Route path=path!("account") view=AccountPage/>
                    <Route path=path!("admin/users") view=UsersPage/>
                    <Route path=path!("admin/settings") view=SettingsPage/>
                    <Route path=path!("admin/reverse-dns") view=AdminReverseDnsPage/>
                    <Route path=path!("admin/secondaries") view=AdminSecondariesPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Sends the Content-Security-Policy of a console page: scripts only from this origin or with
/// this response's nonce (leptos puts it on the hydration script), WebAssembly allowed to
/// compile (`'wasm-unsafe-eval'`, which hydration needs), no plugins, no framing, forms and
/// requests only to this origin. Inline `style` attributes stay allowed; inline scripts do not.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The document title of a page. Page titles hold names from the URL (`/zones/<name>`), and
/// leptos_meta writes the title into the server-rendered `<title>` without escaping it, so
/// on the server it is escaped here; in the browser it is set as text (`document.title`),
/// where escaping would show the entities.
pub fn page_title(page: &str) -> String {
    let text = format!("{page} · Zonekeeper");
    if cfg!(feature = "ssr") {
        escape_html(&text)
    } else {
        text
    }
}

/// `text` with the characters that are markup in HTML escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_on_the_server() {
        let title = page_title("</title><script>alert(1)</script>");
        if cfg!(feature = "ssr") {
            assert_eq!(
                title,
                "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Zonekeeper"
            );
        }
        assert_eq!(escape_html("a&b\"'"), "a&amp;b&quot;&#39;");
    }
}
