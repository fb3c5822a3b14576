//! Feed documents to domain types: bytes and the final URL in, a [`ParsedFeed`] out.
//!
//! The only module that knows `feed_rs`: its types are converted here, at the edge, and never
//! leave. Around feed-rs this module rejects what is plainly not a feed (an empty body, an HTML
//! page) with [`ParseError::NotAFeed`], resolves links to absolute URLs, turns titles into
//! plain text and gives every entry frontpage's own key ([`crate::canon::entry_keys`]); it
//! never uses the random id feed-rs would invent for an entry without one. feed-rs does not
//! read FeedBurner's `<feedburner:origLink>`, so a small quick-xml pass over the same bytes
//! does (only in documents that declare the FeedBurner namespace).
//!
//! Pure: no I/O, no clock, no logging. Nothing here may panic, whatever the bytes: a document
//! feed-rs chokes on becomes an `Err`.

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Feed, FeedType, Link, LinkTarget};
use feed_rs::parser::{Builder, ParseErrorKind, ParseFeedError};
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use url::Url;

use crate::canon::{KeyParts, entry_keys};
use crate::model::{Engagement, EntryKey, ParsedEntry, ParsedFeed, Timestamp};

/// Why a document could not be parsed into a feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The body is not a feed at all: the URL probably serves something else now (a login
    /// page, a moved site), so retrying will not help until the URL is fixed.
    #[error("not a feed: {0}")]
    NotAFeed(NotAFeedReason),
    /// The body looks like a feed but cannot be read (bad XML or JSON, cut short, an
    /// unsupported version); the publisher may fix it, so a later fetch may succeed.
    #[error("malformed feed: {message}")]
    Malformed {
        /// What is wrong, one lowercase line.
        message: String,
    },
}

/// What a document that is not a feed turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAFeedReason {
    /// The body is empty or only whitespace.
    EmptyBody,
    /// The body is an HTML page.
    Html,
    /// The body is XML or JSON, but its root is not RSS, Atom, RDF or a JSON Feed.
    UnknownRoot,
}

impl std::fmt::Display for NotAFeedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NotAFeedReason::EmptyBody => "empty body",
            NotAFeedReason::Html => "the document is HTML",
            NotAFeedReason::UnknownRoot => "no RSS, Atom or JSON Feed root element",
        })
    }
}

/// Parses a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.x).
///
/// `body` is the raw bytes as received; `final_url` is the URL they came from after
/// redirects, against which relative links resolve (after any `xml:base`). Entries keep their
/// document order and get their keys from [`entry_keys`]. An item of a FeedBurner feed that
/// carries `<feedburner:origLink>` gets it as its link (its `<link>` is a `feedproxy`
/// redirect).
pub fn parse(body: &[u8], final_url: &Url) -> Result<ParsedFeed, ParseError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::NotAFeed(NotAFeedReason::EmptyBody));
    }
    if looks_like_html(body) {
        return Err(ParseError::NotAFeed(NotAFeedReason::Html));
    }

    let parser = Builder::new()
        .base_uri(Some(final_url.as_str()))
        // An entry without an id keeps an empty one, so it is recognisable (feed-rs would
        // otherwise hash its link or invent a random UUID).
        .id_generator(|_links, _title, _base| String::new())
        // Publishing sanitizes; content is stored as the feed wrote it.
        .sanitize_content(false)
        .build();
    // feed-rs has `unwrap`s on some input paths; a panic there is this document's failure,
    // not the run's.
    let feed = catch_unwind(AssertUnwindSafe(|| parser.parse(body)))
        .map_err(|_| ParseError::Malformed {
            message: "the feed parser crashed on this document".to_owned(),
        })?
        .map_err(convert_error)?;
    let item_element: &[u8] = match feed.feed_type {
        FeedType::Atom => b"entry",
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => b"item",
        FeedType::JSON => b"",
    };
    // Matched to feed-rs's entries by position, so only used when the counts agree.
    let orig_links = feedburner_orig_links(body, item_element)
        .filter(|links| links.len() == feed.entries.len())
        .unwrap_or_default();
    Ok(convert_feed(feed, final_url, &orig_links))
}

/// FeedBurner's extension namespace, which holds `origLink`.
const FEEDBURNER_NAMESPACE: &[u8] = b"http://rssnamespace.org/feedburner/ext/1.0";

