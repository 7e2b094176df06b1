//! The mutation engine: a deterministic PRNG and the ways an input is changed, for bytes (DNS
//! messages) and for text (zone files, record data).
//!
//! The byte mutations are the classic AFL/libFuzzer set — bit flips, "interesting" values,
//! arithmetic on lengths, inserted, deleted, duplicated and spliced ranges, truncation — plus the
//! few that know DNS: the header's counts and flags, and compression pointers (forward, backward,
//! to themselves). The text mutations work on lines and tokens, the units a zone file is made of:
//! a line duplicated or dropped, a token replaced by one from a dictionary of the characters and
//! words the reader treats specially (`(`, `"`, `\`, `;`, `$ORIGIN`, `@`, huge numbers, non-ASCII,
//! NUL), a token borrowed from another corpus item.

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014).
///
/// Written out rather than taken from `rand`: a seed printed in a CI log must replay the same
/// run after any dependency upgrade, and `rand` documents that `StdRng` and `SmallRng` may change
/// algorithm between releases (`SmallRng` even between platforms). Eight lines, no dependency, and
/// statistically good enough for choosing mutations.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0), by Lemire's multiply-and-shift.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
}

/// Octets that sit on boundaries: empty and full, sign bits, the label-length limit (63), the
/// two top bits of a compression pointer (0xC0) and of the reserved label types (0x40, 0x80),
/// the header length.
const INTERESTING_8: &[u8] = &[
    0, 1, 2, 12, 0x3f, 0x40, 0x41, 0x7f, 0x80, 0xc0, 0xc1, 0xfe, 0xff,
];

/// 16-bit values that DNS fields care about: counts, payload sizes (512, 1232, 4096), a
/// pointer to the first name (0xC00C), types with special handling (OPT, RRSIG, NSEC, DNSKEY,
/// NSEC3, TSIG, IXFR, AXFR, ANY, DS), classes (NONE, ANY) and the edges.
const INTERESTING_16: &[u16] = &[
    0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 511, 512, 513, 1231, 1232, 1233, 4096, 0x3fff, 0x7fff,
    0x8000, 0xc000, 0xc00c, 0xfffe, 0xffff, 41, 43, 46, 47, 48, 50, 250, 251, 252, 254, 255, 65534,
];

fn position(rng: &mut Rng, len: usize) -> usize {
    rng.below(len + 1)
}

/// A range of `data` of at most `max` octets: (start, length).
fn range(rng: &mut Rng, len: usize, max: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let start = rng.below(len);
    let size = 1 + rng.below(max.min(len - start));
    (start, size)
}

