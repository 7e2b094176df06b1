//! The records of a zone, edited an RRset at a time (all records of one name and type), the
//! way hosting consoles and the PowerDNS API do. A change — one RRset or a batch — is checked
//! record by record ([`dns_engine::model::validate_rrset`]) and then as a whole zone
//! ([`dns_engine::model::check_zone`]: CNAME exclusivity, apex and delegation rules), and is
//! then stored in one transaction that also bumps the SOA serial, writes the audit log and
//! notifies the DNS engines. A change that breaks a rule stores nothing.

use std::collections::BTreeMap;

use dns_engine::model::{
    check_zone, read_zone_file, relative_name, render_zone, type_name, validate_rrset, Rrset,
    ZoneName,
};
use frontend::api::types::{
    ChangeType, FieldError, ImportResult, Role, RrSet, RrSetChange, RrSetChangeResult, RrSetDiff,
    ZoneWarning,
};
use hickory_proto::rr::{Name, RecordType};
use sqlx::{PgConnection, PgPool};

use super::audit::{Action, Change};
use super::change::Write;
use super::zones::{gate, next_serial};
use crate::auth::Principal;
use crate::error::ServiceError;

/// The zone as a change sees it, locked for the length of the transaction.
struct ZoneRow {
    id: i64,
    name: String,
    serial: i64,
    soa_mname: String,
    soa_rname: String,
    soa_refresh: i32,
    soa_retry: i32,
    soa_expire: i32,
    soa_minimum: i32,
    soa_ttl: i32,
}

impl ZoneRow {
    fn soa_text(&self) -> String {
        super::zones::soa_rdata(
            &self.soa_mname,
            &self.soa_rname,
            self.serial,
            [
                self.soa_refresh,
                self.soa_retry,
                self.soa_expire,
                self.soa_minimum,
            ],
        )
    }
}

/// Key of an RRset inside one zone: lower-case absolute owner and type.
type Key = (String, RecordType);

/// Problems with one input, as (field, rule) pairs.
type Problems = Vec<(String, String)>;

fn origin_of(zone: &str) -> Result<Name, ServiceError> {
    Name::from_ascii(zone).map_err(ServiceError::internal)
}

/// The zone named in a URL, if the caller may see it (someone else's is "not found").
async fn find_zone(
    conn: &mut PgConnection,
    who: &Principal,
    name: &ZoneName,
    lock: bool,
) -> Result<ZoneRow, ServiceError> {
    gate(who, name)?;
    let admin = who.role == Role::Admin;
    let row = if lock {
        sqlx::query_as!(
            ZoneRow,
            "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                    soa_minimum, soa_ttl
               from zone where name = $1 and (account_id = $2 or $3) for update",
            name.as_str(),
            who.account_id,
            admin
        )
        .fetch_optional(conn)
        .await?
    } else {
        sqlx::query_as!(
            ZoneRow,
            "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                    soa_minimum, soa_ttl
               from zone where name = $1 and (account_id = $2 or $3)",
            name.as_str(),
            who.account_id,
            admin
        )
        .fetch_optional(conn)
        .await?
    };
    row.ok_or(ServiceError::NotFound)
}