/// The `<feedburner:origLink>` of every item (`item_element`: `item` or `entry`) in document
/// order, None for an item without one; None altogether when the document does not declare
/// the FeedBurner namespace, is not XML, or cannot be read to its end.
fn feedburner_orig_links(body: &[u8], item_element: &[u8]) -> Option<Vec<Option<String>>> {
    if item_element.is_empty() || find(body, FEEDBURNER_NAMESPACE).is_none() {
        return None;
    }
    let mut reader = NsReader::from_reader(body);
    // feed-rs has already accepted the document; be as lenient about end tags here.
    reader.config_mut().check_end_names = false;

    let mut links: Vec<Option<String>> = Vec::new();
    // Element depth, the depth of the item being read, and the origLink text being read.
    let mut depth: usize = 0;
    let mut item_depth: Option<usize> = None;
    let mut orig_link: Option<String> = None;
    loop {
        let (namespace, event) = reader.read_resolved_event().ok()?;
        let is_orig_link = matches!(
            namespace,
            ResolveResult::Bound(Namespace(uri)) if uri == FEEDBURNER_NAMESPACE
        );
        match event {
            Event::Start(start) => {
                depth += 1;
                let name = start.local_name();
                if item_depth.is_none() && name.as_ref() == item_element {
                    item_depth = Some(depth);
                    links.push(None);
                } else if item_depth.is_some() && is_orig_link && name.as_ref() == b"origLink" {
                    orig_link = Some(String::new());
                }
            }
            Event::Empty(start)
                if item_depth.is_none() && start.local_name().as_ref() == item_element =>
            {
                links.push(None);
            }
            Event::End(_) => {
                if let Some(text) = orig_link.take() {
                    let text = text.trim();
                    if let Some(slot) = links.last_mut()
                        && slot.is_none()
                        && !text.is_empty()
                    {
                        *slot = Some(text.to_owned());
                    }
                }
                if item_depth == Some(depth) {
                    item_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) => {
                if let Some(orig_link) = orig_link.as_mut() {
                    orig_link.push_str(&text.decode().ok()?);
                }
            }
            Event::CData(text) => {
                if let Some(orig_link) = orig_link.as_mut() {
                    orig_link.push_str(&text.decode().ok()?);
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(orig_link) = orig_link.as_mut() {
                    let character = match reference.resolve_char_ref().ok()? {
                        Some(character) => character,
                        None => match &*reference {
                            b"amp" => '&',
                            b"lt" => '<',
                            b"gt" => '>',
                            b"quot" => '"',
                            b"apos" => '\'',
                            // an entity no URL needs: this origLink is unusable
                            _ => return None,
                        },
                    };
                    orig_link.push(character);
                }
            }
            Event::Eof => return Some(links),
            _ => {}
        }
    }
}

/// Whether the document starts (after an XML declaration, comments and whitespace) with an
/// HTML doctype or an `<html>` element.
fn looks_like_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4096)];
    let mut rest = head.trim_ascii_start();
    loop {
        if rest.starts_with(b"<?") {
            match find(rest, b"?>") {
                Some(end) => rest = rest[end + 2..].trim_ascii_start(),
                None => return false,
            }
        } else if rest.starts_with(b"<!--") {
            match find(rest, b"-->") {
                Some(end) => rest = rest[end + 3..].trim_ascii_start(),
                None => return false,
            }
        } else {
            break;
        }
    }
    starts_with_ignore_case(rest, b"<!doctype html") || starts_with_ignore_case(rest, b"<html")
}

/// The position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Whether `bytes` starts with `prefix`, ASCII case-insensitively.
fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// Maps a feed-rs error to what a caller can act on, as one lowercase line.
fn convert_error(error: ParseFeedError) -> ParseError {
    let message = match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            return ParseError::NotAFeed(NotAFeedReason::UnknownRoot);
        }
        ParseFeedError::ParseError(kind) => kind.to_string(),
        ParseFeedError::IoError(error) => format!("cannot read the document: {error}"),
        ParseFeedError::JsonSerde(error) => format!("invalid JSON: {error}"),
        ParseFeedError::JsonUnsupportedVersion(version) => {
            format!("unsupported JSON Feed version {version:?}")
        }
        ParseFeedError::XmlReader(error) => {
            let error = error.to_string();
            // feed-rs prefixes quick-xml's own message with "Parser error: "
            let error = error.strip_prefix("Parser error: ").unwrap_or(&error);
            format!("invalid XML: {}", one_lowercase_line(error))
        }
    };
    ParseError::Malformed {
        message: one_lowercase_line(&message),
    }
}

/// The message on one line, starting lowercase (feed-rs capitalises some of its messages).
fn one_lowercase_line(message: &str) -> String {
    let line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = line.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => line,
    }
}

/// Converts a feed-rs feed to frontpage's model. `orig_links` holds each entry's FeedBurner
/// origLink, by position (empty when the feed has none).
fn convert_feed(feed: Feed, final_url: &Url, orig_links: &[Option<String>]) -> ParsedFeed {
    // Atom and JSON Feed say when a text is plain; RSS descriptions are HTML in practice
    // whatever feed-rs labels them.
    let plain_is_text = matches!(feed.feed_type, FeedType::Atom | FeedType::JSON);
    // In RSS 0.9x/2.0 a guid is a permalink unless it says otherwise (feed-rs does not say).
    let guid_is_permalink = matches!(feed.feed_type, FeedType::RSS0 | FeedType::RSS2);
    let site_link = feed
        .links
        .iter()
        .filter(|link| is_alternate(link))
        .filter_map(|link| absolute_http_url(&link.href, final_url))
        .find(|url| url != final_url);

    let mut entries: Vec<ParsedEntry> = feed
        .entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let orig_link = orig_links.get(index).and_then(Option::as_deref);
            convert_entry(
                entry,
                final_url,
                orig_link,
                plain_is_text,
                guid_is_permalink,
            )
        })
        .collect();
    let parts: Vec<KeyParts> = entries
        .iter()
        .map(|entry| KeyParts {
            guid: entry.guid.as_deref(),
            link: entry.link.as_ref(),
            title: entry.title.as_deref(),
            published: entry.published,
            content: entry.content.as_deref().or(entry.summary.as_deref()),
        })
        .collect();
    let keys = entry_keys(&parts);
    for (entry, key) in entries.iter_mut().zip(keys) {
        entry.key = key;
    }

    ParsedFeed {
        title: feed
            .title
            .as_ref()
            .and_then(|title| plain_text(&title.content)),
        site_link,
        ttl_minutes: feed.ttl,
        entries,
    }
}