/// Changes `data` once, possibly taking material from `other`. `dns` adds the mutations that
/// know the layout of a DNS message.
pub fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8], dns: bool) {
    let kinds = if dns { 17 } else { 13 };
    match rng.below(kinds) {
        // Flip one bit.
        0 => {
            if !data.is_empty() {
                let at = rng.below(data.len());
                data[at] ^= 1 << rng.below(8);
            }
        }
        // Set an octet to an interesting value.
        1 => {
            if !data.is_empty() {
                let at = rng.below(data.len());
                data[at] = *rng.pick(INTERESTING_8);
            }
        }
        // Set a big-endian 16-bit field to an interesting value.
        2 => {
            if data.len() >= 2 {
                let at = rng.below(data.len() - 1);
                data[at..at + 2].copy_from_slice(&rng.pick(INTERESTING_16).to_be_bytes());
            }
        }
        // A length (or any octet) one to four off.
        3 => {
            if !data.is_empty() {
                let at = rng.below(data.len());
                let delta = 1 + rng.below(4) as u8;
                data[at] = if rng.one_in(2) {
                    data[at].wrapping_add(delta)
                } else {
                    data[at].wrapping_sub(delta)
                };
            }
        }
        // A 16-bit length or count one off.
        4 => {
            if data.len() >= 2 {
                let at = rng.below(data.len() - 1);
                let value = u16::from_be_bytes([data[at], data[at + 1]]);
                let value = if rng.one_in(2) {
                    value.wrapping_add(1)
                } else {
                    value.wrapping_sub(1)
                };
                data[at..at + 2].copy_from_slice(&value.to_be_bytes());
            }
        }
        // Random octets.
        5 => {
            if !data.is_empty() {
                let (start, size) = range(rng, data.len(), 8);
                for octet in &mut data[start..start + size] {
                    *octet = rng.byte();
                }
            }
        }
        // Insert random or interesting octets.
        6 => {
            let at = position(rng, data.len());
            let count = 1 + rng.below(16);
            let fill: Vec<u8> = (0..count)
                .map(|_| {
                    if rng.one_in(2) {
                        *rng.pick(INTERESTING_8)
                    } else {
                        rng.byte()
                    }
                })
                .collect();
            data.splice(at..at, fill);
        }
        // Delete a range.
        7 => {
            let (start, size) = range(rng, data.len(), 32);
            data.drain(start..start + size);
        }
        // Duplicate a range (a repeated label, record or option), possibly many times.
        8 => {
            let (start, size) = range(rng, data.len(), 64);
            let chunk = data[start..start + size].to_vec();
            let at = position(rng, data.len());
            let times = if rng.one_in(8) { 1 + rng.below(64) } else { 1 };
            for _ in 0..times {
                data.splice(at..at, chunk.iter().copied());
            }
        }
        // Overwrite a range with a copy of another part.
        9 => {
            let (from, size) = range(rng, data.len(), 32);
            let chunk = data[from..from + size].to_vec();
            let (to, room) = range(rng, data.len(), size);
            data[to..to + room].copy_from_slice(&chunk[..room]);
        }
        // Splice: this input's head, the other's tail.
        10 => {
            let cut = position(rng, data.len());
            let from = position(rng, other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Insert a piece of the other input.
        11 => {
            let (from, size) = range(rng, other.len(), 64);
            let at = position(rng, data.len());
            data.splice(at..at, other[from..from + size].iter().copied());
        }
        // Truncate.
        12 => {
            let cut = position(rng, data.len());
            data.truncate(cut);
        }
        // DNS: one of the four header counts (QD, AN, NS, AR) set to an interesting value.
        13 => {
            if data.len() >= 12 {
                let at = 4 + 2 * rng.below(4);
                let value = if rng.one_in(2) {
                    rng.below(4) as u16
                } else {
                    *rng.pick(INTERESTING_16)
                };
                data[at..at + 2].copy_from_slice(&value.to_be_bytes());
            }
        }
        // DNS: a header flag (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE bits).
        14 => {
            if data.len() >= 4 {
                let at = 2 + rng.below(2);
                data[at] ^= 1 << rng.below(8);
            }
        }
        // DNS: a compression pointer, to the first name, to itself, forward or anywhere.
        15 => {
            if data.len() >= 2 {
                let at = 12.min(data.len() - 2) + rng.below(data.len().saturating_sub(13).max(1));
                let at = at.min(data.len() - 2);
                let target = match rng.below(4) {
                    0 => 12,
                    1 => at,
                    2 => at + 2 + rng.below(16),
                    _ => rng.below(data.len()),
                } as u16;
                let pointer = 0xC000 | (target & 0x3FFF);
                data[at..at + 2].copy_from_slice(&pointer.to_be_bytes());
            }
        }
        // DNS: a pointer inserted (rather than overwritten) where a label starts.
        _ => {
            let at = position(rng, data.len());
            let target = rng.below(data.len().max(1)) as u16;
            let pointer = 0xC000 | (target & 0x3FFF);
            data.splice(at..at, pointer.to_be_bytes());
        }
    }
}

/// Strings the zone-file reader and the record parsers treat specially, and values on the
/// edge of what they accept.
pub const TEXT_DICTIONARY: &[&str] = &[
    "(",
    ")",
    "((",
    "))",
    "\"",
    "\"\"",
    "\\",
    "\\\\",
    "\\\"",
    "\\#",
    "\\# 0",
    "\\# 4 C0000201",
    ";",
    "; comment",
    "@",
    "*",
    ".",
    "..",
    "\\.",
    "\\032",
    "\\000",
    "\\065",
    "\\255",
    "\\256",
    "\\999",
    "\\0",
    "\\1",
    "$ORIGIN",
    "$ORIGIN .",
    "$ORIGIN example.net.",
    "$ORIGIN sub",
    "$ORIGIN @",
    "$TTL",
    "$TTL 0",
    "$TTL 1w2d3h4m5s",
    "$TTL 4294967296",
    "$INCLUDE /etc/passwd",
    "$GENERATE 1-10 h$ A 192.0.2.$",
    "$",
    "IN",
    "CH",
    "HS",
    "NONE",
    "ANY",
    "CLASS1",
    "CLASS255",
    "CLASS65536",
    "TYPE0",
    "TYPE1",
    "TYPE65534",
    "TYPE65535",
    "TYPE65536",
    "TYPE+1",
    "TYPE-1",
    "0",
    "1",
    "-1",
    "+1",
    "255",
    "256",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "1e9",
    "0x10",
    "1h",
    "1w",
    "0s",
    "1m1m",
    "h",
    "10m.5",
    "3.14159",
    "-0",
    "00000000000000000000001",
    "N",
    "S",
    "E",
    "W",
    "90",
    "180",
    "59.999",
    "60",
    "m",
    "-100000.00m",
    "42849672.95m",
    "90000000.00m",
    "1:192.0.2.0/24",
    "!2:::/0",
    "1:0.0.0.0/33",
    "alpn=h2",
    "alpn=",
    "port=65536",
    "mandatory=alpn",
    "key65535=x",
    "key65536",
    "ipv4hint=",
    "ipv6hint=::1",
    "ech=AAA=",
    "no-default-alpn=",
    "dohpath=/q{?dns}",
    "=",
    ",",
    "\\,",
    "AA==",
    "A===",
    "====",
    "AQID",
    "00",
    "0",
    "GG",
    "e3b0c442",
    "xn--",
    "xn--mnchen-3ya",
    "münchen",
    "é",
    "ü",
    "日本",
    "🦀",
    "\u{0}",
    "\u{7f}",
    "\u{fffd}",
    "\u{feff}",
    "\u{200b}",
    "\u{2028}",
    "\r",
    "\t",
    "\r\n",
    "\n",
    "\n (\n",
    "\n)\n",
    "issue",
    "iodef",
    "mailto:",
    "https://",
    "v=spf1",
    "-all",
];

/// A label of 63 octets, the longest allowed, and one of 64.
const LONG_WORDS: &[&str] = &[
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// The largest char boundary of `text` at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn random_boundary(rng: &mut Rng, text: &str) -> usize {
    boundary(text, rng.below(text.len() + 1))
}

/// The byte spans of the whitespace-separated tokens of `text`.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, at));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

/// The byte spans of the lines of `text`, each with its newline.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if c == '\n' {
            spans.push((start, at + 1));
            start = at + 1;
        }
    }
    if start < text.len() {
        spans.push((start, text.len()));
    }
    spans
}

