//! `/rdns`: reverse DNS of the customer's IP ranges — the list of ranges, and for the chosen
//! one (`?range=CIDR`, with `q` and `after` for the filter and the page, all in the URL so the
//! server renders it) a table of addresses with their names, TTLs and FCrDNS state, inline
//! editing of one PTR, and the bulk editor.
//!
//! IPv4 ranges list every address (those without a PTR answer with the range's default name);
//! IPv6 ranges are too large for that and list only the PTRs that are set, with a form to add
//! one by address. A range delegated under RFC 2317 is served by the customer's own name
//! servers, so it is shown read-only.

use dns_engine::model::HostName;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::rdns::{
    EntryStatus, Fcrdns, PutRdns, Range, Rdns, RdnsBatch, RdnsBatchResult, RdnsEntry, RdnsSaved,
};
use crate::api::{self, encode_component, FieldError};
use crate::components::ui::{
    clear_input, field_error, format_time, input_value, invalid, use_hydrated, Alert, ErrorPanel,
    Loading, Submission,
};
use crate::pages::rdns_bulk::{entry_field, fill_pattern, parse_lines, BulkLine};

/// The console URL of one range's table, with its filter and page.
pub fn range_href(network: &str, q: &str, after: Option<&str>) -> String {
    let mut href = format!("/rdns?range={}", encode_component(network));
    if !q.is_empty() {
        href.push_str(&format!("&q={}", encode_component(q)));
    }
    if let Some(after) = after {
        href.push_str(&format!("&after={}", encode_component(after)));
    }
    href
}

/// An id-safe form of an address (`203-0-113-5`, `2001-db8--1`).
fn ip_id(ip: &str) -> String {
    ip.replace(['.', ':'], "-")
}

fn is_v6(network: &str) -> bool {
    network.contains(':')
}

/// Reads a TTL field: empty means the operator's default; the range is the server's to judge.
fn parse_ttl(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| field_error("ttl", "Enter a whole number of seconds, or leave it empty."))
}

