//! `/domains/:name`: one domain's DS records — where they go (served at the delegation in a
//! hosted parent zone, or recorded for the registrar), the table with each record's check
//! state, re-checking, deleting, and adding a DS record in one of three forms.
//!
//! A DS record (RFC 4034 §5) names the key the child zone signs with: key tag, algorithm,
//! digest type and the digest of the DNSKEY. People get it in different shapes — four values
//! from a registrar's form, a DS line from `dnssec-dsfromkey`, or only the DNSKEY — so the
//! form takes all three and the server turns each into the same record. Every form can be
//! checked first (`dry_run`): the server computes the record and checks it against the
//! DNSKEY the child's name servers publish, and stores nothing.
//!
//! A DS whose key the child does not publish (yet) is refused, unless the user confirms that
//! it is a pre-publication of a key rollover (RFC 6781 §4.1.2): then it is stored as
//! `pending` and re-checked until its key appears.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use dns_engine::model::ds;

use crate::api::ds::{Domain, DsList};
use crate::api::{self};
use crate::components::ui::{use_hydrated, Alert, ErrorPanel, Loading, NotFoundPanel, Submission};

mod add;
mod records;
mod remove;

use add::AddDsPanel;
use records::DsSection;
use remove::DeleteDomainPanel;

// ---------------------------------------------------------------------------------------------
// Names of the numbers (IANA "DNS Security Algorithm Numbers", "DS RR Type Digest Algorithms")

/// The DNSSEC algorithms a DS may name. 8 and 10 (RSA) still work but are no longer
/// recommended for new keys (RFC 8624 §3.1); the server adds its warning.
pub const ALGORITHMS: &[(u8, &str)] = &[
    (13, "ECDSAP256SHA256"),
    (14, "ECDSAP384SHA384"),
    (15, "ED25519"),
    (16, "ED448"),
    (8, "RSASHA256"),
    (10, "RSASHA512"),
];

/// The DS digest types: SHA-256 is what everyone should use; SHA-1 is accepted with a
/// warning (RFC 8624 §3.3: MUST NOT be used to create new DS records).
pub const DIGEST_TYPES: &[(u8, &str)] = &[(2, "SHA-256"), (4, "SHA-384"), (1, "SHA-1")];

/// `13 ECDSAP256SHA256`; an unknown number stays a number.
pub fn algorithm_label(number: u8) -> String {
    match ds::algorithm_name(number) {
        Some(name) => format!("{number} {name}"),
        None => number.to_string(),
    }
}

/// `2 SHA-256`; an unknown number stays a number.
pub fn digest_label(number: u8) -> String {
    match ds::digest_name(number) {
        Some(name) => format!("{number} {name}"),
        None => number.to_string(),
    }
}

/// The digest of a table cell: long digests show their ends, the full value is the tooltip.
pub(super) fn short_digest(digest: &str) -> String {
    let chars: Vec<char> = digest.chars().collect();
    if chars.len() <= 20 {
        return digest.to_owned();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 8..].iter().collect();
    format!("{head}…{tail}")
}

/// The digest type of a DS line (`name TTL IN DS tag alg TYPE digest`), for labelling it.
pub fn ds_line_digest_type(line: &str) -> Option<u8> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let at = fields.iter().position(|f| f.eq_ignore_ascii_case("DS"))?;
    fields.get(at + 3)?.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// The page

