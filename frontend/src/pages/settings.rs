//! `/admin/settings`: the operator's defaults for new zones — the name servers put at every
//! new apex (the first one is the SOA MNAME), the hostmaster mailbox (SOA RNAME), the SOA
//! timers and the TTL records get when none is given.
//!
//! Existing zones keep their values: a change here is about zones created afterwards. The
//! server checks every field (`GET`/`PUT /api/v1/settings`, admin only) and its messages are
//! shown next to the field they name; the browser only reads the numbers.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{self, FcrdnsPolicy, FieldError, Settings};
use crate::components::layout::AdminOnly;
use crate::components::ui::{
    error_of, field_error, invalid, line_messages, list_index, unplaced_message, use_hydrated,
    Alert, ErrorPanel, FieldMessage, Loading, Submission,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings"/>
        <section class="page-head">
            <h1>"Settings"</h1>
            <p class="muted">"Defaults for new zones (existing zones keep their own values), and the reverse DNS policy."</p>
        </section>
        <AdminOnly view=|_| view! { <SettingsPanel/> }/>
    }
}

#[component]
fn SettingsPanel() -> impl IntoView {
    let settings = Resource::new(|| (), |_| api::get_settings());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <SettingsForm settings/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form's fields as typed: numbers stay text until saved, so that a half-typed value is
/// never rewritten under the cursor.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    nameservers: String,
    hostmaster: String,
    soa_refresh: String,
    soa_retry: String,
    soa_expire: String,
    soa_minimum: String,
    default_ttl: String,
    fcrdns_policy: FcrdnsPolicy,
}

impl From<&Settings> for Draft {
    fn from(s: &Settings) -> Self {
        Self {
            nameservers: s.nameservers.join("\n"),
            hostmaster: s.hostmaster.clone(),
            soa_refresh: s.soa_refresh.to_string(),
            soa_retry: s.soa_retry.to_string(),
            soa_expire: s.soa_expire.to_string(),
            soa_minimum: s.soa_minimum.to_string(),
            default_ttl: s.default_ttl.to_string(),
            fcrdns_policy: s.fcrdns_policy,
        }
    }
}

/// The name servers of the textarea, one per non-empty line, with the (1-based) line each
/// came from, so that the server's `nameservers[i]` errors can point at the line.
fn parse_lines(text: &str) -> (Vec<String>, Vec<usize>) {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty()).then(|| (line.to_owned(), i + 1))
        })
        .unzip()
}

/// The request for a draft, or the fields whose text is not a number at all (the ranges are
/// the server's to judge, so that its messages are the only ones).
fn to_settings(draft: &Draft) -> Result<(Settings, Vec<usize>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seconds = |field: &str, text: &str| -> i32 {
        text.trim().parse::<i32>().unwrap_or_else(|_| {
            errors.push(field_error(field, "Enter a whole number of seconds."));
            0
        })
    };
    let soa_refresh = seconds("soa_refresh", &draft.soa_refresh);
    let soa_retry = seconds("soa_retry", &draft.soa_retry);
    let soa_expire = seconds("soa_expire", &draft.soa_expire);
    let soa_minimum = seconds("soa_minimum", &draft.soa_minimum);
    let default_ttl = seconds("default_ttl", &draft.default_ttl);
    if !errors.is_empty() {
        return Err(errors);
    }
    let (nameservers, lines) = parse_lines(&draft.nameservers);
    Ok((
        Settings {
            nameservers,
            hostmaster: draft.hostmaster.trim().to_owned(),
            soa_refresh,
            soa_retry,
            soa_expire,
            soa_minimum,
            default_ttl,
            fcrdns_policy: draft.fcrdns_policy,
        },
        lines,
    ))
}

const PLACED: &[&str] = &[
    "hostmaster",
    "soa_refresh",
    "soa_retry",
    "soa_expire",
    "soa_minimum",
    "default_ttl",
    "fcrdns_policy",
];

