//! `/`: the landing page after login — who you are, and the way into each section.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{Role, User};
use crate::components::layout::use_session;
use crate::components::ui::{ErrorPanel, Loading};

#[component]
pub fn DashboardPage() -> impl IntoView {
    let me = use_session();
    view! {
        <Title text="Dashboard"/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(user) => view! { <Dashboard user/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Dashboard(user: User) -> impl IntoView {
    let is_admin = user.role == Role::Admin;
    let role = if is_admin {
        "administrator"
    } else {
        "customer"
    };
    view! {
        <section class="page-head">
            <h1>"Welcome, " <span class="user-email">{user.email}</span></h1>
            <p class="muted">"You are signed in as " <span class="badge">{role}</span> "."</p>
        </section>
        <div class="cards">
            <Card href="/zones" title="Zones" text="Forward DNS zones and their records."/>
            <Card href="/rdns" title="Reverse DNS" text="PTR records for the IP ranges you own."/>
            <Card href="/domains" title="Domains" text="DS records for DNSSEC, checked against the live DNSKEY."/>
            <Card href="/tokens" title="API tokens" text="Tokens for scripts and tools using the REST API."/>
            {is_admin.then(|| view! {
                <Card href="/admin/users" title="Users" text="Create accounts, change roles, disable access."/>
            })}
            <Card href="/account" title="Account" text="Change your password."/>
        </div>
    }
}

#[component]
fn Card(href: &'static str, title: &'static str, text: &'static str) -> impl IntoView {
    view! {
        <A href=href attr:class="card">
            <h2>{title}</h2>
            <p>{text}</p>
        </A>
    }
}