/// Every RRset of the zone as stored (SOA included), with comments, in canonical order.
async fn load(
    conn: &mut PgConnection,
    zone: &ZoneRow,
) -> Result<BTreeMap<Key, (Rrset, String)>, ServiceError> {
    let origin = origin_of(&zone.name)?;
    let rows = sqlx::query!(
        "select name, type, ttl, content, comment from record where zone_id = $1 order by name, type, id",
        zone.id
    )
    .fetch_all(&mut *conn)
    .await?;
    // Group rows into RRsets: (name, type) → (ttl, contents, comment).
    let mut grouped: BTreeMap<(String, String), (i32, Vec<String>, String)> = BTreeMap::new();
    for r in rows {
        let entry = grouped
            .entry((r.name, r.r#type))
            .or_insert((r.ttl, Vec::new(), r.comment));
        entry.1.push(r.content);
    }
    let mut out = BTreeMap::new();
    let soa = validate_rrset(
        &origin,
        "@",
        "SOA",
        i64::from(zone.soa_ttl),
        &[zone.soa_text()],
    )
    .map_err(|e| {
        ServiceError::internal(format!("stored SOA of {} is invalid: {e:?}", zone.name))
    })?;
    out.insert((zone.name.clone(), RecordType::SOA), (soa, String::new()));
    for ((name, rtype), (ttl, contents, comment)) in grouped {
        // Stored data passed these checks when it was saved; if a rule has since become
        // stricter, the RRset is still shown (and served) rather than hiding the zone.
        match validate_rrset(&origin, &name, &rtype, i64::from(ttl), &contents) {
            Ok(rrset) => {
                out.insert((name, rrset.record_type()), (rrset, comment));
            }
            Err(e) => {
                tracing::warn!(zone = %zone.name, %name, %rtype, ?e, "stored RRset no longer validates")
            }
        }
    }
    Ok(out)
}

fn to_api(origin: &Name, rrset: &Rrset, comment: &str) -> RrSet {
    RrSet {
        name: relative_name(rrset.name(), origin).to_lowercase(),
        fqdn: rrset.name().to_lowercase().to_ascii(),
        type_: rrset.type_name(),
        ttl: rrset.ttl(),
        records: rrset.texts(),
        comment: comment.to_owned(),
        editable: rrset.record_type() != RecordType::SOA,
    }
}

/// The zone's RRsets, optionally only those of one (relative) name and/or one type.
pub async fn list(
    pool: &PgPool,
    who: &Principal,
    zone: &ZoneName,
    name: Option<&str>,
    rtype: Option<&str>,
) -> Result<Vec<RrSet>, ServiceError> {
    let mut conn = pool.acquire().await?;
    let z = find_zone(&mut conn, who, zone, false).await?;
    let origin = origin_of(&z.name)?;
    let want_name = match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => Some(
            dns_engine::model::parse_name(n, &origin, dns_engine::model::NameRole::Owner)
                .map_err(|m| ServiceError::field("name", m))?
                .to_lowercase()
                .to_ascii(),
        ),
        None => None,
    };
    let want_type = match rtype.filter(|t| !t.trim().is_empty()) {
        Some(t) => {
            Some(dns_engine::model::parse_type(t).map_err(|m| ServiceError::field("type", m))?)
        }
        None => None,
    };
    let all = load(&mut conn, &z).await?;
    Ok(all
        .iter()
        .filter(|((n, t), _)| {
            want_name.as_ref().is_none_or(|w| w == n) && want_type.is_none_or(|w| w == *t)
        })
        .map(|(_, (rrset, comment))| to_api(&origin, rrset, comment))
        .collect())
}

/// The zone as a zone file (RFC 1035 §5), SOA first.
pub async fn export(
    pool: &PgPool,
    who: &Principal,
    zone: &ZoneName,
) -> Result<String, ServiceError> {
    let mut conn = pool.acquire().await?;
    let z = find_zone(&mut conn, who, zone, false).await?;
    let origin = origin_of(&z.name)?;
    let all: Vec<Rrset> = load(&mut conn, &z)
        .await?
        .into_values()
        .map(|(r, _)| r)
        .collect();
    Ok(render_zone(&origin, &all))
}

/// Longest comment kept with an RRset.
pub const COMMENT_MAX: usize = 500;

/// Apply a batch of changes to a zone, all or nothing. `prefix` names the items in errors:
/// `changes[3].` for a batch, empty for a single RRset.
pub async fn apply(
    pool: &PgPool,
    who: &Principal,
    zone: &ZoneName,
    changes: &[RrSetChange],
    batch: bool,
) -> Result<RrSetChangeResult, ServiceError> {
    apply_inner(pool, who, zone, changes, batch, false)
        .await
        .map(|(result, _)| result)
}

/// [`apply`], optionally without storing anything (`dry_run`), also returning each touched
/// RRset as it was and as it is (or would be) after the change.
async fn apply_inner(
    pool: &PgPool,
    who: &Principal,
    zone: &ZoneName,
    changes: &[RrSetChange],
    batch: bool,
    dry_run: bool,
) -> Result<(RrSetChangeResult, Vec<RrSetDiff>), ServiceError> {
    if changes.is_empty() {
        return Err(ServiceError::field(
            "changes",
            "must list at least one change",
        ));
    }
    let mut tx = pool.begin().await?;
    let z = find_zone(&mut tx, who, zone, true).await?;
    let origin = origin_of(&z.name)?;
    let default_ttl = sqlx::query_scalar!("select default_ttl from setting")
        .fetch_one(&mut *tx)
        .await?;
    let mut current = load(&mut tx, &z).await?;
    let before = current.clone();
    let signed = sqlx::query_scalar!(
        "select exists (select 1 from zone_key where zone_id = $1) as \"signed!\"",
        z.id
    )
    .fetch_one(&mut *tx)
    .await?;

    // Check each change on its own, collecting every error with its field.
    let mut errors: Vec<FieldError> = Vec::new();
    let mut touched: Vec<Key> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let prefix = if batch {
            format!("changes[{i}].")
        } else {
            String::new()
        };
        let push = |errors: &mut Vec<FieldError>, field: &str, message: String| {
            errors.push(FieldError {
                field: format!("{prefix}{field}"),
                message,
            })
        };
        if change
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > COMMENT_MAX)
        {
            push(
                &mut errors,
                "comment",
                format!("must be at most {COMMENT_MAX} characters"),
            );
        }
        // PostgreSQL text cannot hold NUL, and control characters have no place in a note.
        if change
            .comment
            .as_ref()
            .is_some_and(|c| c.chars().any(char::is_control))
        {
            push(
                &mut errors,
                "comment",
                "must not contain control characters (such as NUL or line breaks)".into(),
            );
        }
        let (name_text, type_text) = (change.name.as_str(), change.type_.as_str());
        if type_text.trim().eq_ignore_ascii_case("SOA") {
            push(
                &mut errors,
                "type",
                "the SOA record is managed through the zone's settings".into(),
            );
            continue;
        }
        // In a reverse zone, PTRs live in the `ptr` table (one per address, FCrDNS-checked,
        // owner-checked); a PTR row here would be a second, unchecked one.
        if super::zones::is_reverse_name(&z.name) && type_text.trim().eq_ignore_ascii_case("PTR") {
            push(
                &mut errors,
                "type",
                "PTRs of a reverse zone are set per address under /api/v1/rdns (one per address, checked for FCrDNS)".into(),
            );
            continue;
        }
        let records: &[String] = match change.changetype {
            ChangeType::Delete => &[],
            ChangeType::Replace if change.records.is_empty() => {
                push(
                    &mut errors,
                    "records",
                    "must list at least one record (to remove the RRset, delete it)".into(),
                );
                continue;
            }
            ChangeType::Replace => &change.records,
        };
        let ttl = change.ttl.unwrap_or(i64::from(default_ttl));
        // A deletion needs only a valid owner and type; a replacement is checked in full.
        let checked: Result<(Key, Option<Rrset>), Problems> = if records.is_empty() {
            owner_and_type(&origin, name_text, type_text).map(|key| (key, None))
        } else {
            validate_rrset(&origin, name_text, type_text, ttl, records)
                .map(|rrset| {
                    (
                        (rrset.name().to_lowercase().to_ascii(), rrset.record_type()),
                        Some(rrset),
                    )
                })
                .map_err(|errs| errs.into_iter().map(|e| (e.field, e.message)).collect())
        };
        if let Ok((_, Some(rrset))) = &checked {
            if let Some(rule) = managed_here(&origin, rrset, false, signed) {
                push(&mut errors, "type", rule);
                continue;
            }
        }
        match checked {
            Ok((key, rrset)) => {
                if touched.contains(&key) {
                    push(
                        &mut errors,
                        "name",
                        "this RRset is changed twice in one batch".into(),
                    );
                    continue;
                }
                touched.push(key.clone());
                match rrset {
                    Some(rrset) => {
                        let comment = change
                            .comment
                            .clone()
                            .or_else(|| current.get(&key).map(|(_, c)| c.clone()))
                            .unwrap_or_default();
                        current.insert(key, (rrset, comment));
                    }
                    None => {
                        if current.remove(&key).is_none() && !batch {
                            return Err(ServiceError::NotFound);
                        }
                    }
                }
            }
            Err(errs) => {
                for (field, message) in errs {
                    push(&mut errors, &field, message);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }

    // Then the zone as a whole, as it would be after the change.
    let all: Vec<Rrset> = current.values().map(|(r, _)| r.clone()).collect();
    let mut report = check_zone(&origin, &all);
    // RFC 1034 §4.2.1: a zone has NS records at its apex; without them it cannot be
    // delegated to, so removing the last one is refused.
    if !current.contains_key(&(z.name.clone(), RecordType::NS)) {
        report.errors.push(dns_engine::model::ZoneIssue {
            name: origin.clone(),
            rtype: Some(RecordType::NS),
            message: "the zone must keep NS records at its apex".into(),
        });
    }
    if !report.is_ok() {
        return Err(ServiceError::Validation(
            report
                .errors
                .iter()
                .map(|issue| FieldError {
                    field: "zone".into(),
                    message: issue.to_string(),
                })
                .collect(),
        ));
    }

    let warnings: Vec<ZoneWarning> = report
        .warnings
        .iter()
        .map(|w| ZoneWarning {
            name: w.name.to_lowercase().to_ascii(),
            type_: w.rtype.map(type_name),
            message: w.message.clone(),
            line: None,
        })
        .collect();
    let diffs: Vec<RrSetDiff> = touched
        .iter()
        .map(|key| RrSetDiff {
            before: before.get(key).map(|(r, c)| to_api(&origin, r, c)),
            after: current.get(key).map(|(r, c)| to_api(&origin, r, c)),
        })
        .collect();
    if dry_run {
        // Nothing was written; dropping the transaction releases the zone's lock.
        let result = RrSetChangeResult {
            serial: u32::try_from(z.serial).unwrap_or(0),
            rrsets: diffs.iter().filter_map(|d| d.after.clone()).collect(),
            warnings,
        };
        return Ok((result, diffs));
    }

    // Store: replace the rows of every touched RRset.
    let mut write = Write::new(&who.actor());
    write.changed(z.id);
    let mut stored = Vec::new();
    for key in &touched {
        sqlx::query!(
            "delete from record where zone_id = $1 and name = $2 and type = $3",
            z.id,
            key.0,
            type_name(key.1)
        )
        .execute(&mut *tx)
        .await?;
        let after = current.get(key);
        if let Some((rrset, comment)) = after {
            let ttl = i32::try_from(rrset.ttl()).map_err(ServiceError::internal)?;
            sqlx::query!(
                "insert into record (zone_id, name, type, ttl, content, comment)
                 select $1, $2, $3, $4, unnest($5::text[]), $6",
                z.id,
                key.0,
                type_name(key.1),
                ttl,
                &rrset.texts(),
                comment,
            )
            .execute(&mut *tx)
            .await?;
            stored.push(to_api(&origin, rrset, comment));
        }
        let before = before.get(key).map(|(r, c)| to_api(&origin, r, c));
        write.audit(Change {
            action: if after.is_some() {
                Action::RrsetReplace
            } else {
                Action::RrsetDelete
            },
            object_id: Some(format!("{} {} {}", z.name, key.0, type_name(key.1))),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: stored
                .last()
                .filter(|_| after.is_some())
                .and_then(|a| serde_json::to_value(a).ok()),
        });
    }
    let committed = write.commit(tx).await?;
    let serial = committed
        .serials
        .get(&z.id)
        .copied()
        .ok_or_else(|| ServiceError::internal("the zone's serial was not bumped"))?;

    Ok((
        RrSetChangeResult {
            serial,
            rrsets: stored,
            warnings,
        },
        diffs,
    ))
}

/// Largest zone file accepted by import.
pub const IMPORT_MAX_BYTES: usize = 4 * 1024 * 1024;

/// Most records one import may hold (deSEC and the big hosters bound zones similarly; a
/// larger zone is better moved by zone transfer than by a browser upload).
pub const IMPORT_MAX_RECORDS: usize = 200_000;

/// Replace the zone's records with those of a zone file (RFC 1035 §5): RRsets in the file are
/// created or replaced, RRsets not in it are deleted. The file's SOA is ignored except for its
/// serial: when that is ahead of the zone's (RFC 1982), the zone continues counting from it,
/// so that secondaries which followed the old primary keep following. With `dry_run`,
/// nothing is stored and the answer says what would change.
///
/// The file is read by the model's own zone-file reader ([`read_zone_file`]), each record's
/// data as written handed to the same parser as the API's; every problem is reported at once
/// as `zone_file:LINE`. Storing is one transaction of a few statements whatever the size —
/// multi-row deletes and inserts of only the RRsets that change — with one serial bump, one
/// audit entry and one notification.
pub async fn import(
    pool: &PgPool,
    who: &Principal,
    zone: &ZoneName,
    text: &str,
    dry_run: bool,
) -> Result<ImportResult, ServiceError> {
    gate(who, zone)?;
    let origin = origin_of(zone.as_str())?;
    let default_ttl = {
        let mut conn = pool.acquire().await?;
        // The zone must exist for this caller before any work is done for the file.
        find_zone(&mut conn, who, zone, false).await?;
        sqlx::query_scalar!("select default_ttl from setting")
            .fetch_one(&mut *conn)
            .await?
    };
    let default_ttl = u32::try_from(default_ttl).unwrap_or(3600);
    // Reading and checking a large file is CPU work: it runs on the blocking pool, never on
    // the threads that serve requests (or DNS).
    let text = text.to_owned();
    let file_origin = origin.clone();
    let file =
        tokio::task::spawn_blocking(move || read_zone_file(&text, &file_origin, default_ttl))
            .await
            .map_err(ServiceError::internal)?;
    let mut errors: Vec<FieldError> = file
        .errors
        .iter()
        .map(|issue| line_error(issue.line, &issue.message))
        .collect();
    if file.more_errors > 0 {
        errors.push(FieldError {
            field: "zone_file".into(),
            message: format!("… and {} more errors", file.more_errors),
        });
    }
    let records: usize = file.rrsets.iter().map(|f| f.rrset.records().len()).sum();
    if records > IMPORT_MAX_RECORDS {
        return Err(ServiceError::field(
            "zone_file",
            format!("holds {records} records; an import may hold at most {IMPORT_MAX_RECORDS}"),
        ));
    }

    let mut tx = pool.begin().await?;
    let z = find_zone(&mut tx, who, zone, true).await?;
    let signed = sqlx::query_scalar!(
        "select exists (select 1 from zone_key where zone_id = $1) as \"signed!\"",
        z.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let reverse = super::zones::is_reverse_name(&z.name);

    // What Zonekeeper manages itself cannot come from a file.
    let mut rrsets: Vec<Rrset> = Vec::with_capacity(file.rrsets.len());
    for imported in &file.rrsets {
        let rrset = &imported.rrset;
        let line = imported.lines.first().copied().unwrap_or(0);
        let label = format!("{} {}", rrset.name(), rrset.type_name());
        if let Some(rule) = managed_here(&origin, rrset, reverse, signed) {
            errors.push(line_error(line, &format!("{label}: {rule}")));
            continue;
        }
        rrsets.push(rrset.clone());
    }
    let soa = validate_rrset(&origin, "@", "SOA", i64::from(z.soa_ttl), &[z.soa_text()]).map_err(
        |e| ServiceError::internal(format!("stored SOA of {} is invalid: {e:?}", z.name)),
    )?;
    let mut whole = rrsets.clone();
    whole.push(soa);
    let check_origin = origin.clone();
    let report = tokio::task::spawn_blocking(move || check_zone(&check_origin, &whole))
        .await
        .map_err(ServiceError::internal)?;
    for issue in &report.errors {
        let line = file.line_of(&issue.name, issue.rtype);
        errors.push(match line {
            Some(line) => line_error(line, &issue.to_string()),
            None => FieldError {
                field: "zone_file".into(),
                message: issue.to_string(),
            },
        });
    }
    // RFC 1034 §4.2.1: a zone has NS records at its apex.
    if !rrsets
        .iter()
        .any(|r| r.record_type() == RecordType::NS && r.name() == &origin)
    {
        errors.push(FieldError {
            field: "zone_file".into(),
            message: format!(
                "the file has no NS records at the apex ({origin}); a zone must keep them"
            ),
        });
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }

    let mut warnings: Vec<ZoneWarning> = file
        .warnings
        .iter()
        .map(|w| ZoneWarning {
            name: String::new(),
            type_: None,
            message: w.message.clone(),
            line: u32::try_from(w.line).ok(),
        })
        .collect();
    warnings.extend(report.warnings.iter().map(|w| {
        ZoneWarning {
            name: w.name.to_lowercase().to_ascii(),
            type_: w.rtype.map(type_name),
            message: w.message.clone(),
            line: file
                .line_of(&w.name, w.rtype)
                .and_then(|l| u32::try_from(l).ok()),
        }
    }));

    // The serial: Zonekeeper's, unless the file's is ahead (RFC 1982 arithmetic).
    let current = u32::try_from(z.serial).unwrap_or(0);
    let mut base = current;
    if let Some((line, file_serial)) = file
        .soa
        .as_ref()
        .and_then(|(line, soa)| soa.soa_serial().map(|s| (*line, s)))
    {
        if super::zones::serial_gt(file_serial, current) {
            base = file_serial;
            warnings.push(ZoneWarning {
                name: z.name.clone(),
                type_: Some("SOA".into()),
                message: format!(
                    "the file's serial {file_serial} is ahead of the zone's {current}: the zone \
                     continues from it, so secondaries that followed the old primary keep \
                     following; the rest of the file's SOA is ignored (it is managed in the \
                     zone's settings)"
                ),
                line: u32::try_from(line).ok(),
            });
        } else {
            warnings.push(ZoneWarning {
                name: z.name.clone(),
                type_: Some("SOA".into()),
                message: format!(
                    "the file's SOA is ignored (serial {file_serial} is not ahead of the zone's \
                     {current}); the SOA is managed in the zone's settings"
                ),
                line: u32::try_from(line).ok(),
            });
        }
    }

    // The difference to what is stored, RRset by RRset.
    let mut current_sets = load(&mut tx, &z).await?;
    current_sets.remove(&(z.name.clone(), RecordType::SOA));
    let mut wanted: BTreeMap<Key, Rrset> = BTreeMap::new();
    for rrset in rrsets {
        wanted.insert(
            (rrset.name().to_lowercase().to_ascii(), rrset.record_type()),
            rrset,
        );
    }
    let mut diffs = Vec::new();
    let mut removed: Vec<&Key> = Vec::new();
    let mut written: Vec<(&Key, &Rrset, String)> = Vec::new();
    for (key, (rrset, comment)) in &current_sets {
        if !wanted.contains_key(key) {
            removed.push(key);
            diffs.push(RrSetDiff {
                before: Some(to_api(&origin, rrset, comment)),
                after: None,
            });
        }
    }
    for (key, rrset) in &wanted {
        let before = current_sets.get(key);
        let same = before.is_some_and(|(old, _)| same_rrset(old, rrset));
        if same {
            continue;
        }
        let comment = before.map(|(_, c)| c.clone()).unwrap_or_default();
        diffs.push(RrSetDiff {
            before: before.map(|(old, c)| to_api(&origin, old, c)),
            after: Some(to_api(&origin, rrset, &comment)),
        });
        written.push((key, rrset, comment));
    }
    if dry_run || diffs.is_empty() {
        // Nothing is written; dropping the transaction releases the zone's lock.
        return Ok(ImportResult {
            dry_run,
            serial: current,
            changes: diffs,
            warnings,
        });
    }

    // Store: remove the RRsets that go or change, insert the new ones, in bulk.
    let (gone_names, gone_types): (Vec<String>, Vec<String>) = removed
        .iter()
        .map(|key| (key.0.clone(), type_name(key.1)))
        .chain(
            written
                .iter()
                .map(|(key, _, _)| (key.0.clone(), type_name(key.1))),
        )
        .unzip();
    sqlx::query!(
        "delete from record r using unnest($2::text[], $3::text[]) as gone (name, type)
          where r.zone_id = $1 and r.name = gone.name and r.type = gone.type",
        z.id,
        &gone_names,
        &gone_types
    )
    .execute(&mut *tx)
    .await?;
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut ttls = Vec::new();
    let mut contents = Vec::new();
    let mut comments = Vec::new();
    for (key, rrset, comment) in &written {
        let ttl = i32::try_from(rrset.ttl()).map_err(ServiceError::internal)?;
        for record in rrset.records() {
            names.push(key.0.clone());
            types.push(type_name(key.1));
            ttls.push(ttl);
            contents.push(record.text().to_owned());
            comments.push(comment.clone());
        }
    }
    sqlx::query!(
        "insert into record (zone_id, name, type, ttl, content, comment)
         select $1, * from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[])",
        z.id,
        &names,
        &types,
        &ttls,
        &contents,
        &comments
    )
    .execute(&mut *tx)
    .await?;
    // The next serial after the stored one, or after the file's when that is ahead.
    let serial = next_serial(base, time::OffsetDateTime::now_utc().date());
    let mut write = Write::new(&who.actor());
    write.changed_to(z.id, serial);
    // One audit entry for the whole import: what it did, in numbers (the records themselves
    // are in the zone and, per RRset, in the result).
    let created = diffs.iter().filter(|d| d.before.is_none()).count();
    let deleted = diffs.iter().filter(|d| d.after.is_none()).count();
    write.audit(Change {
        action: Action::ZoneImport,
        object_id: Some(z.name.clone()),
        before: Some(serde_json::json!({ "serial": current })),
        after: Some(serde_json::json!({
            "serial": serial,
            "rrsets_created": created,
            "rrsets_replaced": diffs.len() - created - deleted,
            "rrsets_deleted": deleted,
            "records": records,
        })),
    });
    write.commit(tx).await?;
    Ok(ImportResult {
        dry_run,
        serial,
        changes: diffs,
        warnings,
    })
}

/// A `zone_file:LINE` field error.
fn line_error(line: usize, message: &str) -> FieldError {
    FieldError {
        field: format!("zone_file:{line}"),
        message: message.to_owned(),
    }
}

/// Same records (as data, in any order), same TTL.
fn same_rrset(a: &Rrset, b: &Rrset) -> bool {
    a.ttl() == b.ttl()
        && a.records().len() == b.records().len()
        && a.records().iter().all(|r| {
            b.records()
                .iter()
                .any(|o| o.data() == r.data() && o.text() == r.text())
        })
}

/// Why an RRset cannot be written by a customer here, if it cannot: data Zonekeeper manages
/// itself. The same rules hold for the RRset API and the import.
fn managed_here(origin: &Name, rrset: &Rrset, reverse: bool, signed: bool) -> Option<String> {
    let rtype = rrset.record_type();
    if rtype == RecordType::SOA {
        return Some("the SOA record is managed through the zone's settings".into());
    }
    // In a reverse zone, PTRs live in the `ptr` table (one per address, FCrDNS-checked,
    // owner-checked); a PTR row here would be a second, unchecked one.
    if reverse && rtype == RecordType::PTR {
        return Some(
            "PTRs of a reverse zone are set per address under /api/v1/rdns (one per address, \
             checked for FCrDNS)"
                .into(),
        );
    }
    // The apex DNSKEY of a zone signed here is the signer's own key.
    if signed && rtype == RecordType::DNSKEY && rrset.name() == origin {
        return Some(
            "this zone is signed by Zonekeeper, which publishes its own DNSKEY at the apex".into(),
        );
    }
    None
}

/// The owner and type of a deletion, checked without records.
fn owner_and_type(origin: &Name, name: &str, rtype: &str) -> Result<Key, Problems> {
    use dns_engine::model::{parse_name, parse_type, NameRole};
    let owner = parse_name(name, origin, NameRole::Owner);
    let t = parse_type(rtype);
    match (owner, t) {
        (Ok(owner), Ok(t)) if origin.zone_of(&owner) => Ok((owner.to_lowercase().to_ascii(), t)),
        (Ok(_), Ok(_)) => Err(vec![("name".into(), "is outside the zone".into())]),
        (owner, t) => Err(owner
            .err()
            .map(|m| ("name".to_owned(), m))
            .into_iter()
            .chain(t.err().map(|m| ("type".to_owned(), m)))
            .collect()),
    }
}
