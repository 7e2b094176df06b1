//! Zone files (RFC 1035 §5): reading one for import, and rendering a zone for export.
//!
//! The export is what `named-checkzone` and other servers read: `$ORIGIN` first, then the SOA,
//! then one record per line in canonical name order (RFC 4034 §6.1), owners relative to the
//! origin, every TTL and the class written out, data in canonical presentation form with
//! absolute names — so the file means the same thing whatever `$ORIGIN` a reader assumes for
//! the data.
//!
//! The import ([`read_zone_file`]) reads the master-file format itself — entries, parentheses,
//! quotes, escapes, comments, `@`, `$ORIGIN`, `$TTL`, omitted owner, TTL and class — and hands
//! each record's data, exactly as written, to the same record parser the API uses
//! ([`Rdata::parse_as`]), keeping the line it came from. Nothing is re-rendered on the way, so
//! nothing is lost; every problem of the file is reported at once, each with its line.

use std::collections::HashMap;
use std::fmt::Write as _;

use hickory_proto::rr::{Name, RecordType};

use super::name::{owner_warning, parse_name, relative_name, NameRole};
use super::rdata::{parse_type, type_name, Rdata, Syntax};
use super::rrset::{assemble_rrset, Rrset, MAX_TTL};
use super::LowerName;

/// Renders the zone `origin` made of `rrsets` as a zone file.
pub fn render_zone(origin: &Name, rrsets: &[Rrset]) -> String {
    let mut sorted: Vec<&Rrset> = rrsets.iter().collect();
    // SOA first (RFC 1035 §5.2: "exactly one SOA RR should be present at the top of the
    // zone"), then canonical name order, then type number for a stable diff.
    sorted.sort_by_key(|rrset| {
        (
            rrset.record_type() != RecordType::SOA,
            LowerName::new(rrset.name()),
            u16::from(rrset.record_type()),
        )
    });
    let mut out = String::new();
    // A-labels as they are: hickory's Display would print `xn--mnchen-3ya` as `münchen`, which
    // neither this reader nor other servers' take.
    let _ = writeln!(out, "$ORIGIN {}", origin.to_ascii());
    for rrset in sorted {
        let owner = relative_name(rrset.name(), origin);
        let rtype = rrset.type_name();
        for record in rrset.records() {
            let _ = writeln!(
                out,
                "{owner}\t{}\tIN\t{rtype}\t{}",
                rrset.ttl(),
                record.text()
            );
        }
    }
    out
}

/// Most problems one import reports; past this the list says how many more there were.
pub const MAX_REPORTED: usize = 500;

/// A problem (or a warning) tied to a line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIssue {
    /// The line, counted from 1.
    pub line: usize,
    /// What is wrong, starting with the owner and type when the line has them.
    pub message: String,
}

/// An RRset read from a zone file, with the lines its records came from (in record order).
#[derive(Clone, Debug)]
pub struct FileRrset {
    pub rrset: Rrset,
    pub lines: Vec<usize>,
}

/// What [`read_zone_file`] found.
#[derive(Clone, Debug, Default)]
pub struct ZoneFile {
    /// The RRsets, SOA excepted, in the order they first appear.
    pub rrsets: Vec<FileRrset>,
    /// The file's SOA record and its line, if it has one.
    pub soa: Option<(usize, Rdata)>,
    /// Problems that keep the file from being imported, in line order.
    pub errors: Vec<LineIssue>,
    /// Things worth knowing that do not block the import.
    pub warnings: Vec<LineIssue>,
    /// Errors left out of `errors` beyond [`MAX_REPORTED`].
    pub more_errors: usize,
    by_rrset: HashMap<(LowerName, u16), usize>,
    by_name: HashMap<LowerName, usize>,
}

impl ZoneFile {
    /// The first line of the RRset `name`/`rtype` (any RRset at `name` when `rtype` is
    /// `None`), to place a whole-zone finding in the file.
    pub fn line_of(&self, name: &Name, rtype: Option<RecordType>) -> Option<usize> {
        let key = LowerName::new(name);
        match rtype {
            Some(rtype) => self.by_rrset.get(&(key, u16::from(rtype))).copied(),
            None => self.by_name.get(&key).copied(),
        }
    }

