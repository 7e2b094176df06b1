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

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use dns_engine::model::ds;

use crate::api::ds::{Domain, DsList, DsRecord, DsState, SubmitDsRequest, SubmitDsResponse};
use crate::api::{self, encode_component, ApiError, ApiResult, FieldError};
use crate::components::ui::{
    field_error, format_optional_time, use_hydrated, Alert, ConfirmButton, ErrorPanel, Loading,
    NotFoundPanel, Submission,
};

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
fn short_digest(digest: &str) -> String {
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
// Copying

#[cfg(feature = "hydrate")]
mod clipboard {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::{js_sys::Promise, JsFuture};

    #[wasm_bindgen]
    extern "C" {
        // `navigator.clipboard` exists only in secure contexts; `catch` turns its absence
        // into an error instead of an exception.
        #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
        fn write_text(text: &str) -> Result<Promise, JsValue>;
    }

    pub async fn write(text: &str) -> bool {
        match write_text(text) {
            Ok(promise) => JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        }
    }
}

/// Copies `text` to the clipboard; where the browser does not allow it, says to select the
/// text instead (it is always on the page in a `<pre>`).
#[component]
pub fn CopyButton(#[prop(into)] text: String) -> impl IntoView {
    let hydrated = use_hydrated();
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let done = clipboard::write(&text.get_value()).await;
            copied.set(Some(done));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    };
    view! {
        <button type="button" class="btn btn-quiet btn-small"
            disabled=move || !hydrated.get() on:click=on_click>
            {move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "Select the text to copy it",
                None => "Copy",
            }}
        </button>
    }
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
struct Page {
    domain: StoredValue<String>,
    /// Bumped to reload the DS list.
    reload: RwSignal<u64>,
    /// A list the server already sent (the first load, a re-check), for the reload it is
    /// keyed with, so that showing it costs no second request.
    fresh: StoredValue<Option<(u64, DsList)>>,
}

impl Page {
    fn domain(self) -> String {
        self.domain.get_value()
    }

    /// Loads the list again from the server.
    fn refresh(self) {
        self.reload.update(|n| *n += 1);
    }

    /// Shows a list the server just sent.
    fn show(self, list: DsList) {
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

/// The DS table, and for registrar domains the export of all lines.
#[component]
fn DsSection(list: DsList, page: Page) -> impl IntoView {
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
fn export_text(domain: &Domain, records: &[DsRecord]) -> String {
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
fn state_class(state: DsState) -> &'static str {
    match state {
        DsState::Valid => "badge ds-state ds-valid",
        DsState::Pending => "badge ds-state ds-pending",
        DsState::Mismatch | DsState::NoKey => "badge ds-state ds-bad",
        DsState::Unreachable => "badge ds-state ds-unknown",
    }
}

#[component]
fn DsRow(record: DsRecord, parent: bool, page: Page) -> impl IntoView {
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

// ---------------------------------------------------------------------------------------------
// Adding a DS record

/// The three ways of giving a DS record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
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
struct Draft {
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
fn build_request(
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
fn absolute_lower(name: &str) -> String {
    let mut name = name.trim().to_ascii_lowercase();
    if !name.ends_with('.') {
        name.push('.');
    }
    name
}

fn from_engine(e: dns_engine::model::FieldError) -> FieldError {
    FieldError {
        field: e.field,
        message: e.message,
    }
}

/// Whether the server refused the DS because the child does not publish its key (`no-key`)
/// or publishes a different one (`mismatch`): the case a key rollover's pre-publication
/// may confirm.
fn is_key_refusal(error: &ApiError) -> bool {
    error.status == 422 && KEY_REFUSALS.contains(&error.problem.code.as_str())
}

/// The problem codes of a DS the live keys do not confirm (see the server's DS service).
const KEY_REFUSALS: &[&str] = &["ds-mismatch", "ds-no-key"];

/// The message for the top of the form: everything not shown next to one of `placed`.
fn general_message(error: &ApiError, placed: &[&str]) -> Option<String> {
    let unplaced: Vec<&FieldError> = error
        .problem
        .errors
        .iter()
        .filter(|e| !placed.contains(&e.field.as_str()))
        .collect();
    if !error.problem.errors.is_empty() && unplaced.is_empty() {
        return None;
    }
    let mut msg = error.message();
    for e in unplaced {
        msg.push_str(&format!(" {}: {}", e.field, e.message));
    }
    Some(msg)
}

fn error_of<T>(result: &Option<ApiResult<T>>) -> Option<&ApiError> {
    result.as_ref()?.as_ref().err()
}

#[component]
fn AddDsPanel(page: Page) -> impl IntoView {
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
fn DsAnswer(answer: SubmitDsResponse) -> impl IntoView {
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
fn error_line(message: Option<String>) -> impl IntoView {
    message.map(|m| view! { <p class="field-error" role="alert">{m}</p> })
}

// ---------------------------------------------------------------------------------------------
// Removing the domain

#[component]
fn DeleteDomainPanel(page: Page) -> impl IntoView {
    let navigate = use_navigate();
    let remove = Submission::<()>::new();
    let error = remove.general_error(&[]);
    let on_delete = move |_| {
        let call = api::delete_domain(&page.domain());
        let navigate = navigate.clone();
        remove.run(async move {
            let result = call.await;
            if result.is_ok() {
                navigate(
                    "/domains",
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
            <h2>"Remove this domain"</h2>
            <p>"Removes the domain and all its DS records; those served in a parent zone here stop being served. "
               "Remove the DS records first if the domain's zone stops being signed."</p>
            {move || error.get().map(|msg| view! { <Alert kind="error">{format!("Could not remove the domain: {msg}")}</Alert> })}
            <ConfirmButton
                label="Remove domain…"
                question="Remove the domain and its DS records?"
                yes="Yes, remove"
                pending=remove.pending
                on_confirm=Callback::new(on_delete)
            />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Problem;

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
