//! Removing the domain and its DS records.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::Page;
use crate::api::{self};
use crate::components::ui::{Alert, ConfirmButton, Submission};

#[component]
pub(super) fn DeleteDomainPanel(page: Page) -> impl IntoView {
    let navigate = use_navigate();
    let remove = Submission::<()>::new();
    let error = remove.general_error(&[]);
    let on_delete = move |_| {
        let call = api::delete_domain(&page.domain());
        let navigate = navigate.clone();
        remove.run(async move {
            let result = call.await;
            if result.is_ok() {
                navigate(
                    "/domains",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
            result
        });
    };
    view! {
        <section class="panel danger-zone">
            <h2>"Remove this domain"</h2>
            <p>"Removes the domain and all its DS records; those served in a parent zone here stop being served. "
               "Remove the DS records first if the domain's zone stops being signed."</p>
            {move || error.get().map(|msg| view! { <Alert kind="error">{format!("Could not remove the domain: {msg}")}</Alert> })}
            <ConfirmButton
                label="Remove domain…"
                question="Remove the domain and its DS records?"
                yes="Yes, remove"
                pending=remove.pending
                on_confirm=Callback::new(on_delete)
            />
        </section>
    }
}
