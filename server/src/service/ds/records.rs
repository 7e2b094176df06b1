//! DS records: the list and its export, and submitting or removing one.

use super::*;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct DsRow {
    pub(super) id: i64,
    pub(super) key_tag: i32,
    pub(super) algorithm: i16,
    pub(super) digest_type: i16,
    pub(super) digest: Vec<u8>,
    pub(super) state: String,
    pub(super) reason: String,
    pub(super) warnings: Vec<String>,
    pub(super) checked_at: Option<OffsetDateTime>,
    pub(super) created_at: OffsetDateTime,
}

impl DsRow {
    /// The stored state (a text column; anything unknown reads as unreachable, the state
    /// that publishes nothing).
    pub(super) fn state(&self) -> DsState {
        DsState::parse(&self.state).unwrap_or(DsState::Unreachable)
    }

    pub(super) fn data(&self) -> DsData {
        DsData {
            key_tag: u16::try_from(self.key_tag).unwrap_or_default(),
            algorithm: u8::try_from(self.algorithm).unwrap_or_default(),
            digest_type: u8::try_from(self.digest_type).unwrap_or_default(),
            digest: self.digest.clone(),
        }
    }
}

pub(super) fn to_record(domain: &str, row: &DsRow, published: bool) -> DsRecord {
    let rdata = format!(
        "{} {} {} {}",
        row.key_tag,
        row.algorithm,
        row.digest_type,
        hex::encode_upper(&row.digest)
    );
    DsRecord {
        id: row.id,
        key_tag: u16::try_from(row.key_tag).unwrap_or_default(),
        algorithm: u8::try_from(row.algorithm).unwrap_or_default(),
        digest_type: u8::try_from(row.digest_type).unwrap_or_default(),
        digest: hex::encode_upper(&row.digest),
        line: format!("{domain} IN DS {rdata}"),
        state: row.state(),
        reason: row.reason.clone(),
        warnings: row.warnings.clone(),
        published,
        checked_at: row.checked_at,
        created_at: row.created_at,
    }
}

pub(super) async fn ds_rows(conn: &mut PgConnection, domain_id: i64) -> sqlx::Result<Vec<DsRow>> {
    sqlx::query_as(
        "select id, key_tag, algorithm, digest_type, digest, state, reason, warnings, checked_at,
                created_at
           from ds_record where domain_id = $1 order by id",
    )
    .bind(domain_id)
    .fetch_all(conn)
    .await
}

pub(super) async fn list_of(
    conn: &mut PgConnection,
    row: &DomainRow,
) -> Result<DsList, ServiceError> {
    let domain = to_domain(conn, row).await?;
    let rows = ds_rows(conn, row.id).await?;
    let any_valid = rows.iter().any(|r| r.state() == DsState::Valid);
    let served = domain.publication == "parent" && domain.delegated;
    let records = rows
        .iter()
        .map(|r| to_record(&row.name, r, served && r.state().is_published(any_valid)))
        .collect();
    Ok(DsList { domain, records })
}

/// A domain and its DS records.
pub async fn list_ds(pool: &PgPool, who: &Principal, input: &str) -> Result<DsList, ServiceError> {
    let mut conn = pool.acquire().await?;
    let row = domain_row(&mut conn, who, input).await?;
    list_of(&mut conn, &row).await
}

/// The domain's DS records as zone-file lines, for the registrar: the published set (valid
/// records, and pending ones next to a valid one).
pub async fn export(pool: &PgPool, who: &Principal, input: &str) -> Result<String, ServiceError> {
    let mut conn = pool.acquire().await?;
    let row = domain_row(&mut conn, who, input).await?;
    let rows = ds_rows(&mut conn, row.id).await?;
    let any_valid = rows.iter().any(|r| r.state() == DsState::Valid);
    let mut out = format!("; DS records of {} for the parent zone\n", row.name);
    for r in rows.iter().filter(|r| r.state().is_published(any_valid)) {
        out.push_str(&to_record(&row.name, r, false).line);
        out.push('\n');
    }
    Ok(out)
}

