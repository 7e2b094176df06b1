//! Deleting the zone, after typing its name.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::form::general_message;
use crate::api::{self, Zone};
use crate::components::ui::{use_hydrated, use_replace_to, Alert, Submission};

/// Whether what the user typed names this zone (case and the trailing dot do not matter; the
/// Unicode and the A-label form both count).
pub(super) fn confirms_zone(typed: &str, zone: &Zone) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('.').to_lowercase();
    let typed = norm(typed);
    !typed.is_empty() && (typed == norm(&zone.name) || typed == norm(&zone.display_name))
}

#[component]
pub(super) fn DeleteZonePanel(zone: Zone) -> impl IntoView {
    let hydrated = use_hydrated();
    let leave = use_replace_to("/zones");
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
        remove.run_then(api::delete_zone(&api_name), leave.clone());
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
