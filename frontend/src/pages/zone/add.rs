//! Adding an RRset: the form above the records table.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::form::{
    check_draft, error_lines, errors_of, field_message, forget_error, general_message,
    parse_records, parse_ttl, record_messages, relative_name, Draft,
};
use super::{record_types, Editor};
use crate::api::{self, ApiResult, PutRrSet, RrSet, RrSetChangeResult};
use crate::components::ui::{error_line, field_error, use_hydrated, Alert, Submission};

#[component]
pub(super) fn AddRrSetForm(
    editor: Editor,
    rrsets: Resource<ApiResult<Vec<RrSet>>>,
) -> impl IntoView {
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