/// What the request asks to add, and the field a refusal is reported on.
pub(super) fn parse_request(
    domain: &Name,
    domain_text: &str,
    req: &SubmitDsRequest,
) -> Result<(DsData, Vec<String>, &'static str), ServiceError> {
    let by_fields = req.key_tag.is_some()
        || req.algorithm.is_some()
        || req.digest_type.is_some()
        || req.digest.is_some();
    let forms =
        usize::from(by_fields) + usize::from(req.ds.is_some()) + usize::from(req.dnskey.is_some());
    if forms != 1 {
        return Err(ServiceError::field(
            "ds",
            "give the DS in exactly one form: its fields (key_tag, algorithm, digest_type, \
             digest), a DS line (ds), or a DNSKEY to compute it from (dnskey)",
        ));
    }
    let to_api = |errors: Vec<dns_engine::FieldError>| {
        ServiceError::Validation(
            errors
                .into_iter()
                .map(|e| FieldError {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        )
    };
    let (fields, warnings, field) = if by_fields {
        let mut missing = Vec::new();
        for (name, present) in [
            ("key_tag", req.key_tag.is_some()),
            ("algorithm", req.algorithm.is_some()),
            ("digest_type", req.digest_type.is_some()),
            ("digest", req.digest.is_some()),
        ] {
            if !present {
                missing.push(FieldError {
                    field: name.into(),
                    message: "is required".into(),
                });
            }
        }
        if !missing.is_empty() {
            return Err(ServiceError::Validation(missing));
        }
        let (f, w) = dns_engine::model::ds::check_ds(
            req.key_tag.unwrap_or_default(),
            req.algorithm.unwrap_or_default(),
            req.digest_type.unwrap_or_default(),
            req.digest.as_deref().unwrap_or_default(),
        )
        .map_err(to_api)?;
        (f, w, "digest")
    } else if let Some(text) = &req.ds {
        let (f, w) = dns_engine::model::ds::parse_ds_line(domain_text, text).map_err(to_api)?;
        (f, w, "ds")
    } else {
        let text = req.dnskey.as_deref().unwrap_or_default();
        let digest_type = match req.dnskey_digest_type.unwrap_or(2) {
            2 => 2,
            4 => 4,
            other => {
                return Err(ServiceError::field(
                    "dnskey_digest_type",
                    format!(
                        "{other} is not offered: compute the DS with 2 (SHA-256) or 4 (SHA-384)"
                    ),
                ))
            }
        };
        let data = dscheck::ds_from_dnskey(domain, text, digest_type)
            .map_err(|why| ServiceError::field("dnskey", why))?;
        // The computed DS passes the same rules (a deprecated algorithm is refused here too).
        let (f, w) = dns_engine::model::ds::check_ds(
            i64::from(data.key_tag),
            i64::from(data.algorithm),
            i64::from(data.digest_type),
            &hex::encode_upper(&data.digest),
        )
        .map_err(|errors| {
            ServiceError::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: "dnskey".into(),
                        message: e.message,
                    })
                    .collect(),
            )
        })?;
        (f, w, "dnskey")
    };
    Ok((
        DsData {
            key_tag: fields.key_tag,
            algorithm: fields.algorithm,
            digest_type: fields.digest_type,
            digest: fields.digest,
        },
        warnings,
        field,
    ))
}

