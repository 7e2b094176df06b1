//! `/rdns`, `/ds`: sections whose API does not exist yet.
//!
//! They say so plainly instead of showing invented data: the console only ever shows what the
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
pub fn ReverseDnsPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Reverse DNS"
            summary="PTR records for your IP ranges, checked by forward-confirmed reverse DNS."
            plan="Reverse DNS is coming in a later release. Until then there is nothing to edit here."
        />
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
