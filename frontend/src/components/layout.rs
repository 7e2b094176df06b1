//! The frame around every page behind the login: header with navigation, the logged-in
//! user, logout, and the footer.
//!
//! The layout loads `GET /api/v1/me` once and shares it as [`Session`]; a 401 sends the visitor
//! to `/login` (a real 302 during SSR, because these routes render in `SsrMode::Async`; a
//! client-side navigation after hydration).

use leptos::either::EitherOf3;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::{self, ApiError, ApiResult, Role, User};
use crate::components::ui::Alert;

/// The logged-in user, loaded once by [`ConsoleLayout`] for all pages below it.
#[derive(Clone, Copy)]
pub struct Session(pub Resource<ApiResult<User>>);

/// The session of the current page. Every console page is routed below [`ConsoleLayout`],
/// which provides it.
pub fn use_session() -> Resource<ApiResult<User>> {
    expect_context::<Session>().0
}

/// The admin pages' gate: `view` of the logged-in admin, "Forbidden" for everyone else (the
/// API refuses them on its own; this only spares them a page of errors).
#[component]
pub fn AdminOnly<F, V>(view: F) -> impl IntoView
where
    F: Fn(User) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    use crate::components::ui::{ErrorPanel, Forbidden, Loading};
    let me = use_session();
    view! {
        <Suspense fallback=Loading>
            {move || {
                let view = view.clone();
                Suspend::new(async move {
                    match me.await {
                        Ok(user) if user.role == Role::Admin => view(user).into_any(),
                        Ok(_) => view! { <Forbidden/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let me = Resource::new(|| (), |_| api::me());
    provide_context(Session(me));

    // Only the header waits for the session; the page below renders its own data (and its
    // own loading states) at the same time instead of after it.
    view! {
        <div class="app">
            <Transition fallback=|| view! { <TopBar user=None/> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(user) => EitherOf3::A(view! { <TopBar user=Some(user)/> }),
                        Err(e) if e.is_unauthorized() => {
                            EitherOf3::B(view! { <Redirect path="/login"/> })
                        }
                        Err(e) => EitherOf3::C(view! { <SessionTrouble error=e/> }),
                    }
                })}
            </Transition>
            <main class="content" id="main">
                <Outlet/>
            </main>
            <SiteFooter/>
        </div>
    }
}

/// The header when the session could not be checked (server trouble, not a logout).
#[component]
fn SessionTrouble(error: ApiError) -> impl IntoView {
    view! {
        <TopBar user=None/>
        <div class="content">
            <Alert kind="error">
                <strong>"Could not check your session. "</strong>
                {error.message()}
            </Alert>
        </div>
    }
}

/// Product name, navigation and the session controls. `user` is `None` while loading.
#[component]
fn TopBar(user: Option<User>) -> impl IntoView {
    let is_admin = user.as_ref().is_some_and(|u| u.role == Role::Admin);
    let email = user.map(|u| u.email);
    view! {
        <header class="topbar">
            <div class="topbar-inner">
                <A href="/" exact=true attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Zonekeeper"
                </A>
                <nav class="mainnav" aria-label="Main">
                    <ul>
                        <li><A href="/zones">"Zones"</A></li>
                        <li><A href="/rdns">"Reverse DNS"</A></li>
                        <li><A href="/domains">"Domains"</A></li>
                        <li><A href="/tokens">"API tokens"</A></li>
                        {is_admin.then(|| view! {
                            <li><A href="/admin/users">"Admin"</A></li>
                            <li><A href="/admin/settings">"Settings"</A></li>
                            <li><A href="/admin/reverse-dns">"IP space"</A></li>
                            <li><A href="/admin/secondaries">"Secondaries"</A></li>
                        })}
                        <li><A href="/account">"Account"</A></li>
                    </ul>
                </nav>
                {email.map(|email| view! {
                    <div class="session">
                        <span class="session-email" title="Logged in as">{email}</span>
                        <LogoutButton/>
                    </div>
                })}
            </div>
        </header>
    }
}

/// A real form, so logout works before hydration (the server answers a form post with 303 to
/// `/login`); once hydrated, it calls the API and navigates without a page load.
#[component]
fn LogoutButton() -> impl IntoView {
    let navigate = use_navigate();
    let failed = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let call = api::logout();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match call.await {
                // 401: the session had already ended; the user is logged out either way.
                Err(e) if !e.is_unauthorized() => failed.set(Some(e.message())),
                _ => navigate(
                    "/login",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                ),
            }
        });
    };
    view! {
        <form class="logout" method="post" action="/api/v1/auth/logout" on:submit=on_submit>
            <button type="submit" class="btn btn-quiet">"Log out"</button>
            {move || failed.get().map(|msg| view! {
                <span class="field-error" role="alert">{format!("Logout failed: {msg}")}</span>
            })}
        </form>
    }
}

#[component]
fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="footer">
            <span>"Zonekeeper"</span>
            // rel=external: /api-docs is served by the server, not by this app's router.
            <a href="/api-docs" rel="external">"API docs"</a>
        </footer>
    }
}
