//! The zone change log: for every committed change of a zone, the RRs it removed and added,
//! between which serials, by whom (see `migrations/0009_hidden_primary.sql`).
//!
//! [`super::change::Write::commit`] calls [`record`] for each zone it touches, inside the
//! writing transaction and under the zone row's lock: the zone is read as that transaction
//! sees it (the change included), built exactly as the engine builds it, and compared with the
//! RRs the zone published last (`zone_rr`). So the log says what a secondary must change to
//! serve what the engine serves, whatever kind of change it was (RRsets, imports, PTRs, DS
//! publication, RFC 2317 delegations) — nothing is described twice.
//!
//! What is synthesized per query (default reverse names, wildcard expansions) and the
//! signatures of signed zones (made anew with each snapshot) are not data, so they are not in
//! the log: IXFR of a signed zone is always answered with the whole zone (RFC 1995 §4).

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgConnection;

use super::audit::Actor;
use dns_engine::store::ZoneData;

/// What a change did to one zone's published RRs.
#[derive(Debug, Default)]
pub(super) struct Diff {
    pub removed: Vec<Vec<u8>>,
    pub added: Vec<Vec<u8>>,
    /// The `zone_rr` rows of `removed` (their `ctid`s, as text): the rows are found by zone
    /// only (see `migrations/0010_zone_rr_index.sql`), and the zone row's lock keeps them
    /// where they are until the change commits.
    removed_rows: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }
}

/// What the change log learned about a zone before its serial is decided.
pub(super) enum Published {
    /// The zone was created by this change: every RR is new.
    Created(Vec<Vec<u8>>),
    /// The zone had no baseline (it predates the change log): this change sets it.
    Baseline(Vec<Vec<u8>>),
    /// The difference from the last published RRs.
    Changed(Diff),
}

/// The zone's transferable RRs now (as this transaction sees it), in wire form, sorted.
async fn current_rrs(data: ZoneData) -> Result<BTreeSet<Vec<u8>>, sqlx::Error> {
    // Building a zone of 65,536 PTRs is CPU work of a noticeable fraction of a second.
    tokio::task::spawn_blocking(move || {
        let zone = data.build_unsigned().ok_or_else(|| {
            sqlx::Error::Protocol(
                "the zone cannot be built from its rows; nothing was changed".into(),
            )
        })?;
        Ok(zone
            .transfer_records()
            .map(|r| dns_engine::xfr::encode_record(&r))
            .filter(|rr| !rr.is_empty())
            .collect())
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("building the zone failed: {e}")))?
}

/// Compares zone `zone_id` as `conn` sees it with what it published last. `None` when the
/// zone's row is gone.
pub(super) async fn compare(
    conn: &mut PgConnection,
    zone_id: i64,
    name: &str,
    published: bool,
    created: bool,
) -> Result<Option<Published>, sqlx::Error> {
    let Some(data) = ZoneData::read(&mut *conn, name).await? else {
        return Ok(None);
    };
    let now = current_rrs(data).await?;
    if created {
        return Ok(Some(Published::Created(now.into_iter().collect())));
    }
    if !published {
        return Ok(Some(Published::Baseline(now.into_iter().collect())));
    }
    let before: BTreeMap<Vec<u8>, String> = sqlx::query!(
        r#"select rr, ctid::text as "row!" from zone_rr where zone_id = $1"#,
        zone_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.rr, r.row))
    .collect();
    let (removed, removed_rows) = before
        .iter()
        .filter(|(rr, _)| !now.contains(*rr))
        .map(|(rr, row)| (rr.clone(), row.clone()))
        .unzip();
    let added = now
        .into_iter()
        .filter(|rr| !before.contains_key(rr))
        .collect();
    Ok(Some(Published::Changed(Diff {
        removed,
        added,
        removed_rows,
    })))
}

