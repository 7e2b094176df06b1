//! LOC (RFC 1876): a location, written `d1 [m1 [s1]] N|S d2 [m2 [s2]] E|W alt[m] [siz[m]
//! [hp[m] [vp[m]]]]` (§3) and stored as version, size and precisions (mantissa and power of
//! ten, in centimetres), latitude, longitude and altitude (§2).

use super::text::Token;

/// 2^31: the equator and the prime meridian (RFC 1876 §2).
const EQUATOR: i64 = 1 << 31;
/// The altitude is stored in centimetres above 100,000 m below the reference spheroid.
const ALT_BASE: i64 = 10_000_000;

/// A decimal number with at most `places` digits after the point, scaled to an integer.
fn decimal(text: &str, places: u32) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > places as usize
        || whole.len() > 12
    {
        return None;
    }
    let mut value: i64 = whole.parse().ok()?;
    for i in 0..places {
        let digit = fraction
            .as_bytes()
            .get(i as usize)
            .map_or(0, |d| i64::from(d - b'0'));
        value = value * 10 + digit;
    }
    Some(if negative { -value } else { value })
}

/// A size or precision in metres (optional `m`) as RFC 1876's mantissa/exponent octet.
fn precision(text: &str, what: &str) -> Result<u8, String> {
    let cm = decimal(text.strip_suffix(['m', 'M']).unwrap_or(text), 2)
        .filter(|cm| (0..=9_000_000_000).contains(cm))
        .ok_or_else(|| {
            format!("LOC {what} must be metres from 0 to 90000000.00, not \"{text}\"")
        })?;
    let mut exponent = 0u8;
    let mut mantissa = cm;
    while mantissa > 9 {
        if mantissa % 10 != 0 {
            return Err(format!(
                "LOC {what} {text}: only one significant digit can be stored (e.g. 2m, 30m, \
                 10000m; RFC 1876 §2)"
            ));
        }
        mantissa /= 10;
        exponent += 1;
    }
    Ok(u8::try_from(mantissa).unwrap_or(9) << 4 | exponent)
}

fn precision_text(octet: u8) -> Result<String, String> {
    let (mantissa, exponent) = (octet >> 4, octet & 0x0f);
    if mantissa > 9 || exponent > 9 {
        return Err("a size or precision octet is out of range (RFC 1876 §2)".to_owned());
    }
    let cm = u64::from(mantissa) * 10u64.pow(u32::from(exponent));
    Ok(metres(i64::try_from(cm).unwrap_or(0)))
}

fn metres(cm: i64) -> String {
    let sign = if cm < 0 { "-" } else { "" };
    let cm = cm.abs();
    if cm % 100 == 0 {
        format!("{sign}{}m", cm / 100)
    } else {
        format!("{sign}{}.{:02}m", cm / 100, cm % 100)
    }
}

/// Reads `deg [min [sec]] hemisphere` from `tokens` at `at`; returns thousandths of an arc
/// second, signed (north and east positive).
fn angle(
    tokens: &[String],
    at: &mut usize,
    max_deg: i64,
    hemispheres: [&str; 2],
) -> Result<i64, String> {
    let what = if max_deg == 90 {
        "latitude"
    } else {
        "longitude"
    };
    let mut parts: Vec<&str> = Vec::new();
    while let Some(token) = tokens.get(*at) {
        if hemispheres.iter().any(|h| token.eq_ignore_ascii_case(h)) {
            break;
        }
        if parts.len() == 3 {
            return Err(format!(
                "LOC {what} needs {} or {} after at most degrees, minutes and seconds",
                hemispheres[0], hemispheres[1]
            ));
        }
        parts.push(token);
        *at += 1;
    }
    let hemisphere = tokens
        .get(*at)
        .ok_or_else(|| format!("LOC {what} needs {} or {}", hemispheres[0], hemispheres[1]))?;
    *at += 1;
    let degrees = parts
        .first()
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (0..=max_deg).contains(d));
    let minutes = parts.get(1).map_or(Some(0), |m| {
        m.parse::<i64>().ok().filter(|m| (0..60).contains(m))
    });
    let seconds = parts.get(2).map_or(Some(0), |s| {
        decimal(s, 3).filter(|s| (0..60_000).contains(s))
    });
    let (Some(degrees), Some(minutes), Some(seconds)) = (degrees, minutes, seconds) else {
        return Err(format!(
            "LOC {what} must be degrees (0 to {max_deg}), minutes (0 to 59) and seconds (0 to \
             59.999), not \"{}\"",
            parts.join(" ")
        ));
    };
    let value = (degrees * 3600 + minutes * 60) * 1000 + seconds;
    if value > max_deg * 3_600_000 {
        return Err(format!("LOC {what} is beyond {max_deg} degrees"));
    }
    Ok(if hemisphere.eq_ignore_ascii_case(hemispheres[0]) {
        value
    } else {
        -value
    })
}

