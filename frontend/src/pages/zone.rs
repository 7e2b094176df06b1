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

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use crate::api::ds::{SetZoneDnssecRequest, ZoneDnssec};
use crate::api::rdns::ReverseStatus;
use crate::api::{
    self, ApiError, ApiResult, FieldError, ImportResult, PutRrSet, RrSet, RrSetChangeResult, Zone,
    ZoneWarning,
};
use crate::components::ui::{
    field_error, format_time, use_hydrated, Alert, ErrorPanel, Loading, NotFoundPanel, Submission,
};
use crate::pages::domain::{algorithm_label, digest_label, ds_line_digest_type, CopyButton};
use crate::pages::zone_import::ImportPanel;
use crate::validation::check_rrset;

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

// ---------------------------------------------------------------------------------------------
// Form helpers shared by the add form and the inline editor

/// The records of a textarea, one per non-empty line, with the (1-based) line each came from,
/// so that the server's `records[i]` errors can point at the line the user sees.
fn parse_records(text: &str) -> (Vec<String>, Vec<usize>) {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty()).then(|| (line.to_owned(), i + 1))
        })
        .unzip()
}

/// `records[3]` (or `records/3`) → 3.
fn record_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("records")?;
    let index = rest
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .or_else(|| rest.strip_prefix('/'))?;
    index.parse().ok()
}

/// Empty means "the default TTL". Only the number is read here: its range is the engine's
/// rule, checked with the rest of the RRset.
fn parse_ttl(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        field_error(
            "ttl",
            "Enter a number of seconds, or leave it empty for the default.",
        )
    })
}

/// What an RRset form holds, as typed: owner, type, TTL and the records textarea.
#[derive(Clone, Debug, Default, PartialEq)]
struct Draft {
    name: String,
    type_: String,
    ttl: String,
    records: String,
}

/// The problems of a draft by the engine's rules, and the textarea line of each record (so
/// that `records[i]` can point at the line the user sees).
///
/// While typing (`complete` false) a form that has no records yet is not an error: nobody has
/// got that far. On submit (`complete` true) it is.
fn check_draft(zone: &str, draft: &Draft, complete: bool) -> (Vec<FieldError>, Vec<usize>) {
    let (records, lines) = parse_records(&draft.records);
    let (ttl, ttl_error) = match parse_ttl(&draft.ttl) {
        Ok(ttl) => (ttl, None),
        Err(e) => (None, Some(e)),
    };
    let owner = relative_name(&draft.name, zone);
    let mut errors = check_rrset(zone, &owner, &draft.type_, ttl, &records);
    if !complete && records.is_empty() {
        errors.retain(|e| e.field != "records");
    }
    errors.extend(ttl_error);
    (errors, lines)
}

fn api_error<T>(result: &Option<ApiResult<T>>) -> Option<&ApiError> {
    result.as_ref()?.as_ref().err()
}

/// The field errors of a failed submission (none if it succeeded or has not run).
fn errors_of<T>(result: &Option<ApiResult<T>>) -> &[FieldError] {
    api_error(result).map_or(&[], |e| e.problem.errors.as_slice())
}

/// The messages for one field, joined; `None` if the field is fine.
fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    let messages: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect();
    (!messages.is_empty()).then(|| messages.join(" "))
}

/// Once the user changes a field, the server's verdict on the old values is stale: the form
/// goes back to showing what the engine's rules say about the new ones.
fn forget_error<T: Send + Sync + 'static>(submission: Submission<T>) {
    if submission
        .result
        .with_untracked(|r| matches!(r, Some(Err(_))))
    {
        submission.result.set(None);
    }
}

/// The messages about the records field: `records` itself and each `records[i]`, the latter
/// as "line N: message" with N the line of the textarea the record came from.
fn record_messages(errors: &[FieldError], lines: &[usize]) -> Vec<String> {
    errors
        .iter()
        .filter_map(|e| {
            if e.field == "records" {
                Some(e.message.clone())
            } else {
                let i = record_index(&e.field)?;
                let line = lines.get(i).copied().unwrap_or(i + 1);
                Some(format!("line {line}: {}", e.message))
            }
        })
        .collect()
}

