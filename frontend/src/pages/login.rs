//! `/login`: the one page reachable without a session.
//!
//! The form posts natively to `/api/v1/auth/login` so it works before (or without) the wasm;
//! the server then redirects to `/` or back here with `?error=1` (`?error=throttled` for too
//! many attempts). Once hydrated, the submit is handled here with a JSON call instead.
//! Whatever went wrong, the message stays generic: it must not tell which half was wrong.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::{self, LoginRequest};
use crate::components::ui::{input_value, Alert};

/// Why the last attempt failed, as far as the visitor may know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoginFailure {
    Invalid,
    Throttled,
    Unavailable,
}

impl LoginFailure {
    fn message(self) -> &'static str {
        match self {
            LoginFailure::Invalid => "Invalid email or password.",
            LoginFailure::Throttled => "Too many login attempts. Try again later.",
            LoginFailure::Unavailable => "The server could not be reached. Try again in a moment.",
        }
    }

    /// The failure named by the redirect after a native form post.
    fn from_query(value: &str) -> Self {
        match value {
            "throttled" => LoginFailure::Throttled,
            _ => LoginFailure::Invalid,
        }
    }

    fn from_status(status: u16) -> Self {
        match status {
            429 => LoginFailure::Throttled,
            0 | 500.. => LoginFailure::Unavailable,
            _ => LoginFailure::Invalid,
        }
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let from_redirect =
        query.with_untracked(|q| q.get("error").map(|v| LoginFailure::from_query(&v)));
    let failure = RwSignal::new(from_redirect);
    let pending = RwSignal::new(false);
    let email = NodeRef::<html::Input>::new();
    let password = NodeRef::<html::Input>::new();
    let navigate = use_navigate();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let req = LoginRequest {
            email: input_value(email).trim().to_owned(),
            password: input_value(password),
        };
        pending.set(true);
        let call = api::login(&req);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match call.await {
                Ok(()) => navigate(
                    "/",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
                Err(e) => {
                    failure.set(Some(LoginFailure::from_status(e.status)));
                    pending.set(false);
                }
            }
        });
    };

    view! {
        <Title text="Log in"/>
        <div class="login-page">
            <main class="login-card">
                <h1 class="login-brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Zonekeeper"
                </h1>
                <p class="muted">"Log in to manage your DNS zones."</p>
                {move || failure.get().map(|f| view! { <Alert kind="error">{f.message()}</Alert> })}
                <form method="post" action="/api/v1/auth/login" on:submit=on_submit class="stack">
                    <label class="field">
                        <span>"Email"</span>
                        <input
                            node_ref=email
                            type="email"
                            name="email"
                            autocomplete="username"
                            required
                            autofocus
                        />
                    </label>
                    <label class="field">
                        <span>"Password"</span>
                        <input
                            node_ref=password
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                        />
                    </label>
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Logging in…" } else { "Log in" }}
                    </button>
                </form>
            </main>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_never_say_which_credential_was_wrong() {
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(LoginFailure::from_status(status), LoginFailure::Invalid);
        }
        assert_eq!(LoginFailure::from_status(429), LoginFailure::Throttled);
        assert_eq!(LoginFailure::from_status(503), LoginFailure::Unavailable);
        assert_eq!(LoginFailure::from_query("1"), LoginFailure::Invalid);
        assert_eq!(
            LoginFailure::from_query("throttled"),
            LoginFailure::Throttled
        );
    }
}
