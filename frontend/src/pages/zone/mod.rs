//! `/zones/:name`: one zone — its serial, the records table with inline editing, adding an
//! RRset, and deleting the zone after typing its name.
//!
//! Every change is one API call on one RRset (`PUT`/`DELETE .../rrsets/{name}/{type}`); the
//! server validates it against the whole zone and answers with the new serial and the zone's
//! warnings, which are shown but never block a save. After each change the table reloads from
//! the server, so it always shows what is stored, in the server's canonical form.
//!
//! While people type, each RRset form checks its fields with the DNS engine's own rules (see
//! [`crate::validation`]) and shows the engine's messages next to the fields; a form with such
//! an error is not sent. The server still checks everything, the zone as a whole included.
//!
//! Record data is only ever put into text nodes: a TXT record holding markup shows as text.

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ApiResult, ImportResult, RrSetChangeResult, Zone, ZoneWarning};
use crate::components::ui::{format_time, Alert, ErrorPanel, Loading, NotFoundPanel};
use crate::pages::zone_import::ImportPanel;

mod add;
mod delete;
mod dnssec;
mod form;
mod table;

use add::AddRrSetForm;
use delete::DeleteZonePanel;
use dnssec::DnssecPanel;
use table::RrSetTable;

/// The types offered when adding an RRset: every type the model knows by name, in its order
/// (SOA is managed by the server). Other types are taken in the generic form (RFC 3597) by
/// the API and the zone-file import.
pub fn record_types() -> Vec<String> {
    dns_engine::model::SUPPORTED_TYPES
        .iter()
        .filter(|t| **t != hickory_proto::rr::RecordType::SOA)
        .map(|t| dns_engine::model::type_name(*t))
        .collect()
}

#[component]
pub fn ZonePage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.read().get("name").unwrap_or_default());
    let zone = Resource::new(move || name.get(), |zone| api::get_zone(&zone));
    view! {
        <Title text=move || name.get().trim_end_matches('.').to_owned()/>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match zone.await {
                    Ok(zone) => view! { <ZoneEditor zone/> }.into_any(),
                    // Someone else's zone is "not found" too: its existence is not our business.
                    Err(error) if error.status == 404 || error.is_forbidden() => {
                        view! { <NotFoundPanel kind="zone" name=name.get_untracked() list_href="/zones" crumb="All zones" back="Back to the zone list"/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What every part of the editor shares: which zone, and what happens after a change.
#[derive(Clone, Copy)]
struct Editor {
    /// The zone's name as the API knows it (A-label, trailing dot).
    zone: StoredValue<String>,
    serial: RwSignal<u32>,
    /// Bumped after every successful change: the table reloads.
    reload: RwSignal<u64>,
    /// The outcome of the last successful change, with the zone's warnings.
    last_change: RwSignal<Option<ChangeNotice>>,
}

#[derive(Clone, Debug, PartialEq)]
struct ChangeNotice {
    what: String,
    serial: u32,
    warnings: Vec<ZoneWarning>,
}

impl Editor {
    fn zone(self) -> String {
        self.zone.get_value()
    }

    /// Wraps one change call: on success the serial, the notice and the table follow it.
    async fn change(
        self,
        what: String,
        call: impl Future<Output = ApiResult<RrSetChangeResult>> + 'static,
    ) -> ApiResult<RrSetChangeResult> {
        let result = call.await;
        if let Ok(done) = &result {
            self.serial.set(done.serial);
            self.last_change.set(Some(ChangeNotice {
                what,
                serial: done.serial,
                warnings: done.warnings.clone(),
            }));
            self.reload.update(|v| *v += 1);
        }
        result
    }
}

#[component]
fn ZoneEditor(zone: Zone) -> impl IntoView {
    let editor = Editor {
        zone: StoredValue::new(zone.name.clone()),
        serial: RwSignal::new(zone.serial),
        reload: RwSignal::new(0),
        last_change: RwSignal::new(None),
    };
    let rrsets = Resource::new(
        move || editor.reload.get(),
        move |_| api::list_rrsets(&editor.zone()),
    );
    // The reverse DNS of the A/AAAA records in ranges hosted here, for the PTR badges.
    let reverse = Resource::new(
        move || editor.reload.get(),
        move |_| api::zone_reverse(&editor.zone()),
    );
    let filter = RwSignal::new(String::new());
    let a_label = (zone.display_name != zone.name).then(|| zone.name.clone());
    let on_imported = move |done: ImportResult| {
        let changed = done.changes.len();
        editor.serial.set(done.serial);
        editor.last_change.set(Some(ChangeNotice {
            what: format!(
                "Imported the zone file ({changed} record {}).",
                if changed == 1 {
                    "set changed"
                } else {
                    "sets changed"
                }
            ),
            serial: done.serial,
            warnings: done.warnings,
        }));
        editor.reload.update(|v| *v += 1);
    };

    view! {
        <section class="page-head zone-head">
            <p class="crumbs"><A href="/zones">"← All zones"</A></p>
            <h1 data-testid="zone-name">{zone.display_name.clone()}</h1>
            <p class="muted zone-meta">
                {a_label.map(|name| view! { <span class="mono">{name}</span> " · " })}
                "Serial " <span class="mono" data-testid="zone-serial">{move || editor.serial.get().to_string()}</span>
                " · Owner " {zone.owner.clone()}
                " · Created " {format_time(zone.created_at)}
            </p>
        </section>
        <ChangeNoticeBox editor/>
        <section class="panel">
            <h2>"Records"</h2>
            <AddRrSetForm editor rrsets/>
            <div class="table-tools">
                <label class="sr-only" for="record-filter">"Filter records"</label>
                <input id="record-filter" type="search" placeholder="Filter by name, type or data"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))/>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match rrsets.await {
                        Ok(list) => {
                            // Without it the table still shows, only without PTR badges.
                            let reverse = reverse.await.unwrap_or_default();
                            view! { <RrSetTable rrsets=list reverse filter editor/> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <DnssecPanel zone=zone.name.clone()/>
        <super::zone_sync::SyncPanel zone=zone.name.clone()/>
        <ImportPanel zone=zone.name.clone() on_applied=on_imported/>
        <DeleteZonePanel zone/>
    }
}

/// The outcome of the last save: the new serial, and the warnings of the zone as it stands.
#[component]
fn ChangeNoticeBox(editor: Editor) -> impl IntoView {
    move || {
        editor.last_change.get().map(|notice| {
            let dismiss = move |_| editor.last_change.set(None);
            let summary = format!("{} The zone's serial is now {}.", notice.what, notice.serial);
            if notice.warnings.is_empty() {
                view! {
                    <Alert kind="success">
                        {summary}
                        " "
                        <button type="button" class="btn-link" on:click=dismiss>"Dismiss"</button>
                    </Alert>
                }
                .into_any()
            } else {
                view! {
                    <div class="alert alert-warning" role="status" data-testid="zone-warnings">
                        <p><strong>{summary}</strong>" The zone has these warnings (they do not stop it from being served):"</p>
                        <ul>
                            {notice.warnings.into_iter().map(|w| view! {
                                <li>
                                    <span class="mono">{w.name}</span>
                                    {w.type_.map(|t| format!(" {t}"))}
                                    ": " {w.message}
                                </li>
                            }).collect_view()}
                        </ul>
                        <button type="button" class="btn btn-quiet" on:click=dismiss>"Dismiss"</button>
                    </div>
                }
                .into_any()
            }
        })
    }
}
