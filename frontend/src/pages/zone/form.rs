//! Form helpers shared by the add form and the inline editor: records by line, TTLs,
//! drafts checked with the engine's rules, and where the API's field errors go.

use leptos::prelude::*;

use crate::api::{ApiResult, FieldError, RrSet};
use crate::components::ui::{
    error_of, field_error, line_messages, list_index, unplaced_message, Submission,
};
use crate::validation::check_rrset;

/// The records of a textarea, one per non-empty line, with the (1-based) line each came from,
/// so that the server's `records[i]` errors can point at the line the user sees.
pub(super) fn parse_records(text: &str) -> (Vec<String>, Vec<usize>) {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let line = line.trim();
            (!line.is_empty()).then(|| (line.to_owned(), i + 1))
        })
        .unzip()
}

/// Empty means "the default TTL". Only the number is read here: its range is the engine's
/// rule, checked with the rest of the RRset.
pub(super) fn parse_ttl(text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>().map(Some).map_err(|_| {
        field_error(
            "ttl",
            "Enter a number of seconds, or leave it empty for the default.",
        )
    })
}

/// What an RRset form holds, as typed: owner, type, TTL and the records textarea.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Draft {
    pub(super) name: String,
    pub(super) type_: String,
    pub(super) ttl: String,
    pub(super) records: String,
}

/// The problems of a draft by the engine's rules, and the textarea line of each record (so
/// that `records[i]` can point at the line the user sees).
///
/// While typing (`complete` false) a form that has no records yet is not an error: nobody has
/// got that far. On submit (`complete` true) it is.
pub(super) fn check_draft(
    zone: &str,
    draft: &Draft,
    complete: bool,
) -> (Vec<FieldError>, Vec<usize>) {
    let (records, lines) = parse_records(&draft.records);
    let (ttl, ttl_error) = match parse_ttl(&draft.ttl) {
        Ok(ttl) => (ttl, None),
        Err(e) => (None, Some(e)),
    };
    let owner = relative_name(&draft.name, zone);
    let mut errors = check_rrset(zone, &owner, &draft.type_, ttl, &records);
    if !complete && records.is_empty() {
        errors.retain(|e| e.field != "records");
    }
    errors.extend(ttl_error);
    (errors, lines)
}

/// The field errors of a failed submission (none if it succeeded or has not run).
pub(super) fn errors_of<T>(result: &Option<ApiResult<T>>) -> &[FieldError] {
    error_of(result).map_or(&[], |e| e.problem.errors.as_slice())
}

/// The messages for one field, joined; `None` if the field is fine.
pub(super) fn field_message(errors: &[FieldError], field: &str) -> Option<String> {
    let messages: Vec<&str> = errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect();
    (!messages.is_empty()).then(|| messages.join(" "))
}

/// Once the user changes a field, the server's verdict on the old values is stale: the form
/// goes back to showing what the engine's rules say about the new ones.
pub(super) fn forget_error<T: Send + Sync + 'static>(submission: Submission<T>) {
    if submission
        .result
        .with_untracked(|r| matches!(r, Some(Err(_))))
    {
        submission.result.set(None);
    }
}

/// The messages about the records textarea, by line.
pub(super) fn record_messages(errors: &[FieldError], lines: &[usize]) -> Vec<String> {
    line_messages(errors, "records", lines)
}

/// The message for the top of a form: zone-level rules (field `zone`) and anything not shown
/// next to one of `placed` or the records.
pub(super) fn general_message<T>(result: &Option<ApiResult<T>>, placed: &[&str]) -> Option<String> {
    unplaced_message(error_of(result)?, |field| {
        placed.contains(&field) || field == "records" || list_index(field, "records").is_some()
    })
}

