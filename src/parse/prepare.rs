//! One pass over an XML document's text before feed-rs sees it: what would make a feed fail
//! or hurt is repaired or refused, and nothing else changes.
//!
//! - The XML declaration is dropped: the text is UTF-8 by now, and an `encoding="…"` left in
//!   it would make the XML reader decode it a second time.
//! - A DOCTYPE is dropped with its internal subset, so no entity declared there can ever be
//!   expanded or fetched (feed-rs does not expand them today; this keeps it so). A reference
//!   to such an entity (`&xxe;`) is then an unknown name, kept as text.
//! - A bare `&` becomes `&amp;`; an HTML named reference (`&eacute;`, `&nbsp;`) becomes its
//!   character; an unknown name (`&bogus;`) is escaped, so it reads as written; a numeric
//!   reference to something XML forbids becomes U+FFFD, and one to a C1 control (`&#146;`)
//!   the windows-1252 character it meant. A `<` that cannot open markup (`a < b`) becomes
//!   `&lt;`. All of this in text and in attribute values, never in comments or CDATA.
//! - An `<rss>` root without a version (or with one feed-rs does not know, like `0.94`) is
//!   read as RSS 2.0.
//! - Elements nested deeper than [`MAX_DEPTH`] are refused: feed-rs recurses on some of
//!   them (`media:group`) and would overflow the stack.
//! - Only the first `max_entries` items (`item` or `entry` elements not inside another one)
//!   are kept: the document is cut before the next one and its open elements closed, so
//!   feed-rs never builds the rest.
//!
//! Pure and linear in the size of the text; the text is copied only when something changes.

use std::borrow::Cow;

use super::entities;

/// The deepest element nesting accepted. Real feeds stay far below it (XHTML content in an
/// Atom entry adds a few dozen levels at most); feed-rs's recursion stays far from the
/// 2 MiB stack of a thread.
pub const MAX_DEPTH: usize = 100;

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Elements nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A DOCTYPE that never ends.
    UnterminatedDoctype,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooDeep => write!(f, "elements nested more than {MAX_DEPTH} levels deep"),
            Refusal::UnterminatedDoctype => f.write_str("the DOCTYPE declaration never ends"),
        }
    }
}

/// The repaired document (see the module docs), with at most `max_entries` items.
pub(super) fn prepare_xml(text: &str, max_entries: usize) -> Result<Cow<'_, str>, Refusal> {
    Scanner {
        text,
        bytes: text.as_bytes(),
        out: Rewriter::new(text),
        open: Vec::new(),
        root_seen: false,
        atom: false,
        item_depth: None,
        n_items: 0,
        max_entries,
        cut_done: false,
    }
    .run()
}

/// A replacement of `source[start..end]`.
struct Edit {
    start: usize,
    end: usize,
    with: Cow<'static, str>,
}

/// The text with edits applied; copies only when there is one. Edits may come out of order
/// (a tag's `type` is fixed before its earlier attributes are scanned) but never overlap.
struct Rewriter<'a> {
    source: &'a str,
    edits: Vec<Edit>,
}

impl<'a> Rewriter<'a> {
    fn new(source: &'a str) -> Self {
        Rewriter {
            source,
            edits: Vec::new(),
        }
    }

    /// Replaces `source[start..end]` with `with`.
    fn replace(&mut self, start: usize, end: usize, with: impl Into<Cow<'static, str>>) {
        self.edits.push(Edit {
            start,
            end,
            with: with.into(),
        });
    }

    /// Ends the text at `at`, dropping the edits made from there on.
    fn truncate(&mut self, at: usize) {
        self.edits.retain(|edit| edit.start < at);
        self.replace(at, self.source.len(), "");
    }