/// The message for the top of a form: zone-level rules (field `zone`) and anything not shown
/// next to one of `placed` or the records.
fn general_message<T>(result: &Option<ApiResult<T>>, placed: &[&str]) -> Option<String> {
    let err = api_error(result)?;
    let unplaced: Vec<&FieldError> = err
        .problem
        .errors
        .iter()
        .filter(|e| {
            !placed.contains(&e.field.as_str())
                && e.field != "records"
                && record_index(&e.field).is_none()
        })
        .collect();
    if !err.problem.errors.is_empty() && unplaced.is_empty() {
        return None;
    }
    let mut msg = err.message();
    for e in unplaced {
        if e.field == "zone" {
            msg.push_str(&format!(" {}", e.message));
        } else {
            msg.push_str(&format!(" {}: {}", e.field, e.message));
        }
    }
    Some(msg)
}

/// The owner name relative to the zone (`@` for the apex), from what the user typed: empty,
/// `@`, a relative name, or an absolute one inside the zone.
fn relative_name(typed: &str, zone: &str) -> String {
    let typed = typed.trim();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    if typed.is_empty() || typed == "@" {
        return "@".into();
    }
    if let Some(absolute) = typed.strip_suffix('.') {
        let lower = absolute.to_ascii_lowercase();
        if lower == zone {
            return "@".into();
        }
        if let Some(prefix) = lower.strip_suffix(&format!(".{zone}")) {
            return prefix.to_owned();
        }
    }
    typed.to_owned()
}

/// Everything the filter box can match in one RRset, lower-cased.
fn haystack(rrset: &RrSet) -> String {
    let mut text = format!(
        "{} {} {} {}",
        rrset.name, rrset.fqdn, rrset.type_, rrset.comment
    );
    for record in &rrset.records {
        text.push(' ');
        text.push_str(record);
    }
    text.to_lowercase()
}

fn matches_filter(haystack: &str, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty() || haystack.contains(&filter)
}

