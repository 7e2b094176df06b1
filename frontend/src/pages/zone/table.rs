//! The records table: each RRset as text with Edit and Delete, or as an inline editor,
//! with the reverse-DNS status of A/AAAA addresses.

use leptos::prelude::*;

use super::form::{
    check_draft, error_lines, errors_of, field_message, forget_error, general_message, haystack,
    matches_filter, parse_records, parse_ttl, record_messages, Draft,
};
use super::Editor;
use crate::api::rdns::ReverseStatus;
use crate::api::{self, PutRrSet, RrSet, RrSetChangeResult};
use crate::components::ui::{error_line, use_hydrated, ConfirmButton, Submission};

#[component]
pub(super) fn RrSetTable(
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
pub(super) fn RrSetRow(
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
pub(super) fn ShowCells(
    rrset: RrSet,
    reverse: Vec<ReverseStatus>,
    editing: RwSignal<bool>,
    editor: Editor,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let remove = Submission::<RrSetChangeResult>::new();
    let remove_error = move || remove.result.with(|r| general_message(r, &[]));
    let owner = rrset.name.clone();
    let type_ = rrset.type_.clone();
    let label = format!("{} {}", rrset.name, rrset.type_);
    let on_delete = move |()| {
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
                    <ConfirmButton label="Delete" question=format!("Delete {label}?") yes="Yes, delete"
                        pending=remove.pending on_confirm=Callback::new(on_delete)
                        on_cancel=Callback::new(move |()| remove.result.set(None))
                        before=move || view! {
                            <button type="button" class="btn btn-quiet"
                                disabled=move || !hydrated.get()
                                on:click=move |_| editing.set(true)>
                                "Edit"
                            </button>
                        }/>
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
pub(super) fn reverse_of(rrset: &RrSet, all: &[ReverseStatus]) -> Vec<ReverseStatus> {
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
pub(super) fn same_address(a: &str, b: &str) -> bool {
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
pub(super) fn PtrBadge(status: ReverseStatus) -> impl IntoView {
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
pub(super) fn EditCells(rrset: RrSet, editing: RwSignal<bool>, editor: Editor) -> impl IntoView {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_by_value() {
        assert!(same_address("2001:db8::1", "2001:DB8:0::1"));
        assert!(same_address("203.0.113.5", " 203.0.113.5"));
        assert!(!same_address("203.0.113.5", "203.0.113.50"));
    }
}
