//! The records of a zone, edited an RRset at a time (all records of one name and type), the
//! way hosting consoles and the PowerDNS API do. A change — one RRset or a batch — is checked
//! record by record ([`dns_engine::model::validate_rrset`]) and then as a whole zone
//! ([`dns_engine::model::check_zone`]: CNAME exclusivity, apex and delegation rules), and is
//! then stored in one transaction that also bumps the SOA serial, writes the audit log and
//! notifies the DNS engines. A change that breaks a rule stores nothing.

use std::collections::BTreeMap;

use dns_engine::model::{check_zone, relative_name, render_zone, validate_rrset, Rrset};
use frontend::api::types::{
    ChangeType, FieldError, ImportResult, Role, RrSet, RrSetChange, RrSetChangeResult, RrSetDiff,
    ZoneWarning,
};
use hickory_proto::rr::{Name, RecordType};
use sqlx::{PgConnection, PgPool};

use super::audit::{self, Change};
use super::zones::{next_serial, notify_changed, zone_for_principal};
use crate::auth::Principal;
use crate::http::error::ApiError;

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

fn origin_of(zone: &str) -> Result<Name, ApiError> {
    Name::from_ascii(zone).map_err(ApiError::internal)
}

/// The zone named in a URL, if the caller may see it (someone else's is "not found").
async fn find_zone(
    conn: &mut PgConnection,
    who: &Principal,
    zone: &str,
    lock: bool,
) -> Result<ZoneRow, ApiError> {
    let name = zone_for_principal(who, zone)?;
    let admin = who.role == Role::Admin;
    let row = if lock {
        sqlx::query_as!(
            ZoneRow,
            "select id, name, serial, soa_mname, soa_rname, soa_refresh, soa_retry, soa_expire,
                    soa_minimum, soa_ttl
               from zone where name = $1 and (account_id = $2 or $3) for update",
            name,
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
            name,
            who.account_id,
            admin
        )
        .fetch_optional(conn)
        .await?
    };
    row.ok_or(ApiError::NotFound)
}