    fn finish(mut self) -> Cow<'a, str> {
        if self.edits.is_empty() {
            return Cow::Borrowed(self.source);
        }
        // nearly sorted already: a stable sort keeps an insertion before an edit at its place
        self.edits.sort_by_key(|edit| edit.start);
        let mut out = String::with_capacity(self.source.len() + 64);
        let mut copied = 0;
        for edit in &self.edits {
            if edit.start < copied || edit.end < edit.start || edit.end > self.source.len() {
                // overlapping: a bug here, but never a reason to panic on a document
                debug_assert!(false, "edit {}..{} after {copied}", edit.start, edit.end);
                continue;
            }
            out.push_str(&self.source[copied..edit.start]);
            out.push_str(&edit.with);
            copied = edit.end;
        }
        out.push_str(&self.source[copied..]);
        Cow::Owned(out)
    }
}

/// What the scanner knows of the document so far.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    out: Rewriter<'a>,
    /// The qualified names of the open elements.
    open: Vec<&'a str>,
    root_seen: bool,
    /// Whether the root is Atom's `feed` or `entry`.
    atom: bool,
    /// How many elements are open inside the item being read (its own included), if one is.
    item_depth: Option<usize>,
    n_items: usize,
    max_entries: usize,
    /// Whether the document was cut at the item cap.
    cut_done: bool,
}