/// Validates a DS (format, then live) and stores it, or with `dry_run` only says what would
/// be stored.
pub async fn submit(
    pool: &PgPool,
    checker: &Checker,
    who: &Principal,
    input: &str,
    req: &SubmitDsRequest,
) -> Result<SubmitDsResponse, ServiceError> {
    let row = {
        let mut conn = pool.acquire().await?;
        domain_row(&mut conn, who, input).await?
    };
    let name = Name::from_ascii(&row.name).map_err(ServiceError::internal)?;
    let (data, warnings, field) = parse_request(&name, &row.name, req)?;
    let result = checker
        .check(pool, &row.name, std::slice::from_ref(&data))
        .await
        .pop()
        .unwrap_or(CheckResult {
            state: CheckState::Unreachable,
            reason: "no check was made".into(),
        });
    let (state, reason) = match result.state {
        CheckState::Valid => (DsState::Valid, result.reason),
        CheckState::Unreachable => (DsState::Unreachable, result.reason),
        refused @ (CheckState::Mismatch | CheckState::NoKey) => {
            if req.pre_publish {
                (
                    DsState::Pending,
                    format!(
                        "pre-published for a key rollover; checked again until the key is \
                         published. Last check: {}",
                        result.reason
                    ),
                )
            } else {
                return Err(ServiceError::Rejected {
                    code: match refused {
                        CheckState::Mismatch => "ds-mismatch",
                        _ => "ds-no-key",
                    },
                    errors: vec![FieldError {
                        field: field.into(),
                        message: format!(
                            "{}: {} — nothing was stored. A DS pre-published for a key \
                             rollover is stored as pending once the pre-publication is \
                             confirmed (pre_publish)",
                            refused.as_str(),
                            result.reason
                        ),
                    }],
                });
            }
        }
    };
    let now = OffsetDateTime::now_utc();
    let draft = DsRow {
        id: 0,
        key_tag: i32::from(data.key_tag),
        algorithm: i16::from(data.algorithm),
        digest_type: i16::from(data.digest_type),
        digest: data.digest.clone(),
        state: state.as_str().into(),
        reason,
        warnings,
        checked_at: Some(now),
        created_at: now,
    };
    if req.dry_run {
        return Ok(SubmitDsResponse {
            record: to_record(&row.name, &draft, false),
            dry_run: true,
        });
    }
    let mut tx = pool.begin().await?;
    // The domain may have gone meanwhile (the check takes time): read it again, locked.
    sqlx::query_scalar!("select id from domain where id = $1 for update", row.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // A DS RRset is small in practice (a key and its successor, two digests each); a flood of
    // pending records once made the parent's signing fail.
    let held = sqlx::query_scalar!(
        r#"select count(*) as "n!" from ds_record where domain_id = $1"#,
        row.id
    )
    .fetch_one(&mut *tx)
    .await?;
    if held >= MAX_DS_PER_DOMAIN {
        return Err(ServiceError::field(
            "ds",
            format!(
                "a domain may have at most {MAX_DS_PER_DOMAIN} DS records; delete old ones first"
            ),
        ));
    }
    let id = sqlx::query_scalar!(
        "insert into ds_record (domain_id, key_tag, algorithm, digest_type, digest, state, reason,
                                warnings, checked_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, now()) returning id",
        row.id,
        draft.key_tag,
        draft.algorithm,
        draft.digest_type,
        draft.digest,
        draft.state,
        draft.reason,
        &draft.warnings
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(map_sqlx)?;
    let mut write = Write::new(&who.actor());
    if matches!(state, DsState::Valid | DsState::Pending) {
        if let Some(zone_id) = published_parent(&mut tx, &row).await? {
            write.changed(zone_id);
        }
    }
    let list = list_of(&mut tx, &row).await?;
    let record = list
        .records
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ServiceError::internal("stored DS vanished"))?;
    write.audit(Change {
        action: Action::DsCreate,
        object_id: Some(row.name.clone()),
        before: None,
        after: serde_json::to_value(&record).ok(),
    });
    write.commit(tx).await?;
    Ok(SubmitDsResponse {
        record,
        dry_run: false,
    })
}

/// Removes one DS record of a domain.
pub async fn delete_ds(
    pool: &PgPool,
    who: &Principal,
    input: &str,
    id: i64,
) -> Result<(), ServiceError> {
    let mut tx = pool.begin().await?;
    let row = domain_row(&mut tx, who, input).await?;
    let before = list_of(&mut tx, &row)
        .await?
        .records
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ServiceError::NotFound)?;
    sqlx::query!(
        "delete from ds_record where id = $1 and domain_id = $2",
        id,
        row.id
    )
    .execute(&mut *tx)
    .await?;
    let mut write = Write::new(&who.actor());
    if before.published {
        if let Some(zone_id) = published_parent(&mut tx, &row).await? {
            write.changed(zone_id);
        }
    }
    write.audit(Change {
        action: Action::DsDelete,
        object_id: Some(row.name.clone()),
        before: serde_json::to_value(&before).ok(),
        after: None,
    });
    write.commit(tx).await?;
    Ok(())
}
