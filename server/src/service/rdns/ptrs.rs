//! PTRs: one per address, checked for FCrDNS on every save, set one at a time or in batches;
//! and the forward zone editor's view of the reverse names of its addresses.

use super::*;

pub(super) struct PtrRow {
    pub(super) address: String,
    pub(super) hostname: String,
    pub(super) ttl: i32,
    pub(super) fcrdns: String,
    pub(super) fcrdns_detail: String,
    pub(super) checked_at: Option<OffsetDateTime>,
}

pub(super) fn fcrdns_state(text: &str) -> Fcrdns {
    match text {
        "pass" => Fcrdns::Pass,
        "fail" => Fcrdns::Fail,
        _ => Fcrdns::Unknown,
    }
}

pub(super) fn from_row(row: PtrRow, range: &str) -> Rdns {
    Rdns {
        ip: row.address,
        name: row.hostname.clone(),
        ptr: Some(row.hostname),
        ttl: u32::try_from(row.ttl).unwrap_or(0),
        fcrdns: fcrdns_state(&row.fcrdns),
        fcrdns_detail: row.fcrdns_detail,
        checked_at: row.checked_at,
        range: range.to_owned(),
    }
}

/// The entry of an address without a PTR: its default name.
pub(super) fn default_entry(
    addr: IpAddr,
    range: &RangeRow,
    template_hosted: bool,
    ttl: i32,
) -> Rdns {
    let name = range
        .template()
        .and_then(|t| t.render(addr))
        .map(|n| n.to_string())
        .unwrap_or_default();
    let (fcrdns, detail) = if template_hosted {
        (
            Fcrdns::Pass,
            "default name; it resolves to the address".to_owned(),
        )
    } else {
        (
            Fcrdns::Unknown,
            "default name; its domain is not hosted here, so it may not resolve forward".to_owned(),
        )
    };
    Rdns {
        ip: addr.to_string(),
        ptr: None,
        name,
        ttl: u32::try_from(ttl).unwrap_or(0),
        fcrdns,
        fcrdns_detail: detail,
        checked_at: None,
        range: range.network.clone(),
    }
}

pub(super) async fn template_hosted(
    conn: &mut PgConnection,
    range: &RangeRow,
) -> sqlx::Result<bool> {
    Ok(match range.template() {
        Some(t) => !hosted_suffixes(conn, &t.domain().to_string())
            .await?
            .is_empty(),
        None => false,
    })
}

/// The range that holds `addr`, if it is the caller's.
pub(super) async fn owning_range(
    conn: &mut PgConnection,
    who: &Principal,
    addr: IpAddr,
) -> Result<RangeRow, ServiceError> {
    range_rows(conn, who, None, Some(addr))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)
}

