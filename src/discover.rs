//! Feed autodiscovery: the feeds a web page links with
//! `<link rel="alternate" type="application/rss+xml" href="…">`.
//!
//! A small tolerant scan of the HTML, not a parser: tags and attributes in any case and
//! order, values double-, single- or un-quoted, entities decoded; comments and the content of
//! `<script>` and `<style>` are skipped; a `<base href>` changes what relative links resolve
//! against. Only http(s) results are kept, each URL once, in document order.
//!
//! Pure: text in, URLs out; no I/O. The only place that reads HTML for links.

use url::Url;

/// A feed a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFeed {
    /// The feed's absolute URL.
    pub url: Url,
    /// The link's `title`, whitespace collapsed, when it has one.
    pub title: Option<String>,
    /// What the link's `type` says the feed is.
    pub kind: FeedKind,
}

/// The feed formats autodiscovery looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// `application/rss+xml`.
    Rss,
    /// `application/atom+xml`.
    Atom,
    /// `application/feed+json` or `application/json`.
    Json,
}

impl FeedKind {
    /// The format's name for people: `RSS`, `Atom` or `JSON Feed`.
    pub fn label(self) -> &'static str {
        match self {
            FeedKind::Rss => "RSS",
            FeedKind::Atom => "Atom",
            FeedKind::Json => "JSON Feed",
        }
    }

    /// The kind a `type` attribute names (parameters and case ignored).
    fn from_media_type(media_type: &str) -> Option<FeedKind> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/rss+xml" => Some(FeedKind::Rss),
            "application/atom+xml" => Some(FeedKind::Atom),
            "application/feed+json" | "application/json" => Some(FeedKind::Json),
            _ => None,
        }
    }
}

/// The feeds `html`, served from `page_url` (after redirects), links as alternates.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<FoundFeed> {
    let mut base: Option<Url> = None;
    let mut links: Vec<Vec<(String, String)>> = Vec::new();
    for tag in Tags::new(html) {
        match tag.name.as_str() {
            "link" => links.push(tag.attributes),
            "base" if base.is_none() => {
                base = attribute(&tag.attributes, "href")
                    .and_then(|href| page_url.join(href.trim()).ok());
            }
            _ => {}
        }
    }
    let base = base.as_ref().unwrap_or(page_url);
    let mut found: Vec<FoundFeed> = Vec::new();
    for attributes in &links {
        let is_alternate = attribute(attributes, "rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|token| token.eq_ignore_ascii_case("alternate"))
        });
        let kind = attribute(attributes, "type").and_then(FeedKind::from_media_type);
        let href = attribute(attributes, "href").map(str::trim);
        let (true, Some(kind), Some(href)) = (is_alternate, kind, href) else {
            continue;
        };
        if href.is_empty() {
            continue;
        }
        let Ok(url) = base.join(href) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || found.iter().any(|feed| feed.url == url) {
            continue;
        }
        let title = attribute(attributes, "title")
            .map(|title| title.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|title| !title.is_empty());
        found.push(FoundFeed { url, title, kind });
    }
    found
}

/// `text` with HTML character references decoded the forgiving way a browser does: numeric
/// references, the XML five and a few common HTML names (`&nbsp;`, `&copy;`, dashes and
/// quotes); anything else, a bare `&` included, is kept as written.
pub fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        rest = &rest[start..];
        // A reference is `&name;` or `&#…;` within a few characters.
        let reference = rest[1..]
            .find(';')
            .filter(|end| *end <= 32)
            .map(|end| &rest[1..=end]);
        match reference.and_then(resolve_reference) {
            Some(character) => {
                decoded.push(character);
                rest = &rest[reference.map_or(1, |name| name.len() + 2)..];
            }
            None => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The character `&name;` stands for.
fn resolve_reference(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// The value of attribute `name` (lowercase) in `attributes`.
fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(known, _)| known == name)
        .map(|(_, value)| value.as_str())
}

/// A start tag: its name and attributes, lowercased names, decoded values; the first of
/// duplicate attributes wins, as in HTML.
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// The start tags of an HTML document, in order.
struct Tags<'a> {
    html: &'a str,
    position: usize,
}

impl<'a> Tags<'a> {
    fn new(html: &'a str) -> Tags<'a> {
        Tags { html, position: 0 }
    }

    /// Moves past the next `needle` (ASCII case-insensitive), or to the end.
    fn skip_past(&mut self, needle: &str) {
        let rest = &self.html.as_bytes()[self.position..];
        let found = rest
            .windows(needle.len())
            .position(|window| window.eq_ignore_ascii_case(needle.as_bytes()));
        self.position = match found {
            Some(offset) => self.position + offset + needle.len(),
            None => self.html.len(),
        };
    }
}

impl Iterator for Tags<'_> {
    type Item = Tag;

