//! The zone page's "Secondaries" panel: whether the zone's latest serial has reached every
//! secondary (`GET /api/v1/zones/{zone}/sync`), the way Route 53 says PENDING or INSYNC.

use leptos::prelude::*;

use crate::api;
use crate::components::ui::{format_optional_time, ErrorPanel, Loading};

#[component]
pub fn SyncPanel(zone: String) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let sync = Resource::new(
        move || (zone.clone(), refresh.get()),
        |(zone, _)| api::zone_sync(&zone),
    );
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match sync.await {
                    // Without secondaries there is nothing to say.
                    Ok(s) if s.secondaries.is_empty() => ().into_any(),
                    Ok(s) => view! {
                        <section class="panel" data-testid="sync-panel">
                            <h2>"Secondaries"</h2>
                            <p>
                                {if s.in_sync {
                                    view! { <span class="status status-on">{format!("In sync: every secondary serves serial {}", s.serial)}</span> }.into_any()
                                } else {
                                    view! { <span class="status status-off">{format!("Pending: not every secondary serves serial {} yet", s.serial)}</span> }.into_any()
                                }}
                                " "
                                <button type="button" class="btn btn-quiet" on:click=move |_| refresh.update(|r| *r += 1)>"Check again"</button>
                            </p>
                            <table class="data">
                                <thead><tr><th>"Secondary"</th><th>"Serial"</th><th>"State"</th><th>"Asked"</th></tr></thead>
                                <tbody>
                                    {s.secondaries.into_iter().map(|x| {
                                        let state = match (&x.error, x.in_sync, x.behind_since) {
                                            (Some(e), _, _) => e.clone(),
                                            (None, true, _) => "in sync".to_owned(),
                                            (None, false, Some(since)) => format!("behind since {}", format_optional_time(Some(since), "")),
                                            (None, false, None) => "not asked yet".to_owned(),
                                        };
                                        view! {
                                            <tr>
                                                <td data-label="Secondary"><code>{format!("{}:{}", x.address, x.port)}</code></td>
                                                <td data-label="Serial">{x.serial.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                                                <td data-label="State">{state}</td>
                                                <td data-label="Asked">{format_optional_time(x.checked_at, "never")}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
