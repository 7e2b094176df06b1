//! Removing the domain and its DS records.

use leptos::prelude::*;

use super::Page;
use crate::api;
use crate::components::ui::{use_replace_to, Alert, ConfirmButton, Submission};

#[component]
pub(super) fn DeleteDomainPanel(page: Page) -> impl IntoView {
    let leave = use_replace_to("/domains");
    let remove = Submission::<()>::new();
    let error = remove.general_error(&[]);
    let on_delete = move |_| {
        remove.run_then(api::delete_domain(&page.domain()), leave.clone());
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