/// Field errors under an input; `None` shows nothing.
fn error_line(message: Option<String>) -> impl IntoView {
    message.map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

fn error_lines(messages: Vec<String>) -> impl IntoView {
    (!messages.is_empty()).then(|| {
        view! {
            <ul class="field-error record-errors" role="alert">
                {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Adding an RRset

#[component]
fn AddRrSetForm(editor: Editor, rrsets: Resource<ApiResult<Vec<RrSet>>>) -> impl IntoView {
    let hydrated = use_hydrated();
    let add = Submission::<RrSetChangeResult>::new();
    let draft = RwSignal::new(Draft {
        type_: "A".to_owned(),
        ..Draft::default()
    });
    let comment = RwSignal::new(String::new());
    // The textarea lines of the records last sent, for the server's `records[i]` errors.
    let sent_lines = RwSignal::new(Vec::<usize>::new());
    let live = Memo::new(move |_| draft.with(|d| check_draft(&editor.zone(), d, false)));
    // The server's errors for what was sent, until a field changes; the engine's rules on
    // what is typed otherwise.
    let shown = Memo::new(move |_| {
        add.result.with(|r| match errors_of(r) {
            [] => live.get(),
            errors => (errors.to_vec(), sent_lines.get()),
        })
    });
    let edit = move |change: fn(&mut Draft, String), value: String| {
        draft.update(|d| change(d, value));
        forget_error(add);
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let zone = editor.zone();
        let typed = draft.get_untracked();
        let (mut errors, lines) = check_draft(&zone, &typed, true);
        let owner = relative_name(&typed.name, &zone);
        let type_ = typed.type_.clone();
        // A PUT replaces the whole RRset: adding to an existing one would silently drop its
        // records, so that is done by editing it instead.
        let exists = rrsets.get_untracked().is_some_and(|list| {
            list.is_ok_and(|list| {
                list.iter().any(|r| {
                    r.type_.eq_ignore_ascii_case(&type_) && r.name.eq_ignore_ascii_case(&owner)
                })
            })
        });
        if exists {
            errors.push(field_error(
                "name",
                &format!("{owner} already has a {type_} record set; edit it in the table below."),
            ));
        }
        sent_lines.set(lines);
        if !errors.is_empty() {
            add.reject(errors);
            return;
        }
        let (records, _) = parse_records(&typed.records);
        let comment_text = comment.get_untracked().trim().to_owned();
        let req = PutRrSet {
            ttl: parse_ttl(&typed.ttl).ok().flatten(),
            records,
            comment: (!comment_text.is_empty()).then_some(comment_text),
        };
        let what = format!("Added {owner} {type_}.");
        add.run(editor.change(what, api::put_rrset(&zone, &owner, &type_, &req)));
    };

    // After a successful add the form starts over (keeping the type: the next RRset is often
    // of the same kind).
    Effect::new(move |_| {
        if matches!(add.result.get(), Some(Ok(_))) {
            draft.update(|d| {
                *d = Draft {
                    type_: std::mem::take(&mut d.type_),
                    ..Draft::default()
                }
            });
            comment.set(String::new());
        }
    });

    let placed = ["name", "type", "ttl", "comment"];
    let general = move || add.result.with(|r| general_message(r, &placed));
    let field = move |f: &'static str| move || shown.with(|(errors, _)| field_message(errors, f));
    let record_errors = move || shown.with(|(errors, lines)| record_messages(errors, lines));
    let invalid_if = |has: bool| has.then_some("true");

    view! {
        <form class="add-rrset" aria-label="Add record set" on:submit=on_submit novalidate>
            <h3>"Add record set"</h3>
            {move || general().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <div class="add-grid">
                <div class="field">
                    <label for="rr-name">"Name"</label>
                    <input id="rr-name" name="name" type="text" autocomplete="off"
                        spellcheck="false" placeholder="@ or www"
                        prop:value=move || draft.with(|d| d.name.clone())
                        on:input=move |ev| edit(|d, v| d.name = v, event_target_value(&ev))
                        aria-invalid=move || invalid_if(field("name")().is_some())/>
                    {move || error_line(field("name")())}
                </div>
                <div class="field">
                    <label for="rr-type">"Type"</label>
                    <select id="rr-type" name="type"
                        prop:value=move || draft.with(|d| d.type_.clone())
                        on:change=move |ev| edit(|d, v| d.type_ = v, event_target_value(&ev))
                        aria-invalid=move || invalid_if(field("type")().is_some())>
                        {record_types().into_iter().map(|t| { let label = t.clone(); view! { <option value=t>{label}</option> } }).collect_view()}
                    </select>
                    {move || error_line(field("type")())}
                </div>
                <div class="field">
                    <label for="rr-ttl">"TTL"</label>
                    <input id="rr-ttl" name="ttl" type="text" inputmode="numeric"
                        placeholder="default" autocomplete="off"
                        prop:value=move || draft.with(|d| d.ttl.clone())
                        on:input=move |ev| edit(|d, v| d.ttl = v, event_target_value(&ev))
                        aria-invalid=move || invalid_if(field("ttl")().is_some())/>
                    {move || error_line(field("ttl")())}
                </div>
                <div class="field records-field">
                    <label for="rr-records">"Records (one per line)"</label>
                    <textarea id="rr-records" name="records" rows="2"
                        spellcheck="false" placeholder="192.0.2.10"
                        prop:value=move || draft.with(|d| d.records.clone())
                        on:input=move |ev| edit(|d, v| d.records = v, event_target_value(&ev))
                        aria-invalid=move || invalid_if(!record_errors().is_empty())></textarea>
                    {move || error_lines(record_errors())}
                </div>
                <div class="field">
                    <label for="rr-comment">"Comment"</label>
                    <input id="rr-comment" name="comment" type="text" autocomplete="off"
                        prop:value=move || comment.get()
                        on:input=move |ev| { comment.set(event_target_value(&ev)); forget_error(add); }
                        aria-invalid=move || invalid_if(field("comment")().is_some())/>
                    {move || error_line(field("comment")())}
                </div>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || add.pending.get()>
                        {move || if add.pending.get() { "Adding…" } else { "Add" }}
                    </button>
                </div>
            </div>
            <p class="hint">"Names are relative to the zone (@ is the zone itself). Data in zone-file format, e.g. "
                <code>"10 mail.example.com."</code>" for MX or "<code>"\"v=spf1 -all\""</code>" for TXT."</p>
        </form>
    }
}

// ---------------------------------------------------------------------------------------------
// The records table

#[component]
fn RrSetTable(
    rrsets: Vec<RrSet>,
    reverse: Vec<ReverseStatus>,
    filter: RwSignal<String>,
    editor: Editor,
) -> impl IntoView {
    if rrsets.is_empty() {
        return view! { <p class="muted empty">"This zone has no records yet."</p> }.into_any();
    }
    let haystacks: Vec<String> = rrsets.iter().map(haystack).collect();
    let nothing_matches = move || filter.with(|f| !haystacks.iter().any(|h| matches_filter(h, f)));
    view! {
        <div class="table-wrap">
            <table class="data rrsets" data-testid="rrsets-table">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col" class="num">"TTL"</th>
                        <th scope="col">"Records"</th>
                        <th scope="col">"Comment"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rrsets
                        .into_iter()
                        .map(|rrset| {
                            let reverse = reverse_of(&rrset, &reverse);
                            view! { <RrSetRow rrset reverse filter editor/> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {move || nothing_matches().then(|| view! {
            <p class="muted empty">"No record set matches the filter."</p>
        })}
    }
    .into_any()
}

#[component]
fn RrSetRow(
    rrset: RrSet,
    reverse: Vec<ReverseStatus>,
    filter: RwSignal<String>,
    editor: Editor,
) -> impl IntoView {
    let text = haystack(&rrset);
    let hidden = move || filter.with(|f| !matches_filter(&text, f));
    let editing = RwSignal::new(false);
    let editable = rrset.editable;
    let rrset = StoredValue::new(rrset);
    let reverse = StoredValue::new(reverse);
    view! {
        <tr hidden=hidden class:editing=move || editing.get() class:readonly=!editable>
            {move || {
                if editing.get() {
                    view! { <EditCells rrset=rrset.get_value() editing editor/> }.into_any()
                } else {
                    view! { <ShowCells rrset=rrset.get_value() reverse=reverse.get_value() editing editor/> }.into_any()
                }
            }}
        </tr>
    }
}

/// One RRset as text, with Edit and Delete (after a confirmation) unless it is read-only.
#[component]
fn ShowCells(
    rrset: RrSet,
    reverse: Vec<ReverseStatus>,
    editing: RwSignal<bool>,
    editor: Editor,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let confirming = RwSignal::new(false);
    let remove = Submission::<RrSetChangeResult>::new();
    let remove_error = move || remove.result.with(|r| general_message(r, &[]));
    let owner = rrset.name.clone();
    let type_ = rrset.type_.clone();
    let label = format!("{} {}", rrset.name, rrset.type_);
    let on_delete = move |_| {
        let what = format!("Deleted {owner} {type_}.");
        remove.run(editor.change(what, api::delete_rrset(&editor.zone(), &owner, &type_)));
    };
    view! {
        <td data-label="Name" class="mono rr-name" title=rrset.fqdn.clone()>{rrset.name.clone()}</td>
        <td data-label="Type"><span class="badge">{rrset.type_.clone()}</span></td>
        <td data-label="TTL" class="num mono">{rrset.ttl.to_string()}</td>
        <td data-label="Records" class="records">
            {rrset.records.into_iter().map(|r| {
                let status = reverse.iter().find(|s| same_address(&s.address, &r)).cloned();
                view! { <div class="rdata mono">{r}{status.map(|status| view! { <PtrBadge status/> })}</div> }
            }).collect_view()}
        </td>
        <td data-label="Comment" class="comment">{rrset.comment.clone()}</td>
        <td class="row-actions">
            {if rrset.editable {
                view! {
                    <Show
                        when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="btn btn-quiet"
                                disabled=move || !hydrated.get()
                                on:click=move |_| editing.set(true)>
                                "Edit"
                            </button>
                            <button type="button" class="btn btn-danger-quiet"
                                disabled=move || !hydrated.get()
                                on:click=move |_| confirming.set(true)>
                                "Delete"
                            </button>
                        }
                    >
                        <span class="confirm">
                            {format!("Delete {label}?")}
                            <button type="button" class="btn btn-danger"
                                disabled=move || remove.pending.get()
                                on:click=on_delete.clone()>
                                "Yes, delete"
                            </button>
                            <button type="button" class="btn btn-quiet"
                                on:click=move |_| { confirming.set(false); remove.result.set(None); }>
                                "Cancel"
                            </button>
                        </span>
                    </Show>
                    {move || error_line(remove_error())}
                }
                .into_any()
            } else {
                view! { <span class="muted" title="Managed by the server">"read-only"</span> }.into_any()
            }}
        </td>
    }
}

/// The reverse-DNS status of an A/AAAA RRset's addresses, from the zone's list.
fn reverse_of(rrset: &RrSet, all: &[ReverseStatus]) -> Vec<ReverseStatus> {
    if rrset.type_ != "A" && rrset.type_ != "AAAA" {
        return Vec::new();
    }
    let owner = rrset.fqdn.trim_end_matches('.');
    all.iter()
        .filter(|s| s.name.trim_end_matches('.').eq_ignore_ascii_case(owner))
        .cloned()
        .collect()
}

/// Two spellings of one address (`2001:db8::1` and `2001:DB8:0::1`) are the same.
fn same_address(a: &str, b: &str) -> bool {
    match (
        a.parse::<std::net::IpAddr>(),
        b.trim().parse::<std::net::IpAddr>(),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Whether an address's PTR points back at the record: "PTR ✓", or where it points instead.
#[component]
fn PtrBadge(status: ReverseStatus) -> impl IntoView {
    if status.matches {
        let title = format!(
            "The PTR of {} is {}: forward and reverse DNS agree (FCrDNS).",
            status.address, status.ptr
        );
        view! { <span class="badge fcrdns-pass zone-ptr" title=title>"PTR ✓"</span> }.into_any()
    } else {
        let kind = if status.is_default {
            "default name"
        } else {
            "PTR"
        };
        let title = format!(
            "The {kind} of {} is {}, not {}: forward-confirmed reverse DNS (FCrDNS) fails for \
             this name. Set the PTR on the Reverse DNS page.",
            status.address, status.ptr, status.name
        );
        view! {
            <span class="badge badge-warn zone-ptr" title=title>{format!("PTR → {}", status.ptr)}</span>
        }
        .into_any()
    }
}

/// The inline editor of one RRset: TTL, records (one per line), comment. Cancel throws the
/// inputs away; the row shows the stored RRset again.
#[component]
fn EditCells(rrset: RrSet, editing: RwSignal<bool>, editor: Editor) -> impl IntoView {
    let save = Submission::<RrSetChangeResult>::new();
    let draft = RwSignal::new(Draft {
        name: rrset.name.clone(),
        type_: rrset.type_.clone(),
        ttl: rrset.ttl.to_string(),
        records: rrset.records.join("\n"),
    });
    let comment = RwSignal::new(rrset.comment.clone());
    let sent_lines = RwSignal::new(Vec::<usize>::new());
    let live = Memo::new(move |_| draft.with(|d| check_draft(&editor.zone(), d, false)));
    let shown = Memo::new(move |_| {
        save.result.with(|r| match errors_of(r) {
            [] => live.get(),
            errors => (errors.to_vec(), sent_lines.get()),
        })
    });
    let edit = move |change: fn(&mut Draft, String), value: String| {
        draft.update(|d| change(d, value));
        forget_error(save);
    };
    let owner = rrset.name.clone();
    let type_ = rrset.type_.clone();
    let label = format!("{} {}", rrset.name, rrset.type_);
    let rows = rrset.records.len().clamp(2, 12).to_string();

    let on_save = move |_| {
        let typed = draft.get_untracked();
        let (errors, lines) = check_draft(&editor.zone(), &typed, true);
        sent_lines.set(lines);
        if !errors.is_empty() {
            save.reject(errors);
            return;
        }
        let (records, _) = parse_records(&typed.records);
        let req = PutRrSet {
            ttl: parse_ttl(&typed.ttl).ok().flatten(),
            records,
            comment: Some(comment.get_untracked().trim().to_owned()),
        };
        let what = format!("Saved {owner} {type_}.");
        let call = api::put_rrset(&editor.zone(), &owner, &type_, &req);
        save.run(async move {
            let result = editor.change(what, call).await;
            if result.is_ok() {
                editing.set(false);
            }
            result
        });
    };

    let general = move || {
        save.result
            .with(|r| general_message(r, &["ttl", "comment"]))
    };
    let field = move |f: &'static str| move || shown.with(|(errors, _)| field_message(errors, f));
    let record_errors = move || shown.with(|(errors, lines)| record_messages(errors, lines));
    let invalid_if = |has: bool| has.then_some("true");

    view! {
        <td data-label="Name" class="mono rr-name" title=rrset.fqdn.clone()>{rrset.name.clone()}</td>
        <td data-label="Type"><span class="badge">{rrset.type_.clone()}</span></td>
        <td data-label="TTL" class="num">
            <input type="text" inputmode="numeric" class="ttl-input"
                aria-label=format!("TTL of {label}")
                prop:value=move || draft.with(|d| d.ttl.clone())
                on:input=move |ev| edit(|d, v| d.ttl = v, event_target_value(&ev))
                aria-invalid=move || invalid_if(field("ttl")().is_some())/>
            {move || error_line(field("ttl")())}
        </td>
        <td data-label="Records" class="records">
            <textarea rows=rows spellcheck="false"
                aria-label=format!("Records of {label}, one per line")
                prop:value=move || draft.with(|d| d.records.clone())
                on:input=move |ev| edit(|d, v| d.records = v, event_target_value(&ev))
                aria-invalid=move || invalid_if(!record_errors().is_empty())></textarea>
            {move || error_lines(record_errors())}
            {move || general().map(|msg| view! { <p class="field-error" role="alert">{msg}</p> })}
        </td>
        <td data-label="Comment" class="comment">
            <input type="text" aria-label=format!("Comment of {label}")
                prop:value=move || comment.get()
                on:input=move |ev| { comment.set(event_target_value(&ev)); forget_error(save); }
                aria-invalid=move || invalid_if(field("comment")().is_some())/>
            {move || error_line(field("comment")())}
        </td>
        <td class="row-actions">
            <button type="button" class="btn btn-primary"
                disabled=move || save.pending.get() on:click=on_save>
                {move || if save.pending.get() { "Saving…" } else { "Save" }}
            </button>
            <button type="button" class="btn btn-quiet" on:click=move |_| editing.set(false)>
                "Cancel"
            </button>
        </td>
    }
}

// ---------------------------------------------------------------------------------------------
// DNSSEC

/// Whether the zone is signed; signing it, and stopping. A signed zone shows its key and the
/// DS records its parent needs (RFC 4035 §5: without a DS at the parent, validators treat the
/// zone as unsigned; with a DS but no signatures, as bogus).
#[component]
fn DnssecPanel(zone: String) -> impl IntoView {
    let hydrated = use_hydrated();
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
                            <Show
                                when=move || confirming.get()
                                fallback=move || view! {
                                    <button type="button" class="btn btn-danger-quiet"
                                        disabled=move || !hydrated.get()
                                        on:click=move |_| confirming.set(true)>
                                        "Stop signing"
                                    </button>
                                }
                            >
                                <div class="alert alert-warning" role="alert">
                                    <p><strong>{format!("Stop signing {}?", shown_zone.get_value())}</strong></p>
                                    <p>"First remove the zone's DS record at the parent (your registrar, or the "
                                       "Domains page when the parent zone is hosted here) and wait for its TTL. "
                                       "While a DS is published and the zone is unsigned, validating resolvers "
                                       "treat the zone as bogus: it stops resolving for their users."</p>
                                    <div class="form-actions">
                                        <button type="button" class="btn btn-danger"
                                            disabled=move || change.pending.get()
                                            on:click=move |_| set_signed(false)>
                                            {move || if change.pending.get() { "Stopping…" } else { "Yes, stop signing" }}
                                        </button>
                                        <button type="button" class="btn btn-quiet"
                                            on:click=move |_| confirming.set(false)>
                                            "Cancel"
                                        </button>
                                    </div>
                                </div>
                            </Show>
                        }
                        .into_any(),
                        Ok(_) => view! {
                            <p>"This zone is not signed. Signing adds DNSSEC signatures to every answer, so "
                               "validating resolvers can tell its real answers from forged ones."</p>
                            <Show
                                when=move || confirming.get()
                                fallback=move || view! {
                                    <button type="button" class="btn btn-primary"
                                        disabled=move || !hydrated.get()
                                        on:click=move |_| confirming.set(true)>
                                        "Sign this zone"
                                    </button>
                                }
                            >
                                <div class="alert alert-info" role="status">
                                    <p><strong>{format!("Sign {}?", shown_zone.get_value())}</strong></p>
                                    <p>"Zonekeeper creates a key for the zone and signs it. The zone is only "
                                       "validated once its parent publishes the DS record shown here afterwards."</p>
                                    <div class="form-actions">
                                        <button type="button" class="btn btn-primary"
                                            disabled=move || change.pending.get()
                                            on:click=move |_| set_signed(true)>
                                            {move || if change.pending.get() { "Signing…" } else { "Yes, sign the zone" }}
                                        </button>
                                        <button type="button" class="btn btn-quiet"
                                            on:click=move |_| confirming.set(false)>
                                            "Cancel"
                                        </button>
                                    </div>
                                </div>
                            </Show>
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
fn SignedZone(dnssec: ZoneDnssec) -> impl IntoView {
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

// ---------------------------------------------------------------------------------------------
// Deleting the zone

/// Whether what the user typed names this zone (case and the trailing dot do not matter; the
/// Unicode and the A-label form both count).
fn confirms_zone(typed: &str, zone: &Zone) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('.').to_lowercase();
    let typed = norm(typed);
    !typed.is_empty() && (typed == norm(&zone.name) || typed == norm(&zone.display_name))
}

#[component]
fn DeleteZonePanel(zone: Zone) -> impl IntoView {
    let hydrated = use_hydrated();
    let navigate = use_navigate();
    let open = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let remove = Submission::<()>::new();
    let shown_name = zone.display_name.trim_end_matches('.').to_owned();
    let api_name = zone.name.clone();
    let zone = StoredValue::new(zone);
    let confirmed = move || typed.with(|t| zone.with_value(|z| confirms_zone(t, z)));
    let error = move || remove.result.with(|r| general_message(r, &[]));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !confirmed() {
            return;
        }
        let call = api::delete_zone(&api_name);
        let navigate = navigate.clone();
        remove.run(async move {
            let result = call.await;
            if result.is_ok() {
                navigate(
                    "/zones",
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
            <h2>"Delete this zone"</h2>
            <p>"Deleting removes the zone and all its records; it is no longer served. This cannot be undone."</p>
            {move || error().map(|msg| view! { <Alert kind="error">{format!("Could not delete the zone: {msg}")}</Alert> })}
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button type="button" class="btn btn-danger-quiet"
                        disabled=move || !hydrated.get()
                        on:click=move |_| open.set(true)>
                        "Delete zone…"
                    </button>
                }
            >
                <form class="form-row" on:submit=on_submit.clone() novalidate>
                    <div class="field grow">
                        <label for="confirm-zone">
                            "Type " <strong class="mono">{shown_name.clone()}</strong> " to confirm"
                        </label>
                        <input id="confirm-zone" type="text" autocomplete="off" spellcheck="false"
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))/>
                    </div>
                    <div class="field actions">
                        <button type="submit" class="btn btn-danger"
                            disabled=move || !confirmed() || remove.pending.get()>
                            {move || if remove.pending.get() { "Deleting…" } else { "Delete zone" }}
                        </button>
                    </div>
                    <div class="field actions">
                        <button type="button" class="btn btn-quiet"
                            on:click=move |_| { open.set(false); typed.set(String::new()); }>
                            "Cancel"
                        </button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_by_value() {
        assert!(same_address("2001:db8::1", "2001:DB8:0::1"));
        assert!(same_address("203.0.113.5", " 203.0.113.5"));
        assert!(!same_address("203.0.113.5", "203.0.113.50"));
    }

    #[test]
    fn records_keep_their_line_numbers() {
        let (records, lines) = parse_records("192.0.2.1\n\n  192.0.2.2  \n");
        assert_eq!(records, vec!["192.0.2.1", "192.0.2.2"]);
        assert_eq!(lines, vec![1, 3]);
    }

    #[test]
    fn record_fields_are_recognised() {
        assert_eq!(record_index("records[2]"), Some(2));
        assert_eq!(record_index("records/0"), Some(0));
        assert_eq!(record_index("records"), None);
        assert_eq!(record_index("ttl"), None);
    }

    #[test]
    fn names_become_relative() {
        assert_eq!(relative_name("", "example.com."), "@");
        assert_eq!(relative_name("@", "example.com."), "@");
        assert_eq!(relative_name("www", "example.com."), "www");
        assert_eq!(relative_name("WWW.Example.com.", "example.com."), "www");
        assert_eq!(relative_name("example.com.", "example.com."), "@");
        assert_eq!(relative_name("other.org.", "example.com."), "other.org.");
    }

    #[test]
    fn ttl_is_optional_but_numeric() {
        assert_eq!(parse_ttl(" ").unwrap(), None);
        assert_eq!(parse_ttl("3600").unwrap(), Some(3600));
        assert!(parse_ttl("1h").is_err());
    }

    fn draft(name: &str, type_: &str, ttl: &str, records: &str) -> Draft {
        Draft {
            name: name.into(),
            type_: type_.into(),
            ttl: ttl.into(),
            records: records.into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn drafts_are_checked_by_the_engines_rules() {
        let zone = "example.com.";
        let (errors, lines) = check_draft(
            zone,
            &draft("www", "A", "", "192.0.2.1\n\n999.1.1.1"),
            false,
        );
        assert_eq!(fields(&errors), vec!["records[1]"]);
        assert_eq!(lines, vec![1, 3]);
        assert_eq!(
            record_messages(&errors, &lines),
            vec![format!("line 3: {}", errors[0].message)]
        );
        let (errors, _) = check_draft(zone, &draft("www", "A", "0", "192.0.2.1"), false);
        assert_eq!(fields(&errors), vec!["ttl"]);
        let (errors, _) = check_draft(zone, &draft("www", "A", "1h", "192.0.2.1"), false);
        assert_eq!(fields(&errors), vec!["ttl"]);
        let (errors, _) = check_draft(
            zone,
            &draft("www.example.com.", "A", "60", "192.0.2.1"),
            true,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn missing_records_count_only_on_submit() {
        let empty = draft("www", "MX", "", " \n");
        assert!(check_draft("example.com.", &empty, false).0.is_empty());
        assert_eq!(
            fields(&check_draft("example.com.", &empty, true).0),
            vec!["records"]
        );
    }
}