#[component]
fn SettingsForm(settings: Settings) -> impl IntoView {
    let hydrated = use_hydrated();
    let save = Submission::<Settings>::new();
    // The values as loaded also go into the HTML (`value`, the textarea's text), so the page
    // shows them before the wasm takes over; `prop:value` follows the draft afterwards.
    let initial = StoredValue::new(Draft::from(&settings));
    let draft = RwSignal::new(Draft::from(&settings));
    let sent_lines = RwSignal::new(Vec::<usize>::new());

    // What the server stored (names in canonical form) goes back into the form.
    Effect::new(move |_| {
        if let Some(Ok(stored)) = save.result.get() {
            draft.set(Draft::from(&stored));
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match to_settings(&draft.get_untracked()) {
            Ok((request, lines)) => {
                sent_lines.set(lines);
                save.run(api::put_settings(&request));
            }
            Err(errors) => save.reject(errors),
        }
    };

    let general = move || {
        save.result.with(|r| {
            unplaced_message(error_of(r)?, |field| {
                PLACED.contains(&field)
                    || field == "nameservers"
                    || list_index(field, "nameservers").is_some()
            })
        })
    };
    let saved = move || save.result.with(|r| matches!(r, Some(Ok(_))));
    let ns_errors = move || {
        save.result.with(|r| {
            let errors = r
                .as_ref()
                .and_then(|r| r.as_ref().err())
                .map_or(&[][..], |e| e.problem.errors.as_slice());
            sent_lines.with(|lines| line_messages(errors, "nameservers", lines))
        })
    };
    let ns_invalid = move || (!ns_errors().is_empty()).then_some("true");

    // One numeric field of the timers: its input id, the API's field name, label and hint.
    let seconds_field = move |(id, field, label, hint): (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
                              get: fn(&Draft) -> &String,
                              set: fn(&mut Draft) -> &mut String| {
        let error = save.field(field);
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id name=field type="text" inputmode="numeric" autocomplete="off"
                    value=initial.with_value(|d| get(d).clone())
                    prop:value=move || draft.with(|d| get(d).clone())
                    on:input=move |ev| draft.update(|d| *set(d) = event_target_value(&ev))
                    aria-invalid=invalid(error) aria-describedby=error_id.clone()/>
                <p class="hint">{hint}</p>
                <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
            </div>
        }
    };

    view! {
        <section class="panel">
            <h2>"Defaults for new zones"</h2>
            {move || saved().then(|| view! {
                <Alert kind="success">"Settings saved. New zones get these values."</Alert>
            })}
            {move || general().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <form class="settings-form" aria-label="Settings" on:submit=on_submit novalidate>
                <div class="settings-grid">
                    <div class="field">
                        <label for="settings-nameservers">"Name servers (one per line)"</label>
                        <textarea id="settings-nameservers" name="nameservers" rows="3"
                            spellcheck="false" placeholder="ns1.example.net."
                            prop:value=move || draft.with(|d| d.nameservers.clone())
                            on:input=move |ev| draft.update(|d| d.nameservers = event_target_value(&ev))
                            aria-invalid=ns_invalid aria-describedby="settings-nameservers-error">
                            {initial.with_value(|d| d.nameservers.clone())}
                        </textarea>
                        <p class="hint">"Absolute host names, ending in a dot. The first one is the SOA's primary name server (MNAME)."</p>
                        <ul class="field-error record-errors" id="settings-nameservers-error" role="alert">
                            {move || ns_errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                        </ul>
                    </div>
                    <div class="field">
                        <label for="settings-hostmaster">"Hostmaster"</label>
                        <input id="settings-hostmaster" name="hostmaster" type="text"
                            autocomplete="off" spellcheck="false"
                            value=initial.with_value(|d| d.hostmaster.clone())
                            prop:value=move || draft.with(|d| d.hostmaster.clone())
                            on:input=move |ev| draft.update(|d| d.hostmaster = event_target_value(&ev))
                            aria-invalid=invalid(save.field("hostmaster"))
                            aria-describedby="settings-hostmaster-error"/>
                        <p class="hint">"The SOA's responsible mailbox (RNAME): hostmaster@example.net or hostmaster.example.net."</p>
                        <FieldMessage id="settings-hostmaster-error" error=save.field("hostmaster")/>
                    </div>
                </div>
                <fieldset class="settings-timers">
                    <legend>"SOA timers and TTLs, in seconds"</legend>
                    {seconds_field(("settings-refresh", "soa_refresh", "Refresh",
                        "How often secondaries check for a new serial."),
                        |d| &d.soa_refresh, |d| &mut d.soa_refresh)}
                    {seconds_field(("settings-retry", "soa_retry", "Retry",
                        "How soon secondaries retry after a failed check."),
                        |d| &d.soa_retry, |d| &mut d.soa_retry)}
                    {seconds_field(("settings-expire", "soa_expire", "Expire",
                        "How long secondaries keep answering without reaching the primary."),
                        |d| &d.soa_expire, |d| &mut d.soa_expire)}
                    {seconds_field(("settings-minimum", "soa_minimum", "Negative-caching TTL",
                        "How long resolvers remember that a name does not exist (SOA minimum, RFC 2308)."),
                        |d| &d.soa_minimum, |d| &mut d.soa_minimum)}
                    {seconds_field(("settings-default-ttl", "default_ttl", "Default TTL",
                        "For records saved without a TTL, and new zones' SOA and NS records."),
                        |d| &d.default_ttl, |d| &mut d.default_ttl)}
                </fieldset>
                <div class="field">
                    <label for="settings-fcrdns">"FCrDNS policy for PTRs"</label>
                    <select id="settings-fcrdns" name="fcrdns_policy"
                        prop:value=move || draft.with(|d| d.fcrdns_policy.as_str())
                        on:change=move |ev| {
                            let policy = if event_target_value(&ev) == "warn" {
                                FcrdnsPolicy::Warn
                            } else {
                                FcrdnsPolicy::Strict
                            };
                            draft.update(|d| d.fcrdns_policy = policy);
                        }
                        aria-invalid=invalid(save.field("fcrdns_policy"))
                        aria-describedby="settings-fcrdns-error">
                        <option value="strict"
                            selected=initial.with_value(|d| d.fcrdns_policy == FcrdnsPolicy::Strict)>
                            "Strict: refuse the PTR"
                        </option>
                        <option value="warn"
                            selected=initial.with_value(|d| d.fcrdns_policy == FcrdnsPolicy::Warn)>
                            "Warn: store it, marked as failing"
                        </option>
                    </select>
                    <p class="hint">"What happens when a customer sets a PTR whose host name does not resolve back to the address (forward-confirmed reverse DNS)."</p>
                    <FieldMessage id="settings-fcrdns-error" error=save.field("fcrdns_policy")/>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || save.pending.get()>
                        {move || if save.pending.get() { "Saving…" } else { "Save settings" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            nameservers: "ns1.example.net.\n\n ns2.example.net. \n".into(),
            hostmaster: " hostmaster@example.net ".into(),
            soa_refresh: "7200".into(),
            soa_retry: "3600".into(),
            soa_expire: "1209600".into(),
            soa_minimum: "300".into(),
            default_ttl: "3600".into(),
            fcrdns_policy: FcrdnsPolicy::Strict,
        }
    }

    #[test]
    fn a_draft_becomes_a_request_with_line_numbers() {
        let (settings, lines) = to_settings(&draft()).unwrap();
        assert_eq!(
            settings.nameservers,
            vec!["ns1.example.net.", "ns2.example.net."]
        );
        assert_eq!(lines, vec![1, 3]);
        assert_eq!(settings.hostmaster, "hostmaster@example.net");
        assert_eq!(settings.soa_expire, 1_209_600);
        // Out of range is for the server to say; only non-numbers stop here.
        let zero = Draft {
            soa_refresh: "0".into(),
            ..draft()
        };
        assert_eq!(to_settings(&zero).unwrap().0.soa_refresh, 0);
    }

    #[test]
    fn non_numbers_are_named_by_field() {
        let bad = Draft {
            soa_retry: "1h".into(),
            default_ttl: "".into(),
            ..draft()
        };
        let errors = to_settings(&bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["soa_retry", "default_ttl"]);
    }

    #[test]
    fn name_server_errors_point_at_lines() {
        let errors = vec![
            field_error("nameservers[1]", "bad"),
            field_error("hostmaster", "other"),
        ];
        assert_eq!(
            line_messages(&errors, "nameservers", &[1, 3]),
            vec!["line 3: bad"]
        );
        assert_eq!(list_index("nameservers[0]", "nameservers"), Some(0));
        assert_eq!(list_index("nameservers", "nameservers"), None);
    }
}
