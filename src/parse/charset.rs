//! Bytes in whatever encoding a feed was written in → UTF-8 text.
//!
//! The order of trust (SPEC §4): a byte order mark; UTF-16 recognisable from its first
//! character; bytes that are valid UTF-8 (a declaration that says otherwise is wrong, since
//! nothing else produces valid multi-byte UTF-8 by accident); the encoding the XML declaration
//! names; the HTTP `Content-Type` charset; windows-1252. A label that says UTF-8 about bytes
//! that are not is passed over for the other one; when both say UTF-8 (or the only one does),
//! the bytes are read as UTF-8 with U+FFFD for what is broken. The declaration comes before
//! the HTTP charset because a server's charset is often a blanket default (Apache's
//! `ISO-8859-1`) while the declaration is the feed's own. Labels are read as the WHATWG
//! Encoding Standard does, so `ISO-8859-1` means windows-1252, as in every browser.
//!
//! The only `encoding_rs` user besides [`super::entities`]. Never fails: undecodable bytes
//! become U+FFFD.

use std::borrow::Cow;

use encoding_rs::{Encoding, ISO_2022_JP, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::find;

/// The document as UTF-8 text, without a byte order mark. `http_charset` is the `charset`
/// parameter of the response's `Content-Type`, if it had one.
pub(super) fn decode<'a>(body: &'a [u8], http_charset: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(body) {
        return decode_with(encoding, &body[bom_length..]);
    }
    if let Some(encoding) = sniff_utf16(body) {
        return decode_with(encoding, body);
    }
    let labels = [declared_encoding(body), http_charset.and_then(for_label)];
    let labelled = labels.into_iter().flatten();
    if let Ok(text) = std::str::from_utf8(body) {
        // A 7-bit encoding that is not ASCII (ISO-2022-JP) is valid UTF-8 too: believe its
        // label when its escape sequences are there.
        let seven_bit = labelled
            .clone()
            .find(|encoding| *encoding == ISO_2022_JP && body.contains(&0x1b));
        return match seven_bit {
            Some(encoding) => decode_with(encoding, body),
            None => Cow::Borrowed(text),
        };
    }
    let mut says_utf8 = false;
    for encoding in labelled {
        if encoding == UTF_8 {
            says_utf8 = true;
        } else if encoding.is_ascii_compatible() {
            return decode_with(encoding, body);
        }
    }
    decode_with(if says_utf8 { UTF_8 } else { WINDOWS_1252 }, body)
}

/// The bytes decoded with `encoding` (no BOM sniffing), U+FFFD for what is malformed.
fn decode_with<'a>(encoding: &'static Encoding, bytes: &'a [u8]) -> Cow<'a, str> {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text
}

/// The encoding a charset label names, if it is one a document can be decoded with here:
/// not the WHATWG "replacement" encoding (labels of encodings browsers refuse), and not
/// UTF-16 without a byte order mark or a recognisable first character (its label on 8-bit
/// bytes is simply wrong).
fn for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().trim_matches(['"', '\'']);
    let encoding = Encoding::for_label(label.as_bytes())?;
    (encoding != REPLACEMENT && encoding != UTF_16LE && encoding != UTF_16BE).then_some(encoding)
}

/// UTF-16 without a byte order mark, recognised by an ASCII first character (`<`, `{` or
/// whitespace) next to a zero byte.
fn sniff_utf16(body: &[u8]) -> Option<&'static Encoding> {
    match body {
        [first, 0, ..] if first.is_ascii() && *first != 0 => Some(UTF_16LE),
        [0, second, ..] if second.is_ascii() && *second != 0 => Some(UTF_16BE),
        _ => None,
    }
}

/// The encoding the XML declaration (`<?xml version="1.0" encoding="KOI8-R"?>`) names, read
/// from the first bytes as ASCII; None without a declaration or with an unusable label.
fn declared_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(1024)];
    let head = head.trim_ascii_start().strip_prefix(b"<?xml")?;
    let declaration = &head[..head.windows(2).position(|pair| pair == b"?>")?];
    let after_name = &declaration[find(declaration, b"encoding")? + b"encoding".len()..];
    let after_equals = after_name.trim_ascii_start().strip_prefix(b"=")?;
    let value = after_equals.trim_ascii_start();
    let (&quote, value) = value.split_first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label = &value[..value.iter().position(|&byte| byte == quote)?];
    for_label(std::str::from_utf8(label).ok()?)
}

