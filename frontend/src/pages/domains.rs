//! `/domains`: the domains whose DS records the user submits, registrar-style — the list with
//! where each domain's DS records go and how many of them check out, and adding a domain.
//!
//! A domain whose parent zone is hosted here gets its valid DS records served at the
//! delegation; any other domain's DS records are recorded for the hand-off to its registrar.
//! The server decides which, from the zones it hosts; the console only shows its answer.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::ds::{CreateDomainRequest, Domain};
use crate::api::{self, encode_component, Role};
use crate::components::layout::use_session;
use crate::components::ui::{
    clear_input, field_error, format_time, input_value, invalid, use_hydrated, Alert, ErrorPanel,
    FieldMessage, Loading, Submission,
};

/// The console URL of one domain's page.
pub fn domain_href(name: &str) -> String {
    format!("/domains/{}", encode_component(name))
}

/// Where a domain's valid DS records go, in a few words for the table.
pub fn publication_summary(domain: &Domain) -> String {
    match (domain.publication.as_str(), &domain.parent_zone) {
        ("parent", Some(parent)) => format!(
            "parent zone {} ({})",
            parent.trim_end_matches('.'),
            if domain.delegated {
                "delegated"
            } else {
                "not delegated"
            }
        ),
        ("parent", None) => "parent zone".to_owned(),
        ("registrar", _) => "registrar".to_owned(),
        (other, _) => other.to_owned(),
    }
}

#[component]
pub fn DomainsPage() -> impl IntoView {
    let me = use_session();
    let create = Submission::<Domain>::new();
    let domains = Resource::new(move || create.version.get(), |_| api::list_domains());

    view! {
        <Title text="Domains"/>
        <section class="page-head">
            <h1>"Domains"</h1>
            <p class="muted">
                "Domains whose DS records you submit, as you would at a registrar. Each DS record is "
                "checked against the DNSKEY its domain's name servers publish. When the parent zone is "
                "hosted here, Zonekeeper serves the valid ones at the delegation; otherwise they are "
                "recorded for you to hand to your registrar."
            </p>
        </section>
        <AddDomainForm create/>
        <section class="panel">
            <h2>"Your domains"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    // The owner column is for admins, who see every account's domains.
                    let is_admin = matches!(me.await, Ok(ref user) if user.role == Role::Admin);
                    match domains.await {
                        Ok(list) => view! { <DomainTable domains=list is_admin/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AddDomainForm(create: Submission<Domain>) -> impl IntoView {
    let hydrated = use_hydrated();
    let session = use_session();
    let name = NodeRef::<html::Input>::new();
    let owner = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let domain = input_value(name).trim().to_owned();
        let owner_email = input_value(owner).trim().to_owned();
        if domain.is_empty() {
            create.reject(vec![field_error(
                "name",
                "Enter the domain name, e.g. shop.example.net.",
            )]);
            return;
        }
        create.run(api::create_domain(&CreateDomainRequest {
            name: domain,
            owner: (!owner_email.is_empty()).then_some(owner_email),
        }));
    };

    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(name);
            clear_input(owner);
        }
    });

    let general = create.general_error(&["name", "owner"]);
    let created = move || match create.result.get() {
        Some(Ok(domain)) => Some(domain),
        _ => None,
    };

    view! {
        <section class="panel">
            <h2>"Add a domain"</h2>
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            {move || created().map(|domain| view! {
                <Alert kind="success">
                    {format!(
                        "Domain {} added: its DS records go to the {}. ",
                        domain.name.trim_end_matches('.'),
                        publication_summary(&domain)
                    )}
                    <A href=domain_href(&domain.name)>"Submit its DS records"</A>
                </Alert>
            })}
            <form on:submit=on_submit class="form-row" novalidate>
                <div class="field grow">
                    <label for="domain-name">"Domain name"</label>
                    <input node_ref=name id="domain-name" name="name" type="text" autocomplete="off"
                        spellcheck="false" placeholder="shop.example.net" required
                        aria-invalid=invalid(create.field("name")) aria-describedby="domain-name-error"/>
                    <FieldMessage id="domain-name-error" error=create.field("name")/>
                </div>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let is_admin = matches!(session.await, Ok(ref user) if user.role == Role::Admin);
                        is_admin.then(|| view! {
                            <div class="field">
                                <label for="domain-owner">"Owner email (optional)"</label>
                                <input node_ref=owner id="domain-owner" name="owner" type="email"
                                    autocomplete="off" placeholder="yourself"
                                    aria-invalid=invalid(create.field("owner"))
                                    aria-describedby="domain-owner-error"/>
                                <FieldMessage id="domain-owner-error" error=create.field("owner")/>
                            </div>
                        })
                    })}
                </Transition>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || create.pending.get()>
                        {move || if create.pending.get() { "Adding…" } else { "Add domain" }}
                    </button>
                </div>
            </form>
            <p class="hint">
                "With or without the trailing dot. A subdomain of a zone hosted here (e.g. a delegated "
                "shop.example.net under example.net) gets its DS records served by Zonekeeper."
            </p>
        </section>
    }
}