#[component]
pub fn ReverseDnsPage() -> impl IntoView {
    let query = use_query_map();
    let selected = Memo::new(move |_| query.read().get("range").unwrap_or_default());
    let ranges = Resource::new(|| (), |_| api::list_ranges());

    view! {
        <Title text="Reverse DNS"/>
        <section class="page-head">
            <h1>"Reverse DNS"</h1>
            <p class="muted">
                "PTR records for your IP ranges. Each name is checked by forward-confirmed reverse DNS "
                "(FCrDNS): the name must resolve back to the address, as mail servers expect."
            </p>
        </section>
        <Transition fallback=Loading>
            {move || {
                let network = selected.get();
                Suspend::new(async move {
                    match ranges.await {
                        Ok(list) => {
                            let chosen = list.iter().find(|r| r.network == network).cloned();
                            let unknown = !network.is_empty() && chosen.is_none();
                            view! {
                                <RangeList ranges=list selected=network.clone()/>
                                {unknown.then(|| view! {
                                    <Alert kind="error">
                                        {format!("{network} is not one of your ranges.")}
                                    </Alert>
                                })}
                                {chosen.map(|range| view! { <RangeView range/> })}
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn RangeList(ranges: Vec<Range>, selected: String) -> impl IntoView {
    let body = if ranges.is_empty() {
        view! {
            <p class="muted empty">
                "You have no IP ranges yet. Your provider assigns them; ask them for one."
            </p>
        }
        .into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="data" data-testid="ranges-table">
                    <thead>
                        <tr>
                            <th scope="col">"Range"</th>
                            <th scope="col">"Reverse zone"</th>
                            <th scope="col" class="num">"Addresses"</th>
                            <th scope="col" class="num">"PTRs set"</th>
                            <th scope="col">"Delegated to"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {ranges
                            .into_iter()
                            .map(|range| {
                                let current = range.network == selected;
                                let href = range_href(&range.network, "", None);
                                let delegated = range
                                    .delegate_ns
                                    .as_ref()
                                    .map(|ns| ns.join(", "))
                                    .unwrap_or_default();
                                view! {
                                    <tr class:row-current=current>
                                        <td data-label="Range">
                                            <A href=href attr:class="zone-link mono"
                                                attr:aria-current=current.then_some("true")>
                                                {range.network.clone()}
                                            </A>
                                        </td>
                                        <td data-label="Reverse zone" class="mono">{range.reverse_zone}</td>
                                        <td data-label="Addresses" class="num">{range.size}</td>
                                        <td data-label="PTRs set" class="num">{range.ptr_count.to_string()}</td>
                                        <td data-label="Delegated to" class="mono">{delegated}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel">
            <h2>"Your ranges"</h2>
            {body}
        </section>
    }
}

/// One range: its table (filtered, paged), and for ranges served here the editors.
#[component]
fn RangeView(range: Range) -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let after = Memo::new(move |_| query.read().get("after"));
    // Bumped after every change that is not made row by row (bulk apply, adding by address).
    let version = RwSignal::new(0u64);
    let network = StoredValue::new(range.network.clone());
    let page = Resource::new(
        move || (q.get(), after.get(), version.get()),
        move |(q, after, _)| api::list_rdns(&network.get_value(), after.as_deref(), None, &q),
    );
    let delegated = range.delegate_ns.clone().filter(|ns| !ns.is_empty());
    let read_only = delegated.is_some();
    let v6 = is_v6(&range.network);

    view! {
        <section class="panel" data-testid="range-view">
            <div class="panel-head">
                <h2>{format!("Range {}", range.network)}</h2>
                <FilterBox network=range.network.clone() q/>
            </div>
            {delegated.map(|ns| view! {
                <Alert kind="info">
                    {format!(
                        "This range is delegated to your name servers ({}) under RFC 2317: its PTRs \
                         are set there, not here. This table is read-only.",
                        ns.join(", ")
                    )}
                </Alert>
            })}
            {v6.then(|| view! {
                <p class="hint">
                    "An IPv6 range is too large to list address by address: the table shows the PTRs that are set."
                </p>
            })}
            {(v6 && !read_only).then(|| view! { <AddByAddress version/> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let next = page.next.clone();
                            let searching = !q.get_untracked().is_empty();
                            let first = after.get_untracked().is_some();
                            view! {
                                <RdnsTable items=page.items read_only searching/>
                                <nav class="table-tools" aria-label="Pages">
                                    {first.then(|| view! {
                                        <A href=range_href(&network.get_value(), &q.get_untracked(), None)
                                            attr:class="btn btn-quiet">"First page"</A>
                                    })}
                                    {next.map(|next| view! {
                                        <A href=range_href(&network.get_value(), &q.get_untracked(), Some(&next))
                                            attr:class="btn btn-quiet">"Next page"</A>
                                    })}
                                </nav>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        {(!read_only).then(|| view! { <BulkEditor network=range.network.clone() version/> })}
    }
}

/// A GET form like the zone search: works before hydration, navigates in place after it.
#[component]
fn FilterBox(network: String, q: Memo<String>) -> impl IntoView {
    let navigate = use_navigate();
    let input = NodeRef::<html::Input>::new();
    let net = StoredValue::new(network.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = input_value(input).trim().to_owned();
        navigate(
            &range_href(&net.get_value(), &text, None),
            Default::default(),
        );
    };
    view! {
        <form class="search" method="get" action="/rdns" role="search" on:submit=on_submit>
            <input type="hidden" name="range" value=network/>
            <label class="sr-only" for="rdns-filter">"Filter addresses and names"</label>
            <input node_ref=input id="rdns-filter" name="q" type="search"
                placeholder="Filter addresses or names" value=move || q.get()/>
            <button type="submit" class="btn btn-quiet">"Filter"</button>
            {move || (!q.get().is_empty()).then(|| view! {
                <A href=range_href(&net.get_value(), "", None) attr:class="btn btn-quiet">"Clear"</A>
            })}
        </form>
    }
}

#[component]
fn RdnsTable(items: Vec<Rdns>, read_only: bool, searching: bool) -> impl IntoView {
    if items.is_empty() {
        let text = if searching {
            "No address or name matches this filter."
        } else {
            "No PTR is set in this range yet."
        };
        return view! { <p class="muted empty">{text}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data rdns-table" data-testid="rdns-table">
                <thead>
                    <tr>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col" class="num">"TTL"</th>
                        <th scope="col">"FCrDNS"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|rdns| view! { <RdnsRow rdns read_only/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The FCrDNS state as a badge; the detail and the time of the check are its tooltip.
#[component]
pub fn FcrdnsBadge(
    fcrdns: Fcrdns,
    #[prop(into)] detail: String,
    checked: Option<String>,
) -> impl IntoView {
    let mut title = format!("Forward-confirmed reverse DNS: {}", fcrdns.as_str());
    if !detail.is_empty() {
        title.push_str(&format!(" — {detail}"));
    }
    if let Some(checked) = checked {
        title.push_str(&format!(" (checked {checked})"));
    }
    view! {
        <span class=format!("badge fcrdns fcrdns-{}", fcrdns.as_str()) title=title>
            {fcrdns.as_str()}
        </span>
    }
}

#[component]
fn RdnsRow(rdns: Rdns, read_only: bool) -> impl IntoView {
    let hydrated = use_hydrated();
    let ip = StoredValue::new(rdns.ip.clone());
    let id = ip_id(&rdns.ip);
    let row = RwSignal::new(rdns);
    let editing = RwSignal::new(false);
    let save = Submission::<RdnsSaved>::new();
    let revert = Submission::<Rdns>::new();
    let ptr_input = NodeRef::<html::Input>::new();
    let ttl_input = NodeRef::<html::Input>::new();

    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.result.get() {
            row.set(saved.rdns);
            editing.set(false);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(entry)) = revert.result.get() {
            row.set(entry);
        }
    });

    let on_save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let ptr = input_value(ptr_input).trim().to_owned();
        if ptr.is_empty() {
            save.reject(vec![field_error(
                "ptr",
                "Enter a host name, or use “Revert to default”.",
            )]);
            return;
        }
        if let Err(rule) = HostName::parse(&ptr) {
            save.reject(vec![field_error("ptr", &rule)]);
            return;
        }
        match parse_ttl(&input_value(ttl_input)) {
            Ok(ttl) => save.run(api::put_rdns(&ip.get_value(), &PutRdns { ptr, ttl })),
            Err(e) => save.reject(vec![e]),
        }
    };
    let on_revert = move |_| {
        save.result.set(None);
        let address = ip.get_value();
        let delete = api::delete_rdns(&address);
        let reload = api::get_rdns(&address);
        revert.run(async move {
            delete.await?;
            reload.await
        });
    };

    let ptr_error = save.field("ptr");
    let ttl_error = save.field("ttl");
    let general = save.general_error(&["ptr", "ttl"]);
    let revert_error = revert.general_error(&[]);
    let warnings = move || {
        save.result.with(|r| match r {
            Some(Ok(saved)) => saved.warnings.clone(),
            _ => Vec::new(),
        })
    };
    let ptr_id = format!("ptr-{id}");
    let ptr_error_id = format!("ptr-{id}-error");
    let ttl_id = format!("ttl-{id}");
    let ttl_error_id = format!("ttl-{id}-error");

    view! {
        <tr data-ip=ip.get_value() data-testid=format!("rdns-row-{id}")>
            <td data-label="Address" class="mono">{ip.get_value()}</td>
            <td data-label="Name">
                <Show
                    when=move || editing.get()
                    fallback=move || row.with(|r| match r.ptr {
                        Some(_) => view! { <span class="rr-name">{r.name.clone()}</span> }.into_any(),
                        None => view! {
                            <span class="muted">{r.name.clone()}</span>
                            " "
                            <span class="badge">"default"</span>
                        }
                        .into_any(),
                    })
                >
                    <form class="rdns-edit" on:submit=on_save novalidate>
                        <label class="sr-only" for=ptr_id.clone()>{format!("PTR for {}", ip.get_value())}</label>
                        <input node_ref=ptr_input id=ptr_id.clone() name="ptr" type="text"
                            autocomplete="off" spellcheck="false"
                            value=row.with_untracked(|r| r.ptr.clone().unwrap_or_default())
                            placeholder=row.with_untracked(|r| r.name.clone())
                            aria-invalid=invalid(ptr_error) aria-describedby=ptr_error_id.clone()/>
                        <label class="sr-only" for=ttl_id.clone()>{format!("TTL for {}", ip.get_value())}</label>
                        <input node_ref=ttl_input id=ttl_id.clone() name="ttl" type="text"
                            inputmode="numeric" class="ttl-input" placeholder="TTL"
                            value=row.with_untracked(|r| r.ttl.to_string())
                            aria-invalid=invalid(ttl_error) aria-describedby=ttl_error_id.clone()/>
                        <button type="submit" class="btn btn-primary"
                            disabled=move || save.pending.get()>
                            {move || if save.pending.get() { "Saving…" } else { "Save" }}
                        </button>
                        <button type="button" class="btn btn-quiet"
                            on:click=move |_| { editing.set(false); save.result.set(None); }>
                            "Cancel"
                        </button>
                        <p class="field-error" id=ptr_error_id.clone() role="alert">{move || ptr_error.get()}</p>
                        <p class="field-error" id=ttl_error_id.clone() role="alert">{move || ttl_error.get()}</p>
                        {move || general.get().map(|msg| view! { <p class="field-error" role="alert">{msg}</p> })}
                    </form>
                </Show>
                {move || {
                    let list = warnings();
                    (!list.is_empty()).then(|| view! {
                        <ul class="rdns-warnings" role="status">
                            {list.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                        </ul>
                    })
                }}
                {move || revert_error.get().map(|msg| view! {
                    <p class="field-error" role="alert">{format!("Could not revert: {msg}")}</p>
                })}
            </td>
            <td data-label="TTL" class="num">{move || row.with(|r| r.ttl.to_string())}</td>
            <td data-label="FCrDNS">
                {move || row.with(|r| {
                    let checked = r.checked_at.map(format_time);
                    let line = (r.fcrdns != Fcrdns::Pass && !r.fcrdns_detail.is_empty())
                        .then(|| r.fcrdns_detail.clone());
                    view! {
                        <FcrdnsBadge fcrdns=r.fcrdns detail=r.fcrdns_detail.clone() checked/>
                        {line.map(|l| view! { <div class="hint">{l}</div> })}
                    }
                })}
            </td>
            <td class="row-actions">
                {(!read_only).then(|| view! {
                    <Show when=move || !editing.get()>
                        <button type="button" class="btn btn-quiet"
                            disabled=move || !hydrated.get()
                            on:click=move |_| editing.set(true)>
                            "Edit"
                        </button>
                    </Show>
                    <Show when=move || row.with(|r| r.ptr.is_some())>
                        <button type="button" class="btn btn-danger-quiet"
                            disabled=move || !hydrated.get() || revert.pending.get()
                            on:click=on_revert>
                            "Revert to default"
                        </button>
                    </Show>
                })}
            </td>
        </tr>
    }
}

/// IPv6: add (or replace) the PTR of one address typed in.
#[component]
fn AddByAddress(version: RwSignal<u64>) -> impl IntoView {
    let hydrated = use_hydrated();
    let add = Submission::<RdnsSaved>::new();
    let ip_input = NodeRef::<html::Input>::new();
    let ptr_input = NodeRef::<html::Input>::new();
    let ttl_input = NodeRef::<html::Input>::new();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let ip = input_value(ip_input).trim().to_owned();
        let ptr = input_value(ptr_input).trim().to_owned();
        let mut errors = Vec::new();
        if ip.is_empty() {
            errors.push(field_error("ip", "Enter an address of this range."));
        }
        if ptr.is_empty() {
            errors.push(field_error("ptr", "Enter a host name."));
        } else if let Err(rule) = HostName::parse(&ptr) {
            // The engine's rules for a PTR target, as the server applies them.
            errors.push(field_error("ptr", &rule));
        }
        let ttl = match parse_ttl(&input_value(ttl_input)) {
            Ok(ttl) => ttl,
            Err(e) => {
                errors.push(e);
                None
            }
        };
        if !errors.is_empty() {
            add.reject(errors);
            return;
        }
        add.run(api::put_rdns(&ip, &PutRdns { ptr, ttl }));
    };
    Effect::new(move |_| {
        if matches!(add.result.get(), Some(Ok(_))) {
            clear_input(ip_input);
            clear_input(ptr_input);
            clear_input(ttl_input);
            version.update(|v| *v += 1);
        }
    });
    let general = add.general_error(&["ip", "ptr", "ttl"]);
    let saved = move || {
        add.result.with(|r| match r {
            Some(Ok(saved)) => Some(saved.clone()),
            _ => None,
        })
    };

    view! {
        <form class="form-row rdns-add" on:submit=on_submit novalidate aria-label="Add a PTR by address">
            <div class="field grow">
                <label for="rdns-add-ip">"Address"</label>
                <input node_ref=ip_input id="rdns-add-ip" name="ip" type="text" autocomplete="off"
                    spellcheck="false" placeholder="2001:db8:1::25"
                    aria-invalid=invalid(add.field("ip")) aria-describedby="rdns-add-ip-error"/>
                <p class="field-error" id="rdns-add-ip-error" role="alert">{move || add.field("ip").get()}</p>
            </div>
            <div class="field grow">
                <label for="rdns-add-ptr">"Host name"</label>
                <input node_ref=ptr_input id="rdns-add-ptr" name="ptr" type="text" autocomplete="off"
                    spellcheck="false" placeholder="mail.example.com"
                    aria-invalid=invalid(add.field("ptr")) aria-describedby="rdns-add-ptr-error"/>
                <p class="field-error" id="rdns-add-ptr-error" role="alert">{move || add.field("ptr").get()}</p>
            </div>
            <div class="field">
                <label for="rdns-add-ttl">"TTL (optional)"</label>
                <input node_ref=ttl_input id="rdns-add-ttl" name="ttl" type="text" inputmode="numeric"
                    class="ttl-input" aria-invalid=invalid(add.field("ttl")) aria-describedby="rdns-add-ttl-error"/>
                <p class="field-error" id="rdns-add-ttl-error" role="alert">{move || add.field("ttl").get()}</p>
            </div>
            <div class="field actions">
                <button type="submit" class="btn btn-primary"
                    disabled=move || !hydrated.get() || add.pending.get()>
                    {move || if add.pending.get() { "Adding…" } else { "Add PTR" }}
                </button>
            </div>
        </form>
        {move || general.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
        {move || saved().map(|saved| view! {
            <Alert kind="success">
                {format!("PTR of {} set to {} (FCrDNS {}).", saved.rdns.ip, saved.rdns.name, saved.rdns.fcrdns.as_str())}
                {saved.warnings.into_iter().map(|w| view! { <div>{w}</div> }).collect_view()}
            </Alert>
        })}
    }
}

/// A dry run's answer, kept with exactly the entries it judged so that "Apply" sends those.
#[derive(Clone, Debug, PartialEq)]
struct Preview {
    lines: Vec<BulkLine>,
    result: RdnsBatchResult,
}

/// The bulk editor: CSV lines, a pattern fill for IPv4 spans, a preview (dry run) and apply.
#[component]
fn BulkEditor(network: String, version: RwSignal<u64>) -> impl IntoView {
    let hydrated = use_hydrated();
    let v6 = is_v6(&network);
    let network = StoredValue::new(network);
    let text = RwSignal::new(String::new());
    let local_errors = RwSignal::new(Vec::<String>::new());
    let preview = RwSignal::new(None::<Preview>);
    let checking = Submission::<(Vec<BulkLine>, RdnsBatchResult)>::new();
    let apply = Submission::<RdnsBatchResult>::new();
    // The lines the last apply sent, to point its errors (`entries[i]`) at lines.
    let applied_lines = RwSignal::new(Vec::<BulkLine>::new());
    let fill_error = RwSignal::new(None::<String>);
    let from = NodeRef::<html::Input>::new();
    let to = NodeRef::<html::Input>::new();
    let pattern = NodeRef::<html::Input>::new();

    Effect::new(move |_| {
        if let Some(Ok((lines, result))) = checking.result.get() {
            preview.set(Some(Preview { lines, result }));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = apply.result.get() {
            preview.set(None);
            text.set(String::new());
            version.update(|v| *v += 1);
        }
    });

    let drop_preview = move || {
        preview.set(None);
        checking.result.set(None);
        local_errors.set(Vec::new());
    };

    let on_fill = move |_| match fill_pattern(
        &network.get_value(),
        &input_value(from),
        &input_value(to),
        &input_value(pattern),
    ) {
        Ok(lines) => {
            fill_error.set(None);
            text.set(lines.join("\n"));
            drop_preview();
            apply.result.set(None);
        }
        Err(msg) => fill_error.set(Some(msg)),
    };

    let on_preview = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply.result.set(None);
        preview.set(None);
        let (lines, bad) = parse_lines(&text.get_untracked());
        if !bad.is_empty() {
            local_errors.set(bad);
            return;
        }
        if lines.is_empty() {
            local_errors.set(vec!["Enter at least one line “ip,hostname”.".into()]);
            return;
        }
        local_errors.set(Vec::new());
        let batch = RdnsBatch {
            entries: lines.iter().map(BulkLine::entry).collect(),
        };
        let call = api::patch_rdns(&batch, true, true);
        checking.run(async move { call.await.map(|result| (lines, result)) });
    };

    let on_apply = move |_| {
        let Some(current) = preview.get_untracked() else {
            return;
        };
        let entries: Vec<RdnsEntry> = current.lines.iter().map(BulkLine::entry).collect();
        applied_lines.set(current.lines);
        apply.run(api::patch_rdns(&RdnsBatch { entries }, false, true));
    };

    let check_error = checking.general_error(&[]);
    let apply_errors = move || {
        apply.result.with(|r| {
            let err = r.as_ref()?.as_ref().err()?;
            let lines = applied_lines.get();
            let mut out = vec![err.message()];
            for e in &err.problem.errors {
                match entry_field(&e.field).and_then(|(i, f)| Some((lines.get(i)?, f))) {
                    Some((line, f)) => out.push(format!(
                        "line {} ({}), {f}: {}",
                        line.line, line.ip, e.message
                    )),
                    None => out.push(format!("{}: {}", e.field, e.message)),
                }
            }
            Some(out)
        })
    };
    let applied = move || {
        apply.result.with(|r| match r {
            Some(Ok(result)) => Some(result.stored),
            _ => None,
        })
    };

    view! {
        <section class="panel" data-testid="bulk-editor">
            <h2>"Bulk edit"</h2>
            <p class="hint">
                "One line per address: " <code>"ip,hostname"</code>
                ". An empty host name reverts the address to its default name. "
                "Preview checks every line (FCrDNS included) without storing anything; Apply stores the previewed lines, all or none."
            </p>
            {(!v6).then(|| view! {
                <fieldset class="form-row rdns-fill">
                    <legend>"Fill a span with a pattern"</legend>
                    <div class="field">
                        <label for="bulk-from">"From"</label>
                        <input node_ref=from id="bulk-from" type="text" autocomplete="off" spellcheck="false"
                            placeholder="203.0.113.1"/>
                    </div>
                    <div class="field">
                        <label for="bulk-to">"To"</label>
                        <input node_ref=to id="bulk-to" type="text" autocomplete="off" spellcheck="false"
                            placeholder="203.0.113.14"/>
                    </div>
                    <div class="field grow">
                        <label for="bulk-pattern">"Pattern"</label>
                        <input node_ref=pattern id="bulk-pattern" type="text" autocomplete="off" spellcheck="false"
                            placeholder="host-{a}-{b}-{c}-{d}.example.com" aria-describedby="bulk-pattern-hint"/>
                        <p class="hint" id="bulk-pattern-hint">
                            <code>"{a}"</code>"…"<code>"{d}"</code>" are the octets; "
                            <code>"{ip}"</code>" is the address with dashes (203-0-113-7)."
                        </p>
                    </div>
                    <div class="field actions">
                        <button type="button" class="btn btn-quiet" disabled=move || !hydrated.get()
                            on:click=on_fill>"Fill lines"</button>
                    </div>
                    {move || fill_error.get().map(|msg| view! {
                        <p class="field-error" role="alert" style="flex: 1 1 100%">{msg}</p>
                    })}
                </fieldset>
            })}
            <form on:submit=on_preview novalidate aria-label="Bulk edit">
                <div class="field">
                    <label for="bulk-lines">"Lines"</label>
                    <textarea id="bulk-lines" name="lines" rows="8" spellcheck="false" class="mono"
                        placeholder="203.0.113.5,mail.example.com"
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            text.set(event_target_value(&ev));
                            drop_preview();
                            apply.result.set(None);
                        }>
                    </textarea>
                </div>
                {move || {
                    let errors = local_errors.get();
                    (!errors.is_empty()).then(|| view! {
                        <ul class="field-error record-errors" role="alert" data-testid="bulk-local-errors">
                            {errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                        </ul>
                    })
                }}
                {move || check_error.get().map(|msg| view! { <Alert kind="error">{msg}</Alert> })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-quiet"
                        disabled=move || !hydrated.get() || checking.pending.get()>
                        {move || if checking.pending.get() { "Checking…" } else { "Preview" }}
                    </button>
                    <button type="button" class="btn btn-primary"
                        disabled=move || {
                            !hydrated.get()
                                || apply.pending.get()
                                || preview.with(|p| p.as_ref().is_none_or(|p| p.result.failed > 0))
                        }
                        on:click=on_apply>
                        {move || if apply.pending.get() { "Applying…" } else { "Apply" }}
                    </button>
                </div>
            </form>
            {move || applied().map(|stored| view! {
                <Alert kind="success">{format!("Stored {stored} line(s).")}</Alert>
            })}
            {move || apply_errors().map(|lines| view! {
                <Alert kind="error">
                    <ul class="record-errors">
                        {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                    </ul>
                </Alert>
            })}
            {move || preview.get().map(|p| view! { <PreviewTable preview=p/> })}
        </section>
    }
}

#[component]
fn PreviewTable(preview: Preview) -> impl IntoView {
    let failed = preview.result.failed;
    let summary = if failed == 0 {
        format!(
            "All {} line(s) can be stored. Apply stores exactly these.",
            preview.lines.len()
        )
    } else {
        format!("{failed} line(s) would be refused; correct them and preview again.")
    };
    let rows = preview
        .lines
        .into_iter()
        .zip(preview.result.results)
        .map(|(line, result)| {
            let ok = result.status == EntryStatus::Ok;
            let name = match &result.ptr {
                Some(ptr) => view! { <span>{ptr.clone()}</span> }.into_any(),
                None => view! { <span class="badge">"default"</span> }.into_any(),
            };
            view! {
                <tr class:row-error=!ok>
                    <td data-label="Line" class="num">{line.line.to_string()}</td>
                    <td data-label="Address" class="mono">{result.ip.clone()}</td>
                    <td data-label="Name">{name}</td>
                    <td data-label="Status">
                        <span class=if ok { "status status-on" } else { "status status-off" }>
                            {if ok { "ok" } else { "error" }}
                        </span>
                    </td>
                    <td data-label="FCrDNS">
                        {result.fcrdns.map(|f| view! {
                            <FcrdnsBadge fcrdns=f detail=result.fcrdns_detail.clone() checked=None/>
                        })}
                    </td>
                    <td data-label="Errors">
                        <ul class="record-errors field-error">
                            {result.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                        </ul>
                    </td>
                    <td data-label="Warnings">
                        <ul class="rdns-warnings">
                            {result.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                        </ul>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"Preview"</h3>
        <p class=if failed == 0 { "muted" } else { "field-error" }>{summary}</p>
        <div class="table-wrap">
            <table class="data" data-testid="bulk-preview">
                <thead>
                    <tr>
                        <th scope="col" class="num">"Line"</th>
                        <th scope="col">"Address"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"FCrDNS"</th>
                        <th scope="col">"Errors"</th>
                        <th scope="col">"Warnings"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_links_carry_filter_and_page() {
        assert_eq!(
            range_href("203.0.113.0/28", "", None),
            "/rdns?range=203.0.113.0%2F28"
        );
        assert_eq!(
            range_href("203.0.113.0/28", "mail", Some("203.0.113.7")),
            "/rdns?range=203.0.113.0%2F28&q=mail&after=203.0.113.7"
        );
        assert_eq!(ip_id("2001:db8::1"), "2001-db8--1");
    }

    #[test]
    fn ttls_are_optional_numbers() {
        assert_eq!(parse_ttl(" "), Ok(None));
        assert_eq!(parse_ttl("600"), Ok(Some(600)));
        assert_eq!(parse_ttl("1h").unwrap_err().field, "ttl");
    }
}
