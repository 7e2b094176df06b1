//! Adding a DS record in one of three forms (the four fields, a DS line, a DNSKEY), checked
//! first as a dry run, with the pre-publication of a key rollover.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use dns_engine::model::ds;

use super::records::state_class;
use super::{Page, ALGORITHMS, DIGEST_TYPES};
use crate::api::ds::{SubmitDsRequest, SubmitDsResponse};
use crate::api::{self, ApiError, FieldError};
use crate::components::ui::{
    error_line, error_of, field_error, unplaced_message, use_hydrated, Alert, Submission,
};

/// The three ways of giving a DS record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Fields,
    Line,
    Dnskey,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Fields, Mode::Line, Mode::Dnskey];

    fn label(self) -> &'static str {
        match self {
            Mode::Fields => "Key tag and digest",
            Mode::Line => "DS line",
            Mode::Dnskey => "DNSKEY",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Mode::Fields => "ds-tab-fields",
            Mode::Line => "ds-tab-line",
            Mode::Dnskey => "ds-tab-dnskey",
        }
    }

    /// The request fields this form has inputs for: their errors show next to them.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Mode::Fields => &["key_tag", "algorithm", "digest_type", "digest"],
            Mode::Line => &["ds"],
            Mode::Dnskey => &["dnskey", "dnskey_digest_type"],
        }
    }
}

/// What the add forms hold, as typed.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Draft {
    key_tag: String,
    algorithm: String,
    digest_type: String,
    digest: String,
    ds: String,
    dnskey: String,
    dnskey_digest_type: String,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            key_tag: String::new(),
            algorithm: "13".into(),
            digest_type: "2".into(),
            digest: String::new(),
            ds: String::new(),
            dnskey: String::new(),
            dnskey_digest_type: "2".into(),
        }
    }
}