impl<'a> Scanner<'a> {
    fn run(mut self) -> Result<Cow<'a, str>, Refusal> {
        let mut position = 0;
        while let Some(offset) = memchr::memchr2(b'<', b'&', &self.bytes[position..]) {
            let start = position + offset;
            position = if self.bytes[start] == b'&' {
                self.reference(start)
            } else {
                match self.markup(start)? {
                    Some(end) => end,
                    None => {
                        if !self.cut_done {
                            // markup that never ends: the XML reader would fail there (or read
                            // it otherwise than this scan did), so the document ends there
                            self.out.truncate(start);
                        }
                        break;
                    }
                }
            };
        }
        Ok(self.out.finish())
    }

    /// Repairs the reference starting with the `&` at `start` if needed; returns where the
    /// text goes on.
    fn reference(&mut self, start: usize) -> usize {
        let (end, replacement) = repair_reference(self.bytes, self.text, start);
        if let Some(replacement) = replacement {
            self.out.replace(start, end, replacement);
        }
        end
    }

    /// Reads the markup at `start` (a `<`); returns where the text goes on, or None when
    /// the scan stops (the markup never ends, or the item cap was reached).
    fn markup(&mut self, start: usize) -> Result<Option<usize>, Refusal> {
        let rest = &self.bytes[start..];
        if rest.starts_with(b"<!--") {
            return Ok(find(self.bytes, start + 4, b"-->").map(|end| end + 3));
        }
        if rest.starts_with(b"<![CDATA[") {
            return Ok(find(self.bytes, start + 9, b"]]>").map(|end| end + 3));
        }
        if starts_with_ignore_case(rest, b"<!DOCTYPE") {
            let end = doctype_end(self.bytes, start).ok_or(Refusal::UnterminatedDoctype)?;
            self.out.replace(start, end, "");
            return Ok(Some(end));
        }
        if rest.starts_with(b"<?") {
            // (as quick-xml reads it, `<?>` is a whole instruction)
            let Some(end) = find(self.bytes, start + 1, b"?>").map(|end| end + 2) else {
                return Ok(None);
            };
            let instruction = self.bytes.get(start + 2..end - 2).unwrap_or_default();
            let target_length = instruction
                .iter()
                .position(|&byte| byte.is_ascii_whitespace() || byte == b'?')
                .unwrap_or(instruction.len());
            if instruction[..target_length].eq_ignore_ascii_case(b"xml") {
                self.out.replace(start, end, "");
            }
            return Ok(Some(end));
        }
        match rest.get(1) {
            Some(b'/') => Ok(self.end_tag(start)),
            // `<!` opening neither a comment, CDATA nor a DOCTYPE: quick-xml stops there
            Some(b'!') => Ok(None),
            Some(&byte) if is_name_start(byte) => self.start_tag(start),
            // `a < b`: not markup
            _ => {
                self.out.replace(start, start + 1, "&lt;");
                Ok(Some(start + 1))
            }
        }
    }

    fn end_tag(&mut self, start: usize) -> Option<usize> {
        // quick-xml reads an end tag as a start tag: a `>` inside quotes does not end it
        let end = tag_end(self.bytes, start + 2)?;
        self.open.pop();
        if self.item_depth.is_some_and(|depth| self.open.len() < depth) {
            self.item_depth = None;
        }
        Some(end)
    }

    fn start_tag(&mut self, start: usize) -> Result<Option<usize>, Refusal> {
        let name_end = start
            + 1
            + self.bytes[start + 1..]
                .iter()
                .position(|&byte| !is_name_byte(byte))
                .unwrap_or(self.bytes.len() - start - 1);
        let name = &self.text[start + 1..name_end];
        let local_name = name.rsplit(':').next().unwrap_or(name);

        let is_item = self.item_depth.is_none() && matches!(local_name, "item" | "entry");
        if is_item {
            if self.n_items == self.max_entries {
                self.cut(start);
                return Ok(None);
            }
            self.n_items += 1;
        }

        if !self.root_seen {
            self.atom = matches!(local_name, "feed" | "entry");
            if name == "rss" {
                self.fix_rss_version(name_end);
            }
        } else if self.atom {
            self.fix_atom_text_type(local_name, name_end);
        }
        self.root_seen = true;
        let mut position = name_end;
        // the attributes, up to the `>` that ends the tag
        let end = loop {
            let Some(&byte) = self.bytes.get(position) else {
                return Ok(None);
            };
            match byte {
                b'>' => break position + 1,
                b'"' | b'\'' => {
                    let Some(value_end) = self.attribute_value(position + 1, byte) else {
                        return Ok(None);
                    };
                    position = value_end + 1;
                }
                _ => position += 1,
            }
        };
        let self_closing = self.bytes[..end - 1].ends_with(b"/");

        if !self_closing {
            self.open.push(name);
            if self.open.len() > MAX_DEPTH {
                return Err(Refusal::TooDeep);
            }
            if is_item {
                self.item_depth = Some(self.open.len());
            }
        }
        Ok(Some(end))
    }

    /// Repairs the references and `<`s in the attribute value starting at `start` and quoted
    /// with `quote`; returns the position of its closing quote.
    fn attribute_value(&mut self, start: usize, quote: u8) -> Option<usize> {
        let mut position = start;
        loop {
            let offset = self.bytes[position..]
                .iter()
                .position(|&byte| byte == quote || byte == b'&' || byte == b'<')?;
            let at = position + offset;
            match self.bytes[at] {
                b'&' => position = self.reference(at),
                b'<' => {
                    self.out.replace(at, at + 1, "&lt;");
                    position = at + 1;
                }
                _ => return Some(at),
            }
        }
    }

    /// Makes the root `<rss>` one feed-rs reads: its version, if missing or unknown, is 2.0.
    /// `name_end` is where the tag's name ends; nothing after it has been edited yet.
    fn fix_rss_version(&mut self, name_end: usize) {
        let Some(version) = attribute_range(self.bytes, name_end, b"version") else {
            // the tag never ends: the XML reader will say so
            return;
        };
        match version {
            None => self.out.replace(name_end, name_end, " version=\"2.0\""),
            Some((start, end)) => {
                let value = &self.text[start..end];
                let trimmed = value.trim();
                if value.contains(['&', '<']) {
                    // not worth repairing: feed-rs will not know the version
                } else if !matches!(trimmed, "2.0" | "0.91" | "0.92") {
                    self.out.replace(start, end, "2.0");
                } else if trimmed.len() != value.len() {
                    self.out.replace(start, end, trimmed.to_owned());
                }
            }
        }
    }

    /// Gives an Atom text construct (`title`, `summary`, `content`, …) a `type` feed-rs reads:
    /// feed-rs refuses the whole feed for a title typed `text/plain` (as Atom 0.3 wrote it) or
    /// `application/xhtml+xml`. MIME types Atom 1.0 spells `text`, `html` and `xhtml` become
    /// those; any other type becomes `text`, except a MIME type on `content`. A
    /// `content` with a `src` needs a MIME type instead: `html` becomes `text/html`.
    /// `name_end` is where the tag's name ends; nothing after it has been edited yet.
    fn fix_atom_text_type(&mut self, local_name: &str, name_end: usize) {
        let is_content = local_name == "content";
        let is_text_construct = matches!(
            local_name,
            "title" | "subtitle" | "summary" | "rights" | "tagline" | "copyright" | "info"
        );
        if !(is_content || is_text_construct) {
            return;
        }
        let Some(Some((start, end))) = attribute_range(self.bytes, name_end, b"type") else {
            return;
        };
        let value = &self.text[start..end];
        let lowercase = value.trim().to_ascii_lowercase();
        let has_source = is_content
            && attribute_range(self.bytes, name_end, b"src").is_some_and(|src| src.is_some());
        let normal = if has_source {
            // content elsewhere: the type must be a MIME type
            match lowercase.as_str() {
                "text" => "text/plain",
                "html" => "text/html",
                "xhtml" => "application/xhtml+xml",
                mime if mime.contains('/') => return,
                _ => "text/html",
            }
        } else {
            match lowercase.as_str() {
                "text" | "html" | "xhtml" if value.trim() == value => return,
                "text" | "text/plain" => "text",
                "html" | "text/html" => "html",
                "xhtml" | "application/xhtml+xml" => "xhtml",
                // a MIME type feed-rs reads as such
                mime if is_content && mime.contains('/') => return,
                // blank, or no type at all (`xml`)
                _ => "text",
            }
        };
        if !value.contains(['&', '<']) {
            self.out.replace(start, end, normal);
        }
    }

    /// Ends the document before the item at `start`, closing what is open.
    fn cut(&mut self, start: usize) {
        let mut closing = String::new();
        for name in self.open.iter().rev() {
            closing.push_str("</");
            closing.push_str(name);
            closing.push('>');
        }
        self.out.replace(start, self.bytes.len(), closing);
        self.cut_done = true;
    }
}

