//! The DNSSEC panel: signing the zone or stopping it, with the key and the DS lines for
//! the parent once it is signed.

use leptos::prelude::*;
use leptos_router::components::A;

use super::form::general_message;
use crate::api::ds::{SetZoneDnssecRequest, ZoneDnssec};
use crate::api::{self};
use crate::components::copy::CopyButton;
use crate::components::ui::{Alert, ConfirmPanel, ErrorPanel, Loading, Submission};
use crate::pages::domain::{algorithm_label, digest_label, ds_line_digest_type};

/// Whether the zone is signed; signing it, and stopping. A signed zone shows its key and the
/// DS records its parent needs (RFC 4035 §5: without a DS at the parent, validators treat the
/// zone as unsigned; with a DS but no signatures, as bogus).
#[component]
pub(super) fn DnssecPanel(zone: String) -> impl IntoView {
    let zone = StoredValue::new(zone);
    let change = Submission::<ZoneDnssec>::new();
    let confirming = RwSignal::new(false);
    let state = Resource::new(
        move || change.version.get(),
        move |_| api::zone_dnssec(&zone.get_value()),
    );
    let error = move || change.result.with(|r| general_message(r, &["signed"]));
    let set_signed = move |signed: bool| {
        let call = api::set_zone_dnssec(&zone.get_value(), &SetZoneDnssecRequest { signed });
        change.run(async move {
            let result = call.await;
            if result.is_ok() {
                confirming.set(false);
            }
            result
        });
    };
    let shown_zone = zone.get_value().trim_end_matches('.').to_owned();
    let shown_zone = StoredValue::new(shown_zone);

    view! {
        <section class="panel dnssec-panel" data-testid="dnssec-panel">
            <div class="panel-head">
                <h2>"DNSSEC"</h2>
                <A href="/domains">"Submit DS for a delegated subdomain"</A>
            </div>
            {move || error().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(dnssec) if dnssec.signed => view! {
                            <SignedZone dnssec/>
                            <ConfirmPanel label="Stop signing" class="btn-danger-quiet" kind="warning"
                                title=format!("Stop signing {}?", shown_zone.get_value())
                                yes="Yes, stop signing" yes_pending="Stopping…"
                                pending=change.pending open=confirming
                                on_confirm=Callback::new(move |()| set_signed(false))>
                                "First remove the zone's DS record at the parent (your registrar, or the "
                                "Domains page when the parent zone is hosted here) and wait for its TTL. "
                                "While a DS is published and the zone is unsigned, validating resolvers "
                                "treat the zone as bogus: it stops resolving for their users."
                            </ConfirmPanel>
                        }
                        .into_any(),
                        Ok(_) => view! {
                            <p>"This zone is not signed. Signing adds DNSSEC signatures to every answer, so "
                               "validating resolvers can tell its real answers from forged ones."</p>
                            <ConfirmPanel label="Sign this zone" class="btn-primary" kind="info"
                                title=format!("Sign {}?", shown_zone.get_value())
                                yes="Yes, sign the zone" yes_pending="Signing…"
                                pending=change.pending open=confirming
                                on_confirm=Callback::new(move |()| set_signed(true))>
                                "Zonekeeper creates a key for the zone and signs it. The zone is only "
                                "validated once its parent publishes the DS record shown here afterwards."
                            </ConfirmPanel>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The key of a signed zone and the DS records for its parent, each ready to copy.
#[component]
pub(super) fn SignedZone(dnssec: ZoneDnssec) -> impl IntoView {
    let algorithm = dnssec.algorithm.map(algorithm_label).unwrap_or_default();
    let key_tag = dnssec.key_tag.map(|t| t.to_string()).unwrap_or_default();
    view! {
        <p>
            <span class="badge ds-state ds-valid">"signed"</span>
            " Algorithm " <span data-testid="dnssec-algorithm">{algorithm}</span>
            " · Key tag " <span class="mono" data-testid="dnssec-key-tag">{key_tag}</span>
        </p>
        {dnssec.signing_error.map(|why| view! {
            <p class="field-error" role="alert" data-testid="dnssec-signing-error">
                "The latest version of this zone could not be signed, so the name servers keep \
                 serving the last signed version: " {why}
            </p>
        })}
        {dnssec.dnskey.map(|dnskey| view! {
            <h3 class="dnssec-label">"DNSKEY"</h3>
            <div class="copy-row">
                <pre class="copyable" data-testid="dnssec-dnskey">{dnskey.clone()}</pre>
                <CopyButton text=dnskey/>
            </div>
        })}
        <h3 class="dnssec-label">"DS records for the parent zone"</h3>
        {dnssec.ds.into_iter().map(|line| {
            let kind = ds_line_digest_type(&line);
            let label = kind.map(digest_label).unwrap_or_default();
            view! {
                <div class="copy-row">
                    <span class="muted copy-label">{label}</span>
                    <pre class="copyable" data-testid="dnssec-ds"
                        data-digest-type=kind.map(|k| k.to_string())>{line.clone()}</pre>
                    <CopyButton text=line/>
                </div>
            }
        }).collect_view()}
        <p class="hint">"Hand one of them (SHA-256 is the usual choice) to the operator of the parent "
            "zone — your registrar — or submit it on the Domains page when the parent zone is hosted here."</p>
    }
}