/// Every RRset of the zone as stored (SOA included), with comments, in canonical order.
async fn load(
    conn: &mut PgConnection,
    zone: &ZoneRow,
) -> Result<BTreeMap<Key, (Rrset, String)>, ApiError> {
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
    .map_err(|e| ApiError::internal(format!("stored SOA of {} is invalid: {e:?}", zone.name)))?;
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
        type_: rrset.record_type().to_string(),
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
    zone: &str,
    name: Option<&str>,
    rtype: Option<&str>,
) -> Result<Vec<RrSet>, ApiError> {
    let mut conn = pool.acquire().await?;
    let z = find_zone(&mut conn, who, zone, false).await?;
    let origin = origin_of(&z.name)?;
    let want_name = match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => Some(
            dns_engine::model::parse_name(n, &origin, dns_engine::model::NameRole::Owner)
                .map_err(|m| ApiError::field("name", m))?
                .to_lowercase()
                .to_ascii(),
        ),
        None => None,
    };
    let want_type = match rtype.filter(|t| !t.trim().is_empty()) {
        Some(t) => Some(dns_engine::model::parse_type(t).map_err(|m| ApiError::field("type", m))?),
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
pub async fn export(pool: &PgPool, who: &Principal, zone: &str) -> Result<String, ApiError> {
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
    zone: &str,
    changes: &[RrSetChange],
    batch: bool,
) -> Result<RrSetChangeResult, ApiError> {
    apply_inner(pool, who, zone, changes, batch, false)
        .await
        .map(|(result, _)| result)
}

/// [`apply`], optionally without storing anything (`dry_run`), also returning each touched
/// RRset as it was and as it is (or would be) after the change.
async fn apply_inner(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
    changes: &[RrSetChange],
    batch: bool,
    dry_run: bool,
) -> Result<(RrSetChangeResult, Vec<RrSetDiff>), ApiError> {
    if changes.is_empty() {
        return Err(ApiError::field("changes", "must list at least one change"));
    }
    let mut tx = pool.begin().await?;
    let z = find_zone(&mut tx, who, zone, true).await?;
    let origin = origin_of(&z.name)?;
    let default_ttl = sqlx::query_scalar!("select default_ttl from setting")
        .fetch_one(&mut *tx)
        .await?;
    let mut current = load(&mut tx, &z).await?;
    let before = current.clone();

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
                            return Err(ApiError::NotFound);
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
        return Err(ApiError::Validation(errors));
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
        return Err(ApiError::Validation(
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
            type_: w.rtype.map(|t| t.to_string()),
            message: w.message.clone(),
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
    let serial = next_serial(
        u32::try_from(z.serial).unwrap_or(0),
        time::OffsetDateTime::now_utc().date(),
    );
    let mut stored = Vec::new();
    for key in &touched {
        sqlx::query!(
            "delete from record where zone_id = $1 and name = $2 and type = $3",
            z.id,
            key.0,
            key.1.to_string()
        )
        .execute(&mut *tx)
        .await?;
        let after = current.get(key);
        if let Some((rrset, comment)) = after {
            let ttl = i32::try_from(rrset.ttl()).map_err(ApiError::internal)?;
            sqlx::query!(
                "insert into record (zone_id, name, type, ttl, content, comment)
                 select $1, $2, $3, $4, unnest($5::text[]), $6",
                z.id,
                key.0,
                key.1.to_string(),
                ttl,
                &rrset.texts(),
                comment,
            )
            .execute(&mut *tx)
            .await?;
            stored.push(to_api(&origin, rrset, comment));
        }
        let before = before.get(key).map(|(r, c)| to_api(&origin, r, c));
        audit::record(
            &mut tx,
            &who.actor(),
            Change {
                action: if after.is_some() {
                    "rrset.replace"
                } else {
                    "rrset.delete"
                },
                object_type: "rrset",
                object_id: Some(format!("{} {} {}", z.name, key.0, key.1)),
                before: before.and_then(|b| serde_json::to_value(b).ok()),
                after: stored
                    .last()
                    .filter(|_| after.is_some())
                    .and_then(|a| serde_json::to_value(a).ok()),
            },
        )
        .await?;
    }
    sqlx::query!(
        "update zone set serial = $2, updated_at = now() where id = $1",
        z.id,
        i64::from(serial)
    )
    .execute(&mut *tx)
    .await?;
    notify_changed(&mut tx, &z.name).await?;
    tx.commit().await?;

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

/// Replace the zone's records with those of a BIND zone file (RFC 1035 §5): RRsets in the
/// file are created or replaced, RRsets not in it are deleted. The file's SOA is ignored —
/// the SOA is managed through the zone's settings and its serial by Zonekeeper. With
/// `dry_run`, nothing is stored and the answer says what would change.
pub async fn import(
    pool: &PgPool,
    who: &Principal,
    zone: &str,
    text: &str,
    dry_run: bool,
) -> Result<ImportResult, ApiError> {
    let bad = |m: String| ApiError::field("zone_file", m);
    // `$INCLUDE` would make the server read files of its own choosing: never.
    if text
        .lines()
        .any(|l| l.trim_start().to_ascii_uppercase().starts_with("$INCLUDE"))
    {
        return Err(bad(
            "$INCLUDE is not supported; paste the included records instead".into(),
        ));
    }
    let (origin, existing, serial) = {
        let mut conn = pool.acquire().await?;
        let z = find_zone(&mut conn, who, zone, false).await?;
        let origin = origin_of(&z.name)?;
        let existing: Vec<Key> = load(&mut conn, &z).await?.into_keys().collect();
        (origin, existing, u32::try_from(z.serial).unwrap_or(0))
    };
    let parsed = hickory_proto::serialize::txt::Parser::new(text, None, Some(origin.clone()))
        .parse()
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    let mut changes: Vec<RrSetChange> = Vec::new();
    let mut in_file: Vec<Key> = Vec::new();
    for set in parsed.1.values() {
        let rtype = set.record_type();
        if rtype == RecordType::SOA {
            continue;
        }
        let owner = set.name().to_lowercase();
        if !origin.zone_of(&owner) {
            return Err(bad(format!(
                "{owner} {rtype}: is outside the zone {origin}"
            )));
        }
        in_file.push((owner.to_ascii(), rtype));
        changes.push(RrSetChange {
            name: owner.to_ascii(),
            type_: rtype.to_string(),
            changetype: ChangeType::Replace,
            ttl: Some(i64::from(set.ttl())),
            records: set
                .records_without_rrsigs()
                .map(|r| r.data.to_string())
                .collect(),
            comment: None,
        });
    }
    for key in existing {
        if key.1 != RecordType::SOA && !in_file.contains(&key) {
            changes.push(RrSetChange {
                name: key.0.clone(),
                type_: key.1.to_string(),
                changetype: ChangeType::Delete,
                ttl: None,
                records: vec![],
                comment: None,
            });
        }
    }
    if changes.is_empty() {
        // An empty file of an empty zone: nothing to do.
        return Ok(ImportResult {
            dry_run,
            serial,
            changes: vec![],
            warnings: vec![],
        });
    }
    // Errors name the RRset in the file rather than a position in an internal batch.
    let labels: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}", c.name, c.type_))
        .collect();
    let (result, diffs) = match apply_inner(pool, who, zone, &changes, true, dry_run).await {
        Err(ApiError::Validation(errors)) => {
            return Err(ApiError::Validation(
                errors
                    .into_iter()
                    .map(|e| {
                        let index = e
                            .field
                            .strip_prefix("changes[")
                            .and_then(|rest| rest.split(']').next())
                            .and_then(|i| i.parse::<usize>().ok());
                        let rest = e.field.split("].").nth(1).unwrap_or(&e.field).to_owned();
                        FieldError {
                            field: "zone_file".into(),
                            message: match index.and_then(|i| labels.get(i)) {
                                Some(label) => format!("{label}: {rest}: {}", e.message),
                                None => e.message,
                            },
                        }
                    })
                    .collect(),
            ))
        }
        other => other?,
    };
    Ok(ImportResult {
        dry_run,
        serial: result.serial,
        // Replacing an RRset by the same data is no change worth showing.
        changes: diffs.into_iter().filter(|d| d.before != d.after).collect(),
        warnings: result.warnings,
    })
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