    /// Indexes the RRsets' first lines, so that placing findings costs a lookup each.
    fn index(&mut self) {
        for file_rrset in &self.rrsets {
            let Some(&line) = file_rrset.lines.first() else {
                continue;
            };
            let key = LowerName::new(file_rrset.rrset.name());
            let rtype = u16::from(file_rrset.rrset.record_type());
            self.by_rrset.insert((key.clone(), rtype), line);
            let first = self.by_name.entry(key).or_insert(line);
            *first = (*first).min(line);
        }
    }
}

/// One token of an entry, exactly as written.
#[derive(Debug)]
struct RawToken {
    text: String,
}

/// One entry (RFC 1035 §5.1): the tokens of one line, or of several joined by parentheses.
#[derive(Debug)]
struct Entry {
    line: usize,
    /// The line began with a blank: the owner is the previous entry's.
    blank_owner: bool,
    tokens: Vec<RawToken>,
}

/// Splits the file into entries. Comments go, parentheses join lines, quotes and escapes keep
/// what they hold: `;`, `(` and whitespace inside a quoted string are data.
fn entries(text: &str, errors: &mut Vec<LineIssue>) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut depth = 0usize;
    let mut open_line = 0usize;
    let mut current: Option<Entry> = None;
    let mut token: Option<RawToken> = None;
    let mut in_quote: Option<usize> = None;
    let mut at_line_start = true;
    let mut chars = text.chars().peekable();
    let flush_token = |token: &mut Option<RawToken>, current: &mut Option<Entry>| {
        if let (Some(t), Some(entry)) = (token.take(), current.as_mut()) {
            entry.tokens.push(t);
        }
    };
    while let Some(c) = chars.next() {
        if let Some(quote_line) = in_quote {
            let t = token.get_or_insert_with(|| RawToken {
                text: String::new(),
            });
            match c {
                '\\' => {
                    t.text.push(c);
                    if let Some(next) = chars.next() {
                        if next == '\n' {
                            line += 1;
                        }
                        t.text.push(next);
                    }
                }
                '"' => {
                    t.text.push(c);
                    in_quote = None;
                }
                '\n' => {
                    errors.push(LineIssue {
                        line: quote_line,
                        message: "a quoted string is not closed on its line (missing '\"')".into(),
                    });
                    in_quote = None;
                    token = None;
                    line += 1;
                    if depth == 0 {
                        out.extend(current.take());
                        at_line_start = true;
                    }
                }
                _ => t.text.push(c),
            }
            continue;
        }
        match c {
            '\n' => {
                flush_token(&mut token, &mut current);
                line += 1;
                if depth == 0 {
                    out.extend(current.take());
                    at_line_start = true;
                }
            }
            ';' => {
                flush_token(&mut token, &mut current);
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            '(' | ')' => {
                flush_token(&mut token, &mut current);
                if current.is_none() {
                    current = Some(Entry {
                        line,
                        blank_owner: !at_line_start,
                        tokens: Vec::new(),
                    });
                }
                at_line_start = false;
                if c == '(' {
                    if depth == 0 {
                        open_line = line;
                    }
                    depth += 1;
                } else if depth == 0 {
                    errors.push(LineIssue {
                        line,
                        message: "')' without a '(' before it".into(),
                    });
                } else {
                    depth -= 1;
                }
            }
            c if c.is_whitespace() => {
                flush_token(&mut token, &mut current);
                if at_line_start && current.is_none() {
                    current = Some(Entry {
                        line,
                        blank_owner: true,
                        tokens: Vec::new(),
                    });
                }
                at_line_start = false;
            }
            _ => {
                if current.is_none() {
                    current = Some(Entry {
                        line,
                        blank_owner: false,
                        tokens: Vec::new(),
                    });
                }
                at_line_start = false;
                let t = token.get_or_insert_with(|| RawToken {
                    text: String::new(),
                });
                t.text.push(c);
                if c == '"' {
                    in_quote = Some(line);
                } else if c == '\\' {
                    if let Some(next) = chars.next_if(|n| *n != '\n') {
                        t.text.push(next);
                    }
                }
            }
        }
    }
    if let Some(quote_line) = in_quote {
        errors.push(LineIssue {
            line: quote_line,
            message: "a quoted string is not closed (missing '\"')".into(),
        });
        token = None;
    }
    flush_token(&mut token, &mut current);
    if depth > 0 {
        errors.push(LineIssue {
            line: open_line,
            message: "'(' is never closed by a ')'".into(),
        });
    }
    out.extend(current.take());
    out.retain(|entry| !entry.tokens.is_empty());
    out
}

