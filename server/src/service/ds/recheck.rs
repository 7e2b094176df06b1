//! Re-checks: how a record's state moves when it is checked again, on request or on schedule.

use super::*;

/// The state a record moves to after a re-check, and why.
pub(super) fn next_state(previous: DsState, result: &CheckResult) -> (DsState, String) {
    match (result.state, previous) {
        (CheckState::Valid, _) => (DsState::Valid, result.reason.clone()),
        (CheckState::Unreachable, kept @ (DsState::Valid | DsState::Pending)) => (
            kept,
            format!(
                "still {} from an earlier check; the last check could not reach the name \
                 servers: {}",
                kept.as_str(),
                result.reason
            ),
        ),
        (CheckState::Mismatch | CheckState::NoKey, DsState::Pending) => (
            DsState::Pending,
            format!(
                "pre-published for a key rollover; checked again until the key is published. \
                 Last check: {}",
                result.reason
            ),
        ),
        (state, _) => (state.into(), result.reason.clone()),
    }
}

/// Re-runs the live check of every DS of one domain and stores the outcome; the parent zone is
/// re-published when the set it serves changed.
pub(super) async fn recheck_domain(
    pool: &PgPool,
    checker: &Checker,
    row: &DomainRow,
) -> Result<(), ServiceError> {
    let rows = {
        let mut conn = pool.acquire().await?;
        ds_rows(&mut conn, row.id).await?
    };
    if rows.is_empty() {
        return Ok(());
    }
    let data: Vec<DsData> = rows.iter().map(DsRow::data).collect();
    let results = checker.check(pool, &row.name, &data).await;
    let mut tx = pool.begin().await?;
    let before = list_of(&mut tx, row).await?;
    for (r, result) in rows.iter().zip(&results) {
        let (state, reason) = next_state(r.state(), result);
        sqlx::query!(
            "update ds_record set state = $2, reason = $3, checked_at = now() where id = $1",
            r.id,
            state.as_str(),
            reason
        )
        .execute(&mut *tx)
        .await?;
    }
    let after = list_of(&mut tx, row).await?;
    let published = |list: &DsList| -> Vec<i64> {
        list.records
            .iter()
            .filter(|r| r.published)
            .map(|r| r.id)
            .collect()
    };
    // The background re-check is the system's change, not a person's.
    let mut write = Write::new(&Actor::system());
    if published(&before) != published(&after) {
        if let Some(zone_id) = published_parent(&mut tx, row).await? {
            write.changed(zone_id);
        }
    }
    write.commit(tx).await?;
    Ok(())
}

/// `POST …/ds/check`: re-checks every DS of the domain now.
pub async fn check(
    pool: &PgPool,
    checker: &Checker,
    who: &Principal,
    input: &str,
) -> Result<DsList, ServiceError> {
    let row = {
        let mut conn = pool.acquire().await?;
        domain_row(&mut conn, who, input).await?
    };
    recheck_domain(pool, checker, &row).await?;
    let mut conn = pool.acquire().await?;
    list_of(&mut conn, &row).await
}

/// The periodic re-check: domains with a record that is not valid and was not checked for
/// `not_valid_after`, or whose valid records were last checked more than `valid_after` ago.
/// Returns how many domains were checked.
pub async fn recheck_due(
    pool: &PgPool,
    checker: &Checker,
    not_valid_after: Duration,
    valid_after: Duration,
) -> Result<usize, ServiceError> {
    let rows = sqlx::query_as!(
        DomainRow,
        "select d.id, d.name, a.email as owner, d.created_at
           from domain d join account a on a.id = d.account_id
          where exists (
                select 1 from ds_record r
                 where r.domain_id = d.id
                   and (r.checked_at is null
                        or (r.state <> 'valid' and r.checked_at < now() - make_interval(secs => $1))
                        or (r.state = 'valid' and r.checked_at < now() - make_interval(secs => $2))))
          order by d.id",
        not_valid_after.as_secs_f64(),
        valid_after.as_secs_f64()
    )
    .fetch_all(pool)
    .await?;
    for row in &rows {
        if let Err(e) = recheck_domain(pool, checker, row).await {
            tracing::warn!(domain = %row.name, error = %e, "DS re-check failed");
        }
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn result(state: CheckState) -> CheckResult {
        CheckResult {
            state,
            reason: "why".into(),
        }
    }

    #[test]
    pub(super) fn rechecks_keep_state_when_unreachable_and_pending_until_the_key_appears() {
        assert_eq!(
            next_state(DsState::Valid, &result(CheckState::Unreachable)).0,
            DsState::Valid
        );
        assert_eq!(
            next_state(DsState::Pending, &result(CheckState::Unreachable)).0,
            DsState::Pending
        );
        assert_eq!(
            next_state(DsState::Mismatch, &result(CheckState::Unreachable)).0,
            DsState::Unreachable
        );
        assert_eq!(
            next_state(DsState::Pending, &result(CheckState::NoKey)).0,
            DsState::Pending
        );
        assert_eq!(
            next_state(DsState::Pending, &result(CheckState::Valid)).0,
            DsState::Valid
        );
        // A record that stops matching its key is no longer valid (and so unpublished).
        assert_eq!(
            next_state(DsState::Valid, &result(CheckState::Mismatch)).0,
            DsState::Mismatch
        );
        assert_eq!(
            next_state(DsState::Unreachable, &result(CheckState::Valid)).0,
            DsState::Valid
        );
    }
}