/// Where the reference starting with the `&` at `start` ends, and what it becomes if it must
/// change (see the module docs).
fn repair_reference(bytes: &[u8], text: &str, start: usize) -> (usize, Option<Cow<'static, str>>) {
    let body_start = start + 1;
    // a reference is short: look for its `;` nearby, among name characters only
    let body_length = bytes[body_start..]
        .iter()
        .take(40)
        .position(|&byte| !(is_name_byte(byte) || byte == b'#'));
    let terminated = body_length.filter(|&length| bytes.get(body_start + length) == Some(&b';'));
    let Some(length) = terminated.filter(|&length| length > 0) else {
        return (body_start, Some(Cow::Borrowed("&amp;")));
    };
    let body = &text[body_start..body_start + length];
    let end = body_start + length + 1;
    if let Some(number) = body.strip_prefix('#') {
        let (digits, radix) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (number, 10),
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            // `&#bogus;`: not a reference
            return (body_start, Some(Cow::Borrowed("&amp;")));
        }
        return match entities::numeric(number) {
            Some(character) if entities::is_xml_char(character) => {
                // a C1 control read as windows-1252 is written out as its character
                let written = u32::from_str_radix(digits, radix).ok();
                if written != Some(u32::from(character)) {
                    (end, Some(Cow::Owned(character.to_string())))
                } else if number.starts_with('X') {
                    // XML spells hexadecimal references with a lowercase x
                    (end, Some(Cow::Owned(format!("&#x{digits};"))))
                } else {
                    (end, None)
                }
            }
            // a surrogate, U+0000, beyond U+10FFFF, a control XML forbids
            _ => (end, Some(Cow::Borrowed("\u{fffd}"))),
        };
    }
    if matches!(body, "amp" | "lt" | "gt" | "quot" | "apos") {
        return (end, None);
    }
    match entities::named(body) {
        Some(character) => (end, Some(Cow::Owned(character.to_string()))),
        None if is_name_start(bytes[body_start]) => {
            (end, Some(Cow::Owned(format!("&amp;{body};"))))
        }
        None => (body_start, Some(Cow::Borrowed("&amp;"))),
    }
}