/// A TTL as zone files write it: seconds, or BIND's units (`1h30m`, `2d`, `1w`).
fn parse_ttl(text: &str) -> Option<Result<u32, String>> {
    let lower = text.to_ascii_lowercase();
    if lower.is_empty() || !lower.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if !lower
        .bytes()
        .all(|b| b.is_ascii_digit() || b"smhdw".contains(&b))
    {
        return None;
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for byte in lower.bytes() {
        if byte.is_ascii_digit() {
            let digit = u64::from(byte - b'0');
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        } else {
            let unit = match byte {
                b's' => 1,
                b'm' => 60,
                b'h' => 3600,
                b'd' => 86_400,
                _ => 604_800,
            };
            let Some(value) = number.take() else {
                return Some(Err(format!(
                    "TTL \"{text}\": a unit needs a number before it"
                )));
            };
            total = total.saturating_add(value.saturating_mul(unit));
        }
    }
    total = total.saturating_add(number.unwrap_or(0));
    Some(u32::try_from(total).ok().filter(|ttl| *ttl <= MAX_TTL).ok_or_else(|| {
        format!("TTL {text} is larger than {MAX_TTL} seconds, the most a TTL can be (RFC 2181 §8)")
    }))
}

/// Classes by name; only IN is served.
fn class_of(text: &str) -> Option<Result<(), String>> {
    let upper = text.to_ascii_uppercase();
    let code = match upper.as_str() {
        "IN" => 1,
        "CS" => 2,
        "CH" => 3,
        "HS" => 4,
        "NONE" => 254,
        "ANY" => 255,
        _ => upper.strip_prefix("CLASS")?.parse::<u16>().ok()?,
    };
    Some(if code == 1 {
        Ok(())
    } else {
        Err(format!(
            "class {text} is not served here; every record must be class IN"
        ))
    })
}

/// The record types a signer makes; a signed zone's export holds them, and they are left out
/// of an import (Zonekeeper signs zones itself) with a warning rather than refused.
const SIGNER_TYPES: &[&str] = &["RRSIG", "NSEC", "NSEC3", "NSEC3PARAM"];

struct Group {
    owner: Name,
    rtype: RecordType,
    ttl: (u32, usize),
    records: Vec<(usize, Result<Rdata, String>)>,
}

/// Reads a zone file of the zone `origin`. Records without a TTL, before any `$TTL` or stated
/// TTL, get `default_ttl` (with a warning). Never fails as a whole: everything found is in the
/// result, and the file may be imported only when `errors` is empty.
pub fn read_zone_file(text: &str, origin: &Name, default_ttl: u32) -> ZoneFile {
    let mut file = ZoneFile::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let entries = entries(text, &mut errors);

    let mut current_origin = origin.clone();
    let mut dollar_ttl: Option<u32> = None;
    let mut last_ttl: Option<u32> = None;
    let mut last_owner: Option<Name> = None;
    let mut warned_default_ttl = false;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<(LowerName, u16), usize> = HashMap::new();

    for entry in &entries {
        let line = entry.line;
        let mut tokens = entry.tokens.iter().peekable();
        let err = |errors: &mut Vec<LineIssue>, message: String| {
            errors.push(LineIssue { line, message });
        };
        // Directives (RFC 1035 §5.1 $ORIGIN and $INCLUDE, RFC 2308 §4 $TTL).
        if !entry.blank_owner {
            if let Some(first) = tokens.peek().filter(|t| t.text.starts_with('$')) {
                let directive = first.text.to_ascii_uppercase();
                tokens.next();
                let args: Vec<&str> = tokens.map(|t| t.text.as_str()).collect();
                match directive.as_str() {
                    "$ORIGIN" => match args.as_slice() {
                        [name] => match parse_name(name, &current_origin, NameRole::Target) {
                            Ok(name) => current_origin = name,
                            Err(rule) => err(&mut errors, format!("$ORIGIN {name}: {rule}")),
                        },
                        _ => err(&mut errors, "$ORIGIN takes exactly one domain name".into()),
                    },
                    "$TTL" => match args.as_slice() {
                        [ttl] => match parse_ttl(ttl) {
                            Some(Ok(ttl)) => dollar_ttl = Some(ttl),
                            Some(Err(message)) => err(&mut errors, format!("$TTL: {message}")),
                            None => err(&mut errors, format!("$TTL \"{ttl}\" is not a TTL (seconds, or e.g. 1h, 2d)")),
                        },
                        _ => err(&mut errors, "$TTL takes exactly one TTL".into()),
                    },
                    // $INCLUDE would make the server read files of its choosing: never.
                    "$INCLUDE" => err(&mut errors, "$INCLUDE is not supported; paste the included records instead".into()),
                    "$GENERATE" => err(&mut errors, "$GENERATE (a BIND extension) is not supported; write the records it would make".into()),
                    other => err(&mut errors, format!("{other} is not a zone file directive ($ORIGIN, $TTL)")),
                }
                continue;
            }
        }

        // The owner: named in the first column, or the previous entry's (RFC 1035 §5.1).
        let owner = if entry.blank_owner {
            match &last_owner {
                Some(owner) => owner.clone(),
                None => {
                    err(
                        &mut errors,
                        "the first record has no owner name (the line starts with a blank)".into(),
                    );
                    continue;
                }
            }
        } else {
            let Some(token) = tokens.next() else { continue };
            if token.text.contains(['\\', '"']) {
                err(
                    &mut errors,
                    format!(
                        "owner \"{}\": escaped or quoted characters in names are not supported",
                        token.text
                    ),
                );
                continue;
            }
            // Internationalized owners written in Unicode (U-labels) are converted to their
            // A-label form (UTS #46, as IDNA 2008 registries use it), with a warning: DNS itself
            // only carries the A-labels.
            let text = if token.text.is_ascii() {
                token.text.clone()
            } else {
                match idna::domain_to_ascii(&token.text) {
                    Ok(ascii) => {
                        warnings.push(LineIssue {
                            line,
                            message: format!(
                                "owner \"{}\" was converted to its A-label form \"{ascii}\" \
                                 (IDNA)",
                                token.text
                            ),
                        });
                        ascii
                    }
                    Err(_) => token.text.clone(),
                }
            };
            match parse_name(&text, &current_origin, NameRole::Owner) {
                Ok(owner) => owner,
                Err(rule) => {
                    err(&mut errors, format!("owner: {rule}"));
                    // Later blank-owner lines belong to this broken owner; skip them quietly.
                    last_owner = None;
                    continue;
                }
            }
        };
        last_owner = Some(owner.clone());

        // [TTL] [class] type, or [class] [TTL] type.
        let mut ttl: Option<u32> = None;
        let mut class_seen = false;
        let mut bad = false;
        while let Some(token) = tokens.peek() {
            if ttl.is_none() {
                if let Some(parsed) = parse_ttl(&token.text) {
                    match parsed {
                        Ok(value) => ttl = Some(value),
                        Err(message) => {
                            err(&mut errors, format!("{owner}: {message}"));
                            bad = true;
                        }
                    }
                    tokens.next();
                    continue;
                }
            }
            if !class_seen {
                if let Some(class) = class_of(&token.text) {
                    if let Err(message) = class {
                        err(&mut errors, format!("{owner}: {message}"));
                        bad = true;
                    }
                    class_seen = true;
                    tokens.next();
                    continue;
                }
            }
            break;
        }
        let Some(type_token) = tokens.next() else {
            err(&mut errors, format!("{owner}: the record has no type"));
            continue;
        };
        let rdata: Vec<&str> = tokens.map(|t| t.text.as_str()).collect();
        let rdata = rdata.join(" ");
        if bad {
            continue;
        }
        let type_text = type_token.text.as_str();
        let rtype = match parse_type(type_text) {
            Ok(rtype) => rtype,
            Err(_)
                if SIGNER_TYPES
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(type_text)) =>
            {
                warnings.push(LineIssue {
                    line,
                    message: format!(
                        "{owner} {}: left out; signatures and denial records are made by the \
                         signer, and Zonekeeper signs zones itself when signing is on",
                        type_text.to_ascii_uppercase()
                    ),
                });
                continue;
            }
            Err(message) => {
                err(&mut errors, format!("{owner}: {message}"));
                continue;
            }
        };
        if let Some(explicit) = ttl {
            last_ttl = Some(explicit);
        }
        let parsed = Rdata::parse_as(rtype, &rdata, &current_origin, Syntax::ZoneFile);
        let label = format!("{owner} {}", type_name(rtype));
        let parsed = match parsed {
            Ok((rdata, notes)) => {
                for note in notes {
                    warnings.push(LineIssue {
                        line,
                        message: format!("{label}: {note}"),
                    });
                }
                Ok(rdata)
            }
            Err(message) => Err(format!("{label} \"{rdata}\": {message}")),
        };
        if rtype == RecordType::SOA {
            match parsed {
                Ok(soa) if LowerName::new(&owner) == LowerName::new(origin) => {
                    if file.soa.is_some() {
                        warnings.push(LineIssue {
                            line,
                            message: format!("{label}: a second SOA record; it is ignored"),
                        });
                    } else {
                        file.soa = Some((line, soa));
                    }
                }
                Ok(_) => err(
                    &mut errors,
                    format!("{label}: an SOA record belongs only at the zone apex ({origin})"),
                ),
                Err(message) => err(&mut errors, message),
            }
            continue;
        }
        let ttl = match ttl.or(dollar_ttl).or(last_ttl) {
            Some(ttl) => ttl,
            None => {
                let fallback = file
                    .soa
                    .as_ref()
                    .and_then(|(_, soa)| soa.soa_minimum())
                    .unwrap_or(default_ttl);
                if !warned_default_ttl {
                    warnings.push(LineIssue {
                        line,
                        message: format!("{label}: no TTL given and no $TTL before it; {fallback} seconds is used"),
                    });
                    warned_default_ttl = true;
                }
                fallback
            }
        };
        let key = (LowerName::new(&owner), u16::from(rtype));
        let group = match index.get(&key) {
            Some(&at) => &mut groups[at],
            None => {
                index.insert(key, groups.len());
                groups.push(Group {
                    owner: owner.clone(),
                    rtype,
                    ttl: (ttl, line),
                    records: Vec::new(),
                });
                let at = groups.len() - 1;
                &mut groups[at]
            }
        };
        if ttl != group.ttl.0 {
            warnings.push(LineIssue {
                line,
                message: format!(
                    "{label}: TTL {ttl} differs from the {} of the same RRset on line {}; an \
                     RRset has one TTL (RFC 2181 §5.2), so {} is used",
                    group.ttl.0, group.ttl.1, group.ttl.0
                ),
            });
        }
        if let Ok(new) = &parsed {
            let earlier = group
                .records
                .iter()
                .find(|(_, r)| r.as_ref().is_ok_and(|r| r.data() == new.data()));
            if let Some((earlier, _)) = earlier {
                warnings.push(LineIssue {
                    line,
                    message: format!("{label}: repeats the record of line {earlier}; it is kept once (RFC 2181 §5)"),
                });
                continue;
            }
        }
        group.records.push((line, parsed));
    }

    // Each RRset under the same rules as the API's.
    for group in groups {
        let first_line = group.ttl.1;
        let lines: Vec<usize> = group.records.iter().map(|(line, _)| *line).collect();
        let label = format!("{} {}", group.owner, type_name(group.rtype));
        let records: Vec<Result<Rdata, String>> =
            group.records.into_iter().map(|(_, r)| r).collect();
        match assemble_rrset(
            origin,
            &group.owner.to_ascii(),
            Ok(group.rtype),
            i64::from(group.ttl.0),
            records,
            false,
        ) {
            Ok(rrset) => {
                if let Some(warning) = owner_warning(rrset.name()) {
                    warnings.push(LineIssue {
                        line: first_line,
                        message: format!("{label}: {warning}"),
                    });
                }
                file.rrsets.push(FileRrset { rrset, lines });
            }
            Err(problems) => {
                for problem in problems {
                    let index = problem
                        .field
                        .strip_prefix("records[")
                        .and_then(|rest| rest.strip_suffix(']'))
                        .and_then(|i| i.parse::<usize>().ok());
                    match index.and_then(|i| lines.get(i)) {
                        // Record errors carry their own label and data already.
                        Some(&line) if problem.message.starts_with(&label) => {
                            errors.push(LineIssue {
                                line,
                                message: problem.message,
                            })
                        }
                        Some(&line) => errors.push(LineIssue {
                            line,
                            message: format!("{label}: {}", problem.message),
                        }),
                        None => {
                            let also: Vec<String> =
                                lines.iter().skip(1).map(ToString::to_string).collect();
                            let also = if also.is_empty() {
                                String::new()
                            } else {
                                format!(" (lines {first_line}, {})", also.join(", "))
                            };
                            errors.push(LineIssue {
                                line: first_line,
                                message: format!("{label}: {}{also}", problem.message),
                            });
                        }
                    }
                }
            }
        }
    }
    errors.sort_by_key(|issue| issue.line);
    warnings.sort_by_key(|issue| issue.line);
    if errors.len() > MAX_REPORTED {
        file.more_errors = errors.len() - MAX_REPORTED;
        errors.truncate(MAX_REPORTED);
    }
    file.errors = errors;
    file.warnings = warnings;
    file.index();
    file
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::super::validate_rrset;
    use super::*;

    #[test]
    fn soa_first_then_canonical_order_one_record_per_line() {
        let origin = Name::from_ascii("example.com.").unwrap();
        let rrset = |name: &str, rtype: &str, records: &[&str]| {
            validate_rrset(&origin, name, rtype, 300, records).unwrap()
        };
        let rrsets = [
            rrset("www", "A", &["192.0.2.1", "192.0.2.2"]),
            rrset("@", "NS", &["ns1"]),
            rrset("*.dev", "TXT", &["say \"hi\""]),
            rrset("@", "SOA", &["ns1 hostmaster 1 7200 3600 1209600 300"]),
            rrset("a", "MX", &["10 mail.example.net."]),
        ];
        let text = render_zone(&origin, &rrsets);
        assert_eq!(
            text,
            "$ORIGIN example.com.\n\
             @\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300\n\
             @\t300\tIN\tNS\tns1.example.com.\n\
             a\t300\tIN\tMX\t10 mail.example.net.\n\
             *.dev\t300\tIN\tTXT\t\"say \\\"hi\\\"\"\n\
             www\t300\tIN\tA\t192.0.2.1\n\
             www\t300\tIN\tA\t192.0.2.2\n"
        );
    }

    #[test]
    fn an_idn_zone_exports_its_origin_as_a_labels() {
        // Found by the zone-file fuzz target (tests/engine/fuzz): the export said `$ORIGIN
        // münchen.example.`, which it could not read back.
        let origin = Name::from_ascii("xn--mnchen-3ya.example.").unwrap();
        let rrsets = [validate_rrset(&origin, "www", "A", 300, &["192.0.2.1"]).unwrap()];
        let text = render_zone(&origin, &rrsets);
        assert_eq!(
            text,
            "$ORIGIN xn--mnchen-3ya.example.\nwww\t300\tIN\tA\t192.0.2.1\n"
        );
        let again = read_zone_file(&text, &origin, 3600);
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        assert_eq!(again.rrsets[0].rrset, rrsets[0]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod reader_tests {
    use super::*;

    fn origin() -> Name {
        Name::from_ascii("example.com.").unwrap()
    }

    fn read(text: &str) -> ZoneFile {
        read_zone_file(text, &origin(), 3600)
    }

    fn records(file: &ZoneFile, owner: &str, rtype: &str) -> Vec<String> {
        let name = Name::from_ascii(owner).unwrap();
        let rtype = parse_type(rtype).unwrap();
        file.rrsets
            .iter()
            .find(|f| {
                LowerName::new(f.rrset.name()) == LowerName::new(&name)
                    && f.rrset.record_type() == rtype
            })
            .map(|f| f.rrset.texts())
            .unwrap_or_default()
    }

    fn errors(file: &ZoneFile) -> Vec<String> {
        file.errors
            .iter()
            .map(|e| format!("{}: {}", e.line, e.message))
            .collect()
    }

    #[test]
    fn txt_strings_spaces_and_escapes_come_through_unchanged() {
        let file = read(concat!(
            "$TTL 300\n",
            "dkim TXT \"v=DKIM1; k=rsa; \" \"p=MIIB\"\n",
            "ab TXT \"a\" \"b\"\n",
            "paren TXT ( \"Hi, this is some text\" )\n",
            "aland TXT \"\\195\\133LAND\"\n",
            "empty TXT \"\"\n",
            "semi TXT \"a;b(c)\" ; a comment\n",
        ));
        assert!(file.errors.is_empty(), "{:?}", errors(&file));
        assert_eq!(
            records(&file, "dkim.example.com.", "TXT"),
            ["\"v=DKIM1; k=rsa; \" \"p=MIIB\""]
        );
        assert_eq!(records(&file, "ab.example.com.", "TXT"), ["\"a\" \"b\""]);
        assert_eq!(
            records(&file, "paren.example.com.", "TXT"),
            ["\"Hi, this is some text\""]
        );
        assert_eq!(
            records(&file, "aland.example.com.", "TXT"),
            ["\"\\195\\133LAND\""]
        );
        assert_eq!(records(&file, "empty.example.com.", "TXT"), ["\"\""]);
        assert_eq!(records(&file, "semi.example.com.", "TXT"), ["\"a;b(c)\""]);
    }

    #[test]
    fn origin_ttl_owner_and_class_rules() {
        let file = read(concat!(
            "$ORIGIN example.com.\n",
            "@ 3600 IN SOA ns1 hostmaster ( 2024010101 ; serial\n",
            "     7200 3600 1209600 300 )\n",
            "www IN 300 CNAME @\n",
            "$ORIGIN sub.example.com.\n",
            "host 1h A 192.0.2.1\n",
            "     AAAA 2001:db8::1\n",
            "mail CLASS1 TYPE15 10 host\n",
            "x 60 IN TYPE65534 \\# 5 07ED260001\n",
            "$TTL 2d\n",
            "y A 192.0.2.2\n",
        ));
        assert!(file.errors.is_empty(), "{:?}", errors(&file));
        assert_eq!(
            file.soa.as_ref().unwrap().1.soa_serial(),
            Some(2_024_010_101)
        );
        assert_eq!(
            records(&file, "www.example.com.", "CNAME"),
            ["example.com."]
        );
        assert_eq!(
            records(&file, "host.sub.example.com.", "AAAA"),
            ["2001:db8::1"]
        );
        assert_eq!(
            records(&file, "mail.sub.example.com.", "MX"),
            ["10 host.sub.example.com."]
        );
        assert_eq!(
            records(&file, "x.sub.example.com.", "TYPE65534"),
            ["\\# 5 07ED260001"]
        );
        let ttl = |owner: &str, rtype: &str| {
            let name = Name::from_ascii(owner).unwrap();
            file.rrsets
                .iter()
                .find(|f| f.rrset.name() == &name && f.rrset.type_name() == rtype)
                .map(|f| f.rrset.ttl())
        };
        assert_eq!(
            ttl("host.sub.example.com.", "AAAA"),
            Some(3600),
            "the last stated TTL"
        );
        assert_eq!(ttl("y.sub.example.com.", "A"), Some(172_800));
        assert_eq!(
            file.line_of(
                &Name::from_ascii("host.sub.example.com.").unwrap(),
                Some(RecordType::AAAA)
            ),
            Some(7)
        );
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let file = read(concat!(
            "$TTL 300\n",
            "www CNAME a.example.net.\n",
            "www CNAME b.example.net.\n",
            "bad TXT \"\\256\"\n",
            "big 4294967296 A 192.0.2.1\n",
            "ch CH TXT \"x\"\n",
            "$INCLUDE /etc/passwd\n",
            "q TXT \"open\n",
            "v A 300.1.1.1\n",
            "z BOGUS 1\n",
        ));
        let errs = errors(&file);
        let has = |line: usize, text: &str| {
            errs.iter()
                .any(|e| e.starts_with(&format!("{line}: ")) && e.contains(text))
        };
        assert!(
            has(
                2,
                "www.example.com. CNAME: a CNAME RRset holds exactly one record (lines 2, 3)"
            ),
            "{errs:?}"
        );
        assert!(
            has(
                4,
                "bad.example.com. TXT \"\\\"\\256\\\"\": \\256 is not an octet"
            ) || has(4, "not an octet"),
            "{errs:?}"
        );
        assert!(
            has(5, "TTL 4294967296 is larger than 2147483647"),
            "{errs:?}"
        );
        assert!(has(6, "class CH is not served"), "{errs:?}");
        assert!(has(7, "$INCLUDE is not supported"), "{errs:?}");
        assert!(has(8, "not closed"), "{errs:?}");
        assert!(has(9, "\"300.1.1.1\" is not an IPv4 address"), "{errs:?}");
        assert!(has(10, "\"BOGUS\" is not a record type"), "{errs:?}");
        assert!(
            errs.iter()
                .all(|e| !e.contains("Err(") && !e.contains("Errors")),
            "{errs:?}"
        );
    }

    #[test]
    fn warnings_do_not_block() {
        let file = read(concat!(
            "a.* 300 A 192.0.2.1\n",
            "www 300 A 192.0.2.1\n",
            "www 600 A 192.0.2.2\n",
            "www 300 A 192.0.2.1\n",
            "www 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example.com. AA==\n",
            "nottl A 192.0.2.9\n",
            "münchen 300 A 192.0.2.10\n",
        ));
        assert!(file.errors.is_empty(), "{:?}", errors(&file));
        let warnings: Vec<String> = file
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.line, w.message))
            .collect();
        let has = |line: usize, text: &str| {
            warnings
                .iter()
                .any(|w| w.starts_with(&format!("{line}: ")) && w.contains(text))
        };
        assert!(has(1, "not a wildcard"), "{warnings:?}");
        assert!(
            has(7, "converted to its A-label form \"xn--mnchen-3ya\""),
            "{warnings:?}"
        );
        assert_eq!(
            records(&file, "xn--mnchen-3ya.example.com.", "A"),
            ["192.0.2.10"]
        );
        assert!(has(3, "differs from the 300"), "{warnings:?}");
        assert!(has(4, "repeats the record of line 2"), "{warnings:?}");
        assert!(has(5, "left out"), "{warnings:?}");
        assert_eq!(
            records(&file, "www.example.com.", "A"),
            ["192.0.2.1", "192.0.2.2"]
        );
        // Without $TTL the last stated TTL applies (RFC 1035 §5.1).
        assert!(file
            .warnings
            .iter()
            .all(|w| !w.message.contains("no TTL given")));
    }

    #[test]
    fn export_reads_back_as_the_same_rrsets() {
        let file = read(concat!(
            "$TTL 300\n",
            "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n",
            "@ NS ns1\n",
            "ns1 A 192.0.2.53\n",
            "_443._tcp TLSA 3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
            "svc HTTPS 1 . alpn=h2,h3 port=1500\n",
            "loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n",
            "x TYPE65534 \\# 5 07ED260001\n",
            "t TXT \"a b\" c \"\\\"q\\\"\"\n",
        ));
        assert!(file.errors.is_empty(), "{:?}", errors(&file));
        let rrsets: Vec<Rrset> = file.rrsets.iter().map(|f| f.rrset.clone()).collect();
        let text = render_zone(&origin(), &rrsets);
        let again = read(&text);
        assert!(again.errors.is_empty(), "{:?}\n{text}", errors(&again));
        let back: Vec<Rrset> = again.rrsets.iter().map(|f| f.rrset.clone()).collect();
        let mut a = rrsets.clone();
        let mut b = back;
        let key = |r: &Rrset| (LowerName::new(r.name()), u16::from(r.record_type()));
        a.sort_by_key(key);
        b.sort_by_key(key);
        assert_eq!(a, b, "{text}");
    }
}
