//! The record rules of the DNS engine, run in the browser while people type.
//!
//! The API checks every RRset with [`dns_engine::model::validate_rrset`]; the console calls
//! the very same function (the engine's model builds for wasm32 without its serving half), so
//! a message shown next to a field before saving is word for word the one the server would
//! send. Only what needs the whole stored zone (CNAME next to other data, glue, the zone's
//! warnings) is left to the server.
//!
//! Checking one RRset parses a few names and addresses: cheap enough to run on every keystroke.

use dns_engine::model::{validate_rrset, MIN_TTL};
use hickory_proto::rr::Name;

use crate::api::FieldError;

/// Checks one RRset of `zone` (its A-label name, trailing dot or not) as the API would:
/// `name` relative to the zone (`@` for the apex), the type mnemonic, the TTL (`None`: the
/// operator's default, which is valid by construction) and the records in presentation format.
///
/// Returns every problem with the API's field names (`name`, `type`, `ttl`, `records`,
/// `records[i]`), or nothing when the server would accept the RRset on its own.
pub fn check_rrset(
    zone: &str,
    name: &str,
    rtype: &str,
    ttl: Option<i64>,
    records: &[String],
) -> Vec<FieldError> {
    // The zone's name came from the server, which only stores valid names; should it still not
    // parse, the browser has nothing to check against and leaves the verdict to the server.
    let Ok(mut origin) = Name::from_ascii(zone) else {
        return Vec::new();
    };
    origin.set_fqdn(true);
    // Without a TTL the server uses its default, which its own settings check keeps in range;
    // any in-range value stands in for it here.
    let ttl = ttl.unwrap_or(i64::from(MIN_TTL));
    match validate_rrset(&origin, name, rtype, ttl, records) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| FieldError {
                field: e.field,
                message: e.message,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_good_rrset_has_no_errors() {
        let records = vec!["192.0.2.1".to_owned(), "192.0.2.2".to_owned()];
        assert!(check_rrset("example.com.", "www", "A", Some(300), &records).is_empty());
        assert!(check_rrset("example.com", "@", "MX", None, &["10 mail".to_owned()]).is_empty());
    }

    #[test]
    fn each_problem_names_its_field() {
        let records = vec!["192.0.2.1".to_owned(), "999.1.1.1".to_owned()];
        let errors = check_rrset("example.com.", "bad name!", "A", Some(0), &records);
        assert_eq!(fields(&errors), vec!["name", "ttl", "records[1]"]);
        assert!(errors[2].message.contains("999.1.1.1"), "{errors:?}");
    }

    #[test]
    fn type_rules_apply_at_the_apex() {
        let errors = check_rrset(
            "example.com.",
            "@",
            "CNAME",
            None,
            &["x.example.".to_owned()],
        );
        assert_eq!(fields(&errors), vec!["type"]);
    }

    #[test]
    fn no_records_is_an_error_of_the_records_field() {
        let errors = check_rrset("example.com.", "www", "A", None, &[]);
        assert_eq!(fields(&errors), vec!["records"]);
    }
}
