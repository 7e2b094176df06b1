#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn origin() -> Name {
    Name::from_ascii("example.com.").unwrap()
}

fn rt(name: &str) -> RecordType {
    parse_type(name).unwrap()
}

fn parse(rtype: RecordType, text: &str) -> Result<Rdata, String> {
    Rdata::parse(rtype, text, &origin())
}

fn zone_file(rtype: &str, text: &str) -> Result<Rdata, String> {
    Rdata::parse_as(rt(rtype), text, &origin(), Syntax::ZoneFile).map(|(rdata, _)| rdata)
}

fn canonical(rtype: RecordType, text: &str) -> String {
    parse(rtype, text)
        .unwrap_or_else(|err| panic!("{rtype} {text}: {err}"))
        .text()
        .to_owned()
}

fn wire(rdata: &Rdata) -> Vec<u8> {
    uncompressed(rdata.data()).unwrap()
}

#[test]
fn presentation_round_trips() {
    let table = [
        ("A", "192.0.2.1", "192.0.2.1"),
        ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
        ("CNAME", "www", "www.example.com."),
        ("CNAME", "@", "example.com."),
        // A-labels stay A-labels (hickory's Display would print the Unicode form).
        ("CNAME", "xn--mnchen-3ya.example.", "xn--mnchen-3ya.example."),
        ("MX", "10 XN--Mnchen-3ya", "10 XN--Mnchen-3ya.example.com."),
        ("PTR", "host.example.net.", "host.example.net."),
        ("NS", "ns1", "ns1.example.com."),
        ("MX", "10 mail", "10 mail.example.com."),
        ("MX", "0 .", "0 ."),
        ("SRV", "0 5 5060 sip", "0 5 5060 sip.example.com."),
        ("TXT", "\"a\" \"b c\"", "\"a\" \"b c\""),
        ("TXT", "v=spf1 -all", "\"v=spf1 -all\""),
        ("TXT", r#""say \"hi\" \\ \010""#, r#""say \"hi\" \\ \010""#),
        ("TXT", "\"\"", "\"\""),
        ("TXT", r#""\195\133LAND""#, r#""\195\133LAND""#),
        ("CAA", "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""),
        ("CAA", "128 iodef mailto:sec@example.com", "128 iodef \"mailto:sec@example.com\""),
        (
            "DS",
            "12345 13 2 e3b0c44298fc1c149afbf4c8996fb924 27ae41e4649b934ca495991b7852b855",
            "12345 13 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        ),
        (
            "TLSA",
            "3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "3 1 1 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        ),
        (
            "SSHFP",
            "4 2 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "4 2 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        ),
        (
            "NAPTR",
            "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp",
            "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
        ),
        (
            "SOA",
            "ns1 hostmaster 1 7200 3600 1209600 300",
            "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300",
        ),
        ("AFSDB", "1 afs", "1 afs.example.com."),
        ("APL", "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32", "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32"),
        ("CDNSKEY", "0 3 0 AA==", "0 3 0 AA=="),
        ("CDS", "0 0 0 00", "0 0 0 00"),
        ("CERT", "PGP 0 0 AQID", "3 0 0 AQID"),
        ("CSYNC", "66 3 A NS AAAA", "66 3 A NS AAAA"),
        ("DHCID", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="),
        ("DNAME", "example.net.", "example.net."),
        ("DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0d xCjjnopKl+GqJxpVXckHAeF+KkxLbxIL fDLUT0rAK9iUzy1L53eKGQ==", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
        ("EUI48", "00-00-5E-00-53-2A", "00-00-5e-00-53-2a"),
        ("EUI64", "00-00-5e-ef-10-00-00-2a", "00-00-5e-ef-10-00-00-2a"),
        ("HINFO", "\"PC\" Linux", "\"PC\" \"Linux\""),
        ("KX", "10 kx", "10 kx.example.com."),
        ("L32", "10 10.1.2.0", "10 10.1.2.0"),
        ("L64", "10 2001:0DB8:1140:1000", "10 2001:0db8:1140:1000"),
        ("LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m", "52 22 23.000 N 4 53 32.000 E -2m 0m 10000m 10m"),
        ("LOC", "42 21 54 N 71 06 18 W -24m 30m", "42 21 54.000 N 71 6 18.000 W -24m 30m 10000m 10m"),
        ("LP", "10 l64-subnet1", "10 l64-subnet1.example.com."),
        ("NID", "10 0014:4fff:ff20:ee64", "10 0014:4fff:ff20:ee64"),
        ("OPENPGPKEY", "AQID BA==", "AQIDBA=="),
        ("RP", "hostmaster.example.com. .", "hostmaster.example.com. ."),
        ("SMIMEA", "3 1 0 AABB", "3 1 0 AABB"),
        ("SPF", "\"v=spf1 -all\"", "\"v=spf1 -all\""),
        ("URI", "10 1 \"ftp://ftp1.example.com/public\"", "10 1 \"ftp://ftp1.example.com/public\""),
        ("HTTPS", "1 . alpn=h2,h3 port=1500", "1 . alpn=h2,h3 port=1500"),
        ("HTTPS", "1 . alpn=\"h2,h3\" ipv4hint=192.0.2.1,192.0.2.2", "1 . alpn=h2,h3 ipv4hint=192.0.2.1,192.0.2.2"),
        ("SVCB", "0 svc", "0 svc.example.com."),
        ("SVCB", "16 foo.example.org. key667=\"hello\\210qoo\" port=53 mandatory=port", "16 foo.example.org. mandatory=port port=53 key667=\"hello\\210qoo\""),
        ("HTTPS", "1 svc no-default-alpn alpn=h2 ech=AEP+DQA/", "1 svc.example.com. alpn=h2 no-default-alpn ech=AEP+DQA/"),
    ];
    for (rtype, input, expected) in table {
        let rtype = rt(rtype);
        let first = canonical(rtype, input);
        assert_eq!(first, expected, "{rtype} {input}");
        let again = parse(rtype, &first).unwrap();
        assert_eq!(again.text(), first, "{rtype} reparse");
        assert_eq!(
            wire(&again),
            wire(&parse(rtype, input).unwrap()),
            "{rtype} wire"
        );
        // The generic form of the same data reads back as the same record.
        let generic = format!("\\# {} {}", wire(&again).len(), upper_hex(&wire(&again)));
        let from_generic =
            parse(rtype, &generic).unwrap_or_else(|err| panic!("{rtype} {generic}: {err}"));
        assert_eq!(from_generic.text(), first, "{rtype} generic");
    }
}

#[test]
fn zone_file_txt_keeps_every_string() {
    let dkim = zone_file("TXT", "\"v=DKIM1; k=rsa; \" \"p=MIIB\"").unwrap();
    assert_eq!(dkim.text(), "\"v=DKIM1; k=rsa; \" \"p=MIIB\"");
    let RData::TXT(txt) = dkim.data() else {
        panic!("TXT")
    };
    assert_eq!(txt.txt_data.len(), 2);
    // An unquoted word in a zone file is one string each (RFC 1035 §5.1).
    assert_eq!(zone_file("TXT", "a b").unwrap().text(), "\"a\" \"b\"");
    assert_eq!(zone_file("TXT", "\"\"").unwrap().text(), "\"\"");
    assert_eq!(wire(&zone_file("TXT", "\"\"").unwrap()), [0]);
    assert!(zone_file("TXT", "\"\\256\"")
        .unwrap_err()
        .contains("not an octet"));
    let (_, warnings) = Rdata::parse_as(
        rt("TXT"),
        &format!("\"{}\"", "x".repeat(300)),
        &origin(),
        Syntax::ZoneFile,
    )
    .unwrap();
    assert!(warnings[0].contains("split"), "{warnings:?}");
}

#[test]
fn generic_form_for_unknown_and_known_types() {
    let unknown = parse(rt("TYPE65534"), "\\# 5 07ED260001").unwrap();
    assert_eq!(unknown.text(), "\\# 5 07ED260001");
    assert_eq!(wire(&unknown), [0x07, 0xed, 0x26, 0x00, 0x01]);
    assert_eq!(type_name(rt("type65534")), "TYPE65534");
    assert_eq!(parse(rt("TYPE65534"), "\\# 0").unwrap().text(), "\\# 0");
    // TYPE1 is A; its generic data is read as an address.
    assert_eq!(rt("TYPE1"), RecordType::A);
    assert_eq!(
        parse(rt("TYPE1"), "\\# 4 C0000201").unwrap().text(),
        "192.0.2.1"
    );
    assert!(parse(rt("A"), "\\# 3 C00002")
        .unwrap_err()
        .contains("ends too early"));
    assert!(parse(rt("A"), "\\# 5 C0000201")
        .unwrap_err()
        .contains("says 5 octets"));
    assert!(parse(rt("TYPE65534"), "07ED")
        .unwrap_err()
        .contains("generic form"));
    // The rules of the type apply to generic data too.
    assert!(parse(rt("MX"), "\\# 7 000A04C0000201")
        .unwrap_err()
        .contains("not a valid MX"));
}

#[test]
fn an_apl_without_items_keeps_the_generic_form() {
    // RFC 3123 §4: an APL may hold no items. Printed as they are, that is an empty text, which
    // does not parse back (found by the records fuzz target, tests/engine/fuzz).
    let empty = parse(rt("APL"), "\\# 0").unwrap();
    assert_eq!(empty.text(), "\\# 0");
    assert!(wire(&empty).is_empty());
    assert_eq!(parse(rt("APL"), empty.text()).unwrap(), empty);
    assert_eq!(zone_file("APL", empty.text()).unwrap(), empty);
}

#[test]
fn a_csync_bitmap_may_name_any_type_number() {
    // The generic form can set any bit, type 0 and the meta types included; their TYPEnnn text
    // must read back (found by the records fuzz target, tests/engine/fuzz).
    let csync = parse(rt("CSYNC"), "\\# 12 000000420003000490000008").unwrap();
    assert_eq!(csync.text(), "66 3 TYPE0 MD AAAA");
    assert_eq!(parse(rt("CSYNC"), csync.text()).unwrap(), csync);
    assert_eq!(
        canonical(rt("CSYNC"), "1 0 TYPE200 type46"),
        "1 0 RRSIG TYPE200"
    );
    assert!(parse(rt("CSYNC"), "1 0 TYPE65536").is_err());
    assert!(parse(rt("CSYNC"), "1 0 TYPE+1").is_err());
}

#[test]
fn svcb_is_printed_so_that_other_servers_read_it() {
    let https = parse(rt("HTTPS"), "1 . alpn=h2,h3 port=1500").unwrap();
    assert!(!https.text().contains(", "), "{}", https.text());
    assert!(parse(rt("HTTPS"), "0 svc alpn=h2").is_err());
    assert!(parse(rt("HTTPS"), "x svc").is_err());
    assert!(parse(rt("HTTPS"), "1 . port=1 port=2")
        .unwrap_err()
        .contains("twice"));
    assert!(parse(rt("HTTPS"), "1 . mandatory=alpn")
        .unwrap_err()
        .contains("does not have"));
    assert!(parse(rt("HTTPS"), "1 . bogus=1")
        .unwrap_err()
        .contains("not known"));
    // A comma inside one ALPN id survives (RFC 9460 Appendix A.1).
    let odd = parse(rt("SVCB"), "1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"").unwrap();
    let again = parse(rt("SVCB"), odd.text()).unwrap();
    assert_eq!(wire(&odd), wire(&again));
    assert_eq!(&wire(&odd)[7..], b"\x08f\\oo,bar\x02h2");
}

#[test]
fn long_txt_is_split_into_255_octet_chunks() {
    let long = "x".repeat(600);
    let rdata = parse(RecordType::TXT, &format!("\"{long}\"")).unwrap();
    let RData::TXT(txt) = rdata.data() else {
        panic!("TXT data")
    };
    let lens: Vec<usize> = txt.txt_data.iter().map(|chunk| chunk.len()).collect();
    assert_eq!(lens, [255, 255, 90]);
    assert_eq!(rdata.text().matches('"').count(), 6);
    // Unquoted long values are split the same way.
    let unquoted = parse(RecordType::TXT, &long).unwrap();
    assert_eq!(unquoted, rdata);
}

#[test]
fn rejections() {
    let table = [
        ("A", "300.0.0.1", "not an IPv4 address"),
        ("A", "192.0.2.1 192.0.2.2", "expected 1 field"),
        ("AAAA", "192.0.2.1", "not an IPv6 address"),
        (
            "MX",
            "10 192.0.2.1",
            "MX target must be a host name, not an IP",
        ),
        (
            "MX",
            "10 2001:db8::1",
            "MX target must be a host name, not an IP",
        ),
        (
            "NS",
            "192.0.2.53.",
            "NS target must be a host name, not an IP",
        ),
        (
            "SRV",
            "0 0 443 192.0.2.1",
            "SRV target must be a host name, not",
        ),
        ("MX", "70000 mail", "from 0 to 65535"),
        ("MX", "-1 mail", "from 0 to 65535"),
        ("MX", "10 \"mail\"", "must not be quoted"),
        (
            "CAA",
            "256 issue \"ca.example\"",
            "CAA flags must be a number from 0 to 255",
        ),
        ("CAA", "0 is-sue \"ca.example\"", "letters and digits"),
        ("CAA", "0 \"\" \"ca.example\"", "letters and digits"),
        ("CAA", "0 iodef \"ftp://x\"", "iodef"),
        ("DS", "1 13 2 abcd", "SHA-256 digest (type 2) is 32 octets"),
        (
            "DS",
            &format!("1 13 1 {}", "ab".repeat(32)),
            "SHA-1 digest (type 1) is 20",
        ),
        (
            "DS",
            &format!("1 13 4 {}", "ab".repeat(32)),
            "SHA-384 digest (type 4) is 48",
        ),
        ("DS", "1 13 9 abcd", "digest type 9 is not known"),
        ("DS", "1 13 2 xyz", "hexadecimal"),
        ("TXT", "\"open", "not closed"),
        ("TXT", "\"bad \\300\"", "not an octet"),
        ("CNAME", "*.example.com.", "wildcard"),
        ("CNAME", ".", "root"),
        ("TLSA", "3 1 1 abcd", "32-octet"),
        ("SSHFP", "4 2 abcd", "32 octets"),
        ("DNSKEY", "257 2 13 AA==", "protocol must be 3"),
        ("DNSKEY", "257 3 13 !!", "base64"),
        ("EUI48", "00-00-5e-00-53", "6 pairs"),
        ("LOC", "91 N 0 E 0m", "latitude"),
        ("LOC", "10 N 0 E 0m 25m", "one significant digit"),
        ("APL", "3:1.2.3.4/8", "APL item"),
        ("URI", "1 1 \"\"", "must not be empty"),
        ("CSYNC", "1 0 BOGUS", "not a record type"),
        ("L64", "10 2001:db8", "four groups"),
    ];
    for (rtype, input, expected) in table {
        let err = parse(rt(rtype), input).expect_err(input);
        assert!(err.contains(expected), "{rtype} {input}: {err}");
    }
}

#[test]
fn types_are_parsed_case_insensitively_and_non_data_types_refused() {
    assert_eq!(parse_type("mx").unwrap(), RecordType::MX);
    assert_eq!(parse_type(" HTTPS ").unwrap(), RecordType::HTTPS);
    assert_eq!(parse_type("DNAME").unwrap(), RecordType::DNAME);
    assert_eq!(u16::from(parse_type("TYPE65534").unwrap()), 65534);
    assert_eq!(type_name(parse_type("uri").unwrap()), "URI");
    for refused in [
        "RRSIG", "NSEC", "NSEC3", "OPT", "TSIG", "ANY", "TYPE46", "TYPE0", "TYPE251",
    ] {
        assert!(parse_type(refused).is_err(), "{refused}");
    }
    assert!(parse_type("RRSIG").unwrap_err().contains("signer"));
    assert!(parse_type("BOGUS")
        .unwrap_err()
        .contains("not a record type known here"));
    // Every type the console offers parses back from its own name.
    for rtype in SUPPORTED_TYPES {
        assert_eq!(parse_type(&type_name(*rtype)).unwrap(), *rtype);
    }
}

#[test]
fn caa_and_ds_have_the_right_wire_form() {
    let caa = parse(RecordType::CAA, "0 issue \"ca.example\"").unwrap();
    assert_eq!(wire(&caa), b"\x00\x05issueca.example");
    let ds = parse(RecordType::DS, &format!("258 8 1 {}", "00".repeat(20))).unwrap();
    let bytes = wire(&ds);
    assert_eq!(&bytes[..4], &[1, 2, 8, 1]);
    assert_eq!(bytes.len(), 24);
    assert_eq!(ds.record_type(), RecordType::DS);
    // Names in types served as opaque data are lower-cased on the wire for DNSSEC's
    // canonical form (RFC 4034 §6.2); the text keeps the spelling.
    let dname = parse(RecordType::DNAME, "Other.Example.NET.").unwrap();
    assert_eq!(dname.text(), "Other.Example.NET.");
    assert_eq!(wire(&dname), b"\x05other\x07example\x03net\x00");
    assert_eq!(dname.target().unwrap().to_string(), "Other.Example.NET.");
}
