//! `/admin/secondaries`: the hidden primary's fleet — TSIG keys (the secret shown once), the
//! secondaries that follow every zone, the networks allowed to transfer without a key, and the
//! zones a secondary cannot serve completely, and Zonekeeper's own engine nodes with how far
//! behind each one is. Everything here is `/api/v1/tsig-keys`, `/api/v1/secondaries`,
//! `/api/v1/transfer-allow` and `/api/v1/engine-nodes`; admins only.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api;
use crate::api::primary::{
    CreateSecondary, CreateTransferNetwork, CreateTsigKey, CreatedTsigKey, EngineNode,
    EngineNodeState, Secondary, TransferNetwork, TsigKey, TSIG_ALGORITHMS,
};
use crate::components::copy::SecretBox;
use crate::components::ui::{
    clear_input, field_error, format_time, input_checked, input_value, invalid, use_hydrated,
    Alert, ConfirmButton, ErrorPanel, FieldMessage, Loading, Submission,
};

/// One of the page's lists, once loaded: `empty` when it has no items, else `table` of
/// them, or the error.
fn listing<T>(
    list: api::ApiResult<Vec<T>>,
    empty: &'static str,
    table: impl FnOnce(Vec<T>) -> AnyView,
) -> AnyView {
    match list {
        Ok(list) if list.is_empty() => view! { <p class="muted">{empty}</p> }.into_any(),
        Ok(list) => table(list),
        Err(error) => view! { <ErrorPanel error/> }.into_any(),
    }
}

