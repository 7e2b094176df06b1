//! `/ds`: a section whose API does not exist yet.
//!
//! It says so plainly instead of showing invented data: the console only ever shows what the
//! REST API can do.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ComingSoon(title: &'static str, summary: &'static str, plan: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="page-head">
            <h1>{title}</h1>
            <p class="muted">{summary}</p>
        </section>
        <section class="panel coming-soon">
            <h2>"Not available yet"</h2>
            <p>{plan}</p>
        </section>
    }
}

#[component]
pub fn DsRecordsPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="DS records"
            summary="Delegation signer records, checked against your zone's DNSKEY."
            plan="DS records are coming in a later release. Until then there is nothing to submit here."
        />
    }
}
