//! Reverse zones (admin): an ordinary zone row plus the network it covers and the template of
//! its default names.

use super::*;

pub(super) struct ReverseZoneRow {
    pub(super) zone_id: i64,
    pub(super) name: String,
    pub(super) network: String,
    pub(super) template: String,
    pub(super) serial: i64,
    pub(super) range_count: i64,
    pub(super) created_at: OffsetDateTime,
}

pub(super) async fn reverse_zone_rows(
    conn: &mut PgConnection,
    name: Option<&str>,
) -> sqlx::Result<Vec<ReverseZoneRow>> {
    sqlx::query_as!(
        ReverseZoneRow,
        r#"select rz.zone_id, z.name, rz.network::text as "network!", rz.template, z.serial,
                  rz.created_at, (select count(*) from ip_range r where r.zone_id = rz.zone_id) as "range_count!"
             from reverse_zone rz join zone z on z.id = rz.zone_id
            where $1::text is null or z.name = $1
            order by family(rz.network), rz.network"#,
        name
    )
    .fetch_all(conn)
    .await
}

pub(super) async fn to_reverse_zone(
    conn: &mut PgConnection,
    row: ReverseZoneRow,
) -> sqlx::Result<ReverseZone> {
    let v4 = row.network.contains('.');
    let template_zone = match Template::parse(&row.template, v4) {
        Ok(t) => hosted_suffixes(conn, &t.domain().to_string())
            .await?
            .into_iter()
            .next(),
        Err(_) => None,
    };
    Ok(ReverseZone {
        name: row.name,
        network: row.network,
        template: row.template,
        template_zone,
        serial: u32::try_from(row.serial).unwrap_or(0),
        range_count: row.range_count,
        created_at: row.created_at,
    })
}

/// Every reverse zone (admin).
pub async fn list_reverse_zones(pool: &PgPool) -> Result<Vec<ReverseZone>, ServiceError> {
    let mut conn = pool.acquire().await?;
    let rows = reverse_zone_rows(&mut conn, None).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(to_reverse_zone(&mut conn, row).await?);
    }
    Ok(out)
}

/// The reverse zone named in a URL (`0.203.in-addr.arpa`, trailing dot optional).
pub async fn get_reverse_zone(pool: &PgPool, name: &str) -> Result<ReverseZone, ServiceError> {
    let mut conn = pool.acquire().await?;
    let name = absolute_lower(name);
    let row = reverse_zone_rows(&mut conn, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    Ok(to_reverse_zone(&mut conn, row).await?)
}

pub(super) fn absolute_lower(name: &str) -> String {
    let trimmed = name.trim().trim_end_matches('.').to_ascii_lowercase();
    format!("{trimmed}.")
}

pub(super) fn parse_template(text: &str, v4: bool) -> Result<Template, ServiceError> {
    Template::parse(text, v4).map_err(|e| ServiceError::field("template", e.0))
}

/// Registers a reverse zone for `network`, with SOA and NS from the settings (admin).
pub async fn create_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    req: &CreateReverseZoneRequest,
) -> Result<ReverseZone, ServiceError> {
    let network: Network = req
        .network
        .parse()
        .map_err(|e: dns_engine::zone::synth::SynthError| ServiceError::field("network", e.0))?;
    let min = if network.is_ipv4() { 8 } else { 16 };
    if network.prefix_len() < min {
        return Err(ServiceError::field(
            "network",
            format!("a reverse zone covers at most a /{min}"),
        ));
    }
    let Some(zone_name) = network.reverse_zone() else {
        return Err(ServiceError::field(
            "network",
            if network.is_ipv4() {
                "an IPv4 reverse zone is cut at /8, /16 or /24; register the enclosing /24 and assign smaller ranges in it"
            } else {
                "an IPv6 reverse zone is cut at a multiple of 4 bits (/32, /36, /48, …)"
            },
        ));
    };
    let template = parse_template(&req.template, network.is_ipv4())?;
    let zone_name = zone_name.to_ascii().to_ascii_lowercase();
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock(hashtext('zone.create'))")
        .execute(&mut *tx)
        .await?;
    let zone_id = insert_zone(&mut tx, who.account_id, &zone_name).await?;
    sqlx::query!(
        "insert into reverse_zone (zone_id, network, template) values ($1, $2::text::cidr, $3)",
        zone_id,
        network.to_string(),
        template.as_str()
    )
    .execute(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let row = reverse_zone_rows(&mut tx, Some(&zone_name))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::internal("reverse zone vanished"))?;
    let zone = to_reverse_zone(&mut tx, row).await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::ReverseZoneCreate,
        object_id: Some(zone_name.clone()),
        before: None,
        after: serde_json::to_value(&zone).ok(),
    });
    write.created(&zone_name);
    write.commit(tx).await?;
    Ok(zone)
}

/// Changes the default-name template of a reverse zone (admin).
pub async fn update_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    name: &str,
    req: &UpdateReverseZoneRequest,
) -> Result<ReverseZone, ServiceError> {
    let name = absolute_lower(name);
    let mut tx = pool.begin().await?;
    let before = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let template = parse_template(&req.template, before.network.contains('.'))?;
    sqlx::query!(
        "update reverse_zone set template = $2, updated_at = now() where zone_id = $1",
        before.zone_id,
        template.as_str()
    )
    .execute(&mut *tx)
    .await?;
    let mut write = Write::new(&who.actor());
    write.changed(before.zone_id);
    reload_template_zones(&mut tx, &mut write, &before.template).await?;
    reload_template_zones(&mut tx, &mut write, template.as_str()).await?;
    let old_template = before.template.clone();
    let row = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    let after = to_reverse_zone(&mut tx, row).await?;
    write.audit(Change {
        action: Action::ReverseZoneUpdate,
        object_id: Some(name.clone()),
        before: Some(serde_json::json!({ "template": old_template })),
        after: serde_json::to_value(&after).ok(),
    });
    write.commit(tx).await?;
    Ok(after)
}

/// Deletes a reverse zone that has no ranges assigned in it (admin).
pub async fn delete_reverse_zone(
    pool: &PgPool,
    who: &Principal,
    name: &str,
) -> Result<(), ServiceError> {
    let name = absolute_lower(name);
    let mut tx = pool.begin().await?;
    let row = reverse_zone_rows(&mut tx, Some(&name))
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    if row.range_count > 0 {
        return Err(ServiceError::Conflict(FieldError {
            field: "name".into(),
            message: format!(
                "{} range(s) are assigned in this zone; unassign them first",
                row.range_count
            ),
        }));
    }
    sqlx::query!("delete from zone where id = $1", row.zone_id)
        .execute(&mut *tx)
        .await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::ReverseZoneDelete,
        object_id: Some(name.clone()),
        before: Some(serde_json::json!({ "network": row.network, "template": row.template })),
        after: None,
    });
    write.deleted(&name);
    write.commit(tx).await?;
    Ok(())
}
