//! The audit log: one row for every change — who, what, when, from where, before and after —
//! written in the transaction of the change itself, so the two commit or fail together.
//!
//! What a row may say is typed: an [`Action`] (stored as its stable dotted name, which
//! admins query by) and the [`ObjectType`] that action is about, derived from it so that the
//! two can never disagree.

use serde_json::Value;
use sqlx::PgConnection;

/// Who made a change.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub account_id: Option<i64>,
    pub token_id: Option<i64>,
    /// Client address; `None` for the command line.
    pub source: Option<String>,
}

impl Actor {
    /// The command line or the server itself (first-start bootstrap).
    pub fn system() -> Actor {
        Actor::default()
    }
}

/// Every kind of change the audit log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreate,
    AccountUpdate,
    AccountPasswordChange,
    TokenCreate,
    TokenRevoke,
    SettingsUpdate,
    ZoneCreate,
    ZoneUpdate,
    ZoneDelete,
    ZoneImport,
    ZoneDnssecEnable,
    ZoneDnssecDisable,
    RrsetReplace,
    RrsetDelete,
    ReverseZoneCreate,
    ReverseZoneUpdate,
    ReverseZoneDelete,
    RangeAssign,
    RangeUnassign,
    RdnsSet,
    DomainCreate,
    DomainDelete,
    DsCreate,
    DsDelete,
    TsigKeyCreate,
    TsigKeyDelete,
    SecondaryCreate,
    SecondaryDelete,
    TransferAllowCreate,
    TransferAllowDelete,
    EngineNodeDelete,
}

impl Action {
    /// The stored name (`zone.create`, `rrset.replace`, …): stable, queried by admins.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AccountCreate => "account.create",
            Action::AccountUpdate => "account.update",
            Action::AccountPasswordChange => "account.password_change",
            Action::TokenCreate => "token.create",
            Action::TokenRevoke => "token.revoke",
            Action::SettingsUpdate => "settings.update",
            Action::ZoneCreate => "zone.create",
            Action::ZoneUpdate => "zone.update",
            Action::ZoneDelete => "zone.delete",
            Action::ZoneImport => "zone.import",
            Action::ZoneDnssecEnable => "zone.dnssec.enable",
            Action::ZoneDnssecDisable => "zone.dnssec.disable",
            Action::RrsetReplace => "rrset.replace",
            Action::RrsetDelete => "rrset.delete",
            Action::ReverseZoneCreate => "reverse_zone.create",
            Action::ReverseZoneUpdate => "reverse_zone.update",
            Action::ReverseZoneDelete => "reverse_zone.delete",
            Action::RangeAssign => "range.assign",
            Action::RangeUnassign => "range.unassign",
            Action::RdnsSet => "rdns.set",
            Action::DomainCreate => "domain.create",
            Action::DomainDelete => "domain.delete",
            Action::DsCreate => "ds.create",
            Action::DsDelete => "ds.delete",
            Action::TsigKeyCreate => "tsig_key.create",
            Action::TsigKeyDelete => "tsig_key.delete",
            Action::SecondaryCreate => "secondary.create",
            Action::SecondaryDelete => "secondary.delete",
            Action::TransferAllowCreate => "transfer_allow.create",
            Action::TransferAllowDelete => "transfer_allow.delete",
            Action::EngineNodeDelete => "engine_node.delete",
        }
    }

    /// What the action is about.
    pub fn object_type(self) -> ObjectType {
        match self {
            Action::AccountCreate => ObjectType::Account,
            Action::AccountUpdate => ObjectType::Account,
            Action::AccountPasswordChange => ObjectType::Account,
            Action::TokenCreate => ObjectType::ApiToken,
            Action::TokenRevoke => ObjectType::ApiToken,
            Action::SettingsUpdate => ObjectType::Settings,
            Action::ZoneCreate => ObjectType::Zone,
            Action::ZoneUpdate => ObjectType::Zone,
            Action::ZoneDelete => ObjectType::Zone,
            Action::ZoneImport => ObjectType::Zone,
            Action::ZoneDnssecEnable => ObjectType::Zone,
            Action::ZoneDnssecDisable => ObjectType::Zone,
            Action::RrsetReplace => ObjectType::Rrset,
            Action::RrsetDelete => ObjectType::Rrset,
            Action::ReverseZoneCreate => ObjectType::ReverseZone,
            Action::ReverseZoneUpdate => ObjectType::ReverseZone,
            Action::ReverseZoneDelete => ObjectType::ReverseZone,
            Action::RangeAssign => ObjectType::Range,
            Action::RangeUnassign => ObjectType::Range,
            Action::RdnsSet => ObjectType::Rdns,
            Action::DomainCreate => ObjectType::Domain,
            Action::DomainDelete => ObjectType::Domain,
            Action::DsCreate => ObjectType::Domain,
            Action::DsDelete => ObjectType::Domain,
            Action::TsigKeyCreate | Action::TsigKeyDelete => ObjectType::TsigKey,
            Action::SecondaryCreate | Action::SecondaryDelete => ObjectType::Secondary,
            Action::TransferAllowCreate | Action::TransferAllowDelete => ObjectType::TransferAllow,
            Action::EngineNodeDelete => ObjectType::EngineNode,
        }
    }
}

/// The kinds of objects changes are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    Account,
    ApiToken,
    Settings,
    Zone,
    Rrset,
    ReverseZone,
    Range,
    Rdns,
    Domain,
    TsigKey,
    Secondary,
    TransferAllow,
    EngineNode,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Account => "account",
            ObjectType::ApiToken => "api_token",
            ObjectType::Settings => "settings",
            ObjectType::Zone => "zone",
            ObjectType::Rrset => "rrset",
            ObjectType::ReverseZone => "reverse_zone",
            ObjectType::Range => "range",
            ObjectType::Rdns => "rdns",
            ObjectType::Domain => "domain",
            ObjectType::TsigKey => "tsig_key",
            ObjectType::Secondary => "secondary",
            ObjectType::TransferAllow => "transfer_allow",
            ObjectType::EngineNode => "engine_node",
        }
    }
}

/// What changed.
pub struct Change {
    pub action: Action,
    /// The object's name or id (a zone name, `zone owner TYPE` for an RRset, a token id).
    pub object_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(conn: &mut PgConnection, actor: &Actor, change: Change) -> sqlx::Result<()> {
    sqlx::query!(
        "insert into audit_log (account_id, token_id, action, object_type, object_id, source, before, after)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.account_id,
        actor.token_id,
        change.action.as_str(),
        change.action.object_type().as_str(),
        change.object_id,
        actor.source,
        change.before,
        change.after,
    )
    .execute(conn)
    .await?;
    Ok(())
}