/// The position of `needle` in `haystack`.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encoding_table() {
        let rows: &[(&[u8], Option<&'static Encoding>)] = &[
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss/>",
                Some(WINDOWS_1252),
            ),
            (
                b"<?xml version='1.0' encoding='koi8-r'?>",
                Some(encoding_rs::KOI8_R),
            ),
            (
                b"\n  <?xml version=\"1.0\" encoding = \"Shift_JIS\" ?>",
                Some(encoding_rs::SHIFT_JIS),
            ),
            (b"<?xml version=\"1.0\" encoding=\"utf-8\"?>", Some(UTF_8)),
            // UTF-16 cannot be declared in 8-bit bytes
            (b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>", None),
            (
                b"<?xml version=\"1.0\" encoding=\"no-such-charset\"?>",
                None,
            ),
            (b"<?xml version=\"1.0\"?><rss/>", None),
            (b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"", None),
            (b"<?xml version=\"1.0\" encoding=ISO-8859-1?>", None),
            (b"<rss encoding=\"koi8-r\"/>", None),
            (b"", None),
        ];
        for (body, expected) in rows {
            assert_eq!(
                declared_encoding(body),
                *expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn decode_table() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xe9</t>";
        let undeclared = b"<t>\x93caf\xe9\x94 \x80</t>";
        let rows: &[(&[u8], Option<&str>, &str)] = &[
            (
                latin1,
                None,
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>café</t>",
            ),
            // valid UTF-8 wins over the declaration and the HTTP charset
            (
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>café</t>".as_bytes(),
                Some("koi8-r"),
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>café</t>",
            ),
            // undeclared 8-bit: windows-1252
            (undeclared, None, "<t>“café” €</t>"),
            // the HTTP charset when nothing is declared
            (
                b"<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>",
                Some("KOI8-R"),
                "<t>Привет</t>",
            ),
            (
                b"<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>",
                Some("\"koi8-r\""),
                "<t>Привет</t>",
            ),
            // the declaration before the HTTP charset
            (
                b"<?xml version=\"1.0\" encoding=\"koi8-r\"?><t>\xf0\xd2\xc9\xd7\xc5\xd4</t>",
                Some("iso-8859-1"),
                "<?xml version=\"1.0\" encoding=\"koi8-r\"?><t>Привет</t>",
            ),
            // a UTF-8 label that is wrong gives way to the other label
            (
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>caf\xe9</t>",
                Some("windows-1252"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>café</t>",
            ),
            // UTF-8 is all the labels say: read as UTF-8, the broken byte replaced
            (
                b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>caf\xe9 \xe2\x80\x94</t>",
                None,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>caf\u{fffd} —</t>",
            ),
            // an unknown HTTP charset is ignored
            (b"<t>caf\xe9</t>", Some("x-unknown"), "<t>café</t>"),
            // byte order marks
            (b"\xef\xbb\xbf<t/>", None, "<t/>"),
            (b"\xff\xfe<\0t\0/\0>\0", None, "<t/>"),
            (b"\xfe\xff\0<\0t\0/\0>", None, "<t/>"),
            // UTF-16 without one
            (b"<\0t\0/\0>\0", None, "<t/>"),
            (b"\0<\0t\0/\0>", None, "<t/>"),
            // ISO-2022-JP is 7-bit: its label counts when its escapes are there
            (
                b"<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?><t>\x1b$B$3$s\x1b(B</t>",
                None,
                "<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?><t>こん</t>",
            ),
            (b"", None, ""),
        ];
        for (body, http_charset, expected) in rows {
            assert_eq!(
                decode(body, *http_charset),
                *expected,
                "{:?} with {http_charset:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn valid_utf8_is_not_copied() {
        let body = "<t>café</t>".as_bytes();
        assert!(matches!(decode(body, Some("koi8-r")), Cow::Borrowed(_)));
    }
}