/// One page of the reverse DNS of a range.
pub async fn list_rdns(
    pool: &PgPool,
    who: &Principal,
    query: &RdnsQuery,
) -> Result<RdnsPage, ServiceError> {
    let network: Network = query
        .range
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ServiceError::field("range", e.0))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ServiceError::field(
            "limit",
            format!("must be between 1 and {MAX_PAGE}"),
        ));
    }
    let after = match &query.after {
        Some(text) => Some(parse_ip("after", text)?),
        None => None,
    };
    let needle = query
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut conn = pool.acquire().await?;
    let range = range_rows(&mut conn, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let (_, default_ttl) = policy(&mut conn).await?;
    let hosted = template_hosted(&mut conn, &range).await?;
    let rows = sqlx::query_as!(
        PtrRow,
        r#"select host(address) as "address!", hostname, ttl, fcrdns, fcrdns_detail, checked_at
             from ptr where range_id = $1 order by address"#,
        range.id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::new();
    let mut next = None;
    let matches =
        |e: &Rdns| needle.is_empty() || e.ip.contains(&needle) || e.name.contains(&needle);
    if network.is_ipv4() && network.size() <= LIST_ALL_UP_TO {
        let mut by_addr: HashMap<IpAddr, PtrRow> = rows
            .into_iter()
            .filter_map(|r| Some((r.address.parse().ok()?, r)))
            .collect();
        let IpAddr::V4(first) = network.addr() else {
            return Err(ServiceError::internal("IPv4 range without an IPv4 address"));
        };
        let first = u32::from(first);
        let start = match after {
            Some(IpAddr::V4(a)) => u32::from(a).saturating_add(1).max(first),
            _ => first,
        };
        let last = first + u32::try_from(network.size() - 1).unwrap_or(0);
        let mut value = start;
        while value <= last && value >= first {
            let addr = IpAddr::V4(value.into());
            let entry = match by_addr.remove(&addr) {
                Some(row) => from_row(row, &range.network),
                None => default_entry(addr, &range, hosted, default_ttl),
            };
            if matches(&entry) {
                if items.len() == limit as usize {
                    next = items.last().map(|e: &Rdns| e.ip.clone());
                    break;
                }
                items.push(entry);
            }
            if value == u32::MAX {
                break;
            }
            value += 1;
        }
    } else {
        for row in rows {
            let Ok(addr) = row.address.parse::<IpAddr>() else {
                continue;
            };
            if after.is_some_and(|a| addr <= a) {
                continue;
            }
            let entry = from_row(row, &range.network);
            if matches(&entry) {
                if items.len() == limit as usize {
                    next = items.last().map(|e: &Rdns| e.ip.clone());
                    break;
                }
                items.push(entry);
            }
        }
    }
    Ok(RdnsPage {
        range: range.network,
        items,
        next,
    })
}

/// The reverse DNS of one address of the caller's.
pub async fn get_rdns(pool: &PgPool, who: &Principal, ip: &str) -> Result<Rdns, ServiceError> {
    let addr = parse_ip("ip", ip)?;
    let mut conn = pool.acquire().await?;
    let range = owning_range(&mut conn, who, addr).await?;
    let row = sqlx::query_as!(
        PtrRow,
        r#"select host(address) as "address!", hostname, ttl, fcrdns, fcrdns_detail, checked_at
             from ptr where address = $1::text::inet"#,
        addr.to_string()
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(row) => from_row(row, &range.network),
        None => {
            let (_, ttl) = policy(&mut conn).await?;
            let hosted = template_hosted(&mut conn, &range).await?;
            default_entry(addr, &range, hosted, ttl)
        }
    })
}

/// Sets the PTR of one address.
pub async fn put_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    ip: &str,
    req: &PutRdns,
) -> Result<RdnsSaved, ServiceError> {
    let batch = RdnsBatch {
        entries: vec![frontend::api::rdns::RdnsEntry {
            ip: ip.to_owned(),
            ptr: Some(req.ptr.clone()),
            ttl: req.ttl,
        }],
    };
    let params = RdnsBatchParams {
        dry_run: false,
        atomic: Some(true),
    };
    let result = apply(pool, resolver, who, &batch, &params, Single::Yes).await?;
    let warnings = result
        .results
        .into_iter()
        .next()
        .map(|r| r.warnings)
        .unwrap_or_default();
    Ok(RdnsSaved {
        rdns: get_rdns(pool, who, ip).await?,
        warnings,
    })
}

/// Reverts one address to its default name.
pub async fn delete_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    ip: &str,
) -> Result<(), ServiceError> {
    let batch = RdnsBatch {
        entries: vec![frontend::api::rdns::RdnsEntry {
            ip: ip.to_owned(),
            ptr: None,
            ttl: None,
        }],
    };
    let params = RdnsBatchParams {
        dry_run: false,
        atomic: Some(true),
    };
    apply(pool, resolver, who, &batch, &params, Single::Yes).await?;
    Ok(())
}

/// The bulk endpoint.
pub async fn patch_rdns(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    batch: &RdnsBatch,
    params: &RdnsBatchParams,
) -> Result<RdnsBatchResult, ServiceError> {
    apply(pool, resolver, who, batch, params, Single::No).await
}