/// Appends the entry of `published` for zone `zone_id` (serials `old` → `new`), moves the
/// zone's published RRs along, and trims the zone's log to the retention settings.
pub(super) async fn append(
    conn: &mut PgConnection,
    actor: &Actor,
    (zone_id, name): (i64, &str),
    (old, new): (u32, u32),
    published: Published,
) -> Result<(), sqlx::Error> {
    let (kind, old, removed, added) = match published {
        Published::Created(all) => {
            insert_rrs(conn, zone_id, &all).await?;
            ("create", None, Vec::new(), all)
        }
        Published::Baseline(all) => {
            sqlx::query!("delete from zone_rr where zone_id = $1", zone_id)
                .execute(&mut *conn)
                .await?;
            insert_rrs(conn, zone_id, &all).await?;
            ("reset", Some(old), Vec::new(), Vec::new())
        }
        Published::Changed(diff) => {
            sqlx::query!(
                "delete from zone_rr where zone_id = $1 and ctid = any($2::text[]::tid[])",
                zone_id,
                &diff.removed_rows
            )
            .execute(&mut *conn)
            .await?;
            insert_rrs(conn, zone_id, &diff.added).await?;
            ("update", Some(old), diff.removed, diff.added)
        }
    };
    let octets: usize = removed.iter().chain(&added).map(Vec::len).sum();
    sqlx::query!(
        "update zone set published = true where id = $1 and not published",
        zone_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into zone_change
                (zone_id, zone_name, kind, old_serial, new_serial, removed, added, octets,
                 account_id, token_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        zone_id,
        name,
        kind,
        old.map(i64::from),
        i64::from(new),
        &removed,
        &added,
        i64::try_from(octets).unwrap_or(i64::MAX),
        actor.account_id,
        actor.token_id,
    )
    .execute(&mut *conn)
    .await?;
    trim(conn, zone_id).await
}

/// Logs the deletion of zone `name`; its earlier entries go (nothing can follow them).
pub(super) async fn deleted(
    conn: &mut PgConnection,
    actor: &Actor,
    name: &str,
) -> Result<(), sqlx::Error> {
    let zone_id = sqlx::query_scalar!(
        "select zone_id from zone_change where zone_name = $1 order by id desc limit 1",
        name
    )
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    if let Some(zone_id) = zone_id {
        sqlx::query!("delete from zone_change where zone_id = $1", zone_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query!(
        "insert into zone_change (zone_id, zone_name, kind, account_id, token_id)
         values ($1, $2, 'delete', $3, $4)",
        zone_id,
        name,
        actor.account_id,
        actor.token_id,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Logs that zone `zone_id` must be re-read although nothing transferable changed (its
/// serial stays `serial`); older such entries of the zone go, the newest says it all.
pub(super) async fn reread(
    conn: &mut PgConnection,
    actor: &Actor,
    (zone_id, name): (i64, &str),
    serial: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "delete from zone_change where zone_id = $1 and kind = 'reload'",
        zone_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into zone_change
                (zone_id, zone_name, kind, old_serial, new_serial, account_id, token_id)
         values ($1, $2, 'reload', $3, $3, $4, $5)",
        zone_id,
        name,
        i64::from(serial),
        actor.account_id,
        actor.token_id,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Logs that the transfer policy or the catalog zone changed; only the newest such entry is
/// kept.
pub(super) async fn policy(conn: &mut PgConnection, actor: &Actor) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from zone_change where kind = 'policy'")
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "insert into zone_change (zone_id, zone_name, kind, account_id, token_id)
         values (null, $1, 'policy', $2, $3)",
        dns_engine::store::TRANSFER_CHANGED,
        actor.account_id,
        actor.token_id,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_rrs(conn: &mut PgConnection, zone_id: i64, rrs: &[Vec<u8>]) -> sqlx::Result<()> {
    if rrs.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into zone_rr (zone_id, rr) select $1, unnest($2::bytea[])",
        zone_id,
        rrs
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the newest entries of the zone within the retention settings (the newest always).
async fn trim(conn: &mut PgConnection, zone_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "with kept as (
             select c.id, row_number() over w as n, sum(c.octets) over w as total
               from zone_change c
              where c.zone_id = $1
             window w as (order by c.id desc)
         ), bound as (
             select coalesce(min(k.id) filter (where k.n <= s.changelog_versions
                                                 and k.total <= s.changelog_octets),
                             max(k.id)) as oldest
               from kept k, setting s
         )
         delete from zone_change c using bound
          where c.zone_id = $1 and c.id < bound.oldest",
        zone_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the catalog zone's serial on (a zone was created or deleted), once per change.
pub(super) async fn bump_catalog(conn: &mut PgConnection) -> sqlx::Result<()> {
    let serial: i64 = sqlx::query_scalar!("select serial from catalog_zone for update")
        .fetch_one(&mut *conn)
        .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let next = super::zones::next_serial(u32::try_from(serial).unwrap_or(0), today);
    sqlx::query!("update catalog_zone set serial = $1", i64::from(next))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