/// A dictionary word, a long label, or a word taken from `other`.
fn word(rng: &mut Rng, other: &str, dictionary: &[&str]) -> String {
    match rng.below(8) {
        0 => (*rng.pick(LONG_WORDS)).to_owned(),
        1 | 2 => {
            let spans = tokens(other);
            if spans.is_empty() {
                (*rng.pick(TEXT_DICTIONARY)).to_owned()
            } else {
                let (s, e) = *rng.pick(&spans);
                other[s..e].to_owned()
            }
        }
        3 => (*rng.pick(dictionary)).to_owned(),
        _ => (*rng.pick(TEXT_DICTIONARY)).to_owned(),
    }
}

/// Changes `text` once, at the level of lines and tokens; `dictionary` adds words specific to
/// the target (record type mnemonics, say).
pub fn mutate_text(rng: &mut Rng, text: &mut String, other: &str, dictionary: &[&str]) {
    match rng.below(15) {
        // Duplicate a line, in place or elsewhere.
        0 => {
            let spans = lines(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                let mut line = text[s..e].to_owned();
                if !line.ends_with('\n') {
                    line.push('\n');
                }
                let at = if rng.one_in(2) {
                    s
                } else {
                    let (at, _) = *rng.pick(&spans);
                    at
                };
                text.insert_str(at, &line);
            }
        }
        // Delete a line.
        1 => {
            let spans = lines(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                text.replace_range(s..e, "");
            }
        }
        // Swap two lines.
        2 => {
            let spans = lines(text);
            if spans.len() >= 2 {
                let (mut a, mut b) = (rng.below(spans.len()), rng.below(spans.len()));
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                if a != b {
                    let (first, second) = (spans[a], spans[b]);
                    let mut one = text[first.0..first.1].to_owned();
                    let mut two = text[second.0..second.1].to_owned();
                    if !one.ends_with('\n') {
                        one.push('\n');
                    }
                    if !two.ends_with('\n') {
                        two.push('\n');
                    }
                    text.replace_range(second.0..second.1, &one);
                    text.replace_range(first.0..first.1, &two);
                }
            }
        }
        // Insert a word anywhere, even inside a token.
        3 => {
            let at = random_boundary(rng, text);
            let w = word(rng, other, dictionary);
            text.insert_str(at, &w);
        }
        // Insert a word as a token of its own.
        4 | 5 => {
            let spans = tokens(text);
            let at = spans
                .get(rng.below(spans.len() + 1))
                .map_or(text.len(), |&(s, _)| s);
            let w = word(rng, other, dictionary);
            text.insert_str(at, &format!("{w} "));
        }
        // Replace a token.
        6 | 7 => {
            let spans = tokens(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                let w = word(rng, other, dictionary);
                text.replace_range(s..e, &w);
            }
        }
        // Delete a token.
        8 => {
            let spans = tokens(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                text.replace_range(s..e, "");
            }
        }
        // Duplicate a token, once or many times.
        9 => {
            let spans = tokens(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                let token = format!(" {}", &text[s..e]);
                let times = if rng.one_in(8) { 1 + rng.below(200) } else { 1 };
                text.insert_str(e, &token.repeat(times));
            }
        }
        // Replace a run of digits with an edge number.
        10 => {
            let digits: Vec<usize> = text
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(at, _)| at)
                .collect();
            if let Some(&start) = digits.get(rng.below(digits.len())) {
                let end = text[start..]
                    .find(|c: char| !c.is_ascii_digit())
                    .map_or(text.len(), |n| start + n);
                let edge = *rng.pick(&[
                    "0",
                    "1",
                    "255",
                    "256",
                    "65535",
                    "65536",
                    "2147483647",
                    "2147483648",
                    "4294967295",
                    "4294967296",
                    "18446744073709551616",
                    "99999999999999999999999999",
                ]);
                text.replace_range(start..end, edge);
            }
        }
        // Change the case of a token.
        11 => {
            let spans = tokens(text);
            if let Some(&(s, e)) = spans.get(rng.below(spans.len())) {
                let token = &text[s..e];
                let changed = if rng.one_in(2) {
                    token.to_ascii_uppercase()
                } else {
                    token.to_ascii_lowercase()
                };
                text.replace_range(s..e, &changed);
            }
        }
        // A line of the other input, or the other's tail after this one's head.
        12 => {
            let theirs = lines(other);
            if rng.one_in(2) {
                if let Some(&(s, e)) = theirs.get(rng.below(theirs.len())) {
                    let spans = lines(text);
                    let at = spans
                        .get(rng.below(spans.len() + 1))
                        .map_or(text.len(), |l| l.0);
                    let mut line = other[s..e].to_owned();
                    if !line.ends_with('\n') {
                        line.push('\n');
                    }
                    text.insert_str(at, &line);
                }
            } else {
                let cut = random_boundary(rng, text);
                let from = boundary(other, rng.below(other.len() + 1));
                text.truncate(cut);
                text.push_str(&other[from..]);
            }
        }
        // A run of one character: deep parentheses, long escapes, long labels, many dots.
        13 => {
            let c = *rng.pick(&['(', ')', '\\', '"', ';', '.', 'a', '0', ' ', '\n', '*', '@']);
            let most = if rng.one_in(4) { 2000 } else { 64 };
            let count = 1 + rng.below(most);
            let at = random_boundary(rng, text);
            text.insert_str(at, &c.to_string().repeat(count));
        }
        // Truncate.
        _ => {
            let cut = random_boundary(rng, text);
            text.truncate(cut);
        }
    }
}

/// Mutates a text input given as octets: mostly with [`mutate_text`], sometimes with the byte
/// mutations (which may leave invalid UTF-8; the targets read it lossily, as a server would
/// after decoding an upload).
pub fn mutate_text_bytes(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8], dictionary: &[&str]) {
    if rng.one_in(5) {
        mutate_bytes(rng, input, other, false);
        return;
    }
    let mut text = String::from_utf8_lossy(input).into_owned();
    let other = String::from_utf8_lossy(other);
    mutate_text(rng, &mut text, &other, dictionary);
    *input = text.into_bytes();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_splitmix64() {
        // The first outputs for seed 1234567 from the reference implementation.
        let mut rng = Rng::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn mutations_never_panic_and_text_stays_text() {
        let mut rng = Rng::new(7);
        let mut bytes = vec![0u8; 40];
        let mut text = String::from("www 300 IN A 192.0.2.1\n");
        for _ in 0..20_000 {
            mutate_bytes(&mut rng, &mut bytes, b"\x12\x34\x01\x00", true);
            bytes.truncate(4096);
            mutate_text(&mut rng, &mut text, "mail MX 10 mx é", &["MX"]);
            text.truncate(boundary(&text, 4096));
        }
    }
}
