//! `/tokens`: the user's API tokens — list, create (optionally scoped to some of the user's
//! zones), revoke.
//!
//! A new token's secret comes back exactly once, in the answer to the create call. It lives
//! only in this page's memory: a reload, or leaving the page, forgets it for good, which is
//! the point (the server keeps only a hash).

use std::collections::{BTreeSet, HashMap};

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{self, ApiResult, ApiToken, CreateTokenRequest, CreatedToken, Zone};
use crate::components::copy::SecretBox;
use crate::components::layout::use_session;
use crate::components::ui::{
    clear_input, end_of_day_utc, field_error, format_optional_time, format_time, input_checked,
    input_value, invalid, use_hydrated, Alert, ConfirmButton, ErrorPanel, FieldMessage, Loading,
    Submission,
};

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = Submission::<CreatedToken>::new();
    let revoke = Submission::<()>::new();
    // Reload the list after every create or revoke, successful or not: a failed revoke may
    // mean someone else already removed the token.
    let tokens = Resource::new(
        move || (create.version.get(), revoke.version.get()),
        |_| api::list_tokens(),
    );
    // The zones the user can see: the ones to pick a scope from, and the display names of
    // the zones in the listed scopes.
    let zones = Resource::new(|| (), |_| api::list_zones(""));
    let revoke_error = revoke.general_error(&[]);
    // Kept apart from `create.result` so that a later failed attempt (say, an empty name)
    // does not wipe a secret the user has not copied yet.
    let secret = RwSignal::new(None::<CreatedToken>);
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.result.get() {
            secret.set(Some(created));
        }
    });

    view! {
        <Title text="API tokens"/>
        <section class="page-head">
            <h1>"API tokens"</h1>
            <p class="muted">
                "Tokens let scripts and tools use the REST API as you. Send one as "
                <code>"Authorization: Bearer <token>"</code> ". "
                <a href="/api-docs" rel="external">"API documentation"</a>
            </p>
        </section>
        <NewSecret secret/>
        <CreateTokenForm create zones/>
        <section class="panel">
            <h2>"Your tokens"</h2>
            {move || revoke_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not revoke the token: {msg}")}</Alert>
            })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) => {
                            let names: HashMap<String, String> = zones
                                .await
                                .unwrap_or_default()
                                .into_iter()
                                .map(|z| (z.name, z.display_name))
                                .collect();
                            view! { <TokenTable tokens=list names revoke/> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The secret of the token just created, shown once.
#[component]
fn NewSecret(secret: RwSignal<Option<CreatedToken>>) -> impl IntoView {
    move || {
        secret.get().map(|created| {
            view! {
                <SecretBox title=format!("Token “{}” created", created.token.name)
                    secret=created.secret testid="token-secret" done="I have copied it"
                    on_done=Callback::new(move |()| secret.set(None))>
                    "Copy the secret now. It is not stored and "
                    <strong>"will not be shown again"</strong> "."
                </SecretBox>
            }
        })
    }
}

#[component]
fn CreateTokenForm(
    create: Submission<CreatedToken>,
    zones: Resource<ApiResult<Vec<Zone>>>,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let name = NodeRef::<html::Input>::new();
    let read_only = NodeRef::<html::Input>::new();
    let expires = NodeRef::<html::Input>::new();
    // The zones picked for the scope (A-label names); none picked: an unscoped token.
    let selected = RwSignal::new(BTreeSet::<String>::new());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let token_name = input_value(name).trim().to_owned();
        let expiry_text = input_value(expires);
        let expires_at = end_of_day_utc(&expiry_text);
        let mut errors = Vec::new();
        if token_name.is_empty() {
            errors.push(field_error(
                "name",
                "Give the token a name, e.g. the tool that uses it.",
            ));
        }
        if !expiry_text.is_empty() && expires_at.is_none() {
            errors.push(field_error("expires_at", "Enter a date as YYYY-MM-DD."));
        }
        if !errors.is_empty() {
            create.reject(errors);
            return;
        }
        let req = CreateTokenRequest {
            name: token_name,
            read_only: input_checked(read_only),
            expires_at,
            zones: selected.get_untracked().into_iter().collect(),
        };
        create.run(api::create_token(&req));
    };

    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(name);
            clear_input(expires);
            selected.set(BTreeSet::new());
        }
    });

    // `zones[i]` problems (a zone deleted meanwhile) are shown at the top, with the field
    // named: the picker has no single place for them.
    let general = create.general_error(&["name", "read_only", "expires_at"]);
    let session = use_session();

    view! {
        <section class="panel">
            <h2>"Create a token"</h2>
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            <form on:submit=on_submit class="form-row" novalidate>
                <div class="field grow">
                    <label for="token-name">"Name"</label>
                    <input node_ref=name id="token-name" name="name" type="text" maxlength="100"
                        placeholder="e.g. certbot on web1" required
                        aria-invalid=invalid(create.field("name")) aria-describedby="token-name-error"/>
                    <FieldMessage id="token-name-error" error=create.field("name")/>
                </div>
                <div class="field">
                    <label for="token-expires">"Expires (optional)"</label>
                    <input node_ref=expires id="token-expires" name="expires_at" type="date"
                        aria-invalid=invalid(create.field("expires_at")) aria-describedby="token-expires-error"/>
                    <FieldMessage id="token-expires-error" error=create.field("expires_at")/>
                </div>
                <div class="field checkbox">
                    <label>
                        <input node_ref=read_only type="checkbox" name="read_only"/>
                        " Read-only"
                    </label>
                    <FieldMessage id="token-read-only-error" error=create.field("read_only")/>
                </div>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        // Only the user's own zones can be a token's scope (an admin sees
                        // every account's zones in the list).
                        let me = session.await.ok().map(|u| u.email);
                        let own: Vec<Zone> = zones
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|z| me.as_deref().is_some_and(|m| z.owner.eq_ignore_ascii_case(m)))
                            .collect();
                        view! { <ZonePicker zones=own selected/> }
                    })}
                </Transition>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || create.pending.get()>
                        {move || if create.pending.get() { "Creating…" } else { "Create token" }}
                    </button>
                </div>
            </form>
            <p class="hint">"A token expires at the end of the chosen day (UTC). Without a date it works until revoked."</p>
        </section>
    }
}

