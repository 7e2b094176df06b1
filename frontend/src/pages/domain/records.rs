//! The DS table: each record with its check state, re-check and delete, and the export
//! for the registrar.

use leptos::prelude::*;

use super::{algorithm_label, digest_label, short_digest, Page};
use crate::api::ds::{Domain, DsList, DsRecord, DsState};
use crate::api::{self, encode_component};
use crate::components::copy::CopyButton;
use crate::components::ui::{format_optional_time, ConfirmButton, Submission};

/// The DS table, and for registrar domains the export of all lines.
#[component]
pub(super) fn DsSection(list: DsList, page: Page) -> impl IntoView {
    let registrar = list.domain.publication == "registrar";
    let parent = list.domain.publication == "parent";
    let export_open = RwSignal::new(false);
    let export = export_text(&list.domain, &list.records);
    let records = list.records;
    let table = if records.is_empty() {
        view! {
            <p class="muted empty">"No DS records yet. Add one below."</p>
        }
        .into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="data ds-table" data-testid="ds-table">
                    <thead>
                        <tr>
                            <th scope="col" class="num">"Key tag"</th>
                            <th scope="col">"Algorithm"</th>
                            <th scope="col">"Digest type"</th>
                            <th scope="col">"Digest"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Published"</th>
                            <th scope="col">"Checked"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {records
                            .into_iter()
                            .map(|record| view! { <DsRow record parent page/> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        {table}
        {registrar.then(|| {
            let text = StoredValue::new(export);
            view! {
                <div class="ds-export">
                    <button type="button" class="btn btn-quiet"
                        aria-expanded=move || export_open.get().to_string()
                        on:click=move |_| export_open.update(|open| *open = !*open)>
                        {move || if export_open.get() { "Hide export" } else { "Export" }}
                    </button>
                    <Show when=move || export_open.get()>
                        <p class="hint">"Zone-file lines for your registrar (records that do not check out are marked in a comment above them):"</p>
                        <pre class="copyable" data-testid="ds-export">{text.get_value()}</pre>
                        <div class="form-actions">
                            <CopyButton text=text.get_value()/>
                            // rel=external: an API address, not a page of this app.
                            <a href=format!("/api/v1/domains/{}/ds/export", encode_component(&page.domain()))
                                rel="external" download="ds-records.txt">"Download"</a>
                        </div>
                    </Show>
                </div>
            }
        })}
    }
}

/// All DS lines as zone-file text. Active are the ones the parent should publish — the same
/// set as the API's export: valid records, and pending ones next to a valid one (a pending DS
/// alone would leave the parent with no DS matching the key in use, and the domain bogus).
/// The others are commented out, with the reason.
pub(super) fn export_text(domain: &Domain, records: &[DsRecord]) -> String {
    let any_valid = records.iter().any(|r| r.state == DsState::Valid);
    let mut text = format!("; DS records of {} for the parent zone\n", domain.name);
    for record in records {
        if record.state.is_published(any_valid) {
            text.push_str(&record.line);
        } else {
            text.push_str(&format!(
                "; not for the parent yet ({}: {})\n; {}",
                record.state.as_str(),
                record.reason,
                record.line
            ));
        }
        text.push('\n');
    }
    text
}

/// The badge class of a state: green, amber, red or grey.
pub(super) fn state_class(state: DsState) -> &'static str {
    match state {
        DsState::Valid => "badge ds-state ds-valid",
        DsState::Pending => "badge ds-state ds-pending",
        DsState::Mismatch | DsState::NoKey => "badge ds-state ds-bad",
        DsState::Unreachable => "badge ds-state ds-unknown",
    }
}

#[component]
pub(super) fn DsRow(record: DsRecord, parent: bool, page: Page) -> impl IntoView {
    let remove = Submission::<()>::new();
    let remove_error = remove.general_error(&[]);
    let id = record.id;
    let tag = record.key_tag;
    let on_delete = move |_| {
        let call = api::delete_ds(&page.domain(), id);
        remove.run(async move {
            let result = call.await;
            if result.is_ok() {
                page.refresh();
            }
            result
        });
    };
    let published = if !parent {
        view! { <span class="muted" title="The registrar publishes DS records of this domain">"—"</span> }.into_any()
    } else if record.published {
        view! { <span class="status status-on">"yes"</span> }.into_any()
    } else {
        view! { <span class="status status-off">"no"</span> }.into_any()
    };
    view! {
        <tr data-testid=format!("ds-row-{id}") data-state=record.state.as_str()>
            <td data-label="Key tag" class="num mono">{tag.to_string()}</td>
            <td data-label="Algorithm">{algorithm_label(record.algorithm)}</td>
            <td data-label="Digest type">{digest_label(record.digest_type)}</td>
            <td data-label="Digest">
                <code class="ds-digest" title=record.digest.clone()>{short_digest(&record.digest)}</code>
            </td>
            <td data-label="State" class="ds-state-cell">
                <span class=state_class(record.state)>{record.state.as_str()}</span>
                <span class="ds-reason">{record.reason.clone()}</span>
                {(!record.warnings.is_empty()).then(|| view! {
                    <ul class="ds-warnings">
                        {record.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
                    </ul>
                })}
            </td>
            <td data-label="Published">{published}</td>
            <td data-label="Checked">{format_optional_time(record.checked_at, "not yet")}</td>
            <td class="row-actions">
                <ConfirmButton
                    label="Delete"
                    question=format!("Delete the DS with key tag {tag}?")
                    yes="Yes, delete"
                    pending=remove.pending
                    on_confirm=Callback::new(on_delete)
                    on_cancel=Callback::new(move |()| remove.result.set(None))
                />
                {move || remove_error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256: &str = "2BB183AF5F22588179A53B0A98631FAD1A292118C15F50A0D9D63C7D4CC5A4B3";

    fn record(state: DsState, tag: u16) -> DsRecord {
        DsRecord {
            id: i64::from(tag),
            key_tag: tag,
            algorithm: 13,
            digest_type: 2,
            digest: SHA256.into(),
            line: format!("kid.example. 3600 IN DS {tag} 13 2 {SHA256}"),
            state,
            reason: format!("{} reason", state.as_str()),
            warnings: vec![],
            published: false,
            checked_at: None,
            created_at: time::macros::datetime!(2026-11-21 10:00 UTC),
        }
    }

    #[test]
    fn the_export_keeps_only_what_the_parent_should_publish_active() {
        let domain = Domain {
            name: "kid.example.".into(),
            owner: "a@example.com".into(),
            publication: "registrar".into(),
            parent_zone: None,
            delegated: false,
            ds_count: 2,
            valid_count: 1,
            created_at: time::macros::datetime!(2026-11-21 10:00 UTC),
        };
        let active = |text: String| -> Vec<String> {
            text.lines()
                .filter(|l| !l.starts_with(';'))
                .map(|l| l.split_whitespace().nth(4).unwrap_or_default().to_owned())
                .collect()
        };
        let all = [
            record(DsState::Valid, 1),
            record(DsState::Pending, 2),
            record(DsState::Mismatch, 3),
        ];
        assert_eq!(active(export_text(&domain, &all)), ["1", "2"]);
        let text = export_text(&domain, &all);
        assert!(text.contains("; not for the parent yet (mismatch: mismatch reason)"));
        assert!(active(export_text(&domain, &[record(DsState::Pending, 2)])).is_empty());
    }
}