#[component]
pub fn AdminSecondariesPage() -> impl IntoView {
    let key_created = Submission::<CreatedTsigKey>::new();
    let key_deleted = Submission::<()>::new();
    let secondary_created = Submission::<Secondary>::new();
    let secondary_deleted = Submission::<()>::new();
    let network_created = Submission::<TransferNetwork>::new();
    let network_deleted = Submission::<()>::new();
    let keys = Resource::new(
        move || (key_created.version.get(), key_deleted.version.get()),
        |_| api::list_tsig_keys(),
    );
    let secondaries = Resource::new(
        move || {
            (
                secondary_created.version.get(),
                secondary_deleted.version.get(),
            )
        },
        |_| api::list_secondaries(),
    );
    let networks = Resource::new(
        move || (network_created.version.get(), network_deleted.version.get()),
        |_| api::list_transfer_networks(),
    );
    let coverage = Resource::new(|| (), |_| api::secondary_coverage());
    let node_deleted = Submission::<()>::new();
    let nodes = Resource::new(
        move || node_deleted.version.get(),
        |_| api::list_engine_nodes(),
    );
    let node_delete_error = node_deleted.general_error(&[]);
    let secret = RwSignal::new(None::<CreatedTsigKey>);
    Effect::new(move |_| {
        if let Some(Ok(created)) = key_created.result.get() {
            secret.set(Some(created));
        }
    });
    let key_delete_error = key_deleted.general_error(&[]);
    let secondary_delete_error = secondary_deleted.general_error(&[]);
    let network_delete_error = network_deleted.general_error(&[]);

    view! {
        <Title text="Secondaries"/>
        <section class="page-head">
            <h1>"Secondaries"</h1>
            <p class="muted">
                "Zonekeeper is the hidden primary of these name servers: each gets a NOTIFY when a zone "
                "changes and pulls the change by IXFR (or the whole zone by AXFR), signed with its TSIG key. "
                "Knot and BIND learn the zones from the catalog zone; NSD needs each zone in its configuration."
            </p>
        </section>

        {move || secret.get().map(|created| view! {
            <SecretBox title=format!("Key “{}” created", created.key.name)
                secret=format!("{} {}", created.key.algorithm, created.secret)
                testid="tsig-secret" done="I have copied it"
                on_done=Callback::new(move |()| secret.set(None))>
                "Copy the secret into the secondaries' configuration now. It "
                <strong>"will not be shown again"</strong> "."
            </SecretBox>
        })}

        <section class="panel">
            <h2>"TSIG keys"</h2>
            <CreateKeyForm create=key_created/>
            {move || key_delete_error.get().map(|msg| view! { <Alert kind="error">{format!("Could not delete the key: {msg}")}</Alert> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    listing(keys.await, "No keys yet.", |list| {
                        view! { <KeyTable keys=list delete=key_deleted/> }.into_any()
                    })
                })}
            </Transition>
        </section>

        <section class="panel">
            <h2>"Secondary name servers"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    let keys = keys.await.unwrap_or_default();
                    view! { <CreateSecondaryForm create=secondary_created keys/> }
                })}
            </Transition>
            {move || secondary_delete_error.get().map(|msg| view! { <Alert kind="error">{format!("Could not remove the secondary: {msg}")}</Alert> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    listing(secondaries.await, "No secondaries yet: every zone is served by Zonekeeper alone.", |list| {
                        view! { <SecondaryTable secondaries=list delete=secondary_deleted/> }.into_any()
                    })
                })}
            </Transition>
        </section>

        <section class="panel">
            <h2>"Transfers without a key"</h2>
            <p class="hint">"Networks listed here may transfer every zone unsigned. Prefer TSIG keys."</p>
            <CreateNetworkForm create=network_created/>
            {move || network_delete_error.get().map(|msg| view! { <Alert kind="error">{format!("Could not remove the network: {msg}")}</Alert> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    listing(networks.await, "None.", |list| {
                        view! { <NetworkTable networks=list delete=network_deleted/> }.into_any()
                    })
                })}
            </Transition>
        </section>

        <section class="panel">
            <h2>"Engine nodes"</h2>
            <p class="hint">
                "Zonekeeper's own name servers: the engine in this panel and each standalone "
                <code>"dns-engine"</code>" that follows the store (on the primary or a replica). "
                "Each reports every few seconds."
            </p>
            {move || node_delete_error.get().map(|msg| view! { <Alert kind="error">{format!("Could not forget the node: {msg}")}</Alert> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    listing(nodes.await, "No engine has reported yet.", |list| {
                        view! { <NodeTable nodes=list delete=node_deleted/> }.into_any()
                    })
                })}
            </Transition>
        </section>

        <section class="panel">
            <h2>"Zones a secondary cannot serve completely"</h2>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    listing(coverage.await, "None: secondaries answer every zone as Zonekeeper does.", |list| {
                        view! {
                            <table class="data">
                                <thead><tr><th>"Zone"</th><th>"What only Zonekeeper answers"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|z| view! {
                                        <tr><td data-label="Zone">{z.zone}</td><td data-label="Why">{z.reason}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateKeyForm(create: Submission<CreatedTsigKey>) -> impl IntoView {
    let hydrated = use_hydrated();
    let name = NodeRef::<html::Input>::new();
    let algorithm = NodeRef::<html::Select>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let key_name = input_value(name).trim().to_owned();
        if key_name.is_empty() {
            create.reject(vec![field_error(
                "name",
                "Give the key a name, e.g. xfr-key.",
            )]);
            return;
        }
        let req = CreateTsigKey {
            name: key_name,
            algorithm: algorithm.get_untracked().map(|s| s.value()),
            secret: None,
        };
        create.run(api::create_tsig_key(&req));
    };
    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(name);
        }
    });
    let general = create.general_error(&["name", "algorithm"]);
    view! {
        {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
        <form on:submit=on_submit class="form-row" novalidate>
            <div class="field grow">
                <label for="tsig-name">"Key name"</label>
                <input node_ref=name id="tsig-name" name="name" type="text" maxlength="255" placeholder="xfr-key."
                    aria-invalid=invalid(create.field("name")) aria-describedby="tsig-name-error"/>
                <FieldMessage id="tsig-name-error" error=create.field("name")/>
            </div>
            <div class="field">
                <label for="tsig-algorithm">"Algorithm"</label>
                <select node_ref=algorithm id="tsig-algorithm" name="algorithm">
                    {TSIG_ALGORITHMS.iter().map(|a| view! {
                        <option value=*a>{if *a == "hmac-sha1" { format!("{a} (deprecated)") } else { (*a).to_owned() }}</option>
                    }).collect_view()}
                </select>
                <FieldMessage id="tsig-algorithm-error" error=create.field("algorithm")/>
            </div>
            <div class="field actions">
                <button type="submit" class="btn btn-primary" disabled=move || !hydrated.get() || create.pending.get()>
                    {move || if create.pending.get() { "Creating…" } else { "Create key" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn KeyTable(keys: Vec<TsigKey>, delete: Submission<()>) -> impl IntoView {
    view! {
        <table class="data">
            <thead><tr><th>"Name"</th><th>"Algorithm"</th><th>"Created"</th><th></th></tr></thead>
            <tbody>
                {keys.into_iter().map(|key| {
                    let name = key.name.clone();
                    view! {
                        <tr>
                            <td data-label="Name"><code>{key.name.clone()}</code></td>
                            <td data-label="Algorithm">
                                {key.algorithm.clone()}
                                {key.deprecated.then(|| view! { " " <span class="badge badge-warn">"deprecated"</span> })}
                            </td>
                            <td data-label="Created">{format_time(key.created_at)}</td>
                            <td class="row-actions">
                                <ConfirmButton
                                    label="Delete"
                                    question=format!("Delete the key “{}”?", key.name)
                                    yes="Yes, delete"
                                    pending=delete.pending
                                    on_confirm=Callback::new(move |()| delete.run(api::delete_tsig_key(&name)))
                                />
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn CreateSecondaryForm(create: Submission<Secondary>, keys: Vec<TsigKey>) -> impl IntoView {
    let hydrated = use_hydrated();
    let address = NodeRef::<html::Input>::new();
    let port = NodeRef::<html::Input>::new();
    let key = NodeRef::<html::Select>::new();
    let catalog = NodeRef::<html::Input>::new();
    let comment = NodeRef::<html::Input>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let addr = input_value(address).trim().to_owned();
        let port_text = input_value(port).trim().to_owned();
        let mut errors = Vec::new();
        if addr.parse::<std::net::IpAddr>().is_err() {
            errors.push(field_error("address", "Enter an IPv4 or IPv6 address."));
        }
        let port_number = match port_text.as_str() {
            "" => None,
            text => match text.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => {
                    errors.push(field_error("port", "Enter a port from 1 to 65535."));
                    None
                }
            },
        };
        if !errors.is_empty() {
            create.reject(errors);
            return;
        }
        let req = CreateSecondary {
            address: addr,
            port: port_number,
            tsig_key: key
                .get_untracked()
                .map(|s| s.value())
                .filter(|v| !v.is_empty()),
            catalog: Some(input_checked(catalog)),
            comment: Some(input_value(comment)).filter(|c| !c.trim().is_empty()),
        };
        create.run(api::create_secondary(&req));
    };
    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(address);
            clear_input(port);
            clear_input(comment);
        }
    });
    let general = create.general_error(&["address", "port", "tsig_key", "comment"]);
    view! {
        {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
        <form on:submit=on_submit class="form-row" novalidate>
            <div class="field grow">
                <label for="secondary-address">"Address"</label>
                <input node_ref=address id="secondary-address" name="address" type="text" placeholder="198.51.100.53"
                    aria-invalid=invalid(create.field("address")) aria-describedby="secondary-address-error"/>
                <FieldMessage id="secondary-address-error" error=create.field("address")/>
            </div>
            <div class="field">
                <label for="secondary-port">"Port"</label>
                <input node_ref=port id="secondary-port" name="port" type="text" inputmode="numeric" placeholder="53" size="6"
                    aria-invalid=invalid(create.field("port")) aria-describedby="secondary-port-error"/>
                <FieldMessage id="secondary-port-error" error=create.field("port")/>
            </div>
            <div class="field">
                <label for="secondary-key">"TSIG key"</label>
                <select node_ref=key id="secondary-key" name="tsig_key">
                    {keys.iter().map(|k| view! { <option value=k.name.clone()>{k.name.clone()}</option> }).collect_view()}
                    <option value="">"none (transfers allowed from its address)"</option>
                </select>
                <FieldMessage id="secondary-key-error" error=create.field("tsig_key")/>
            </div>
            <div class="field grow">
                <label for="secondary-comment">"Comment"</label>
                <input node_ref=comment id="secondary-comment" name="comment" type="text" maxlength="200" placeholder="ns2, Frankfurt"/>
                <FieldMessage id="secondary-comment-error" error=create.field("comment")/>
            </div>
            <div class="field checkbox">
                <label><input node_ref=catalog type="checkbox" name="catalog" checked/>" Reads the catalog zone"</label>
            </div>
            <div class="field actions">
                <button type="submit" class="btn btn-primary" disabled=move || !hydrated.get() || create.pending.get()>
                    {move || if create.pending.get() { "Adding…" } else { "Add secondary" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn SecondaryTable(secondaries: Vec<Secondary>, delete: Submission<()>) -> impl IntoView {
    view! {
        <table class="data">
            <thead><tr><th>"Address"</th><th>"Key"</th><th>"Zones"</th><th>"Sync"</th><th>"Comment"</th><th></th></tr></thead>
            <tbody>
                {secondaries.into_iter().map(|s| {
                    let id = s.id;
                    let shown = if s.address.contains(':') { format!("[{}]:{}", s.address, s.port) } else { format!("{}:{}", s.address, s.port) };
                    view! {
                        <tr>
                            <td data-label="Address"><code>{shown.clone()}</code></td>
                            <td data-label="Key">{s.tsig_key.unwrap_or_else(|| "none".into())}</td>
                            <td data-label="Zones">{if s.catalog { "from the catalog zone" } else { "configured on the secondary" }}</td>
                            <td data-label="Sync">
                                {match (s.zones_behind, s.last_checked) {
                                    (_, None) => "not asked yet".to_owned(),
                                    (0, Some(at)) => format!("in sync (asked {})", format_time(at)),
                                    (n, Some(at)) => format!("{n} zone(s) behind (asked {})", format_time(at)),
                                }}
                            </td>
                            <td data-label="Comment">{s.comment}</td>
                            <td class="row-actions">
                                <ConfirmButton
                                    label="Remove"
                                    question=format!("Remove {shown}? It gets no more NOTIFY and may no longer transfer.")
                                    yes="Yes, remove"
                                    pending=delete.pending
                                    on_confirm=Callback::new(move |()| delete.run(api::delete_secondary(id)))
                                />
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn CreateNetworkForm(create: Submission<TransferNetwork>) -> impl IntoView {
    let hydrated = use_hydrated();
    let network = NodeRef::<html::Input>::new();
    let comment = NodeRef::<html::Input>::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let req = CreateTransferNetwork {
            network: input_value(network).trim().to_owned(),
            comment: Some(input_value(comment)).filter(|c| !c.trim().is_empty()),
        };
        create.run(api::create_transfer_network(&req));
    };
    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(network);
            clear_input(comment);
        }
    });
    let general = create.general_error(&["network", "comment"]);
    view! {
        {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
        <form on:submit=on_submit class="form-row" novalidate>
            <div class="field grow">
                <label for="allow-network">"Network"</label>
                <input node_ref=network id="allow-network" name="network" type="text" placeholder="198.51.100.0/24"
                    aria-invalid=invalid(create.field("network")) aria-describedby="allow-network-error"/>
                <FieldMessage id="allow-network-error" error=create.field("network")/>
            </div>
            <div class="field grow">
                <label for="allow-comment">"Comment"</label>
                <input node_ref=comment id="allow-comment" name="comment" type="text" maxlength="200"/>
            </div>
            <div class="field actions">
                <button type="submit" class="btn btn-primary" disabled=move || !hydrated.get() || create.pending.get()>
                    {move || if create.pending.get() { "Adding…" } else { "Allow" }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn NetworkTable(networks: Vec<TransferNetwork>, delete: Submission<()>) -> impl IntoView {
    view! {
        <table class="data">
            <thead><tr><th>"Network"</th><th>"Comment"</th><th></th></tr></thead>
            <tbody>
                {networks.into_iter().map(|n| {
                    let id = n.id;
                    view! {
                        <tr>
                            <td data-label="Network"><code>{n.network.clone()}</code></td>
                            <td data-label="Comment">{n.comment}</td>
                            <td class="row-actions">
                                <ConfirmButton
                                    label="Remove"
                                    question=format!("Stop allowing {} to transfer without a key?", n.network)
                                    yes="Yes, remove"
                                    pending=delete.pending
                                    on_confirm=Callback::new(move |()| delete.run(api::delete_transfer_network(id)))
                                />
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// How far behind a node is, in words.
fn lag(node: &EngineNode) -> String {
    match (node.changes_behind, node.behind_seconds) {
        (0, _) => "in sync".to_owned(),
        (n, Some(seconds)) => format!("{n} change(s) behind, {seconds:.1} s"),
        (n, None) => format!("{n} change(s) behind"),
    }
}

#[component]
fn NodeTable(nodes: Vec<EngineNode>, delete: Submission<()>) -> impl IntoView {
    view! {
        <table class="data" data-testid="engine-nodes">
            <thead><tr><th>"Node"</th><th>"DNS"</th><th>"State"</th><th>"Behind"</th><th>"Zones"</th><th>"Last seen"</th><th></th></tr></thead>
            <tbody>
                {nodes.into_iter().map(|node| {
                    let name = node.name.clone();
                    let state = match (node.reporting, node.state) {
                        (false, _) => ("not reporting", "badge badge-warn"),
                        (true, EngineNodeState::Following) => ("following", "badge"),
                        (true, EngineNodeState::Loading) => ("loading", "badge"),
                        (true, EngineNodeState::Stale) => ("store unreachable, serving its last data", "badge badge-warn"),
                    };
                    view! {
                        <tr>
                            <td data-label="Node">
                                <code>{node.name.clone()}</code>
                                {node.replica.then(|| view! { " " <span class="badge">"replica"</span> })}
                            </td>
                            <td data-label="DNS"><code>{node.dns_address.clone()}</code></td>
                            <td data-label="State"><span class=state.1>{state.0}</span></td>
                            <td data-label="Behind">{lag(&node)}</td>
                            <td data-label="Zones">{format!("{} ({} records)", node.zones, node.records)}</td>
                            <td data-label="Last seen">{format_time(node.seen_at)}</td>
                            <td class="row-actions">
                                <ConfirmButton
                                    label="Forget"
                                    question=format!("Forget “{}”? A node that still runs reports again.", node.name)
                                    yes="Yes, forget"
                                    pending=delete.pending
                                    on_confirm=Callback::new(move |()| delete.run(api::delete_engine_node(&name)))
                                />
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