/// Whether the batch is one address of `PUT`/`DELETE /rdns/{ip}`: its errors then name the
/// request's own fields (`ip`, `ptr`, `ttl`) instead of `entries[0].…`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Single {
    Yes,
    No,
}

/// One entry on its way through validation.
pub(super) struct Pending {
    pub(super) addr: Option<IpAddr>,
    pub(super) host: Option<String>,
    pub(super) ttl: i32,
    pub(super) range: Option<usize>,
    pub(super) errors: Vec<FieldError>,
    pub(super) verdict: Option<Verdict>,
}

/// Validates every entry (syntax, ownership, duplicates, FCrDNS) and stores them all, or none
/// when any is refused (unless `atomic=false`), in one transaction.
pub(super) async fn apply(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    who: &Principal,
    batch: &RdnsBatch,
    params: &RdnsBatchParams,
    single: Single,
) -> Result<RdnsBatchResult, ServiceError> {
    if batch.entries.len() > MAX_BATCH {
        return Err(ServiceError::field(
            "entries",
            format!(
                "at most {MAX_BATCH} entries per request (got {})",
                batch.entries.len()
            ),
        ));
    }
    let atomic = params.atomic.unwrap_or(true);
    let field = |i: usize, name: &str| match single {
        Single::Yes => name.to_owned(),
        Single::No => format!("entries[{i}].{name}"),
    };
    let mut conn = pool.acquire().await?;
    let (policy, default_ttl) = policy(&mut conn).await?;
    // Every range of the caller, sorted, to find each address's range by binary search.
    let ranges = range_rows(&mut conn, who, None, None).await?;
    let mut nets: Vec<(Network, usize)> = Vec::with_capacity(ranges.len());
    for (i, r) in ranges.iter().enumerate() {
        nets.push((r.net()?, i));
    }
    nets.sort_by_key(|(n, _)| (n.is_ipv4(), n.addr()));
    let find_range = |addr: IpAddr| -> Option<usize> {
        let key = (addr.is_ipv4(), addr);
        let idx = nets.partition_point(|(n, _)| (n.is_ipv4(), n.addr()) <= key);
        idx.checked_sub(1)
            .map(|i| nets[i])
            .filter(|(n, _)| n.contains(addr))
            .map(|(_, r)| r)
    };

    let mut seen: HashMap<IpAddr, usize> = HashMap::with_capacity(batch.entries.len());
    let mut pending: Vec<Pending> = Vec::with_capacity(batch.entries.len());
    for (i, entry) in batch.entries.iter().enumerate() {
        let (mut addr_ok, mut range, mut host, mut ttl) = (None, None, None, default_ttl);
        let mut errors: Vec<FieldError> = Vec::new();
        let mut refuse = |name: &str, message: String| {
            errors.push(FieldError {
                field: field(i, name),
                message,
            });
        };
        match entry.ip.trim().parse::<IpAddr>() {
            Err(_) => refuse(
                "ip",
                format!("\"{}\" is not an IPv4 or IPv6 address", entry.ip.trim()),
            ),
            Ok(addr) => {
                if let Some(first) = seen.insert(addr, i) {
                    refuse(
                        "ip",
                        format!("{addr} appears twice in the batch (also entries[{first}])"),
                    );
                }
                match find_range(addr) {
                    None => refuse("ip", format!("{addr} is not in any of your ranges")),
                    Some(r) => {
                        if let Some(ns) = &ranges[r].delegate_ns {
                            refuse(
                                "ip",
                                format!(
                                    "{} is delegated to {} (RFC 2317); set its PTRs on those name servers",
                                    ranges[r].network,
                                    ns.join(", ")
                                ),
                            );
                        }
                        range = Some(r);
                    }
                }
                addr_ok = Some(addr);
            }
        }
        if let Some(ptr) = &entry.ptr {
            match canonical_hostname(ptr) {
                Ok(h) => host = Some(h),
                Err(message) => refuse("ptr", message),
            }
        }
        match parse_ttl("ttl", entry.ttl, default_ttl) {
            Ok(t) => ttl = t,
            Err(_) => refuse("ttl", "must be between 1 and 2147483647".into()),
        }
        let p = Pending {
            addr: addr_ok,
            host,
            ttl,
            range,
            errors,
            verdict: None,
        };
        pending.push(p);
    }
    // A single address outside the caller's ranges is "not found", like someone else's object.
    if single == Single::Yes {
        if let Some(p) = pending.first() {
            if p.addr.is_some() && p.range.is_none() {
                return Err(ServiceError::NotFound);
            }
        }
    }

    // FCrDNS, for every entry that is otherwise fine and sets a name.
    let to_check: Vec<(usize, (IpAddr, String))> = pending
        .iter()
        .enumerate()
        .filter(|(_, p)| p.errors.is_empty())
        .filter_map(|(i, p)| Some((i, (p.addr?, p.host.clone()?))))
        .collect();
    let items: Vec<(IpAddr, String)> = to_check.iter().map(|(_, item)| item.clone()).collect();
    // No pooled connection while the names are resolved (service::outbound).
    drop(conn);
    let verdicts = fcrdns::check(pool, resolver, &items).await?;
    for ((i, _), verdict) in to_check.into_iter().zip(verdicts) {
        if policy == Policy::Strict && verdict.state == Fcrdns::Fail {
            pending[i].errors.push(FieldError {
                field: field(i, "ptr"),
                message: format!("FCrDNS fails: {}", verdict.detail),
            });
        }
        pending[i].verdict = Some(verdict);
    }

    let failed = pending.iter().filter(|p| !p.errors.is_empty()).count();
    if failed > 0 && atomic && !params.dry_run {
        return Err(ServiceError::Validation(
            pending.into_iter().flat_map(|p| p.errors).collect(),
        ));
    }
    let results: Vec<RdnsEntryResult> = pending
        .iter()
        .zip(&batch.entries)
        .map(|(p, entry)| RdnsEntryResult {
            ip: p.addr.map_or_else(|| entry.ip.clone(), |a| a.to_string()),
            status: if p.errors.is_empty() {
                EntryStatus::Ok
            } else {
                EntryStatus::Error
            },
            ptr: p.host.clone(),
            fcrdns: p.verdict.as_ref().map(|v| v.state),
            fcrdns_detail: p
                .verdict
                .as_ref()
                .map(|v| v.detail.clone())
                .unwrap_or_default(),
            errors: p
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            warnings: p
                .verdict
                .as_ref()
                .map(|v| v.warnings.clone())
                .unwrap_or_default(),
        })
        .collect();
    let stored = pending.len() - failed;
    if params.dry_run || stored == 0 {
        return Ok(RdnsBatchResult {
            dry_run: params.dry_run,
            applied: false,
            stored: 0,
            failed,
            results,
        });
    }

    // Store: one statement for the deletions, one for the upserts.
    let mut deletes: Vec<String> = Vec::new();
    let (mut addrs, mut range_ids, mut hosts, mut ttls, mut states, mut details) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut zone_ids: HashSet<i64> = HashSet::new();
    for p in pending.iter().filter(|p| p.errors.is_empty()) {
        let (Some(addr), Some(r)) = (p.addr, p.range) else {
            continue;
        };
        zone_ids.insert(ranges[r].zone_id);
        match (&p.host, &p.verdict) {
            (Some(host), Some(v)) => {
                addrs.push(addr.to_string());
                range_ids.push(ranges[r].id);
                hosts.push(host.clone());
                ttls.push(p.ttl);
                states.push(v.state.as_str().to_owned());
                details.push(v.detail.clone());
            }
            _ => deletes.push(addr.to_string()),
        }
    }
    let mut tx = pool.begin().await?;
    // The ranges were read before the (slow) FCrDNS step: each must still be the caller's and
    // not delegated, locked until the commit so that it cannot change hands meanwhile. Every
    // statement below is scoped to these ranges.
    let used: Vec<i64> = {
        let mut ids: Vec<i64> = pending
            .iter()
            .filter(|p| p.errors.is_empty())
            .filter_map(|p| Some(ranges[p.range?].id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let still_held = sqlx::query_scalar!(
        "select id from ip_range
          where id = any($1) and (account_id = $2 or $3) and delegate_ns is null
          order by id for share",
        &used,
        who.account_id,
        who.is_admin(),
    )
    .fetch_all(&mut *tx)
    .await?;
    if still_held != used {
        return Err(ServiceError::Conflict(FieldError {
            field: field(0, "ip"),
            message: "a range of this request changed (reassigned, delegated or removed) \
                      while its names were checked; nothing was stored — send the request again"
                .into(),
        }));
    }
    let deleted = sqlx::query!(
        "delete from ptr where address = any($1::text[]::inet[]) and range_id = any($2)",
        &deletes,
        &used
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "insert into ptr (address, range_id, hostname, ttl, fcrdns, fcrdns_detail, checked_at)
         select a::inet, r, h, t, s, d, now()
           from unnest($1::text[], $2::int8[], $3::text[], $4::int4[], $5::text[], $6::text[])
                as u(a, r, h, t, s, d)
         on conflict (address) do update
            set range_id = excluded.range_id, hostname = excluded.hostname, ttl = excluded.ttl,
                fcrdns = excluded.fcrdns, fcrdns_detail = excluded.fcrdns_detail,
                checked_at = excluded.checked_at, updated_at = now()",
        &addrs,
        &range_ids,
        &hosts,
        &ttls,
        &states,
        &details,
    )
    .execute(&mut *tx)
    .await?;
    let mut write = Write::new(&who.actor());
    if !addrs.is_empty() || deleted > 0 {
        for zone_id in zone_ids {
            write.changed(zone_id);
        }
    }
    let summary: Vec<serde_json::Value> = addrs
        .iter()
        .zip(&hosts)
        .map(|(a, h)| serde_json::json!([a, h]))
        .chain(deletes.iter().map(|a| serde_json::json!([a, null])))
        .collect();
    write.audit(Change {
        action: Action::RdnsSet,
        object_id: (summary.len() == 1).then(|| {
            addrs
                .first()
                .or(deletes.first())
                .cloned()
                .unwrap_or_default()
        }),
        before: None,
        // [address, host name or null (reverted to the default)] per entry.
        after: Some(serde_json::Value::Array(summary)),
    });
    write.commit(tx).await?;
    Ok(RdnsBatchResult {
        dry_run: false,
        applied: true,
        stored,
        failed,
        results,
    })
}

/// For the forward zone editor: the reverse DNS of every address record of `zone` whose
/// address lies in a range served here (whoever holds the range: PTRs are public data).
pub async fn reverse_status(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
) -> Result<Vec<ReverseStatus>, ServiceError> {
    let zone = crate::service::zones::get(pool, who, zone).await?;
    let rows = sqlx::query!(
        r#"select r.name, r.content, p.hostname as "hostname?", rz.template,
                  family(rz.network) = 4 as "v4!"
             from record r
             join zone z on z.id = r.zone_id
             join ip_range ir on ir.network >>= r.content::inet and ir.delegate_ns is null
             join reverse_zone rz on rz.zone_id = ir.zone_id
             left join ptr p on p.address = r.content::inet
            where z.name = $1 and r.type in ('A', 'AAAA')
            order by r.name, r.content"#,
        zone.name
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let addr: IpAddr = row.content.parse().ok()?;
            let (ptr, is_default) = match row.hostname {
                Some(host) => (host, false),
                None => (
                    Template::parse(&row.template, row.v4)
                        .ok()?
                        .render(addr)?
                        .to_ascii(),
                    true,
                ),
            };
            Some(ReverseStatus {
                matches: ptr.eq_ignore_ascii_case(&row.name),
                name: row.name,
                address: addr.to_string(),
                ptr,
                is_default,
            })
        })
        .collect())
}
