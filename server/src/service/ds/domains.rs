//! Domains: who may add which name, and removing one (its DS records go with it).

use super::*;

/// The caller's domains (every domain for admins), by name.
pub async fn list_domains(pool: &PgPool, who: &Principal) -> Result<Vec<Domain>, ServiceError> {
    let mut conn = pool.acquire().await?;
    let rows = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where d.account_id = $1 or $2
          order by d.name",
        who.account_id,
        who.role == Role::Admin
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(to_domain(&mut conn, row).await?);
    }
    Ok(out)
}

/// Adds a domain to the caller's account (or, for admins, to the account named by `owner`).
pub async fn create_domain(
    pool: &PgPool,
    who: &Principal,
    req: &CreateDomainRequest,
) -> Result<Domain, ServiceError> {
    let name = canonical_zone_name(&req.name)?;
    if is_reverse_name(name.as_str()) {
        return Err(ServiceError::field(
            "name",
            "reverse zones (in-addr.arpa, ip6.arpa) have no DS submitted here",
        ));
    }
    let mut tx = pool.begin().await?;
    let owner_id = match req
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        None => who.account_id,
        Some(_) if !who.is_admin() => {
            return Err(ServiceError::Forbidden(
                "only admins can add a domain to another account".into(),
            ))
        }
        Some(email) => sqlx::query_scalar!(
            "select id from account where lower(email) = lower($1)",
            email
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ServiceError::field("owner", format!("no account has the email {email}")))?,
    };
    if !who.is_admin() {
        // The closest hosted zone at or above the name decides: another account's zone means
        // the name is theirs to delegate (or the operator's, in a registry-like zone).
        let holder = sqlx::query!(
            "select name, account_id from zone
              where $1 = name or $1 like '%.' || name
              order by length(name) desc limit 1",
            name.as_str()
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(zone) = holder.filter(|z| z.account_id != who.account_id) {
            return Err(ServiceError::Forbidden(format!(
                "{name} is inside the zone {}, which another account hosts; the operator can \
                 assign the domain to you",
                zone.name
            )));
        }
    }
    let id = sqlx::query_scalar!(
        "insert into domain (account_id, name, assigned_by_admin) values ($1, $2, $3) returning id",
        owner_id,
        name.as_str(),
        who.is_admin()
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let row = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id where d.id = $1",
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let domain = to_domain(&mut tx, &row).await?;
    let mut write = Write::new(&who.actor());
    write.audit(Change {
        action: Action::DomainCreate,
        object_id: Some(name.into()),
        before: None,
        after: serde_json::to_value(&domain).ok(),
    });
    write.commit(tx).await?;
    Ok(domain)
}

/// Removes a domain and its DS records; the parent stops serving them.
pub async fn delete_domain(
    pool: &PgPool,
    who: &Principal,
    input: &str,
) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    let row = domain_row(&mut tx, who, input).await?;
    let before = to_domain(&mut tx, &row).await?;
    let republish = published_parent(&mut tx, &row).await?;
    sqlx::query!("delete from domain where id = $1", row.id)
        .execute(&mut *tx)
        .await?;
    let mut write = Write::new(&who.actor());
    if let Some(zone_id) = republish {
        write.changed(zone_id);
    }
    write.audit(Change {
        action: Action::DomainDelete,
        object_id: Some(row.name.clone()),
        before: serde_json::to_value(&before).ok(),
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}

/// The hosted parent zone that serves this domain's DS records, if it delegates the domain.
pub(super) async fn published_parent(
    conn: &mut PgConnection,
    row: &DomainRow,
) -> sqlx::Result<Option<i64>> {
    let Some(parent) = parent_zone(conn, &row.name).await?.filter(|p| p.delegated) else {
        return Ok(None);
    };
    // Only the parent zone's owner (or an admin) decides what is published in it.
    let consented = sqlx::query_scalar!(
        r#"select exists (select 1 from domain d, zone z
                           where d.id = $1 and z.id = $2
                             and (d.account_id = z.account_id or d.assigned_by_admin)) as "ok!""#,
        row.id,
        parent.id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(consented.then_some(parent.id))
}