/// Checkboxes of the user's zones, to limit a new token to some of them.
#[component]
fn ZonePicker(zones: Vec<Zone>, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    if zones.is_empty() {
        return ().into_any();
    }
    view! {
        <fieldset class="field token-zones" style="flex: 1 1 100%; border: 0; padding: 0; margin: 0; min-width: 0">
            <legend style="font-weight: 600; font-size: 0.9rem; padding: 0">"Limit to zones (optional)"</legend>
            <p class="hint">
                "A token limited to zones can read and change those zones and their records, and nothing "
                "else: no other zone, no new zones, no tokens, no account settings. Pick none for a "
                "token that acts for your whole account."
            </p>
            <div style="display: flex; flex-wrap: wrap; gap: 4px 18px; max-height: 12rem; overflow-y: auto">
                {zones
                    .into_iter()
                    .map(|zone| {
                        let key = zone.name.clone();
                        let checked = {
                            let key = key.clone();
                            move || selected.with(|s| s.contains(&key))
                        };
                        view! {
                            <label style="display: inline-flex; align-items: center; gap: 6px">
                                <input type="checkbox" name="zones" value=zone.name.clone()
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| {
                                            if on {
                                                s.insert(key.clone());
                                            } else {
                                                s.remove(&key);
                                            }
                                        });
                                    }/>
                                {zone.display_name}
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
    .into_any()
}

/// What a token's scope covers, in words: "all zones", or its zones' names for people.
fn scope_text(token: &ApiToken, names: &HashMap<String, String>) -> String {
    if !token.scoped {
        return "all zones".into();
    }
    if token.zones.is_empty() {
        return "no zones (its zones were deleted)".into();
    }
    token
        .zones
        .iter()
        .map(|z| names.get(z).unwrap_or(z).as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
fn TokenTable(
    tokens: Vec<ApiToken>,
    names: HashMap<String, String>,
    revoke: Submission<()>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="muted empty">"You have no API tokens yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Scope"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {tokens
                        .into_iter()
                        .map(|token| {
                            let zones = scope_text(&token, &names);
                            view! { <TokenRow token zones revoke/> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn TokenRow(token: ApiToken, zones: String, revoke: Submission<()>) -> impl IntoView {
    let id = token.id;
    let name = token.name.clone();
    let (scope, scope_class) = if token.read_only {
        ("read-only", "badge")
    } else {
        ("read-write", "badge badge-strong")
    };
    view! {
        <tr>
            <td data-label="Name">{token.name}</td>
            <td data-label="Scope">
                <span class=scope_class>{scope}</span>
                " "
                <span class="muted" data-testid="token-zones">{zones}</span>
            </td>
            <td data-label="Created">{format_time(token.created_at)}</td>
            <td data-label="Last used">{format_optional_time(token.last_used_at, "never")}</td>
            <td data-label="Expires">{format_optional_time(token.expires_at, "never")}</td>
            <td class="row-actions">
                <ConfirmButton
                    label="Revoke"
                    question=format!("Revoke “{name}”? Tools using it stop working.")
                    yes="Yes, revoke"
                    pending=revoke.pending
                    on_confirm=Callback::new(move |()| revoke.run(api::revoke_token(id)))
                />
            </td>
        </tr>
    }
}
