//! `/admin/reverse-dns`: the provider's IP space — reverse zones (a network and the template of
//! the default names its addresses answer with) and the ranges of them assigned to customers,
//! optionally delegated to the customer's own name servers (RFC 2317).
//!
//! Admin only. The server checks everything (`/api/v1/reverse-zones`, `/api/v1/ranges`) and its
//! messages are shown next to the field they name; deleting and unassigning ask first.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::rdns::{
    AssignRangeRequest, CreateReverseZoneRequest, Range, ReverseZone, UpdateReverseZoneRequest,
};
use crate::api::{self, FieldError};
use crate::components::layout::AdminOnly;
use crate::components::ui::{
    clear_input, field_error, format_time, input_value, invalid, use_hydrated, Alert,
    ConfirmButton, ErrorPanel, FieldMessage, Loading, Submission,
};

#[component]
pub fn AdminReverseDnsPage() -> impl IntoView {
    view! {
        <Title text="IP space"/>
        <section class="page-head">
            <h1>"Reverse zones and ranges"</h1>
            <p class="muted">
                "Your IP space: reverse zones with the default names of their addresses, and the ranges "
                "customers set PTRs in."
            </p>
        </section>
        <AdminOnly view=|_| view! { <AdminPanels/> }/>
    }
}

/// Every change on this page; both lists reload after any of them (a range changes its reverse
/// zone's range count).
#[derive(Clone, Copy)]
struct Changes {
    create_zone: Submission<ReverseZone>,
    update_zone: Submission<ReverseZone>,
    delete_zone: Submission<()>,
    assign: Submission<Range>,
    unassign: Submission<()>,
    /// Bumped only when a template edit succeeds: a refused one keeps its row open, with the
    /// server's message next to the field.
    updated: RwSignal<u64>,
}

impl Changes {
    fn version(self) -> (u64, u64, u64, u64, u64) {
        (
            self.create_zone.version.get(),
            self.updated.get(),
            self.delete_zone.version.get(),
            self.assign.version.get(),
            self.unassign.version.get(),
        )
    }
}