#[component]
pub fn DomainPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let initial = Resource::new(move || name.get(), |domain| api::list_ds(&domain));
    view! {
        <Title text=move || format!("DS records of {}", name.get().trim_end_matches('.'))/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match initial.await {
                    Ok(list) => view! { <DomainView list/> }.into_any(),
                    // Someone else's domain is "not found" too.
                    Err(error) if error.status == 404 || error.is_forbidden() => {
                        view! { <NotFoundPanel kind="domain" name=name.get_untracked() list_href="/domains" crumb="All domains" back="Add it on the domain list"/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What the parts of the page share: the domain (as the API names it) and the table's
/// reloading.
#[derive(Clone, Copy)]
pub(super) struct Page {
    pub(super) domain: StoredValue<String>,
    /// Bumped to reload the DS list.
    pub(super) reload: RwSignal<u64>,
    /// A list the server already sent (the first load, a re-check), for the reload it is
    /// keyed with, so that showing it costs no second request.
    pub(super) fresh: StoredValue<Option<(u64, DsList)>>,
}

impl Page {
    pub(super) fn domain(self) -> String {
        self.domain.get_value()
    }

    /// Loads the list again from the server.
    pub(super) fn refresh(self) {
        self.reload.update(|n| *n += 1);
    }

    /// Shows a list the server just sent.
    pub(super) fn show(self, list: DsList) {
        let next = self.reload.get_untracked() + 1;
        self.fresh.set_value(Some((next, list)));
        self.reload.set(next);
    }
}

#[component]
fn DomainView(list: DsList) -> impl IntoView {
    let page = Page {
        domain: StoredValue::new(list.domain.name.clone()),
        reload: RwSignal::new(0),
        fresh: StoredValue::new(Some((0, list.clone()))),
    };
    let ds = Resource::new(
        move || page.reload.get(),
        move |n| {
            let mut cached = None;
            page.fresh.update_value(|fresh| {
                if fresh.as_ref().is_some_and(|(key, _)| *key == n) {
                    cached = fresh.take().map(|(_, list)| list);
                }
            });
            let call = api::list_ds(&page.domain());
            async move {
                match cached {
                    Some(list) => Ok(list),
                    None => call.await,
                }
            }
        },
    );
    let hydrated = use_hydrated();
    let recheck = Submission::<DsList>::new();
    let on_recheck = move |_| {
        let call = api::check_ds(&page.domain());
        recheck.run(async move {
            let result = call.await;
            if let Ok(list) = &result {
                page.show(list.clone());
            }
            result
        });
    };
    let recheck_error = recheck.general_error(&[]);
    let shown_name = list.domain.name.trim_end_matches('.').to_owned();

    view! {
        <section class="page-head zone-head">
            <p class="crumbs"><A href="/domains">"← All domains"</A></p>
            <h1 data-testid="domain-name">{shown_name}</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    ds.await.ok().map(|list| view! { <Publication domain=list.domain/> })
                })}
            </Transition>
        </section>
        <section class="panel">
            <div class="panel-head">
                <h2>"DS records"</h2>
                <button type="button" class="btn btn-quiet"
                    disabled=move || !hydrated.get() || recheck.pending.get()
                    on:click=on_recheck>
                    {move || if recheck.pending.get() { "Checking…" } else { "Re-check now" }}
                </button>
            </div>
            {move || recheck_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not re-check: {msg}")}</Alert>
            })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match ds.await {
                        Ok(list) => view! { <DsSection list page/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <AddDsPanel page/>
        <DeleteDomainPanel page/>
    }
}

/// Where the domain's valid DS records go, and whether they are served now.
#[component]
fn Publication(domain: Domain) -> impl IntoView {
    let name = domain.name.trim_end_matches('.').to_owned();
    let owner = format!("Owner {}", domain.owner);
    match (domain.publication.as_str(), domain.parent_zone.clone()) {
        ("parent", Some(parent)) if domain.delegated => view! {
            <p class="muted" data-testid="domain-publication">
                "Valid DS records are served by Zonekeeper in zone "
                <span class="mono">{parent}</span>
                " at the delegation. · " {owner}
            </p>
        }
        .into_any(),
        ("parent", parent) => {
            let parent = parent.unwrap_or_default();
            view! {
                <div class="alert alert-warning" role="status" data-testid="domain-publication">
                    <p>
                        "DS records of this domain belong in zone "
                        <span class="mono">{parent.clone()}</span>
                        ", which Zonekeeper serves — but that zone does not delegate "
                        <span class="mono">{name.clone()}</span>
                        " yet. DS records are not served until the parent zone has NS records for "
                        <span class="mono">{name}</span> "."
                    </p>
                    <p class="muted">{owner}</p>
                </div>
            }
            .into_any()
        }
        _ => view! {
            <p class="muted" data-testid="domain-publication">
                "The parent zone is not hosted here: DS records are recorded for the hand-off to "
                "your registrar. Use Export to copy them. · " {owner}
            </p>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_their_names() {
        assert_eq!(algorithm_label(13), "13 ECDSAP256SHA256");
        assert_eq!(algorithm_label(8), "8 RSASHA256");
        assert_eq!(algorithm_label(99), "99");
        assert_eq!(digest_label(2), "2 SHA-256");
        assert_eq!(digest_label(4), "4 SHA-384");
        assert_eq!(digest_label(1), "1 SHA-1");
    }

    #[test]
    fn long_digests_are_shortened() {
        assert_eq!(short_digest("ABCD"), "ABCD");
        let digest = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
        assert_eq!(short_digest(digest), "01234567…89ABCDEF");
    }

    #[test]
    fn digest_type_of_a_ds_line() {
        assert_eq!(
            ds_line_digest_type("kid.example. 3600 IN DS 12345 13 2 ABCD"),
            Some(2)
        );
        assert_eq!(ds_line_digest_type("kid.example. ds 1 13 4 AB"), Some(4));
        assert_eq!(ds_line_digest_type("nonsense"), None);
    }
}