/// The range of the value of `attribute` in the start tag whose name ends at `name_end`:
/// `Some(None)` when the tag has none, None when the tag never ends.
fn attribute_range(
    bytes: &[u8],
    name_end: usize,
    attribute: &[u8],
) -> Option<Option<(usize, usize)>> {
    let mut version = None;
    let mut position = name_end;
    loop {
        match *bytes.get(position)? {
            b'>' => return Some(version),
            quote @ (b'"' | b'\'') => {
                let value_end = find(bytes, position + 1, &[quote])?;
                if attribute_name_before(bytes, position) == attribute {
                    version = Some((position + 1, value_end));
                }
                position = value_end + 1;
            }
            _ => position += 1,
        }
    }
}

/// Where the tag whose content starts at `from` ends (after its `>`), reading quotes as
/// quick-xml does: a `>` between a pair of `"` or `'` does not end it.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (offset, &byte) in bytes.get(from..)?.iter().enumerate() {
        match (quote, byte) {
            (None, b'>') => return Some(from + offset + 1),
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            _ => {}
        }
    }
    None
}

/// Where the DOCTYPE starting at `start` ends (after its `>`), skipping its internal subset
/// and quoted strings, in which a `>` does not end it.
fn doctype_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut in_subset = false;
    let mut quote: Option<u8> = None;
    let mut position = start + b"<!DOCTYPE".len();
    while let Some(&byte) = bytes.get(position) {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(byte),
            (None, b'<') if bytes[position..].starts_with(b"<!--") => {
                position = find(bytes, position + 4, b"-->")? + 2;
            }
            (None, b'[') => in_subset = true,
            (None, b']') => in_subset = false,
            (None, b'>') if !in_subset => return Some(position + 1),
            (None, _) => {}
        }
        position += 1;
    }
    None
}

/// The name of the attribute whose value's opening quote is at `quote`: the name characters
/// before the `=` before it.
fn attribute_name_before(bytes: &[u8], quote: usize) -> &[u8] {
    let before = bytes[..quote].trim_ascii_end();
    let Some(before) = before.strip_suffix(b"=") else {
        return b"";
    };
    let before = before.trim_ascii_end();
    let name_start = before
        .iter()
        .rposition(|&byte| !is_name_byte(byte))
        .map_or(0, |position| position + 1);
    &before[name_start..]
}

/// Whether a byte can start an XML name (any non-ASCII byte is taken as a letter).
fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || matches!(byte, b'_' | b':') || byte >= 0x80
}

/// Whether a byte can be part of an XML name.
fn is_name_byte(byte: u8) -> bool {
    is_name_start(byte) || byte.is_ascii_digit() || matches!(byte, b'-' | b'.')
}

/// The position of `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    super::find(bytes.get(from..)?, needle).map(|offset| from + offset)
}

