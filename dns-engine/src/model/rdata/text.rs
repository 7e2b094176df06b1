//! Presentation-format pieces shared by every record type (RFC 1035 §5.1): splitting record
//! data into tokens, `\X` and `\DDD` escapes, quoted `<character-string>`s, numbers, hex and
//! base64 fields — in both directions.

use std::fmt::Write as _;

use base64::Engine as _;

/// RFC 1035 §3.3: a `<character-string>` is at most 255 octets.
pub const MAX_CHARACTER_STRING: usize = 255;

/// One token of record data: its octets after unescaping, whether it was quoted, and whether
/// it held an escape (names with escapes are refused rather than misread).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub bytes: Vec<u8>,
    pub quoted: bool,
    pub escaped: bool,
}

impl Token {
    pub fn as_str(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// A whole-value token, as the console sends an unquoted TXT value.
    pub fn whole(text: &str) -> Self {
        Self {
            bytes: text.as_bytes().to_vec(),
            quoted: true,
            escaped: false,
        }
    }
}

/// Splits presentation text into tokens: whitespace separates, `"…"` groups, `\X` stands for
/// `X` and `\DDD` for the octet with decimal value DDD (RFC 1035 §5.1).
pub fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut bytes = text.bytes().peekable();
    while let Some(&byte) = bytes.peek() {
        if byte.is_ascii_whitespace() {
            bytes.next();
            continue;
        }
        let quoted = byte == b'"';
        if quoted {
            bytes.next();
        }
        let mut token = Vec::new();
        let mut escaped = false;
        let mut closed = !quoted;
        while let Some(&byte) = bytes.peek() {
            match byte {
                b'"' if quoted => {
                    bytes.next();
                    closed = true;
                    break;
                }
                // A quote inside an unquoted token starts the next token ("a""b" is two).
                b'"' => break,
                b'\\' => {
                    bytes.next();
                    escaped = true;
                    token.push(unescape(&mut bytes)?);
                }
                byte if !quoted && byte.is_ascii_whitespace() => break,
                byte => {
                    bytes.next();
                    token.push(byte);
                }
            }
        }
        if !closed {
            return Err("a quoted string is not closed (missing '\"')".to_owned());
        }
        tokens.push(Token {
            bytes: token,
            quoted,
            escaped,
        });
    }
    Ok(tokens)
}

/// Reads what follows a backslash.
fn unescape(bytes: &mut impl Iterator<Item = u8>) -> Result<u8, String> {
    let first = bytes
        .next()
        .ok_or_else(|| "a backslash at the end has nothing to escape".to_owned())?;
    if !first.is_ascii_digit() {
        return Ok(first);
    }
    let mut value = u32::from(first - b'0');
    for _ in 0..2 {
        match bytes.next() {
            Some(digit) if digit.is_ascii_digit() => value = value * 10 + u32::from(digit - b'0'),
            _ => return Err("a \\DDD escape needs exactly three decimal digits".to_owned()),
        }
    }
    u8::try_from(value).map_err(|_| format!("\\{value:03} is not an octet (0 to 255)"))
}

/// Writes `bytes` as one quoted `<character-string>`, escaping what must be escaped.
pub fn quote(bytes: &[u8], out: &mut String) {
    out.push('"');
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(byte));
            }
            0x20..=0x7e => out.push(char::from(byte)),
            _ => {
                let _ = write!(out, "\\{byte:03}");
            }
        }
    }
    out.push('"');
}

/// A decimal number of at most `max`.
pub fn number(token: Option<&Token>, what: &str, max: u64) -> Result<u64, String> {
    let token = token.ok_or_else(|| format!("{what} is missing"))?;
    let text = token.as_str();
    text.parse::<u64>()
        .ok()
        .filter(|value| *value <= max && !text.starts_with('+') && !token.quoted)
        .ok_or_else(|| format!("{what} must be a number from 0 to {max}, not \"{text}\""))
}

/// Hexadecimal digits spread over `tokens` (RFC 4034 §5.3: "whitespace is allowed").
pub fn hex(tokens: &[Token], what: &str) -> Result<Vec<u8>, String> {
    let digits: String = tokens.iter().map(Token::as_str).collect();
    if digits.is_empty() {
        return Err(format!("{what} is missing"));
    }
    decode_hex(&digits).ok_or_else(|| {
        format!("{what} must be hexadecimal digits (an even number of them), not \"{digits}\"")
    })
}

/// Hex digits (either case) to octets, or `None` when the digits are not an even number of
/// hex digits.
pub fn decode_hex(digits: &str) -> Option<Vec<u8>> {
    hex::decode(digits).ok()
}

/// Octets as upper-case hex digits, as DS digests and RFC 3597 data are written.
pub fn upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Base64 (RFC 4648 §4) spread over `tokens`, as DNSKEY and CERT data are written.
pub fn base64(tokens: &[Token], what: &str) -> Result<Vec<u8>, String> {
    let text: String = tokens.iter().map(Token::as_str).collect();
    if text.is_empty() {
        return Err(format!("{what} is missing"));
    }
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| format!("{what} must be base64 (RFC 4648), not \"{text}\""))
}

pub fn to_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn expect_count(tokens: &[Token], count: usize, layout: &str) -> Result<(), String> {
    if tokens.len() == count {
        Ok(())
    } else {
        Err(format!(
            "expected {count} field{} ({layout}), found {}",
            if count == 1 { "" } else { "s" },
            tokens.len()
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tokens_quotes_and_escapes() {
        let tokens = tokenize(r#"a "b c" \065\"x "" "\195\133LAND""#).unwrap();
        let bytes: Vec<&[u8]> = tokens.iter().map(|t| t.bytes.as_slice()).collect();
        assert_eq!(
            bytes,
            [
                &b"a"[..],
                b"b c",
                b"A\"x",
                b"",
                &[0xc3, 0x85, b'L', b'A', b'N', b'D']
            ]
        );
        assert!(tokens[1].quoted && !tokens[0].quoted && tokens[2].escaped);
        assert!(tokenize(r#""\256""#).unwrap_err().contains("not an octet"));
        assert!(tokenize(r#""\25""#).unwrap_err().contains("three decimal"));
        assert!(tokenize("\"open").unwrap_err().contains("not closed"));
        let mut out = String::new();
        quote(&[0xc3, 0x85, b'"', b'\\', b' '], &mut out);
        assert_eq!(out, r#""\195\133\"\\ ""#);
    }
}