/// Converts one entry; its key is filled in afterwards, from all entries of the document.
///
/// `orig_link`: the entry's `<feedburner:origLink>`, which wins over its `<link>`.
/// `plain_is_text`: a text/plain summary or content is escaped into HTML (Atom, JSON Feed).
/// `guid_is_permalink`: an entry without a link uses its guid when that is an http(s) URL.
fn convert_entry(
    entry: &Entry,
    final_url: &Url,
    orig_link: Option<&str>,
    plain_is_text: bool,
    guid_is_permalink: bool,
) -> ParsedEntry {
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);

    let page_links = || entry.links.iter().filter(|link| link.target.is_none());
    let link = orig_link
        .and_then(|orig_link| absolute_http_url(orig_link, final_url))
        .or_else(|| {
            page_links()
                .filter(|link| link.rel.as_deref() == Some("alternate"))
                .chain(page_links().filter(|link| is_alternate(link)))
                .find_map(|link| absolute_http_url(&link.href, final_url))
        })
        .or_else(|| {
            let guid = guid.as_deref().filter(|_| guid_is_permalink)?;
            Url::parse(guid)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https"))
        });

    let comments = entry
        .links
        .iter()
        .filter(|link| {
            link.target == Some(LinkTarget::Comments)
                || (link.rel.as_deref() == Some("replies")
                    && link.media_type.as_deref() == Some("text/html"))
        })
        .find_map(|link| absolute_http_url(&link.href, final_url));

    let summary = entry.summary.as_ref().and_then(|summary| {
        as_html(
            &summary.content,
            summary.content_type.as_str(),
            plain_is_text,
        )
    });
    let content = entry.content.as_ref().and_then(|content| {
        let body = content.body.as_deref()?;
        as_html(body, content.content_type.as_str(), plain_is_text)
    });

    let mut author_names: Vec<&str> = Vec::new();
    for name in entry
        .authors
        .iter()
        .filter_map(|person| person.name.as_deref())
    {
        let name = name.trim();
        if !name.is_empty() && !author_names.contains(&name) {
            author_names.push(name);
        }
    }
    let author = Some(author_names.join(", ")).filter(|author| !author.is_empty());

    let mut seen = HashSet::new();
    let categories = entry
        .categories
        .iter()
        .map(|category| category.term.trim())
        .filter(|term| !term.is_empty() && seen.insert(*term))
        .map(str::to_owned)
        .collect();

    let published = entry.published.or(entry.updated);
    let updated = entry.updated.or(entry.published);

    ParsedEntry {
        key: EntryKey(String::new()),
        guid,
        link,
        title: entry
            .title
            .as_ref()
            .and_then(|title| plain_text(&title.content)),
        summary,
        content,
        author,
        published: published.map(|time| Timestamp::from_unix(time.timestamp())),
        updated: updated.map(|time| Timestamp::from_unix(time.timestamp())),
        comments,
        categories,
        engagement: Engagement::default(),
    }
}

/// Whether a link points at a page about the feed or entry (`rel` absent or `alternate`),
/// rather than at the feed itself, a hub, an enclosure or similar.
fn is_alternate(link: &Link) -> bool {
    matches!(link.rel.as_deref(), None | Some("alternate"))
}

/// The link as an absolute http(s) URL, resolved against the final feed URL (feed-rs has
/// already applied `xml:base` in XML documents; JSON Feed links come through as written).
fn absolute_http_url(href: &str, final_url: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = final_url.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A summary or content body as HTML: HTML stays as written, plain text (in Atom and JSON
/// Feed, which say so) is escaped; empty bodies and non-text media are None.
fn as_html(body: &str, media_type: &str, plain_is_text: bool) -> Option<String> {
    let body = body.trim();
    if body.is_empty() {
        return None;
    }
    let media_type = media_type.to_ascii_lowercase();
    if media_type.starts_with("text/plain") {
        return Some(if plain_is_text {
            escape_html(body)
        } else {
            body.to_owned()
        });
    }
    let is_html = media_type.starts_with("text/html")
        || media_type.starts_with("application/xhtml+xml")
        || media_type.starts_with("text/xml");
    is_html.then(|| body.to_owned())
}

/// Plain text escaped for HTML.
fn escape_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            _ => html.push(c),
        }
    }
    html
}

/// A title as plain text: tags stripped, common entities decoded, whitespace collapsed; None
/// when nothing is left.
fn plain_text(text: &str) -> Option<String> {
    let text = decode_entities(&strip_tags(text));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(text).filter(|text| !text.is_empty())
}

/// Elements whose tags separate words (`a<br>b` reads "a b"); inline tags join (`a<b>b</b>`).
const BLOCK_TAGS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "hr",
    "table",
    "section",
    "article",
];

