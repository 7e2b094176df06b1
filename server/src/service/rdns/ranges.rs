//! Ranges: parts of a reverse zone's network assigned to one customer (never overlapping).

use super::*;

/// A range with what serving and checking it needs.
#[derive(Debug, Clone)]
pub(super) struct RangeRow {
    pub(super) id: i64,
    pub(super) network: String,
    pub(super) zone_id: i64,
    pub(super) zone_name: String,
    pub(super) template: String,
    pub(super) owner: String,
    pub(super) delegate_ns: Option<Vec<String>>,
    pub(super) ptr_count: i64,
    pub(super) created_at: OffsetDateTime,
}

impl RangeRow {
    pub(super) fn net(&self) -> Result<Network, ServiceError> {
        self.network
            .parse()
            .map_err(|e: dns_engine::zone::synth::SynthError| ServiceError::internal(e.0))
    }

    pub(super) fn template(&self) -> Option<Template> {
        Template::parse(&self.template, self.network.contains('.')).ok()
    }

    pub(super) fn to_api(&self) -> Range {
        let size = self
            .network
            .parse::<Network>()
            .map(|n| n.size().to_string())
            .unwrap_or_default();
        Range {
            id: self.id,
            network: self.network.clone(),
            reverse_zone: display_name(&self.zone_name),
            owner: self.owner.clone(),
            delegate_ns: self.delegate_ns.clone(),
            ptr_count: self.ptr_count,
            size,
            created_at: self.created_at,
        }
    }
}

/// Ranges visible to `who` (admins: all); with `network`, only that exact range; with
/// `containing`, only the range holding that address.
pub(super) async fn range_rows(
    conn: &mut PgConnection,
    who: &Principal,
    network: Option<&str>,
    containing: Option<IpAddr>,
) -> sqlx::Result<Vec<RangeRow>> {
    sqlx::query_as!(
        RangeRow,
        r#"select r.id, r.network::text as "network!", r.zone_id, z.name as zone_name, rz.template,
                  a.email as owner, r.delegate_ns, r.created_at,
                  (select count(*) from ptr p where p.range_id = r.id) as "ptr_count!"
             from ip_range r
             join reverse_zone rz on rz.zone_id = r.zone_id
             join zone z on z.id = r.zone_id
             join account a on a.id = r.account_id
            where (r.account_id = $1 or $2)
              and ($3::text is null or r.network = $3::text::cidr)
              and ($4::text is null or r.network >>= $4::text::inet)
            order by family(r.network), r.network"#,
        who.account_id,
        who.role == Role::Admin,
        network,
        containing.map(|ip| ip.to_string()),
    )
    .fetch_all(conn)
    .await
}

/// The caller's ranges (admins: every range).
pub async fn list_ranges(pool: &PgPool, who: &Principal) -> Result<Vec<Range>, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(range_rows(&mut conn, who, None, None)
        .await?
        .iter()
        .map(RangeRow::to_api)
        .collect())
}

/// Assigns a range to a customer (admin).
pub async fn assign_range(
    pool: &PgPool,
    who: &Principal,
    req: &AssignRangeRequest,
) -> Result<Range, ServiceError> {
    let network: Network = req
        .network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ServiceError::field("network", e.0))?;
    let delegate_ns = match &req.delegate_ns {
        None => None,
        Some(names) => {
            if !network.is_ipv4() || !(25..=31).contains(&network.prefix_len()) {
                return Err(ServiceError::field(
                    "delegate_ns",
                    "RFC 2317 classless delegation is for IPv4 ranges from /25 to /31",
                ));
            }
            if names.is_empty() || names.len() > 13 {
                return Err(ServiceError::field(
                    "delegate_ns",
                    "give between 1 and 13 name servers",
                ));
            }
            let mut canonical = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                canonical.push(
                    canonical_hostname(name)
                        .map_err(|m| ServiceError::field(&format!("delegate_ns[{i}]"), m))?,
                );
            }
            canonical.dedup();
            Some(canonical)
        }
    };
    let mut tx = pool.begin().await?;
    let owner = sqlx::query!(
        "select id, disabled from account where lower(email) = lower($1)",
        req.owner.trim()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| ServiceError::field("owner", "no account has this email"))?;
    if owner.disabled {
        return Err(ServiceError::field("owner", "this account is disabled"));
    }
    let zone = sqlx::query!(
        r#"select rz.zone_id, rz.template from reverse_zone rz
            where rz.network >>= $1::text::cidr"#,
        network.to_string()
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| {
        ServiceError::field(
            "network",
            "is not inside any reverse zone; register the reverse zone first",
        )
    })?;
    let overlap = sqlx::query!(
        r#"select r.network::text as "network!", a.email from ip_range r join account a on a.id = r.account_id
            where r.network && $1::text::cidr limit 1"#,
        network.to_string()
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(o) = overlap {
        return Err(ServiceError::Conflict(FieldError {
            field: "network".into(),
            message: format!("overlaps {} (assigned to {})", o.network, o.email),
        }));
    }
    let id = sqlx::query_scalar!(
        "insert into ip_range (zone_id, account_id, network, delegate_ns)
         values ($1, $2, $3::text::cidr, $4) returning id",
        zone.zone_id,
        owner.id,
        network.to_string(),
        delegate_ns.as_deref()
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let mut write = Write::new(&who.actor());
    write.changed(zone.zone_id);
    reload_template_zones(&mut tx, &mut write, &zone.template).await?;
    let range = range_rows(&mut tx, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ServiceError::internal("range vanished"))?
        .to_api();
    write.audit(Change {
        action: Action::RangeAssign,
        object_id: Some(network.to_string()),
        before: None,
        after: serde_json::to_value(&range).ok(),
    });
    write.commit(tx).await?;
    Ok(range)
}

/// Takes a range back (admin); its PTRs go with it.
pub async fn unassign_range(
    pool: &PgPool,
    who: &Principal,
    network: &str,
) -> Result<(), ServiceError> {
    let network: Network = network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ServiceError::field("network", e.0))?;
    let mut tx = pool.begin().await?;
    let range = range_rows(&mut tx, who, Some(&network.to_string()), None)
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    sqlx::query!("delete from ip_range where id = $1", range.id)
        .execute(&mut *tx)
        .await?;
    let mut write = Write::new(&who.actor());
    write.changed(range.zone_id);
    reload_template_zones(&mut tx, &mut write, &range.template).await?;
    write.audit(Change {
        action: Action::RangeUnassign,
        object_id: Some(network.to_string()),
        before: serde_json::to_value(range.to_api()).ok(),
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}
