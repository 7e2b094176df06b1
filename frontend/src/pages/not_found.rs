//! What any unknown path shows, with a real 404 status when rendered on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <div class="login-page">
            <main class="login-card">
                <h1>"Page not found"</h1>
                <p class="muted">"There is no page at this address."</p>
                <p><A href="/">"Go to the dashboard"</A></p>
            </main>
        </div>
    }
}
