//! Importing a BIND zone file into a zone, on the zone's page: paste the file or upload it,
//! see what would change (the API's dry run), then apply exactly what was previewed.
//!
//! An import replaces the zone's records: RRsets in the file are created or replaced, RRsets
//! not in it are deleted, and the file's SOA is ignored (the SOA and its serial are managed by
//! Zonekeeper). The server reads the file (`POST /api/v1/zones/{zone}/import`, `text/dns`);
//! the browser only reads an uploaded file into the same text box. Its content, like all
//! record data, is only ever put into text nodes.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;

use crate::api::{self, ApiResult, ImportResult, RrSet, RrSetDiff};
use crate::components::ui::{field_error, use_hydrated, Alert, Submission};

/// The server's limit on a zone file (its `IMPORT_MAX_BYTES`); a bigger upload is refused here
/// before it is read.
const MAX_FILE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

#[component]
pub fn ImportPanel(
    /// The zone's name as the API knows it.
    zone: String,
    /// Called with the outcome once an import was applied.
    #[prop(into)]
    on_applied: Callback<ImportResult>,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let zone = StoredValue::new(zone);
    let text = RwSignal::new(String::new());
    let loaded_file = RwSignal::new(None::<String>);
    let file_input = NodeRef::<html::Input>::new();
    let preview = Submission::<ImportResult>::new();
    // The text the shown preview is about: what "Apply" sends, so nothing unseen is stored.
    let previewed = RwSignal::new(None::<String>);
    let apply = Submission::<ImportResult>::new();

    let run_preview = move |file_text: String| {
        apply.result.set(None);
        if file_text.trim().is_empty() {
            preview.reject(vec![field_error(
                "zone_file",
                "Paste a zone file or choose one to upload.",
            )]);
            return;
        }
        previewed.set(Some(file_text.clone()));
        preview.run(api::import_zone(&zone.get_value(), file_text, true));
    };

    let on_preview = move |ev: SubmitEvent| {
        ev.prevent_default();
        run_preview(text.get_untracked());
    };

    let on_file = move |ev: leptos::ev::Event| {
        read_chosen_file(&ev, move |read| match read {
            Ok((name, content)) => {
                loaded_file.set(Some(name));
                text.set(content.clone());
                run_preview(content);
            }
            Err(message) => {
                loaded_file.set(None);
                preview.reject(vec![field_error("zone_file", &message)]);
            }
        });
    };

    let on_apply = move |_| {
        let Some(file_text) = previewed.get_untracked() else {
            return;
        };
        apply.run(api::import_zone(&zone.get_value(), file_text, false));
    };

    // Applied: the page takes over (serial, notice, table); this panel starts over.
    Effect::new(move |_| {
        if let Some(Ok(done)) = apply.result.get() {
            on_applied.run(done);
            text.set(String::new());
            loaded_file.set(None);
            previewed.set(None);
            preview.result.set(None);
            apply.result.set(None);
            if let Some(input) = file_input.get_untracked() {
                input.set_value("");
            }
        }
    });

    let file_errors = move || {
        preview.result.with(|r| match r {
            Some(Err(e)) => e
                .problem
                .errors
                .iter()
                .filter_map(|e| file_error(&e.field, &e.message))
                .collect(),
            _ => Vec::new(),
        })
    };
    // Anything that is not about the file's content: 413, 415, a lost session, the network.
    let preview_failure = move || {
        preview.result.with(|r| match r {
            Some(Err(e))
                if !e
                    .problem
                    .errors
                    .iter()
                    .any(|f| file_error(&f.field, &f.message).is_some()) =>
            {
                Some(e.message())
            }
            _ => None,
        })
    };
    let apply_failure = move || apply.result.with(failure_text);

    view! {
        <section class="panel import-panel">
            <h2>"Import a zone file"</h2>
            <p class="muted">
                "Replaces this zone's records with those of a BIND zone file: record sets in the file are \
                 created or replaced, record sets not in it are deleted. The file's SOA is ignored, \
                 except that a serial ahead of the zone's is continued. Every problem of the file is \
                 listed with its line, and you see every change before anything is stored."
            </p>
            <form class="import-form" aria-label="Import zone file" on:submit=on_preview novalidate>
                <div class="field">
                    <label for="import-upload">"Upload a zone file"</label>
                    <input node_ref=file_input id="import-upload" name="zone_file_upload" type="file"
                        accept=".zone,.db,.txt,.dns,text/dns,text/plain"
                        disabled=move || !hydrated.get()
                        on:change=on_file/>
                    {move || loaded_file.get().map(|name| view! {
                        <p class="hint" data-testid="import-file-name">{format!("Read {name}.")}</p>
                    })}
                </div>
                <div class="field">
                    <label for="import-text">"Zone file (or paste it here)"</label>
                    <textarea id="import-text" name="zone_file" rows="8" spellcheck="false"
                        placeholder="www  3600  IN  A  192.0.2.10"
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            // The preview was of the old text: it can no longer be applied.
                            previewed.set(None);
                            preview.result.set(None);
                            apply.result.set(None);
                        }
                        aria-invalid=move || (!file_errors().is_empty()).then_some("true")></textarea>
                    {move || {
                        let messages = file_errors();
                        (!messages.is_empty()).then(|| view! {
                            <ul class="field-error record-errors" role="alert" data-testid="import-errors">
                                {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                            </ul>
                        })
                    }}
                </div>
                {move || preview_failure().map(|msg| view! {
                    <Alert kind="error">{format!("Could not preview the import: {msg}")}</Alert>
                })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || preview.pending.get()>
                        {move || if preview.pending.get() { "Reading…" } else { "Preview changes" }}
                    </button>
                </div>
            </form>
            {move || match preview.result.get() {
                Some(Ok(result)) if previewed.with(Option::is_some) => view! {
                    <ImportPreview result/>
                    {move || apply_failure().map(|msg| view! {
                        <Alert kind="error">{format!("The import was not applied: {msg}")}</Alert>
                    })}
                    <div class="form-actions import-actions">
                        <button type="button" class="btn btn-primary"
                            disabled=move || apply.pending.get() on:click=on_apply>
                            {move || if apply.pending.get() { "Applying…" } else { "Apply import" }}
                        </button>
                        <button type="button" class="btn btn-quiet"
                            on:click=move |_| {
                                previewed.set(None);
                                preview.result.set(None);
                                // So that choosing the same file again reads it again.
                                if let Some(input) = file_input.get_untracked() {
                                    input.set_value("");
                                }
                            }>
                            "Discard"
                        </button>
                    </div>
                }
                .into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

/// A problem with the file's content as the page lists it: `Line 12: …` for an error the
/// server tied to a line (`zone_file:12`), the message alone for one about the whole file.
fn file_error(field: &str, message: &str) -> Option<String> {
    match field.strip_prefix("zone_file") {
        Some("") => Some(message.to_owned()),
        Some(rest) => rest
            .strip_prefix(':')
            .map(|line| format!("Line {line}: {message}")),
        None => None,
    }
}

fn failure_text<T>(result: &Option<ApiResult<T>>) -> Option<String> {
    let error = result.as_ref()?.as_ref().err()?;
    let mut text = error.message();
    for e in &error.problem.errors {
        text.push_str(&format!(" {}", e.message));
    }
    Some(text)
}

/// What kind of change one diff is.
fn change_kind(diff: &RrSetDiff) -> &'static str {
    match (&diff.before, &diff.after) {
        (None, _) => "added",
        (_, None) => "deleted",
        _ => "changed",
    }
}

/// "3 record sets would change: 2 added, 1 changed." (or that nothing would).
fn summary(changes: &[RrSetDiff]) -> String {
    if changes.is_empty() {
        return "The file matches the zone: nothing would change.".into();
    }
    let count = |kind: &str| changes.iter().filter(|d| change_kind(d) == kind).count();
    let parts: Vec<String> = ["added", "changed", "deleted"]
        .iter()
        .filter_map(|kind| {
            let n = count(kind);
            (n > 0).then(|| format!("{n} {kind}"))
        })
        .collect();
    let sets = if changes.len() == 1 {
        "record set"
    } else {
        "record sets"
    };
    format!(
        "{} {sets} would change: {}.",
        changes.len(),
        parts.join(", ")
    )
}

/// The dry run's diff: one row per RRset that would change, with its records before and after.
#[component]
fn ImportPreview(result: ImportResult) -> impl IntoView {
    let text = summary(&result.changes);
    view! {
        <div class="import-preview" data-testid="import-preview">
            <h3>"Preview"</h3>
            <p data-testid="import-summary">{text}</p>
            {(!result.changes.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="data import-diff" data-testid="import-diff">
                        <thead>
                            <tr>
                                <th scope="col">"Change"</th>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Type"</th>
                                <th scope="col">"Before"</th>
                                <th scope="col">"After"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {result.changes.into_iter().map(|diff| {
                                let kind = change_kind(&diff);
                                let shown = diff.after.as_ref().or(diff.before.as_ref());
                                let name = shown.map(|r| r.name.clone()).unwrap_or_default();
                                let type_ = shown.map(|r| r.type_.clone()).unwrap_or_default();
                                view! {
                                    <tr class=format!("diff-{kind}")>
                                        <td data-label="Change"><span class=format!("badge change-{kind}")>{kind}</span></td>
                                        <td data-label="Name" class="mono">{name}</td>
                                        <td data-label="Type"><span class="badge">{type_}</span></td>
                                        <td data-label="Before" class="records">{rrset_cell(diff.before)}</td>
                                        <td data-label="After" class="records">{rrset_cell(diff.after)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {(!result.warnings.is_empty()).then(|| view! {
                <div class="alert alert-warning" role="status">
                    <p>"After the import the zone would have these warnings (they do not stop it from being served):"</p>
                    <ul>
                        {result.warnings.into_iter().map(|w| view! {
                            <li>
                                {w.line.map(|line| format!("Line {line}: "))}
                                {(!w.name.is_empty()).then(|| view! {
                                    <span class="mono">{w.name}</span>
                                    {w.type_.map(|t| format!(" {t}"))}
                                    ": "
                                })}
                                {w.message}
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </div>
    }
}

/// One side of a diff: TTL and records, or a dash when the RRset is absent on that side.
fn rrset_cell(rrset: Option<RrSet>) -> impl IntoView {
    match rrset {
        Some(rrset) => view! {
            <div class="muted">{format!("TTL {}", rrset.ttl)}</div>
            {rrset.records.into_iter().map(|r| view! { <div class="rdata mono">{r}</div> }).collect_view()}
        }
        .into_any(),
        None => view! { <span class="muted">"—"</span> }.into_any(),
    }
}

/// Reads the file just chosen in a file input as text and hands `loaded` its name and content,
/// or a message. Only the browser has files to read; on the server this does nothing.
fn read_chosen_file(
    ev: &leptos::ev::Event,
    loaded: impl FnOnce(Result<(String, String), String>) + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        let name = file.name();
        if file.size() > MAX_FILE_BYTES {
            loaded(Err(format!(
                "{name} is larger than 4 MiB, the most one import takes."
            )));
            return;
        }
        leptos::task::spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            loaded(match read.ok().and_then(|v| v.as_string()) {
                Some(content) => Ok((name, content)),
                None => Err(format!("{name} could not be read as text.")),
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (ev, loaded, MAX_FILE_BYTES);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rrset(name: &str, records: &[&str]) -> RrSet {
        RrSet {
            name: name.into(),
            fqdn: format!("{name}.example.com."),
            type_: "A".into(),
            ttl: 3600,
            records: records.iter().map(|r| r.to_string()).collect(),
            comment: String::new(),
            editable: true,
        }
    }

    #[test]
    fn the_summary_counts_each_kind() {
        assert_eq!(
            summary(&[]),
            "The file matches the zone: nothing would change."
        );
        let changes = vec![
            RrSetDiff {
                before: None,
                after: Some(rrset("www", &["192.0.2.1"])),
            },
            RrSetDiff {
                before: None,
                after: Some(rrset("mail", &["192.0.2.2"])),
            },
            RrSetDiff {
                before: Some(rrset("old", &["192.0.2.3"])),
                after: None,
            },
        ];
        assert_eq!(
            summary(&changes),
            "3 record sets would change: 2 added, 1 deleted."
        );
        assert_eq!(
            summary(&changes[2..]),
            "1 record set would change: 1 deleted."
        );
    }
}