    fn next(&mut self) -> Option<Tag> {
        let bytes = self.html.as_bytes();
        loop {
            let start = self.position + self.html[self.position..].find('<')?;
            self.position = start + 1;
            let rest = &self.html[self.position..];
            if rest.starts_with("!--") {
                self.skip_past("-->");
                continue;
            }
            if rest.starts_with(['!', '?', '/']) {
                self.skip_past(">");
                continue;
            }
            let name_len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            if name_len == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
                // `a < b` in text.
                continue;
            }
            let name = rest[..name_len].to_ascii_lowercase();
            self.position += name_len;
            let attributes = self.attributes(bytes);
            if matches!(name.as_str(), "script" | "style") {
                self.skip_past(&format!("</{name}"));
            }
            return Some(Tag { name, attributes });
        }
    }
}

impl Tags<'_> {
    /// Reads attributes up to and past the tag's `>`.
    fn attributes(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        let mut attributes: Vec<(String, String)> = Vec::new();
        let at = |position: usize| bytes.get(position).copied();
        loop {
            while at(self.position).is_some_and(|b| b.is_ascii_whitespace() || b == b'/') {
                self.position += 1;
            }
            match at(self.position) {
                None => return attributes,
                Some(b'>') => {
                    self.position += 1;
                    return attributes;
                }
                Some(_) => {}
            }
            let name_start = self.position;
            while at(self.position)
                .is_some_and(|b| !(b.is_ascii_whitespace() || matches!(b, b'=' | b'>' | b'/')))
            {
                self.position += 1;
            }
            // A lone byte that starts no name (`=`): step over it.
            if self.position == name_start {
                self.position += 1;
                continue;
            }
            let name = self.html[name_start..self.position].to_ascii_lowercase();
            while at(self.position).is_some_and(|b| b.is_ascii_whitespace()) {
                self.position += 1;
            }
            let mut value = String::new();
            if at(self.position) == Some(b'=') {
                self.position += 1;
                while at(self.position).is_some_and(|b| b.is_ascii_whitespace()) {
                    self.position += 1;
                }
                let value_start;
                let value_end;
                match at(self.position) {
                    Some(quote @ (b'"' | b'\'')) => {
                        value_start = self.position + 1;
                        value_end = bytes[value_start..]
                            .iter()
                            .position(|b| *b == quote)
                            .map_or(bytes.len(), |offset| value_start + offset);
                        self.position = (value_end + 1).min(bytes.len());
                    }
                    _ => {
                        value_start = self.position;
                        while at(self.position)
                            .is_some_and(|b| !(b.is_ascii_whitespace() || b == b'>'))
                        {
                            self.position += 1;
                        }
                        value_end = self.position;
                    }
                }
                value = decode_entities(&self.html[value_start..value_end]);
            }
            if !attributes.iter().any(|(known, _)| *known == name) {
                attributes.push((name, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://blog.example.org/posts/hello.html";

    /// A feed expected in a page: URL, title, kind.
    type Expected<'a> = (&'a str, Option<&'a str>, FeedKind);

    /// The feeds found in `html` served from [`PAGE`], as (URL, title, kind).
    fn check(html: &str, expected: &[Expected<'_>]) {
        let page_url = Url::parse(PAGE).unwrap();
        let found: Vec<(String, Option<String>, FeedKind)> = feed_links(html, &page_url)
            .into_iter()
            .map(|feed| (feed.url.to_string(), feed.title, feed.kind))
            .collect();
        let expected: Vec<(String, Option<String>, FeedKind)> = expected
            .iter()
            .map(|(url, title, kind)| ((*url).to_string(), title.map(str::to_string), *kind))
            .collect();
        assert_eq!(found, expected, "for {html}");
    }

    #[test]
    fn alternate_links_are_found_whatever_the_spelling() {
        use FeedKind::{Atom, Json, Rss};
        let rows: &[(&str, &[Expected<'_>])] = &[
            // the usual
            (
                r#"<head><link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml"></head>"#,
                &[("https://blog.example.org/feed.xml", Some("Posts"), Rss)],
            ),
            // attribute order, single quotes, upper case, self-closing
            (
                "<LINK HREF='atom.xml' Type='Application/Atom+XML' REL='Alternate'/>",
                &[("https://blog.example.org/posts/atom.xml", None, Atom)],
            ),
            // unquoted values, extra rel tokens, a charset parameter
            (
                "<link rel=\"home alternate\" href=https://feeds.example.net/x?a=1&amp;b=2 \
                 type=\"application/rss+xml; charset=utf-8\">",
                &[("https://feeds.example.net/x?a=1&b=2", None, Rss)],
            ),
            // JSON Feed under both types; entities and whitespace in titles
            (
                "<link rel=alternate type=application/feed+json href=/feed.json \
                 title=\"Tom &amp; Jerry&#39;s\n  feed\">\
                 <link rel=alternate type=application/json href=//cdn.example.org/f.json>",
                &[
                    (
                        "https://blog.example.org/feed.json",
                        Some("Tom & Jerry's feed"),
                        Json,
                    ),
                    ("https://cdn.example.org/f.json", None, Json),
                ],
            ),
            // spaces around `=` and inside href
            (
                "<link rel = \"alternate\" type = \"application/rss+xml\" href = \"  /a b  \">",
                &[("https://blog.example.org/a%20b", None, Rss)],
            ),
            // several, duplicates once, in document order
            (
                r#"<link rel="alternate" type="application/atom+xml" href="/a">
                   <link rel="alternate" type="application/rss+xml" href="/r">
                   <link rel="alternate" type="application/rss+xml" href="https://blog.example.org/a">"#,
                &[
                    ("https://blog.example.org/a", None, Atom),
                    ("https://blog.example.org/r", None, Rss),
                ],
            ),
            // <base href> changes the base, itself resolved against the page
            (
                r#"<base href="/sub/"><link rel="alternate" type="application/rss+xml" href="rss">"#,
                &[("https://blog.example.org/sub/rss", None, Rss)],
            ),
        ];
        for (html, expected) in rows {
            check(html, expected);
        }
    }

    #[test]
    fn other_links_are_not_feeds() {
        let rows = [
            "<link rel=\"stylesheet\" type=\"text/css\" href=\"/s.css\">",
            "<link rel=\"alternate stylesheet\" type=\"text/css\" href=\"/s.css\">",
            "<link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\">",
            "<link rel=\"alternate\" type=\"text/html\" href=\"/m/\">",
            "<link rel=\"feed\" type=\"application/rss+xml\" href=\"/f\">",
            "<link rel=\"alternate\" type=\"application/rss+xml\">",
            "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"\">",
            "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"javascript:alert(1)\">",
            "<a rel=\"alternate\" type=\"application/rss+xml\" href=\"/a\">feed</a>",
            "<linkx rel=\"alternate\" type=\"application/rss+xml\" href=\"/a\">",
            // hidden in a comment, a script or a style
            "<!-- <link rel=\"alternate\" type=\"application/rss+xml\" href=\"/c\"> -->",
            "<script>var s = '<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/s\">';\
             </SCRIPT>",
            "<style>/* <link rel=alternate type=application/rss+xml href=/st> */</style>",
            // no HTML at all
            "",
            "plain text with a < b and <",
        ];
        for html in rows {
            check(html, &[]);
        }
    }

    #[test]
    fn a_link_after_a_script_is_found() {
        check(
            "<script>if (a < b) {}</script><link rel=alternate type=application/rss+xml href=/f>",
            &[("https://blog.example.org/f", None, FeedKind::Rss)],
        );
    }

    #[test]
    fn a_cut_off_page_does_not_panic() {
        let html = "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/f\">\
                    <link rel=\"alternate\" type=\"application/rss+xml\" href=\"/g";
        let page_url = Url::parse(PAGE).unwrap();
        for end in 0..=html.len() {
            let _ = feed_links(&html[..end], &page_url);
        }
        check(
            html,
            &[
                ("https://blog.example.org/f", None, FeedKind::Rss),
                ("https://blog.example.org/g", None, FeedKind::Rss),
            ],
        );
    }

    #[test]
    fn entities_decode_forgivingly() {
        let rows = [
            ("a &amp; b", "a & b"),
            ("&lt;&gt;&quot;&apos;", "<>\"'"),
            ("&#65;&#x42;&#X43;", "ABC"),
            ("x&nbsp;y", "x\u{A0}y"),
            ("Q&A", "Q&A"),
            ("a=1&b=2;c", "a=1&b=2;c"),
            ("&unknown;", "&unknown;"),
            ("&#0;&#xD800;", "&#0;&#xD800;"),
            ("&", "&"),
            ("é &amp;", "é &"),
        ];
        for (text, expected) in rows {
            assert_eq!(decode_entities(text), expected, "for {text:?}");
        }
    }
}
