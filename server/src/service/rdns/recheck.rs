//! Re-checking FCrDNS after the fact: when forward records change, and periodically for PTRs
//! whose check was undecided.

use super::*;
use dns_engine::model::ZoneName;

/// After a committed change to the forward records of `zone`, re-evaluates FCrDNS of every
/// PTR whose host name lies in it. The change itself is done: a failure here is logged, the
/// states are refreshed on the next change or save.
pub async fn recheck_zone(pool: &PgPool, resolver: &Arc<Resolver>, zone: &ZoneName) {
    let names = match sqlx::query_scalar!(
        "select distinct hostname from ptr where hostname = $1 or hostname like '%.' || $1",
        zone.as_str()
    )
    .fetch_all(pool)
    .await
    {
        Ok(names) => names,
        Err(e) => {
            tracing::warn!(zone = %zone, error = %e, "cannot find the PTRs to re-check");
            return;
        }
    };
    match recheck(pool, resolver, &names).await {
        Ok(n) if n > 0 => {
            tracing::info!(zone = %zone, ptrs = n, "FCrDNS re-checked after a forward change")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(zone = %zone, error = ?e, "FCrDNS re-check failed"),
    }
}

/// The periodic job for PTRs whose FCrDNS is `unknown` (the resolver timed out or failed when
/// they were saved): re-checks those not checked for `older_than`, at most `limit` host names
/// per run, oldest first. Returns how many PTRs were re-checked.
pub async fn recheck_unknown(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    older_than: std::time::Duration,
    limit: i64,
) -> Result<usize, ServiceError> {
    let names = sqlx::query_scalar!(
        r#"select hostname as "hostname!" from ptr
            where fcrdns = 'unknown'
              and (checked_at is null or checked_at < now() - make_interval(secs => $1))
            group by hostname
            order by min(checked_at) nulls first
            limit $2"#,
        older_than.as_secs_f64(),
        limit
    )
    .fetch_all(pool)
    .await?;
    recheck(pool, resolver, &names).await
}

/// Re-evaluates FCrDNS of the PTRs pointing at `names` (absolute, lower case) after their
/// forward records changed; their owners see the new state in the rDNS table.
pub async fn recheck(
    pool: &PgPool,
    resolver: &Arc<Resolver>,
    names: &[String],
) -> Result<usize, ServiceError> {
    if names.is_empty() {
        return Ok(0);
    }
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query!(
        r#"select host(address) as "address!", hostname from ptr where hostname = any($1)"#,
        names
    )
    .fetch_all(&mut *conn)
    .await?;
    let items: Vec<(IpAddr, String)> = rows
        .into_iter()
        .filter_map(|r| Some((r.address.parse().ok()?, r.hostname)))
        .collect();
    if items.is_empty() {
        return Ok(0);
    }
    drop(conn);
    let verdicts = fcrdns::check(pool, resolver, &items).await?;
    let addrs: Vec<String> = items.iter().map(|(a, _)| a.to_string()).collect();
    let states: Vec<String> = verdicts
        .iter()
        .map(|v| v.state.as_str().to_owned())
        .collect();
    let details: Vec<String> = verdicts.iter().map(|v| v.detail.clone()).collect();
    let hosts: Vec<String> = items.iter().map(|(_, h)| h.clone()).collect();
    // Only PTRs that still name the host that was checked: one saved meanwhile has its own
    // (newer) verdict.
    sqlx::query!(
        "update ptr set fcrdns = u.s, fcrdns_detail = u.d, checked_at = now()
           from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as u(a, s, d, h)
          where ptr.address = u.a::inet and ptr.hostname = u.h",
        &addrs,
        &states,
        &details,
        &hosts
    )
    .execute(pool)
    .await?;
    Ok(items.len())
}