#[component]
fn AdminPanels() -> impl IntoView {
    let changes = Changes {
        create_zone: Submission::new(),
        update_zone: Submission::new(),
        delete_zone: Submission::new(),
        assign: Submission::new(),
        unassign: Submission::new(),
        updated: RwSignal::new(0),
    };
    Effect::new(move |_| {
        if matches!(changes.update_zone.result.get(), Some(Ok(_))) {
            changes.updated.update(|v| *v += 1);
        }
    });
    let zones = Resource::new(move || changes.version(), |_| api::list_reverse_zones());
    let ranges = Resource::new(move || changes.version(), |_| api::list_ranges());
    let delete_error = changes.delete_zone.general_error(&[]);
    let update_error = changes.update_zone.general_error(&["template"]);
    let unassign_error = changes.unassign.general_error(&[]);

    view! {
        <CreateReverseZoneForm create=changes.create_zone/>
        <section class="panel">
            <h2>"Reverse zones"</h2>
            {move || delete_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not delete the zone: {msg}")}</Alert>
            })}
            {move || update_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not change the template: {msg}")}</Alert>
            })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match zones.await {
                        Ok(list) => view! { <ReverseZoneTable zones=list changes/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <AssignRangeForm assign=changes.assign/>
        <section class="panel">
            <h2>"Assigned ranges"</h2>
            {move || unassign_error.get().map(|msg| view! {
                <Alert kind="error">{format!("Could not unassign the range: {msg}")}</Alert>
            })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match ranges.await {
                        Ok(list) => view! { <RangeTable ranges=list unassign=changes.unassign/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CreateReverseZoneForm(create: Submission<ReverseZone>) -> impl IntoView {
    let hydrated = use_hydrated();
    let network = NodeRef::<html::Input>::new();
    let template = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let req = CreateReverseZoneRequest {
            network: input_value(network).trim().to_owned(),
            template: input_value(template).trim().to_owned(),
        };
        let mut errors = Vec::new();
        if req.network.is_empty() {
            errors.push(field_error(
                "network",
                "Enter a network, e.g. 203.0.113.0/24 or 2001:db8::/32.",
            ));
        }
        if req.template.is_empty() {
            errors.push(field_error(
                "template",
                "Enter the template of the default names, e.g. static.{ip-reversed}.clients.example.net.",
            ));
        }
        if !errors.is_empty() {
            create.reject(errors);
            return;
        }
        create.run(api::create_reverse_zone(&req));
    };
    Effect::new(move |_| {
        if matches!(create.result.get(), Some(Ok(_))) {
            clear_input(network);
            clear_input(template);
        }
    });
    let general = create.general_error(&["network", "template"]);
    let created = move || match create.result.get() {
        Some(Ok(zone)) => Some(zone),
        _ => None,
    };

    view! {
        <section class="panel">
            <h2>"Create a reverse zone"</h2>
            {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            {move || created().map(|zone| view! {
                <Alert kind="success">{format!("Reverse zone {} created for {}.", zone.name, zone.network)}</Alert>
            })}
            <form on:submit=on_submit class="form-row" novalidate aria-label="Create a reverse zone">
                <div class="field">
                    <label for="rz-network">"Network"</label>
                    <input node_ref=network id="rz-network" name="network" type="text" autocomplete="off"
                        spellcheck="false" placeholder="203.0.113.0/24"
                        aria-invalid=invalid(create.field("network")) aria-describedby="rz-network-error"/>
                    <FieldMessage id="rz-network-error" error=create.field("network")/>
                </div>
                <div class="field grow">
                    <label for="rz-template">"Default-name template"</label>
                    <input node_ref=template id="rz-template" name="template" type="text" autocomplete="off"
                        spellcheck="false" placeholder="static.{ip-reversed}.clients.example.net"
                        aria-invalid=invalid(create.field("template")) aria-describedby="rz-template-error"/>
                    <FieldMessage id="rz-template-error" error=create.field("template")/>
                </div>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || create.pending.get()>
                        {move || if create.pending.get() { "Creating…" } else { "Create reverse zone" }}
                    </button>
                </div>
            </form>
            <p class="hint">
                "IPv4 networks end on an octet (/8, /16, /24); IPv6 on a nibble (a multiple of 4). "
                "Placeholders: " <code>"{ip}"</code> " (203-0-113-7), " <code>"{ip-reversed}"</code>
                " (7.113.0.203), and for IPv4 " <code>"{a}"</code> "…" <code>"{d}"</code>
                ". Host the template's zone here so that default names resolve forward (FCrDNS)."
            </p>
        </section>
    }
}

#[component]
fn ReverseZoneTable(zones: Vec<ReverseZone>, changes: Changes) -> impl IntoView {
    if zones.is_empty() {
        return view! { <p class="muted empty">"No reverse zones yet. Create one above."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="reverse-zones-table">
                <thead>
                    <tr>
                        <th scope="col">"Zone"</th>
                        <th scope="col">"Network"</th>
                        <th scope="col">"Default names"</th>
                        <th scope="col" class="num">"Ranges"</th>
                        <th scope="col" class="num">"Serial"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {zones.into_iter().map(|zone| view! { <ReverseZoneRow zone changes/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ReverseZoneRow(zone: ReverseZone, changes: Changes) -> impl IntoView {
    let hydrated = use_hydrated();
    let editing = RwSignal::new(false);
    let name = StoredValue::new(zone.name.clone());
    let update = changes.update_zone;
    let delete = changes.delete_zone;
    let template_input = NodeRef::<html::Input>::new();
    let template_error = update.field("template");
    let id = zone.name.replace('.', "-");
    let input_id = format!("rz-template-{id}");
    let error_id = format!("rz-template-{id}-error");

    let on_save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let template = input_value(template_input).trim().to_owned();
        update.run(api::update_reverse_zone(
            &name.get_value(),
            &UpdateReverseZoneRequest { template },
        ));
    };
    let template_zone = match zone.template_zone.clone() {
        Some(z) => view! { <div class="hint">{format!("in zone {z}")}</div> }.into_any(),
        None => view! {
            <div class="hint">
                <span class="badge badge-warn"
                    title="Default names in a zone not hosted here do not resolve forward and fail FCrDNS.">
                    "not hosted here"
                </span>
            </div>
        }
        .into_any(),
    };
    let template = zone.template.clone();
    let ranges = zone.range_count;

    view! {
        <tr>
            <td data-label="Zone" class="mono">{zone.name.clone()}</td>
            <td data-label="Network" class="mono">{zone.network.clone()}</td>
            <td data-label="Default names">
                <Show
                    when=move || editing.get()
                    fallback={
                        let template = template.clone();
                        move || view! { <span class="mono">{template.clone()}</span> }
                    }
                >
                    <form class="rdns-edit" on:submit=on_save novalidate>
                        <label class="sr-only" for=input_id.clone()>{format!("Template of {}", name.get_value())}</label>
                        <input node_ref=template_input id=input_id.clone() type="text" autocomplete="off"
                            spellcheck="false" value=zone.template.clone()
                            aria-invalid=invalid(template_error) aria-describedby=error_id.clone()/>
                        <button type="submit" class="btn btn-primary" disabled=move || update.pending.get()>
                            "Save"
                        </button>
                        <button type="button" class="btn btn-quiet"
                            on:click=move |_| { editing.set(false); update.result.set(None); }>
                            "Cancel"
                        </button>
                        <p class="field-error" id=error_id.clone() role="alert">{move || template_error.get()}</p>
                    </form>
                </Show>
                {template_zone}
            </td>
            <td data-label="Ranges" class="num">{ranges.to_string()}</td>
            <td data-label="Serial" class="num mono">{zone.serial.to_string()}</td>
            <td data-label="Created">{format_time(zone.created_at)}</td>
            <td class="row-actions">
                <Show when=move || !editing.get()>
                    <ConfirmButton label="Delete"
                        question=format!("Delete {}? Its default names stop answering.", name.get_value())
                        yes="Yes, delete" pending=delete.pending close_on_yes=true
                        on_confirm=Callback::new(move |()| delete.run(api::delete_reverse_zone(&name.get_value())))
                        before=move || view! {
                            <button type="button" class="btn btn-quiet" disabled=move || !hydrated.get()
                                on:click=move |_| { update.result.set(None); editing.set(true); }>
                                "Edit template"
                            </button>
                        }/>
                </Show>
            </td>
        </tr>
    }
}

/// The name servers of the textarea, one per non-empty line, with the (1-based) line of each.
fn ns_lines(text: &str) -> (Vec<String>, Vec<usize>) {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty()).then(|| (line.to_owned(), i + 1))
        })
        .unzip()
}

/// The messages about the delegation: the list as a whole, then each line's.
fn ns_messages(errors: &[FieldError], lines: &[usize]) -> Vec<String> {
    errors
        .iter()
        .filter_map(|e| {
            if e.field == "delegate_ns" {
                return Some(e.message.clone());
            }
            let i: usize = e
                .field
                .strip_prefix("delegate_ns[")?
                .strip_suffix(']')?
                .parse()
                .ok()?;
            let line = lines.get(i).copied().unwrap_or(i + 1);
            Some(format!("line {line}: {}", e.message))
        })
        .collect()
}

#[component]
fn AssignRangeForm(assign: Submission<Range>) -> impl IntoView {
    let hydrated = use_hydrated();
    let network = NodeRef::<html::Input>::new();
    let owner = NodeRef::<html::Input>::new();
    let delegate = NodeRef::<html::Textarea>::new();
    let sent_lines = RwSignal::new(Vec::<usize>::new());

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let ns_text = delegate
            .get_untracked()
            .map(|t| t.value())
            .unwrap_or_default();
        let (ns, lines) = ns_lines(&ns_text);
        let req = AssignRangeRequest {
            network: input_value(network).trim().to_owned(),
            owner: input_value(owner).trim().to_owned(),
            delegate_ns: (!ns.is_empty()).then_some(ns),
        };
        let mut errors = Vec::new();
        if req.network.is_empty() {
            errors.push(field_error(
                "network",
                "Enter the range, e.g. 203.0.113.0/28.",
            ));
        }
        if req.owner.is_empty() {
            errors.push(field_error("owner", "Enter the customer's email."));
        }
        if !errors.is_empty() {
            assign.reject(errors);
            return;
        }
        sent_lines.set(lines);
        assign.run(api::assign_range(&req));
    };
    Effect::new(move |_| {
        if matches!(assign.result.get(), Some(Ok(_))) {
            clear_input(network);
            clear_input(owner);
            if let Some(t) = delegate.get_untracked() {
                t.set_value("");
            }
        }
    });
    let general = move || {
        assign.result.with(|r| {
            let err = r.as_ref()?.as_ref().err()?;
            let unplaced: Vec<&FieldError> = err
                .problem
                .errors
                .iter()
                .filter(|e| {
                    !matches!(e.field.as_str(), "network" | "owner")
                        && !e.field.starts_with("delegate_ns")
                })
                .collect();
            if !err.problem.errors.is_empty() && unplaced.is_empty() {
                return None;
            }
            let mut msg = err.message();
            for e in unplaced {
                msg.push_str(&format!(" {}: {}", e.field, e.message));
            }
            Some(msg)
        })
    };
    let ns_errors = move || {
        assign.result.with(|r| {
            let errors = r
                .as_ref()
                .and_then(|r| r.as_ref().err())
                .map_or(&[][..], |e| e.problem.errors.as_slice());
            sent_lines.with(|lines| ns_messages(errors, lines))
        })
    };
    let created = move || match assign.result.get() {
        Some(Ok(range)) => Some(range),
        _ => None,
    };

    view! {
        <section class="panel">
            <h2>"Assign a range"</h2>
            {move || general().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
            {move || created().map(|range| view! {
                <Alert kind="success">{format!("{} assigned to {}.", range.network, range.owner)}</Alert>
            })}
            <form on:submit=on_submit class="form-row" novalidate aria-label="Assign a range">
                <div class="field">
                    <label for="range-network">"Range"</label>
                    <input node_ref=network id="range-network" name="network" type="text" autocomplete="off"
                        spellcheck="false" placeholder="203.0.113.0/28"
                        aria-invalid=invalid(assign.field("network")) aria-describedby="range-network-error"/>
                    <FieldMessage id="range-network-error" error=assign.field("network")/>
                </div>
                <div class="field grow">
                    <label for="range-owner">"Customer email"</label>
                    <input node_ref=owner id="range-owner" name="owner" type="email" autocomplete="off"
                        spellcheck="false" placeholder="customer@example.com"
                        aria-invalid=invalid(assign.field("owner")) aria-describedby="range-owner-error"/>
                    <FieldMessage id="range-owner-error" error=assign.field("owner")/>
                </div>
                <div class="field grow">
                    <label for="range-delegate">"Delegate to name servers (optional, one per line)"</label>
                    <textarea node_ref=delegate id="range-delegate" name="delegate_ns" rows="2"
                        spellcheck="false" placeholder="ns1.customer.example."
                        aria-invalid=move || (!ns_errors().is_empty()).then_some("true")
                        aria-describedby="range-delegate-error"></textarea>
                    <ul class="field-error record-errors" id="range-delegate-error" role="alert">
                        {move || ns_errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                </div>
                <div class="field actions">
                    <button type="submit" class="btn btn-primary"
                        disabled=move || !hydrated.get() || assign.pending.get()>
                        {move || if assign.pending.get() { "Assigning…" } else { "Assign range" }}
                    </button>
                </div>
            </form>
            <p class="hint">
                "A range must lie in one of the reverse zones above and overlap no other range. "
                "Delegation (RFC 2317) is for IPv4 ranges smaller than a /24: the customer then sets "
                "PTRs on their own name servers."
            </p>
        </section>
    }
}

#[component]
fn RangeTable(ranges: Vec<Range>, unassign: Submission<()>) -> impl IntoView {
    if ranges.is_empty() {
        return view! { <p class="muted empty">"No range is assigned yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data" data-testid="admin-ranges-table">
                <thead>
                    <tr>
                        <th scope="col">"Range"</th>
                        <th scope="col">"Reverse zone"</th>
                        <th scope="col">"Customer"</th>
                        <th scope="col" class="num">"Addresses"</th>
                        <th scope="col" class="num">"PTRs set"</th>
                        <th scope="col">"Delegated to"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {ranges.into_iter().map(|range| view! { <AdminRangeRow range unassign/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AdminRangeRow(range: Range, unassign: Submission<()>) -> impl IntoView {
    let network = StoredValue::new(range.network.clone());
    let delegated = range
        .delegate_ns
        .as_ref()
        .map(|ns| ns.join(", "))
        .unwrap_or_default();
    view! {
        <tr>
            <td data-label="Range" class="mono">{range.network.clone()}</td>
            <td data-label="Reverse zone" class="mono">{range.reverse_zone}</td>
            <td data-label="Customer">{range.owner}</td>
            <td data-label="Addresses" class="num">{range.size}</td>
            <td data-label="PTRs set" class="num">{range.ptr_count.to_string()}</td>
            <td data-label="Delegated to" class="mono">{delegated}</td>
            <td class="row-actions">
                <ConfirmButton
                    label="Unassign"
                    question=format!("Unassign {}? Its PTRs are deleted.", network.get_value())
                    yes="Yes, unassign"
                    pending=unassign.pending
                    close_on_yes=true
                    on_confirm=Callback::new(move |()| {
                        unassign.run(api::unassign_range(&network.get_value()));
                    })
                />
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegation_errors_point_at_lines() {
        let (ns, lines) = ns_lines("ns1.a.test\n\n ns2.a.test \n");
        assert_eq!(ns, vec!["ns1.a.test", "ns2.a.test"]);
        assert_eq!(lines, vec![1, 3]);
        let errors = vec![
            field_error("delegate_ns[1]", "is not a host name"),
            field_error("delegate_ns", "only for ranges smaller than a /24"),
            field_error("owner", "other"),
        ];
        assert_eq!(
            ns_messages(&errors, &lines),
            vec![
                "line 3: is not a host name",
                "only for ranges smaller than a /24"
            ]
        );
    }
}