/// The owner name relative to the zone (`@` for the apex), from what the user typed: empty,
/// `@`, a relative name, or an absolute one inside the zone.
pub(super) fn relative_name(typed: &str, zone: &str) -> String {
    let typed = typed.trim();
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    if typed.is_empty() || typed == "@" {
        return "@".into();
    }
    if let Some(absolute) = typed.strip_suffix('.') {
        let lower = absolute.to_ascii_lowercase();
        if lower == zone {
            return "@".into();
        }
        if let Some(prefix) = lower.strip_suffix(&format!(".{zone}")) {
            return prefix.to_owned();
        }
    }
    typed.to_owned()
}

/// Everything the filter box can match in one RRset, lower-cased.
pub(super) fn haystack(rrset: &RrSet) -> String {
    let mut text = format!(
        "{} {} {} {}",
        rrset.name, rrset.fqdn, rrset.type_, rrset.comment
    );
    for record in &rrset.records {
        text.push(' ');
        text.push_str(record);
    }
    text.to_lowercase()
}

pub(super) fn matches_filter(haystack: &str, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    filter.is_empty() || haystack.contains(&filter)
}

/// Field errors under an input; `None` shows nothing.
pub(super) fn error_lines(messages: Vec<String>) -> impl IntoView {
    (!messages.is_empty()).then(|| {
        view! {
            <ul class="field-error record-errors" role="alert">
                {messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_line_numbers() {
        let (records, lines) = parse_records("192.0.2.1\n\n  192.0.2.2  \n");
        assert_eq!(records, vec!["192.0.2.1", "192.0.2.2"]);
        assert_eq!(lines, vec![1, 3]);
    }

    #[test]
    fn record_fields_are_recognised() {
        assert_eq!(list_index("records[2]", "records"), Some(2));
        assert_eq!(list_index("records/0", "records"), Some(0));
        assert_eq!(list_index("records", "records"), None);
        assert_eq!(list_index("ttl", "records"), None);
    }

    #[test]
    fn names_become_relative() {
        assert_eq!(relative_name("", "example.com."), "@");
        assert_eq!(relative_name("@", "example.com."), "@");
        assert_eq!(relative_name("www", "example.com."), "www");
        assert_eq!(relative_name("WWW.Example.com.", "example.com."), "www");
        assert_eq!(relative_name("example.com.", "example.com."), "@");
        assert_eq!(relative_name("other.org.", "example.com."), "other.org.");
    }

    #[test]
    fn ttl_is_optional_but_numeric() {
        assert_eq!(parse_ttl(" ").unwrap(), None);
        assert_eq!(parse_ttl("3600").unwrap(), Some(3600));
        assert!(parse_ttl("1h").is_err());
    }

    fn draft(name: &str, type_: &str, ttl: &str, records: &str) -> Draft {
        Draft {
            name: name.into(),
            type_: type_.into(),
            ttl: ttl.into(),
            records: records.into(),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn drafts_are_checked_by_the_engines_rules() {
        let zone = "example.com.";
        let (errors, lines) = check_draft(
            zone,
            &draft("www", "A", "", "192.0.2.1\n\n999.1.1.1"),
            false,
        );
        assert_eq!(fields(&errors), vec!["records[1]"]);
        assert_eq!(lines, vec![1, 3]);
        assert_eq!(
            record_messages(&errors, &lines),
            vec![format!("line 3: {}", errors[0].message)]
        );
        let (errors, _) = check_draft(zone, &draft("www", "A", "0", "192.0.2.1"), false);
        assert_eq!(fields(&errors), vec!["ttl"]);
        let (errors, _) = check_draft(zone, &draft("www", "A", "1h", "192.0.2.1"), false);
        assert_eq!(fields(&errors), vec!["ttl"]);
        let (errors, _) = check_draft(
            zone,
            &draft("www.example.com.", "A", "60", "192.0.2.1"),
            true,
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn missing_records_count_only_on_submit() {
        let empty = draft("www", "MX", "", " \n");
        assert!(check_draft("example.com.", &empty, false).0.is_empty());
        assert_eq!(
            fields(&check_draft("example.com.", &empty, true).0),
            vec!["records"]
        );
    }
}
