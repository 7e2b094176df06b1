//! `/zones`: the forward zones the user may see — search, list, create.
//!
//! The search lives in the URL (`?search=`), so a search is a link that can be shared and the
//! box works as a plain GET form before hydration. Admins see every zone and its owner;
//! customers see their own. Deleting happens on the zone's own page, after a confirmation.

use dns_engine::model::ZoneName;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, encode_component, CreateZoneRequest, Role, Zone};
use crate::components::layout::use_session;
use crate::components::ui::{
    clear_input, field_error, format_time, input_value, invalid, use_hydrated, Alert, ErrorPanel,
    FieldMessage, Loading, Submission,
};

/// The console URL of one zone's page.
pub fn zone_href(name: &str) -> String {
    format!("/zones/{}", encode_component(name))
}

#[component]
pub fn ZonesPage() -> impl IntoView {
    let me = use_session();
    let query = use_query_map();
    let search = Memo::new(move |_| query.read().get("search").unwrap_or_default());
    let create = Submission::<Zone>::new();
    let zones = Resource::new(
        move || (search.get(), create.version.get()),
        |(text, _)| api::list_zones(&text),
    );

    view! {
        <Title text="Zones"/>
        <section class="page-head">
            <h1>"Zones"</h1>
            <p class="muted">"Forward DNS zones: records, SOA and serials, validated on save."</p>
        </section>
        <CreateZoneForm create/>
        <section class="panel">
            <div class="panel-head">
                <h2>"Your zones"</h2>
                <SearchBox search/>
            </div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    // The owner column is for admins, who see everyone's zones.
                    let is_admin = matches!(me.await, Ok(ref user) if user.role == Role::Admin);
                    match zones.await {
                        Ok(list) => view! {
                            <ZoneTable zones=list is_admin searching=!search.get_untracked().is_empty()/>
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A GET form: works natively before hydration, navigates in place after it.
#[component]
fn SearchBox(search: Memo<String>) -> impl IntoView {
    let navigate = use_navigate();
    let input = NodeRef::<html::Input>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = input_value(input).trim().to_owned();
        let url = if text.is_empty() {
            "/zones".to_owned()
        } else {
            format!("/zones?search={}", encode_component(&text))
        };
        navigate(&url, Default::default());
    };
    view! {
        <form class="search" method="get" action="/zones" role="search" on:submit=on_submit>
            <label class="sr-only" for="zone-search">"Search zones"</label>
            <input node_ref=input id="zone-search" name="search" type="search"
                placeholder="Search zones" value=move || search.get()/>
            <button type="submit" class="btn btn-quiet">"Search"</button>
            {move || (!search.get().is_empty()).then(|| view! {
                <A href="/zones" attr:class="btn btn-quiet">"Clear"</A>
            })}
        </form>
    }
}

#[component]
fn CreateZoneForm(create: Submission<Zone>) -> impl IntoView {
    let hydrated = use_hydrated();
    let name = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let zone_name = input_value(name).trim().to_owned();
        if zone_name.is_empty() {
            create.reject(vec![field_error(
                "name",
                "Enter the zone's domain name, e.g. example.com.",
            )]);
            return;
        }
        // The engine's rules for a zone's name, as the server applies them.
        if let Err(rule) = ZoneName::parse(&zone_name) {
            create.reject(vec![field_error("name", &rule)]);
            return;
        }
        create.run(api::create_zone(&CreateZoneRequest { name: zone_name }));
    };

    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(name);
        }
    });

    let general = create.general_error(&["name"]);
    let created = move || match create.result.get() {
        Some(Ok(zone)) => Some(zone),
        _ => None,
    };

    view! {
        <section class="panel">
            <h2>"Create a zone"</h2>
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            {move || created().map(|zone| view! {
                <Alert kind="success">
                    {format!("Zone {} created. ", zone.display_name)}
                    <A href=zone_href(&zone.name)>"Open it"</A>
                </Alert>
            })}
            <form on:submit=on_submit class="form-row" novalidate>
                <div class="field grow">
                    <label for="zone-name">"Zone name"</label>
                    <input node_ref=name id="zone-name" name="name" type="text" autocomplete="off"
                        spellcheck="false" placeholder="example.com" required
                        aria-invalid=invalid(create.field("name")) aria-describedby="zone-name-error"/>
                    <FieldMessage id="zone-name-error" error=create.field("name")/>
                </div>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || create.pending.get()>
                        {move || if create.pending.get() { "Creating…" } else { "Create zone" }}
                    </button>
                </div>
            </form>
            <p class="hint">"Internationalized names (e.g. münchen.de) are stored in their ASCII form. New zones get a SOA and serial automatically."</p>
        </section>
    }
}

#[component]
fn ZoneTable(zones: Vec<Zone>, is_admin: bool, searching: bool) -> impl IntoView {
    if zones.is_empty() {
        let text = if searching {
            "No zone matches this search."
        } else {
            "You have no zones yet. Create one above."
        };
        return view! { <p class="muted empty">{text}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="zones-table">
                <thead>
                    <tr>
                        <th scope="col">"Zone"</th>
                        <th scope="col" class="num">"Records"</th>
                        <th scope="col" class="num">"Serial"</th>
                        <th scope="col">"Last change"</th>
                        {is_admin.then(|| view! { <th scope="col">"Owner"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {zones
                        .into_iter()
                        .map(|zone| view! { <ZoneRow zone is_admin/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ZoneRow(zone: Zone, is_admin: bool) -> impl IntoView {
    let href = zone_href(&zone.name);
    // IDN zones show their Unicode form; the A-label goes in the tooltip.
    let title = (zone.display_name != zone.name).then(|| zone.name.clone());
    view! {
        <tr>
            <td data-label="Zone">
                <A href=href attr:class="zone-link" attr:title=title>{zone.display_name}</A>
            </td>
            <td data-label="Records" class="num">{zone.record_count.to_string()}</td>
            <td data-label="Serial" class="num mono">{zone.serial.to_string()}</td>
            <td data-label="Last change">{format_time(zone.updated_at)}</td>
            {is_admin.then(|| view! { <td data-label="Owner">{zone.owner}</td> })}
        </tr>
    }
}