#[component]
fn DomainTable(domains: Vec<Domain>, is_admin: bool) -> impl IntoView {
    if domains.is_empty() {
        return view! {
            <p class="muted empty">"You have no domains yet. Add one above to submit its DS records."</p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="domains-table">
                <thead>
                    <tr>
                        <th scope="col">"Domain"</th>
                        <th scope="col">"DS records go to"</th>
                        <th scope="col" class="num">"DS records"</th>
                        <th scope="col" class="num">"Valid"</th>
                        {is_admin.then(|| view! { <th scope="col">"Owner"</th> })}
                        <th scope="col">"Added"</th>
                    </tr>
                </thead>
                <tbody>
                    {domains
                        .into_iter()
                        .map(|domain| view! { <DomainRow domain is_admin/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DomainRow(domain: Domain, is_admin: bool) -> impl IntoView {
    let href = domain_href(&domain.name);
    let summary = publication_summary(&domain);
    // A parent zone that does not delegate the name serves none of its DS records.
    let undelegated = domain.publication == "parent" && !domain.delegated;
    let all_valid = domain.ds_count > 0 && domain.valid_count == domain.ds_count;
    view! {
        <tr>
            <td data-label="Domain">
                <A href=href attr:class="zone-link">{domain.name.trim_end_matches('.').to_owned()}</A>
            </td>
            <td data-label="DS records go to" class:text-warn=undelegated>{summary}</td>
            <td data-label="DS records" class="num">{domain.ds_count.to_string()}</td>
            <td data-label="Valid" class="num">
                <span class:ds-count-ok=all_valid>{domain.valid_count.to_string()}</span>
            </td>
            {is_admin.then(|| view! { <td data-label="Owner">{domain.owner.clone()}</td> })}
            <td data-label="Added">{format_time(domain.created_at)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn domain(publication: &str, parent: Option<&str>, delegated: bool) -> Domain {
        Domain {
            name: "shop.example.net.".into(),
            owner: "a@example.com".into(),
            publication: publication.into(),
            parent_zone: parent.map(Into::into),
            delegated,
            ds_count: 0,
            valid_count: 0,
            created_at: datetime!(2026-11-21 10:00 UTC),
        }
    }

    #[test]
    fn publication_is_said_in_words() {
        assert_eq!(
            publication_summary(&domain("parent", Some("example.net."), true)),
            "parent zone example.net (delegated)"
        );
        assert_eq!(
            publication_summary(&domain("parent", Some("example.net."), false)),
            "parent zone example.net (not delegated)"
        );
        assert_eq!(
            publication_summary(&domain("registrar", None, false)),
            "registrar"
        );
    }

    #[test]
    fn domain_links_are_encoded() {
        assert_eq!(
            domain_href("shop.example.net."),
            "/domains/shop.example.net."
        );
        assert_eq!(domain_href("<b>"), "/domains/%3Cb%3E");
    }
}