/// The text without HTML tags and comments. A `<` that does not open a tag (`a < b`) stays,
/// and so does one that is never closed.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tag = &rest[start..];
        let opens_tag = tag[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        let end = if tag.starts_with("<!--") {
            match tag.find("-->") {
                Some(end) => Some(end + 3),
                // an unterminated comment runs to the end, as in a browser
                None => return text,
            }
        } else if opens_tag {
            match tag.find('>') {
                Some(end) => Some(end + 1),
                // no '>' anywhere after: the rest is text (and the scan stays linear)
                None => {
                    text.push_str(tag);
                    return text;
                }
            }
        } else {
            None
        };
        match end {
            Some(end) => {
                let name: String = tag[1..end]
                    .trim_start_matches('/')
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase();
                if BLOCK_TAGS.contains(&name.as_str()) {
                    text.push(' ');
                }
                rest = &tag[end..];
            }
            None => {
                text.push('<');
                rest = &tag[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

/// Named entities decoded in titles: XML's five and the ones feeds commonly use.
const NAMED_ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("bull", '•'),
    ("middot", '·'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("euro", '€'),
    ("pound", '£'),
    ("times", '×'),
];

/// The text with numeric (`&#8217;`, `&#x2019;`) and common named entities decoded once.
/// Anything else that starts with `&` stays as written.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        let candidate = &rest[start + 1..];
        let entity = candidate
            .bytes()
            .take(33)
            .position(|byte| byte == b';')
            .and_then(|end| Some((decode_entity(&candidate[..end])?, end)));
        match entity {
            Some((c, end)) => {
                decoded.push(c);
                rest = &candidate[end + 1..];
            }
            None => {
                decoded.push('&');
                rest = candidate;
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The character an entity name (between `&` and `;`) stands for.
fn decode_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return match code {
            0 => Some('\u{fffd}'),
            _ => char::from_u32(code),
        };
    }
    NAMED_ENTITIES
        .iter()
        .find(|(entity, _)| *entity == name)
        .map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {full}: {error}"))
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|error| panic!("bad test URL {text}: {error}"))
    }

    fn parse_fixture(path: &str, final_url: &str) -> ParsedFeed {
        parse(&fixture(path), &url(final_url))
            .unwrap_or_else(|error| panic!("{path} should parse: {error}"))
    }

    fn time(rfc3339: &str) -> Option<Timestamp> {
        Some(Timestamp::parse_rfc3339(rfc3339).unwrap_or_else(|| panic!("bad test time {rfc3339}")))
    }

    /// What a test expects of one entry; None fields are not checked.
    #[derive(Default)]
    struct Expected<'a> {
        title: Option<&'a str>,
        link: Option<&'a str>,
        published: Option<&'a str>,
    }

    fn check(feed: &ParsedFeed, expected: &[Expected]) {
        assert_eq!(feed.entries.len(), expected.len(), "number of entries");
        for (index, (entry, want)) in feed.entries.iter().zip(expected).enumerate() {
            if let Some(title) = want.title {
                assert_eq!(
                    entry.title.as_deref(),
                    Some(title),
                    "title of entry {index}"
                );
            }
            if let Some(link) = want.link {
                assert_eq!(
                    entry.link.as_ref().map(Url::as_str),
                    Some(link),
                    "link of entry {index}"
                );
            }
            if let Some(published) = want.published {
                assert_eq!(entry.published, time(published), "date of entry {index}");
            }
        }
    }

    #[test]
    fn rss2_krebs() {
        let feed = parse_fixture("rss2/krebs.xml", "https://krebsonsecurity.com/feed/");
        assert_eq!(feed.title.as_deref(), Some("Krebs on Security"));
        assert_eq!(
            feed.site_link.as_ref().map(Url::as_str),
            Some("https://krebsonsecurity.com/")
        );
        assert_eq!(feed.ttl_minutes, Some(60));
        check(
            &feed,
            &[
                Expected {
                    title: Some("Telegram Bot Tokens Leak From Kaspersky-Branded Phishing Kit"),
                    link: Some(
                        "https://krebsonsecurity.com/2026/11/telegram-bot-tokens-leak-from-kaspersky-branded-phishing-kit/",
                    ),
                    published: Some("2026-11-26T14:05:11Z"),
                },
                Expected {
                    // a numeric entity inside CDATA is decoded in the plain-text title
                    title: Some("Microsoft Patch Tuesday – November 2026 Edition"),
                    published: Some("2026-11-24T19:30:00Z"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Who’s Behind the ‘Quiet Harbor’ SIM-Swapping Crew?"),
                    published: Some("2026-11-21T16:12:45Z"),
                    ..Expected::default()
                },
                Expected {
                    published: Some("2026-11-20T13:40:02Z"),
                    ..Expected::default()
                },
            ],
        );

        let first = &feed.entries[0];
        assert_eq!(
            first.guid.as_deref(),
            Some("https://krebsonsecurity.com/?p=70412")
        );
        assert_eq!(first.key.as_str(), "g:krebsonsecurity.com/?p=70412");
        assert_eq!(first.author.as_deref(), Some("BrianKrebs"));
        // duplicate "Telegram" dropped, file order kept
        assert_eq!(
            first.categories,
            ["Latest Warnings", "Telegram", "Kaspersky"]
        );
        assert_eq!(
            first.comments.as_ref().map(Url::as_str),
            Some(
                "https://krebsonsecurity.com/2026/11/telegram-bot-tokens-leak-from-kaspersky-branded-phishing-kit/#comments"
            )
        );
        assert_eq!(first.updated, first.published);
        let summary = first.summary.as_deref().unwrap_or_default();
        assert!(summary.starts_with("<p>A phishing kit"), "{summary}");
        let content = first.content.as_deref().unwrap_or_default();
        assert!(content.contains("11,000 messages"), "{content}");
        // a blank category is dropped
        assert_eq!(feed.entries[3].categories, ["Data Breaches"]);
    }

    #[test]
    fn rss2_entries_without_guids_keep_distinct_stable_keys() {
        let final_url = "https://patchnotes.example.net/feed.xml";
        let feed = parse_fixture("rss2/no-guids.xml", final_url);
        check(
            &feed,
            &[
                Expected {
                    title: Some("OpenSSH 10.3 fixes a pre-auth memory leak"),
                    link: Some("https://patchnotes.example.net/2026/11/openssh-10-3"),
                    published: Some("2026-11-27T07:45:00Z"),
                },
                Expected {
                    title: Some("curl 9.1 ships with HTTP/3 on by default"),
                    ..Expected::default()
                },
                Expected::default(),
                Expected {
                    title: Some("Firefox 152 patches two sandbox escapes"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Thunderbird 152 follows with the same fixes"),
                    ..Expected::default()
                },
            ],
        );
        let keys: Vec<&str> = feed
            .entries
            .iter()
            .map(|entry| entry.key.as_str())
            .collect();
        assert_eq!(keys[0], "l:patchnotes.example.net/2026/11/openssh-10-3");
        // the entry with only a description is keyed by its content
        let bare = &feed.entries[2];
        assert_eq!(
            (bare.guid.as_ref(), bare.link.as_ref(), bare.title.as_ref()),
            (None, None, None)
        );
        assert!(keys[2].starts_with("c:"), "{}", keys[2]);
        // "N/A" is kept as the guid but does not collapse the two entries
        assert_eq!(feed.entries[3].guid.as_deref(), Some("N/A"));
        assert_eq!(keys[3], "l:patchnotes.example.net/2026/11/firefox-152");
        assert_eq!(keys[4], "l:patchnotes.example.net/2026/11/thunderbird-152");
        let distinct: HashSet<&str> = keys.iter().copied().collect();
        assert_eq!(distinct.len(), keys.len(), "keys are distinct: {keys:?}");

        // a second parse gives the same keys (no random ids)
        let again = parse_fixture("rss2/no-guids.xml", final_url);
        let keys_again: Vec<&str> = again
            .entries
            .iter()
            .map(|entry| entry.key.as_str())
            .collect();
        assert_eq!(keys, keys_again);
    }

    #[test]
    fn rss091_scripting() {
        let feed = parse_fixture("rss091/scripting.xml", "http://scripting.com/rss.xml");
        assert_eq!(feed.title.as_deref(), Some("Scripting News"));
        assert_eq!(
            feed.site_link.as_ref().map(Url::as_str),
            Some("http://scripting.com/")
        );
        check(
            &feed,
            &[
                Expected {
                    title: Some("Feeds still work"),
                    link: Some("http://scripting.com/2026/11/26.html#a150000"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Thanksgiving reading list"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Why I like simple formats"),
                    ..Expected::default()
                },
            ],
        );
        // RSS 0.91 items carry no dates and no guids
        assert!(feed.entries.iter().all(|entry| entry.published.is_none()));
        assert_eq!(
            feed.entries[0].key.as_str(),
            "l:scripting.com/2026/11/26.html"
        );
        // RSS descriptions are HTML as written, not escaped
        let summary = feed.entries[1].summary.as_deref().unwrap_or_default();
        assert!(summary.contains("<a href="), "{summary}");
    }

    #[test]
    fn rdf_slashdot() {
        let feed = parse_fixture(
            "rdf/slashdot.xml",
            "https://rss.slashdot.org/Slashdot/slashdotMain",
        );
        assert_eq!(feed.title.as_deref(), Some("Slashdot"));
        assert_eq!(
            feed.site_link.as_ref().map(Url::as_str),
            Some("https://slashdot.org/")
        );
        check(
            &feed,
            &[
                Expected {
                    title: Some(
                        "Kaspersky Warns of Fake License Renewal Pages That Feed Telegram Bots",
                    ),
                    link: Some(
                        "https://it.slashdot.org/story/26/11/26/1812245/kaspersky-warns-of-fake-license-renewal-pages-that-feed-telegram-bots?utm_source=rss1.0mainlinkanon&utm_medium=feed",
                    ),
                    published: Some("2026-11-26T20:14:09Z"),
                },
                Expected {
                    published: Some("2026-11-25T02:31:00Z"),
                    ..Expected::default()
                },
                Expected {
                    published: Some("2026-11-23T15:44:00Z"),
                    ..Expected::default()
                },
                Expected {
                    published: Some("2026-11-21T22:49:00Z"),
                    ..Expected::default()
                },
            ],
        );
        let first = &feed.entries[0];
        assert_eq!(first.author.as_deref(), Some("BeauHD"));
        // the tracking parameters are gone from the key
        assert_eq!(
            first.key.as_str(),
            "l:it.slashdot.org/story/26/11/26/1812245/kaspersky-warns-of-fake-license-renewal-pages-that-feed-telegram-bots"
        );
    }

    #[test]
    fn atom_schneier_resolves_relative_links() {
        let feed = parse_fixture("atom/schneier.xml", "https://www.schneier.com/feed/atom/");
        assert_eq!(feed.title.as_deref(), Some("Schneier on Security"));
        assert_eq!(
            feed.site_link.as_ref().map(Url::as_str),
            Some("https://www.schneier.com/")
        );
        assert_eq!(feed.ttl_minutes, None);
        check(
            &feed,
            &[
                Expected {
                    // type="html" title: the entity is decoded
                    title: Some("Friday Squid Blogging: Squid Skin & Adaptive Camouflage"),
                    // relative to the final feed URL
                    link: Some(
                        "https://www.schneier.com/blog/archives/2026/11/friday-squid-blogging-squid-skin-adaptive-camouflage.html",
                    ),
                    published: Some("2026-11-27T22:01:12Z"),
                },
                Expected {
                    title: Some("Telegram Bots as Command-and-Control"),
                    // relative to the entry's xml:base
                    link: Some(
                        "https://www.schneier.com/blog/archives/2026/11/telegram-bots-as-command-and-control.html",
                    ),
                    published: Some("2026-11-25T11:02:44Z"),
                },
                Expected {
                    title: Some("AI Agents and the Confused Deputy Problem"),
                    link: Some(
                        "https://www.schneier.com/blog/archives/2026/11/ai-agents-and-the-confused-deputy-problem.html",
                    ),
                    // no <published>: the update time stands in
                    published: Some("2026-11-23T12:00:00Z"),
                },
            ],
        );
        let first = &feed.entries[0];
        assert_eq!(first.author.as_deref(), Some("Bruce Schneier"));
        assert_eq!(first.updated, time("2026-11-27T22:03:51Z"));
        assert_eq!(first.categories, ["squid", "Uncategorized"]);
        assert_eq!(first.key.as_str(), "g:www.schneier.com/?p=69871");
        assert!(
            first
                .content
                .as_deref()
                .unwrap_or_default()
                .contains("<a href=\"https://example.edu/squid-skin\">"),
        );
        let second = &feed.entries[1];
        assert_eq!(
            second.comments.as_ref().map(Url::as_str),
            Some(
                "https://www.schneier.com/blog/archives/2026/11/telegram-bots-as-command-and-control.html#comments"
            )
        );
        let third = &feed.entries[2];
        assert_eq!(
            third.author.as_deref(),
            Some("Bruce Schneier, Guest Author")
        );
        // a type="text" summary is escaped into HTML
        assert_eq!(
            third.summary.as_deref(),
            Some(
                "An agent that acts with your authority can be tricked into acting against you. This is an old problem in a new costume &amp; we should treat it that way."
            )
        );
    }

    #[test]
    fn json_feed() {
        let feed = parse_fixture("json/feed.json", "https://example-json.org/feed.json");
        assert_eq!(feed.title.as_deref(), Some("Example JSON Security Links"));
        assert_eq!(
            feed.site_link.as_ref().map(Url::as_str),
            Some("https://example-json.org/")
        );
        check(
            &feed,
            &[
                Expected {
                    title: Some(
                        "Krebs: Telegram bot tokens leak from a Kaspersky-branded phishing kit",
                    ),
                    link: Some(
                        "https://krebsonsecurity.com/2026/11/telegram-bot-tokens-leak-from-kaspersky-branded-phishing-kit/?utm_source=rss",
                    ),
                    published: Some("2026-11-26T16:20:00Z"),
                },
                Expected {
                    title: Some("Passkeys everywhere, finally?"),
                    // +01:00 offset converted to UTC
                    published: Some("2026-11-24T08:15:00Z"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Weekend reading"),
                    // a relative url resolves against the final URL
                    link: Some("https://example-json.org/links/2026/11/22/weekend-reading"),
                    published: Some("2026-11-22T08:00:00Z"),
                },
            ],
        );
        let first = &feed.entries[0];
        assert_eq!(first.author.as_deref(), Some("Ada Example"));
        assert_eq!(first.categories, ["telegram", "phishing", "kaspersky"]);
        assert_eq!(
            first.summary.as_deref(),
            Some("A phishing kit posts stolen passwords to a Telegram bot, token included.")
        );
        assert_eq!(feed.entries[1].updated, time("2026-11-24T17:00:00Z"));
        let third = &feed.entries[2];
        assert_eq!(third.author.as_deref(), Some("Grace Example, Ada Example"));
        assert_eq!(third.categories, ["reading"]);
        assert_eq!(
            third.content.as_deref(),
            Some("Five long reads about incident response, chosen by readers.")
        );
    }

    #[test]
    fn the_same_story_in_two_fixtures_has_one_canonical_link() {
        let krebs = parse_fixture("rss2/krebs.xml", "https://krebsonsecurity.com/feed/");
        let json = parse_fixture("json/feed.json", "https://example-json.org/feed.json");
        let canonical = |feed: &ParsedFeed| {
            feed.entries[0]
                .link
                .as_ref()
                .map(crate::canon::canonical_link)
        };
        assert_eq!(canonical(&krebs), canonical(&json));
        assert!(canonical(&krebs).is_some());
    }

    #[test]
    fn feedburner_orig_link_is_the_link() {
        let feed = parse_fixture(
            "rss2/feedburner.xml",
            "https://feeds.feedburner.com/ExampleEngineering",
        );
        assert_eq!(feed.title.as_deref(), Some("Example Engineering Blog"));
        check(
            &feed,
            &[
                Expected {
                    title: Some("Zero-downtime schema migrations, three years in"),
                    // the origLink, not the feedproxy redirect in <link>
                    link: Some(
                        "https://engineering.example.org/2026/11/24/zero-downtime-migrations/",
                    ),
                    published: Some("2026-11-24T09:00:00Z"),
                },
                Expected {
                    title: Some("Our flaky-test quarantine, by the numbers"),
                    // `&amp;` decoded
                    link: Some(
                        "https://engineering.example.org/2026/11/20/flaky-test-quarantine/?utm_source=feedburner&utm_medium=feed",
                    ),
                    published: Some("2026-11-20T15:30:00Z"),
                },
            ],
        );
        assert_eq!(
            feed.entries[0].key.as_str(),
            "g:engineering.example.org/?p=1841"
        );
        let canonical = feed.entries[1]
            .link
            .as_ref()
            .map(crate::canon::canonical_link);
        assert_eq!(
            canonical.as_deref(),
            Some("engineering.example.org/2026/11/20/flaky-test-quarantine")
        );
    }

    /// The links of the entries of an inline document.
    fn links_of(body: &str) -> Vec<Option<String>> {
        parse(body.as_bytes(), &url("https://feeds.feedburner.com/x"))
            .unwrap_or_else(|error| panic!("should parse: {error}"))
            .entries
            .into_iter()
            .map(|entry| entry.link.map(String::from))
            .collect()
    }

    #[test]
    fn feedburner_orig_link_per_item() {
        // any prefix bound to the namespace; an item without origLink keeps its link; an
        // origLink that is no http(s) URL is ignored; CDATA is read
        let body = r#"<rss version="2.0" xmlns:fb="http://rssnamespace.org/feedburner/ext/1.0" xmlns:other="urn:other"><channel><title>t</title>
            <item><title>a</title><link>http://feedproxy.google.com/~r/x/~3/a/</link><fb:origLink> https://example.com/a </fb:origLink></item>
            <item><title>b</title><link>https://example.com/b</link></item>
            <item><title>c</title><link>http://feedproxy.google.com/~r/x/~3/c/</link><fb:origLink>javascript:alert(1)</fb:origLink></item>
            <item><title>d</title><link>http://feedproxy.google.com/~r/x/~3/d/</link><other:origLink>https://example.com/wrong</other:origLink></item>
            <item><title>e</title><link>http://feedproxy.google.com/~r/x/~3/e/</link><fb:origLink><![CDATA[https://example.com/e?x=1&y=2]]></fb:origLink></item>
            </channel></rss>"#;
        let some = |link: &str| Some(link.to_owned());
        assert_eq!(
            links_of(body),
            [
                some("https://example.com/a"),
                some("https://example.com/b"),
                some("http://feedproxy.google.com/~r/x/~3/c/"),
                some("http://feedproxy.google.com/~r/x/~3/d/"),
                some("https://example.com/e?x=1&y=2"),
            ]
        );

        // FeedBurner's Atom feeds carry it per entry
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><title>t</title><id>urn:x</id><updated>2026-11-24T09:00:00Z</updated>
            <entry><title>a</title><id>tag:example.com,2026:a</id><updated>2026-11-24T09:00:00Z</updated><link rel="alternate" href="http://feedproxy.google.com/~r/x/~3/a/"/><feedburner:origLink>https://example.com/a</feedburner:origLink></entry>
            <entry><title>b</title><id>tag:example.com,2026:b</id><updated>2026-11-24T09:00:00Z</updated><link rel="alternate" href="https://example.com/b"/></entry>
            </feed>"#;
        assert_eq!(
            links_of(atom),
            [
                Some("https://example.com/a".to_owned()),
                Some("https://example.com/b".to_owned()),
            ]
        );

        // without the namespace declared, nothing is read
        let undeclared = r#"<rss version="2.0"><channel><title>t</title>
            <item><title>a</title><link>https://example.com/a</link><origLink>https://example.com/wrong</origLink></item>
            </channel></rss>"#;
        assert_eq!(
            links_of(undeclared),
            [Some("https://example.com/a".to_owned())]
        );
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let result = parse(
            &fixture("broken/html-page.html"),
            &url("https://krebsonsecurity.com/feed/"),
        );
        assert_eq!(result, Err(ParseError::NotAFeed(NotAFeedReason::Html)));
        let message = result.err().map(|error| error.to_string());
        assert_eq!(message.as_deref(), Some("not a feed: the document is HTML"));
    }

    #[test]
    fn empty_body_is_not_a_feed() {
        let final_url = url("https://example.com/feed");
        let empty = Err(ParseError::NotAFeed(NotAFeedReason::EmptyBody));
        assert_eq!(parse(&fixture("broken/empty.xml"), &final_url), empty);
        assert_eq!(parse(b" \r\n\t ", &final_url), empty);
        assert_eq!(parse(b"\xEF\xBB\xBF\n", &final_url), empty);
        assert_eq!(
            empty.err().map(|error| error.to_string()).as_deref(),
            Some("not a feed: empty body")
        );
    }

    #[test]
    fn truncated_xml_is_malformed() {
        let result = parse(
            &fixture("broken/truncated.xml"),
            &url("https://krebsonsecurity.com/feed/"),
        );
        match result {
            Err(ParseError::Malformed { message }) => {
                assert!(message.starts_with("invalid XML: "), "{message}");
                assert!(!message.contains('\n'), "{message}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn other_documents_are_not_feeds() {
        let final_url = url("https://example.com/feed");
        let cases: &[(&[u8], &str)] = &[
            // an XML document that is no feed
            (
                b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                "svg",
            ),
            // HTML after an XML declaration and a comment (XHTML)
            (
                b"<?xml version=\"1.0\"?>\n<!-- hi -->\n<HTML><body/></HTML>",
                "xhtml",
            ),
            // plain text
            (b"Service Unavailable", "text"),
        ];
        for (body, reason) in cases {
            assert!(
                matches!(parse(body, &final_url), Err(ParseError::NotAFeed(_))),
                "{reason}"
            );
        }
    }

    #[test]
    fn rss_guid_stands_in_for_a_missing_link() {
        let body = br#"<rss version="2.0"><channel><title>t</title>
            <item><title>permalink guid</title><guid>https://example.com/a</guid></item>
            <item><title>opaque guid</title><guid>tag:example.com,2026:b</guid></item>
            <item><title>both</title><link>https://example.com/c</link><guid>https://example.com/?p=3</guid></item>
            </channel></rss>"#;
        let feed = parse(body, &url("https://example.com/feed"));
        let links: Vec<Option<String>> = feed
            .map(|feed| feed.entries)
            .unwrap_or_default()
            .into_iter()
            .map(|entry| entry.link.map(String::from))
            .collect();
        assert_eq!(
            links,
            [
                Some("https://example.com/a".to_owned()),
                None,
                Some("https://example.com/c".to_owned())
            ]
        );
    }

    #[test]
    fn a_bom_is_skipped() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend(fixture("rss2/krebs.xml"));
        let feed = parse(&body, &url("https://krebsonsecurity.com/feed/"));
        assert_eq!(feed.map(|feed| feed.entries.len()), Ok(4));
    }

    /// A deterministic byte generator (xorshift), so the garbage is the same on every run.
    fn garbage(seed: u64, len: usize) -> Vec<u8> {
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn random_garbage_is_an_error() {
        let final_url = url("https://example.com/feed");
        for seed in 1..200_u64 {
            let mut body = garbage(seed, 64 + (seed as usize * 37) % 2000);
            // half of them look like XML or JSON at first sight
            match seed % 4 {
                0 => body.insert(0, b'<'),
                1 => body.insert(0, b'{'),
                _ => {}
            }
            assert!(parse(&body, &final_url).is_err(), "seed {seed}");
        }
    }

    #[test]
    fn truncating_any_fixture_never_panics() {
        let fixtures = [
            "rss2/krebs.xml",
            "rss2/no-guids.xml",
            "rss2/feedburner.xml",
            "rss091/scripting.xml",
            "rdf/slashdot.xml",
            "atom/schneier.xml",
            "json/feed.json",
        ];
        let final_url = url("https://example.com/feed");
        for path in fixtures {
            let body = fixture(path);
            for cut in (0..body.len()).step_by(13) {
                // the result does not matter, only that there is one
                let _ = parse(&body[..cut], &final_url);
            }
        }
    }

    #[test]
    fn feed_rs_panics_become_errors() {
        // feed-rs parses an over-long itunes:duration with `unwrap`
        let body = br#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>t</title><item><title>a</title><itunes:duration>99999999999999999999999:00:00</itunes:duration></item></channel></rss>"#;
        // (the default panic hook still prints the panic to stderr)
        let result = parse(body, &url("https://example.com/feed"));
        let crashed = ParseError::Malformed {
            message: "the feed parser crashed on this document".to_owned(),
        };
        assert_eq!(result, Err(crashed));
    }

    fn check_plain(input: &str, expected: Option<&str>) {
        assert_eq!(
            plain_text(input).as_deref(),
            expected,
            "plain_text({input:?})"
        );
    }

    #[test]
    fn plain_text_table() {
        let rows: &[(&str, Option<&str>)] = &[
            // inline tags vanish without a space
            ("<b>Bold</b>face", Some("Boldface")),
            // block tags separate words
            ("one<br>two<p>three</p>", Some("one two three")),
            // entities decoded once
            ("Tom &amp; Jerry", Some("Tom & Jerry")),
            ("&amp;lt;b&amp;gt;", Some("&lt;b&gt;")),
            ("It&#8217;s &#x201C;fine&#x201d;", Some("It’s “fine”")),
            ("a&nbsp;b", Some("a b")),
            // an unknown or unterminated entity stays
            ("AT&T &bogus; &", Some("AT&T &bogus; &")),
            // an escaped tag is text, decoded after stripping
            ("&lt;script&gt; in titles", Some("<script> in titles")),
            // a < that opens no tag stays
            ("a < b and c<3", Some("a < b and c<3")),
            // an unclosed tag stays as text
            ("x <b unclosed", Some("x <b unclosed")),
            // comments vanish
            ("a<!-- note -->b", Some("ab")),
            // whitespace collapsed and trimmed
            ("  many \n\t spaces  ", Some("many spaces")),
            // nothing left
            ("   ", None),
            ("<img src=x>", None),
            // invalid code points stay as written
            ("&#xD800; &#99999999;", Some("&#xD800; &#99999999;")),
        ];
        for (input, expected) in rows {
            check_plain(input, *expected);
        }
    }
}