fn angle_text(value: i64, hemispheres: [&str; 2]) -> String {
    let hemisphere = if value < 0 {
        hemispheres[1]
    } else {
        hemispheres[0]
    };
    let value = value.abs();
    let (degrees, rest) = (value / 3_600_000, value % 3_600_000);
    let (minutes, thousandths) = (rest / 60_000, rest % 60_000);
    format!(
        "{degrees} {minutes} {}.{:03} {hemisphere}",
        thousandths / 1000,
        thousandths % 1000
    )
}

/// Parses LOC data; returns wire octets and canonical text.
pub(super) fn parse(tokens: &[Token]) -> Result<(Vec<u8>, String), String> {
    let words: Vec<String> = tokens.iter().map(Token::as_str).collect();
    let mut at = 0;
    let latitude = angle(&words, &mut at, 90, ["N", "S"])?;
    let longitude = angle(&words, &mut at, 180, ["E", "W"])?;
    let alt_text = words.get(at).ok_or("LOC altitude is missing")?;
    at += 1;
    let altitude = decimal(alt_text.strip_suffix(['m', 'M']).unwrap_or(alt_text), 2)
        .filter(|cm| (-ALT_BASE..=i64::from(u32::MAX) - ALT_BASE).contains(cm))
        .ok_or_else(|| {
            format!(
                "LOC altitude must be metres from -100000.00 to 42849672.95, not \"{alt_text}\""
            )
        })?;
    let mut octets = [0x12u8, 0x16, 0x13]; // 1 m size, 10 km horizontal, 10 m vertical (§3).
    for (index, what) in ["size", "horizontal precision", "vertical precision"]
        .iter()
        .enumerate()
    {
        if let Some(word) = words.get(at) {
            octets[index] = precision(word, what)?;
            at += 1;
        }
    }
    if at != words.len() {
        return Err(format!("LOC has {} fields too many", words.len() - at));
    }
    let mut wire = vec![0, octets[0], octets[1], octets[2]];
    let lat = u32::try_from(EQUATOR + latitude).map_err(|_| "LOC latitude out of range")?;
    let lon = u32::try_from(EQUATOR + longitude).map_err(|_| "LOC longitude out of range")?;
    let alt = u32::try_from(ALT_BASE + altitude).map_err(|_| "LOC altitude out of range")?;
    wire.extend_from_slice(&lat.to_be_bytes());
    wire.extend_from_slice(&lon.to_be_bytes());
    wire.extend_from_slice(&alt.to_be_bytes());
    let text = format!(
        "{} {} {} {} {} {}",
        angle_text(latitude, ["N", "S"]),
        angle_text(longitude, ["E", "W"]),
        metres(altitude),
        precision_text(octets[0])?,
        precision_text(octets[1])?,
        precision_text(octets[2])?
    );
    Ok((wire, text))
}

/// Prints LOC wire octets (from the generic form) as presentation text.
pub(super) fn print(wire: &[u8]) -> Result<String, String> {
    if wire.len() != 16 {
        return Err(format!("LOC data is 16 octets, not {}", wire.len()));
    }
    if wire[0] != 0 {
        return Err(format!(
            "LOC version {} is not known (RFC 1876 §2: 0)",
            wire[0]
        ));
    }
    let word = |i: usize| {
        i64::from(u32::from_be_bytes([
            wire[i],
            wire[i + 1],
            wire[i + 2],
            wire[i + 3],
        ]))
    };
    Ok(format!(
        "{} {} {} {} {} {}",
        angle_text(word(4) - EQUATOR, ["N", "S"]),
        angle_text(word(8) - EQUATOR, ["E", "W"]),
        metres(word(12) - ALT_BASE),
        precision_text(wire[1])?,
        precision_text(wire[2])?,
        precision_text(wire[3])?
    ))
}