/// Whether `bytes` starts with `prefix`, ASCII case-insensitively.
fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let prepared = prepare_xml(input, 10);
        assert_eq!(prepared.as_deref(), Ok(expected), "prepare_xml({input:?})");
    }

    #[test]
    fn repairs_table() {
        let rows: &[(&str, &str)] = &[
            // nothing to do: not even a copy
            (
                "<a>x &amp; y &#233; &#xE9;</a>",
                "<a>x &amp; y &#233; &#xE9;</a>",
            ),
            // the declaration goes, other processing instructions stay
            (
                "<?xml version=\"1.0\" encoding=\"koi8-r\"?>\n<?xml-stylesheet href=\"s.xsl\"?><a/>",
                "\n<?xml-stylesheet href=\"s.xsl\"?><a/>",
            ),
            // bare ampersands
            ("<a>AT&T & co &</a>", "<a>AT&amp;T &amp; co &amp;</a>"),
            ("<a>&;&#;&#x;</a>", "<a>&amp;;&amp;#;&amp;#x;</a>"),
            (
                "<a href=\"/?a=1&b=2\">x</a>",
                "<a href=\"/?a=1&amp;b=2\">x</a>",
            ),
            // HTML entities become characters, unknown names are escaped
            (
                "<a t='&eacute;'>caf&eacute;&nbsp;&mdash;&hellip;&Eacute;</a>",
                "<a t='é'>café\u{a0}—…É</a>",
            ),
            ("<a>&bogus; &xxe;</a>", "<a>&amp;bogus; &amp;xxe;</a>"),
            // numeric references XML forbids, and C1 controls as windows-1252
            (
                "<a>&#0;&#xD800;&#1;&#146;&#x80;</a>",
                "<a>\u{fffd}\u{fffd}\u{fffd}’€</a>",
            ),
            ("<a>&#99999999999;</a>", "<a>\u{fffd}</a>"),
            ("<a>&#X26;&#XE9;</a>", "<a>&#x26;&#xE9;</a>"),
            // a < that opens nothing
            ("<a>1 < 2 <3 <= 4</a>", "<a>1 &lt; 2 &lt;3 &lt;= 4</a>"),
            ("<a b=\"1<2\"/>", "<a b=\"1&lt;2\"/>"),
            // comments and CDATA are left alone
            (
                "<a><!-- AT&T < --><![CDATA[AT&T < &nbsp;]]></a>",
                "<a><!-- AT&T < --><![CDATA[AT&T < &nbsp;]]></a>",
            ),
            // DOCTYPEs go, with their internal subset
            (
                "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n<rss version=\"0.91\"/>",
                "\n<rss version=\"0.91\"/>",
            ),
            (
                "<!DOCTYPE r [<!ENTITY a \"]>\"><!-- ]> --><!ENTITY b '>'>]><r>&a;</r>",
                "<r>&amp;a;</r>",
            ),
            // <rss> versions
            (
                "<rss><channel/></rss>",
                "<rss version=\"2.0\"><channel/></rss>",
            ),
            (
                "<rss xmlns:a=\"urn:a\" version=\"0.94\">",
                "<rss xmlns:a=\"urn:a\" version=\"2.0\">",
            ),
            ("<rss version=' 0.91 '/>", "<rss version='0.91'/>"),
            ("<rss version=\"2.0\"/>", "<rss version=\"2.0\"/>"),
            // Atom text constructs get a type feed-rs reads
            (
                "<feed><title type=\"text/plain\">a</title><entry><summary type='application/xhtml+xml'/>\
                 <content type=\"TEXT/HTML\"/><rights type=\"image/png\"/><content type=\"image/png\"/>\
                 <link type=\"text/html\"/><title type=\"html\"/><content src=\"/a\" type=\"html\"/>\
                 <content src=\"/b\" type=\"text/html\"/><content src=\"/c\" type=\"bogus\"/>\
                 <content type=\"\"/><content type=\"xml\"/></entry></feed>",
                "<feed><title type=\"text\">a</title><entry><summary type='xhtml'/>\
                 <content type=\"html\"/><rights type=\"text\"/><content type=\"image/png\"/>\
                 <link type=\"text/html\"/><title type=\"html\"/><content src=\"/a\" type=\"text/html\"/>\
                 <content src=\"/b\" type=\"text/html\"/><content src=\"/c\" type=\"text/html\"/>\
                 <content type=\"text\"/><content type=\"text\"/></entry></feed>",
            ),
            // a repaired attribute before the fixed type
            (
                "<feed><title a=\"&bogus;\" b='&nbsp;' type=\"text/plain\" c=\"&\">x</title></feed>",
                "<feed><title a=\"&amp;bogus;\" b='\u{a0}' type=\"text\" c=\"&amp;\">x</title></feed>",
            ),
            (
                "<rss a=\"&bogus;\" version=\"9\" b=\"&\"/>",
                "<rss a=\"&amp;bogus;\" version=\"2.0\" b=\"&amp;\"/>",
            ),
            (
                "<rss a=\"&bogus;\"/>",
                "<rss version=\"2.0\" a=\"&amp;bogus;\"/>",
            ),
            // not in RSS
            (
                "<rss version=\"2.0\"><title type=\"text/plain\"/></rss>",
                "<rss version=\"2.0\"><title type=\"text/plain\"/></rss>",
            ),
            // only the root
            (
                "<feed><rss/><entry version=\"9\"/></feed>",
                "<feed><rss/><entry version=\"9\"/></feed>",
            ),
            // the document ends before markup that never ends (the XML reader reports the
            // elements left open); nothing after it is read
            ("<a><b attr=\"x <?xml encoding='koi8-r'?>", "<a>"),
            ("<a><!-- x", "<a>"),
            ("<a><![CDATA[ x", "<a>"),
            ("<a><?pi x", "<a>"),
            ("<a></a", "<a>"),
            // an end tag ends as quick-xml reads it: not at a quoted `>`
            (
                "<a></a x=\"> <?xml version='1.0' encoding='koi8-r'?>\"><b/>",
                "<a></a x=\"> <?xml version='1.0' encoding='koi8-r'?>\"><b/>",
            ),
            ("<a></a x=\"> <?xml ?>", "<a>"),
            // `<!` that opens nothing quick-xml knows ends the document
            ("<a><!ELEMENT a ANY><?xml version='1.0'?></a>", "<a>"),
            // `<?>` is a whole processing instruction
            ("<a><?><?xml version='1.0'?></a>", "<a><?></a>"),
            ("<a/><b", "<a/>"),
            ("<a>&amp", "<a>&amp;amp"),
        ];
        for (input, expected) in rows {
            check(input, expected);
        }
    }

    #[test]
    fn unchanged_text_is_not_copied() {
        let text = "<rss version=\"2.0\"><channel><title>a &amp; b</title></channel></rss>";
        assert!(matches!(prepare_xml(text, 10), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(prepare_xml(&nested(MAX_DEPTH), 10).is_ok());
        assert_eq!(
            prepare_xml(&nested(MAX_DEPTH + 1), 10),
            Err(Refusal::TooDeep)
        );
        // self-closing and closed elements do not count
        let flat = "<a/>".repeat(10 * MAX_DEPTH);
        assert!(prepare_xml(&format!("<r>{flat}</r>"), 10).is_ok());
    }

    #[test]
    fn items_beyond_the_cap_are_cut() {
        let feed = "<rss version=\"2.0\"><channel><title>t</title>\
            <item><title>1</title></item><item/><item><title>3</title><x:item/></item>\
            <item><title>4</title></item></channel></rss>";
        assert_eq!(
            prepare_xml(feed, 2).as_deref(),
            Ok("<rss version=\"2.0\"><channel><title>t</title>\
                <item><title>1</title></item><item/></channel></rss>")
        );
        // an item inside an item does not count
        assert_eq!(
            prepare_xml(feed, 3).as_deref(),
            Ok("<rss version=\"2.0\"><channel><title>t</title>\
                <item><title>1</title></item><item/><item><title>3</title><x:item/></item>\
                </channel></rss>")
        );
        assert_eq!(prepare_xml(feed, 4).as_deref(), Ok(feed));
        let atom = "<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:entry/><a:entry/></a:feed>";
        assert_eq!(
            prepare_xml(atom, 1).as_deref(),
            Ok("<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:entry/></a:feed>")
        );
        assert_eq!(
            prepare_xml(atom, 0).as_deref(),
            Ok("<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"></a:feed>")
        );
    }

    #[test]
    fn an_unterminated_doctype_is_refused() {
        assert_eq!(
            prepare_xml("<!DOCTYPE r [<!ENTITY a 'x'>", 10),
            Err(Refusal::UnterminatedDoctype)
        );
    }
}