/// The request for one form, or the problems found before sending it. Only the form's own
/// fields are sent: the server wants exactly one of the three forms.
///
/// The format rules are the DNS engine's own ([`dns_engine::model::ds`]), the ones the server
/// applies, so a message next to a field here is the server's word for word. Whether the key
/// exists is for the server to find out.
pub(super) fn build_request(
    domain: &str,
    mode: Mode,
    draft: &Draft,
    dry_run: bool,
    pre_publish: bool,
) -> Result<SubmitDsRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut req = SubmitDsRequest {
        dry_run,
        pre_publish,
        ..SubmitDsRequest::default()
    };
    let number = |text: &str| text.trim().parse::<i64>().ok();
    match mode {
        Mode::Fields => {
            req.key_tag = number(&draft.key_tag);
            req.algorithm = number(&draft.algorithm);
            req.digest_type = number(&draft.digest_type);
            let digest: String = draft.digest.split_whitespace().collect();
            match (req.key_tag, req.algorithm, req.digest_type) {
                (Some(tag), Some(algorithm), Some(digest_type)) => {
                    if let Err(problems) = ds::check_ds(tag, algorithm, digest_type, &digest) {
                        errors.extend(problems.into_iter().map(from_engine));
                    }
                }
                _ => {
                    if req.key_tag.is_none() {
                        errors.push(field_error(
                            "key_tag",
                            "Enter the key tag, a number from 0 to 65535.",
                        ));
                    }
                    if req.algorithm.is_none() {
                        errors.push(field_error("algorithm", "Choose the key's algorithm."));
                    }
                    if req.digest_type.is_none() {
                        errors.push(field_error("digest_type", "Choose the digest type."));
                    }
                }
            }
            if digest.is_empty() && !errors.iter().any(|e| e.field == "digest") {
                errors.push(field_error("digest", "Enter the digest (hexadecimal)."));
            }
            req.digest = Some(digest);
        }
        Mode::Line => {
            let line = draft.ds.trim();
            if line.is_empty() {
                errors.push(field_error(
                    "ds",
                    "Paste a DS record, e.g. example.com. IN DS 12345 13 2 ABCD…",
                ));
            } else if let Err(problems) = ds::parse_ds_line(&absolute_lower(domain), line) {
                errors.extend(problems.into_iter().map(from_engine));
            }
            req.ds = Some(line.to_owned());
        }
        Mode::Dnskey => {
            let key = draft.dnskey.trim();
            if key.is_empty() {
                errors.push(field_error(
                    "dnskey",
                    "Paste the DNSKEY record of the key (the KSK, flags 257).",
                ));
            }
            req.dnskey = Some(key.to_owned());
            req.dnskey_digest_type = number(&draft.dnskey_digest_type);
            if req.dnskey_digest_type.is_none() {
                errors.push(field_error(
                    "dnskey_digest_type",
                    "Choose the digest to compute.",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(req)
    } else {
        Err(errors)
    }
}

/// `Shop.Example.net` → `shop.example.net.`, the form the engine's DS line check compares
/// owners with.
pub(super) fn absolute_lower(name: &str) -> String {
    let mut name = name.trim().to_ascii_lowercase();
    if !name.ends_with('.') {
        name.push('.');
    }
    name
}

pub(super) fn from_engine(e: dns_engine::model::FieldError) -> FieldError {
    FieldError {
        field: e.field,
        message: e.message,
    }
}

/// Whether the server refused the DS because the child does not publish its key (`no-key`)
/// or publishes a different one (`mismatch`): the case a key rollover's pre-publication
/// may confirm.
pub(super) fn is_key_refusal(error: &ApiError) -> bool {
    error.status == 422 && KEY_REFUSALS.contains(&error.problem.code.as_str())
}

/// The problem codes of a DS the live keys do not confirm (see the server's DS service).
pub(super) const KEY_REFUSALS: &[&str] = &["ds-mismatch", "ds-no-key"];

/// The message for the top of the form: everything not shown next to one of `placed`.
pub(super) fn general_message(error: &ApiError, placed: &[&str]) -> Option<String> {
    unplaced_message(error, |field| placed.contains(&field))
}

#[component]
pub(super) fn AddDsPanel(page: Page) -> impl IntoView {
    let hydrated = use_hydrated();
    let mode = RwSignal::new(Mode::Line);
    let draft = RwSignal::new(Draft::default());
    let submit = Submission::<SubmitDsResponse>::new();
    // Offered after a refusal for a missing or different key; sent as `pre_publish` once ticked.
    let offer_pre_publish = RwSignal::new(false);
    let pre_publish = RwSignal::new(false);

    let reset_answer = move || {
        submit.result.set(None);
        offer_pre_publish.set(false);
        pre_publish.set(false);
    };
    // A changed input makes the last answer stale.
    let edit = move |change: fn(&mut Draft, String), value: String| {
        draft.update(|d| change(d, value));
        if submit.result.with_untracked(Option::is_some) || offer_pre_publish.get_untracked() {
            reset_answer();
        }
    };

    let send = move |dry_run: bool| {
        let current = mode.get_untracked();
        let req = match build_request(
            &page.domain(),
            current,
            &draft.get_untracked(),
            dry_run,
            pre_publish.get_untracked(),
        ) {
            Ok(req) => req,
            Err(errors) => {
                submit.reject(errors);
                return;
            }
        };
        let call = api::submit_ds(&page.domain(), &req);
        submit.run(async move {
            let result = call.await;
            match &result {
                Ok(answer) if !answer.dry_run => {
                    // Stored: the form starts over (keeping the choices of the selects).
                    draft.update(|d| {
                        d.key_tag.clear();
                        d.digest.clear();
                        d.ds.clear();
                        d.dnskey.clear();
                    });
                    offer_pre_publish.set(false);
                    pre_publish.set(false);
                    page.refresh();
                }
                Ok(answer) => {
                    if answer.record.state.is_key_refusal() {
                        offer_pre_publish.set(true);
                    }
                }
                Err(error) if is_key_refusal(error) => offer_pre_publish.set(true),
                Err(_) => {}
            }
            result
        });
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send(false);
    };

    let field = move |name: &'static str| {
        move || {
            submit
                .result
                .with(|r| error_of(r).and_then(|e| e.field(name)))
        }
    };
    let invalid_if = move |name: &'static str| {
        move || {
            submit
                .result
                .with(|r| error_of(r).and_then(|e| e.field(name)).map(|_| "true"))
        }
    };
    let general = move || {
        let placed = mode.get().fields();
        submit
            .result
            .with(|r| error_of(r).and_then(|e| general_message(e, placed)))
    };

    let tabs = Mode::ALL
        .into_iter()
        .map(|m| {
            view! {
                <button type="button" role="tab" id=m.id() aria-controls="ds-form"
                    class="tab" class:tab-current=move || mode.get() == m
                    aria-selected=move || (mode.get() == m).to_string()
                    on:click=move |_| {
                        if mode.get_untracked() != m {
                            mode.set(m);
                            reset_answer();
                        }
                    }>
                    {m.label()}
                </button>
            }
        })
        .collect_view();

    let inputs = move || {
        match mode.get() {
        Mode::Fields => view! {
            <div class="ds-fields">
                <div class="field">
                    <label for="ds-key-tag">"Key tag"</label>
                    <input id="ds-key-tag" name="key_tag" type="text" inputmode="numeric"
                        autocomplete="off" placeholder="12345"
                        prop:value=move || draft.with(|d| d.key_tag.clone())
                        on:input=move |ev| edit(|d, v| d.key_tag = v, event_target_value(&ev))
                        aria-invalid=invalid_if("key_tag")/>
                    {move || error_line(field("key_tag")())}
                </div>
                <div class="field">
                    <label for="ds-algorithm">"Algorithm"</label>
                    <select id="ds-algorithm" name="algorithm"
                        prop:value=move || draft.with(|d| d.algorithm.clone())
                        on:change=move |ev| edit(|d, v| d.algorithm = v, event_target_value(&ev))
                        aria-invalid=invalid_if("algorithm")>
                        {ALGORITHMS.iter().map(|(n, name)| {
                            let older = *n == 8 || *n == 10;
                            let text = if older {
                                format!("{n} {name} (older; works with a warning)")
                            } else {
                                format!("{n} {name}")
                            };
                            view! { <option value=n.to_string()>{text}</option> }
                        }).collect_view()}
                    </select>
                    {move || error_line(field("algorithm")())}
                </div>
                <div class="field">
                    <label for="ds-digest-type">"Digest type"</label>
                    <select id="ds-digest-type" name="digest_type"
                        prop:value=move || draft.with(|d| d.digest_type.clone())
                        on:change=move |ev| edit(|d, v| d.digest_type = v, event_target_value(&ev))
                        aria-invalid=invalid_if("digest_type")>
                        {DIGEST_TYPES.iter().map(|(n, name)| {
                            let text = if *n == 1 {
                                format!("{n} {name} (outdated; works with a warning)")
                            } else {
                                format!("{n} {name}")
                            };
                            view! { <option value=n.to_string()>{text}</option> }
                        }).collect_view()}
                    </select>
                    {move || error_line(field("digest_type")())}
                </div>
                <div class="field grow">
                    <label for="ds-digest">"Digest"</label>
                    <input id="ds-digest" name="digest" type="text" autocomplete="off"
                        spellcheck="false" class="mono" placeholder="hexadecimal, e.g. 3D5B…"
                        prop:value=move || draft.with(|d| d.digest.clone())
                        on:input=move |ev| edit(|d, v| d.digest = v, event_target_value(&ev))
                        aria-invalid=invalid_if("digest")/>
                    {move || error_line(field("digest")())}
                </div>
            </div>
        }
        .into_any(),
        Mode::Line => view! {
            <div class="field">
                <label for="ds-line">"DS record"</label>
                <textarea id="ds-line" name="ds" rows="2" spellcheck="false" class="mono"
                    placeholder="example.com. IN DS 12345 13 2 3D5B…"
                    prop:value=move || draft.with(|d| d.ds.clone())
                    on:input=move |ev| edit(|d, v| d.ds = v, event_target_value(&ev))
                    aria-invalid=invalid_if("ds")></textarea>
                {move || error_line(field("ds")())}
                <p class="hint">"The whole line (as dnssec-dsfromkey or your DNS host prints it), or just its data: key tag, algorithm, digest type, digest."</p>
            </div>
        }
        .into_any(),
        Mode::Dnskey => view! {
            <div class="field">
                <label for="ds-dnskey">"DNSKEY record"</label>
                <textarea id="ds-dnskey" name="dnskey" rows="3" spellcheck="false" class="mono"
                    placeholder="example.com. IN DNSKEY 257 3 13 mdsswUyr3DPW…"
                    prop:value=move || draft.with(|d| d.dnskey.clone())
                    on:input=move |ev| edit(|d, v| d.dnskey = v, event_target_value(&ev))
                    aria-invalid=invalid_if("dnskey")></textarea>
                {move || error_line(field("dnskey")())}
            </div>
            <div class="field">
                <label for="ds-dnskey-digest-type">"Digest to compute"</label>
                <select id="ds-dnskey-digest-type" name="dnskey_digest_type"
                    prop:value=move || draft.with(|d| d.dnskey_digest_type.clone())
                    on:change=move |ev| edit(|d, v| d.dnskey_digest_type = v, event_target_value(&ev))
                    aria-invalid=invalid_if("dnskey_digest_type")>
                    <option value="2">"2 SHA-256"</option>
                    <option value="4">"4 SHA-384"</option>
                </select>
                {move || error_line(field("dnskey_digest_type")())}
                <p class="hint">"The DS record is computed from the key; Check shows it."</p>
            </div>
        }
        .into_any(),
    }
    };

    let answer = move || match submit.result.get() {
        Some(Ok(answer)) => Some(view! { <DsAnswer answer/> }),
        _ => None,
    };

    view! {
        <section class="panel add-ds">
            <h2>"Add a DS record"</h2>
            <div class="tabs" role="tablist" aria-label="How to give the DS record">{tabs}</div>
            <form id="ds-form" role="tabpanel" class="ds-form"
                aria-labelledby=move || mode.get().id()
                on:submit=on_submit novalidate>
                {move || general().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
                {inputs}
                <Show when=move || offer_pre_publish.get()>
                    <div class="alert alert-warning pre-publish" role="status">
                        <p>"The domain's name servers do not publish a key that matches this DS record. "
                           "Adding it now makes validating resolvers reject the domain — unless the "
                           "key is about to be published as part of a key rollover."</p>
                        <label class="checkbox-line">
                            <input type="checkbox" id="ds-pre-publish"
                                prop:checked=move || pre_publish.get()
                                on:change=move |ev| pre_publish.set(event_target_checked(&ev))/>
                            " This is a pre-publication during a key rollover: store it as pending"
                        </label>
                    </div>
                </Show>
                <div class="form-actions">
                    <button type="button" class="btn btn-quiet"
                        disabled=move || !hydrated.get() || submit.pending.get()
                        on:click=move |_| send(true)>
                        "Check"
                    </button>
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || submit.pending.get()>
                        {move || match (submit.pending.get(), pre_publish.get()) {
                            (true, _) => "Working…",
                            (false, true) => "Add as pending",
                            (false, false) => "Add",
                        }}
                    </button>
                </div>
            </form>
            {answer}
        </section>
    }
}

/// What the server answered to Check (nothing stored) or Add.
#[component]
pub(super) fn DsAnswer(answer: SubmitDsResponse) -> impl IntoView {
    let record = answer.record;
    let heading = if answer.dry_run {
        "Check only — nothing was stored.".to_owned()
    } else {
        format!("Added the DS record with key tag {}.", record.key_tag)
    };
    let (kind, testid) = if answer.dry_run {
        ("alert-info", "ds-check-result")
    } else {
        ("alert-success", "ds-added")
    };
    view! {
        <div class=format!("alert {kind} ds-answer") role="status" data-testid=testid>
            <p><strong>{heading}</strong></p>
            <p>
                "State: " <span class=state_class(record.state) data-testid="ds-answer-state">{record.state.as_str()}</span>
                " " <span class="ds-reason">{record.reason.clone()}</span>
            </p>
            <pre class="copyable" data-testid="ds-computed">{record.line.clone()}</pre>
            {(!record.warnings.is_empty()).then(|| view! {
                <ul class="ds-warnings">
                    {record.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// Field errors under an input; `None` shows nothing.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Problem;

    const SHA256: &str = "2BB183AF5F22588179A53B0A98631FAD1A292118C15F50A0D9D63C7D4CC5A4B3";

    #[test]
    fn each_form_sends_only_its_own_fields() {
        let draft = Draft {
            key_tag: " 12345 ".into(),
            digest: format!("{} {}", &SHA256[..10], &SHA256[10..]).to_lowercase(),
            ds: format!("Kid.Example. IN DS 1 13 2 {SHA256}"),
            dnskey: "257 3 13 AAAA".into(),
            ..Draft::default()
        };
        let req = build_request("kid.example.", Mode::Fields, &draft, true, false).unwrap();
        assert_eq!(req.key_tag, Some(12345));
        assert_eq!(req.algorithm, Some(13));
        assert_eq!(req.digest_type, Some(2));
        assert_eq!(req.digest.as_deref().map(str::len), Some(64));
        assert!(req.ds.is_none() && req.dnskey.is_none() && req.dry_run);

        // The domain as typed in the URL (no dot) still matches the line's owner.
        let req = build_request("kid.example", Mode::Line, &draft, false, true).unwrap();
        assert_eq!(req.ds, Some(format!("Kid.Example. IN DS 1 13 2 {SHA256}")));
        assert!(req.key_tag.is_none() && req.digest.is_none() && req.pre_publish);

        let req = build_request("kid.example.", Mode::Dnskey, &draft, false, false).unwrap();
        assert_eq!(req.dnskey.as_deref(), Some("257 3 13 AAAA"));
        assert_eq!(req.dnskey_digest_type, Some(2));
        assert!(req.ds.is_none());
    }

    #[test]
    fn bad_fields_are_named_by_the_engines_rules() {
        let fields = |errors: Vec<FieldError>| -> Vec<String> {
            errors.into_iter().map(|e| e.field).collect()
        };
        let draft = Draft {
            key_tag: "70000".into(),
            digest: "XYZ".into(),
            ..Draft::default()
        };
        let errors = build_request("x.", Mode::Fields, &draft, false, false).unwrap_err();
        assert_eq!(fields(errors), vec!["key_tag", "digest"]);

        let draft = Draft {
            key_tag: "tag".into(),
            ..Draft::default()
        };
        let errors = build_request("x.", Mode::Fields, &draft, false, false).unwrap_err();
        assert_eq!(fields(errors), vec!["key_tag", "digest"]);

        let errors = build_request("x.", Mode::Line, &Draft::default(), false, false).unwrap_err();
        assert_eq!(fields(errors), vec!["ds"]);
        let other = Draft {
            ds: format!("other.example. IN DS 1 13 2 {SHA256}"),
            ..Draft::default()
        };
        let errors = build_request("x.", Mode::Line, &other, false, false).unwrap_err();
        assert_eq!(fields(errors), vec!["ds"]);
    }

    fn refusal(status: u16, code: &str, detail: &str, errors: Vec<FieldError>) -> ApiError {
        ApiError {
            status,
            problem: Problem {
                type_: "about:blank".into(),
                code: code.into(),
                title: "Unprocessable".into(),
                status,
                detail: Some(detail.into()),
                errors,
            },
        }
    }

    #[test]
    fn key_refusals_are_recognised_by_their_code() {
        assert!(is_key_refusal(&refusal(
            422,
            "ds-mismatch",
            "whatever the words",
            vec![]
        )));
        assert!(is_key_refusal(&refusal(
            422,
            "ds-no-key",
            "The DS was refused.",
            vec![field_error("digest", "no DNSKEY with key tag 1")]
        )));
        // The English alone decides nothing.
        assert!(!is_key_refusal(&refusal(
            422,
            "validation",
            "mismatch: the digest is not hexadecimal",
            vec![]
        )));
        assert!(!is_key_refusal(&refusal(
            409,
            "conflict",
            "ds-mismatch",
            vec![]
        )));
    }

    #[test]
    fn unplaced_errors_go_to_the_top() {
        let err = refusal(
            422,
            "validation",
            "Fix it.",
            vec![field_error("digest", "bad")],
        );
        assert_eq!(general_message(&err, &["digest"]), None);
        assert_eq!(
            general_message(&err, &["ds"]),
            Some("Fix it. digest: bad".into())
        );
    }
}
