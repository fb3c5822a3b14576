//! Feed documents to domain types: bytes and the final URL in, a [`ParsedFeed`] out.
//!
//! The only module that knows `feed_rs`: its types are converted here, at the edge, and never
//! leave. Around feed-rs this module rejects what is plainly not a feed (an empty body, an HTML
//! page) with [`ParseError::NotAFeed`], resolves links to absolute URLs, turns titles into
//! plain text and gives every entry frontpage's own key ([`crate::canon::entry_keys`]); it
//! never uses the random id feed-rs would invent for an entry without one.
//!
//! Popularity counts (SPEC §6) come from `slash:comments`, the Atom threading extension
//! (`thr:total`, `thr:count`), Media RSS `media:statistics` and Hacker News-style
//! descriptions (`Points: 123`). feed-rs does not expose FeedBurner's `<feedburner:origLink>`,
//! the Slash and threading elements, nor every `media:statistics`, so one small quick-xml pass
//! over the same bytes reads them per item, in document order; it runs only for documents that
//! name one of those namespaces, and its items are matched to feed-rs's entries by position
//! only when the two counts agree.
//!
//! Before feed-rs sees a document, the bytes become UTF-8 text (`charset`: byte order mark,
//! valid UTF-8, the XML declaration, the HTTP charset, then windows-1252), and an XML document
//! goes through one repairing pass (`prepare`): DTDs are dropped so no entity is ever
//! expanded or fetched, bare `&`s and HTML entities are repaired, `<rss>` without a version
//! is RSS 2.0, nesting deeper than 100 levels is refused (feed-rs recurses on some elements),
//! and only the first [`MAX_ENTRIES_PER_FETCH`] items are kept. Dates are read by
//! `dates`, which feed-rs is given in place of its own parser.
//!
//! Pure: no I/O, no clock, no logging. Nothing here may panic, whatever the bytes: a document
//! feed-rs chokes on becomes an `Err`.

#[cfg(test)]
mod bad_input_tests;
mod charset;
mod dates;
mod entities;
mod prepare;

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Feed, FeedType, Link, LinkTarget};
use feed_rs::parser::{Builder, ParseErrorKind, ParseFeedError};
use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
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

/// The most entries one fetch of a feed yields: the first ones in document order. A feed
/// with more (a runaway generator, a hostile server) is cut there before feed-rs reads the
/// rest, so its time and memory stay bounded.
pub const MAX_ENTRIES_PER_FETCH: usize = 10_000;

/// Parses a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.x), with no HTTP
/// charset: [`parse_with_charset`]`(body, final_url, None)`.
pub fn parse(body: &[u8], final_url: &Url) -> Result<ParsedFeed, ParseError> {
    parse_with_charset(body, final_url, None)
}

/// Parses a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed 1.x), keeping at most
/// [`MAX_ENTRIES_PER_FETCH`] entries.
///
/// `body` is the raw bytes as received; `final_url` is the URL they came from after
/// redirects, against which relative links resolve (after any `xml:base`);
/// `http_charset` is the `charset` parameter of the response's `Content-Type`, if any (used
/// when the bytes are not UTF-8 and the document declares no usable encoding). Entries keep
/// their document order and get their keys from [`entry_keys`]. An item of a FeedBurner feed
/// that carries `<feedburner:origLink>` gets it as its link (its `<link>` is a `feedproxy`
/// redirect). Each entry's [`Engagement`] holds the counts the feed gives for it.
pub fn parse_with_charset(
    body: &[u8],
    final_url: &Url,
    http_charset: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    parse_with_entry_cap(body, final_url, http_charset, MAX_ENTRIES_PER_FETCH)
}

/// [`parse_with_charset`] keeping at most `max_entries` entries, the first in document order.
pub fn parse_with_entry_cap(
    body: &[u8],
    final_url: &Url,
    http_charset: Option<&str>,
    max_entries: usize,
) -> Result<ParsedFeed, ParseError> {
    let text = charset::decode(body, http_charset);
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ParseError::NotAFeed(NotAFeedReason::EmptyBody));
    }
    if looks_like_html(text.as_bytes()) {
        return Err(ParseError::NotAFeed(NotAFeedReason::Html));
    }
    // XML or JSON as feed-rs decides it: by the first `<` or `{`
    let is_xml = text
        .find(['<', '{'])
        .is_some_and(|start| text.as_bytes()[start] == b'<');
    let document: Cow<str> = if is_xml {
        prepare::prepare_xml(text, max_entries).map_err(|refusal| ParseError::Malformed {
            message: refusal.to_string(),
        })?
    } else {
        Cow::Borrowed(text)
    };
    let body = document.as_bytes();

    let parser = Builder::new()
        .base_uri(Some(final_url.as_str()))
        // An entry without an id keeps an empty one, so it is recognisable (feed-rs would
        // otherwise hash its link or invent a random UUID).
        .id_generator(|_links, _title, _base| String::new())
        // Publishing sanitizes; content is stored as the feed wrote it.
        .sanitize_content(false)
        .timestamp_parser(dates::parse_date)
        .build();
    // (feed-rs never sees an XML declaration: `prepare` drops them all, as one that is not
    // at the start of the document makes quick-xml panic)
    // feed-rs has `unwrap`s on some input paths; a panic there is this document's failure,
    // not the run's.
    let parsed = catch_unwind(AssertUnwindSafe(|| parser.parse(body))).map_err(|_| {
        ParseError::Malformed {
            message: "the feed parser crashed on this document".to_owned(),
        }
    })?;
    let mut feed = match parsed {
        Ok(feed) => feed,
        // an `<rss>` without a `<channel>` is an empty feed, not some other document
        Err(ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot))
            if root_local_name(body).as_deref() == Some(b"rss".as_slice()) =>
        {
            return Ok(ParsedFeed {
                title: None,
                site_link: None,
                ttl_minutes: None,
                entries: Vec::new(),
            });
        }
        Err(error) => return Err(convert_error(error)),
    };
    // XML documents are cut before feed-rs; JSON Feeds only here
    feed.entries.truncate(max_entries);
    let item_element: &[u8] = match feed.feed_type {
        FeedType::Atom => b"entry",
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => b"item",
        FeedType::JSON => b"",
    };
    // feed-rs drops an RSS `<comments>` that equals the item's link (an Ask HN item, whose
    // link is its discussion page): read it back when some entry has none.
    let lacks_comment_page = |entry: &Entry| {
        !entry
            .links
            .iter()
            .any(|link| link.target == Some(LinkTarget::Comments))
    };
    let read_comment_pages = item_element == b"item"
        && feed.entries.iter().any(lacks_comment_page)
        && find(body, b"<comments").is_some();
    // Matched to feed-rs's entries by position, so only used when the counts agree.
    let raw_items = raw_items(body, item_element, read_comment_pages)
        .filter(|items| items.len() == feed.entries.len())
        .unwrap_or_default();
    Ok(convert_feed(feed, final_url, &raw_items))
}

/// FeedBurner's extension namespace, which holds `origLink`.
const FEEDBURNER_NAMESPACE: &[u8] = b"http://rssnamespace.org/feedburner/ext/1.0";
/// The RSS Slash module's namespace, which holds `slash:comments`.
const SLASH_NAMESPACE: &[u8] = b"http://purl.org/rss/1.0/modules/slash/";
/// The Atom threading extension's namespace (RFC 4685): `thr:total` and `thr:count`.
const THREAD_NAMESPACE: &[u8] = b"http://purl.org/syndication/thread/1.0";
/// Media RSS's namespace, which holds `media:statistics` (some feeds drop the final slash).
const MEDIA_NAMESPACE: &[u8] = b"http://search.yahoo.com/mrss/";

/// The namespaces the raw pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extension {
    /// No namespace at all: RSS 0.9x/2.0's own elements.
    Unqualified,
    FeedBurner,
    Slash,
    Thread,
    Media,
}

impl Extension {
    /// The extension an element or attribute name is bound to, if it is one of these.
    fn of(namespace: &ResolveResult) -> Option<Extension> {
        let uri: &[u8] = match namespace {
            ResolveResult::Unbound => return Some(Extension::Unqualified),
            ResolveResult::Bound(Namespace(uri)) => uri,
            ResolveResult::Unknown(_) => return None,
        };
        if uri == FEEDBURNER_NAMESPACE {
            Some(Extension::FeedBurner)
        } else if uri == SLASH_NAMESPACE {
            Some(Extension::Slash)
        } else if uri == THREAD_NAMESPACE {
            Some(Extension::Thread)
        } else if uri == MEDIA_NAMESPACE || Some(uri) == MEDIA_NAMESPACE.strip_suffix(b"/") {
            Some(Extension::Media)
        } else {
            None
        }
    }
}

/// Whether the document may hold anything the raw pass reads: it names one of the extension
/// namespaces (Media RSS only together with the word `statistics`, since many feeds use Media
/// RSS for thumbnails alone). A byte search, so most documents skip the pass.
fn may_carry_raw_signals(body: &[u8]) -> bool {
    let media_without_slash = MEDIA_NAMESPACE
        .strip_suffix(b"/")
        .unwrap_or(MEDIA_NAMESPACE);
    find(body, FEEDBURNER_NAMESPACE).is_some()
        || find(body, SLASH_NAMESPACE).is_some()
        || find(body, THREAD_NAMESPACE).is_some()
        || (find(body, media_without_slash).is_some() && find(body, b"statistics").is_some())
}

/// What one item carries that feed-rs does not expose, read from the XML itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RawItem {
    /// `<feedburner:origLink>`: the article behind a `feedproxy` redirect.
    orig_link: Option<String>,
    /// RSS `<comments>`, the discussion page (read only when asked for).
    comment_page: Option<String>,
    /// The largest of `<slash:comments>`, `<thr:total>` and the `thr:count` of a
    /// `rel="replies"` link.
    comments: Option<u64>,
    /// The largest `views` of a `<media:statistics>` anywhere in the item (feed-rs reads it
    /// only inside a `media:community` whose scope also has a `media:content`).
    views: Option<u64>,
}

/// An item's text element whose content the raw pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextField {
    /// `feedburner:origLink`.
    OrigLink,
    /// `slash:comments` or `thr:total`.
    Comments,
    /// RSS `<comments>`.
    CommentPage,
}

impl TextField {
    /// The field an element holds, by its namespace and local name; RSS `<comments>` only
    /// with `read_comment_pages`.
    fn of(
        extension: Option<Extension>,
        local_name: &[u8],
        read_comment_pages: bool,
    ) -> Option<TextField> {
        match (extension?, local_name) {
            (Extension::FeedBurner, b"origLink") => Some(TextField::OrigLink),
            (Extension::Unqualified, b"comments") if read_comment_pages => {
                Some(TextField::CommentPage)
            }
            (Extension::Slash, b"comments") | (Extension::Thread, b"total") => {
                Some(TextField::Comments)
            }
            _ => None,
        }
    }
}

/// A text element being read.
struct TextCapture {
    field: TextField,
    /// The element's depth: its end tag is the one at this depth.
    depth: usize,
    text: String,
    /// False once the text held something unreadable (an unknown entity, bad encoding).
    usable: bool,
}

impl TextCapture {
    /// Stores the text read into the item it belongs to.
    fn store(self, item: &mut RawItem) {
        if !self.usable {
            return;
        }
        let slot = match self.field {
            TextField::OrigLink => &mut item.orig_link,
            TextField::CommentPage => &mut item.comment_page,
            TextField::Comments => {
                item.comments = item.comments.max(parse_count(&self.text));
                return;
            }
        };
        let text = self.text.trim();
        if slot.is_none() && !text.is_empty() {
            *slot = Some(text.to_owned());
        }
    }
}

/// What every item (`item_element`: `item` or `entry`) carries that feed-rs does not expose,
/// in document order, with RSS `<comments>` when `read_comment_pages`; None altogether when
/// there is nothing to read (see [`may_carry_raw_signals`]), or the document is not XML or
/// cannot be read to its end.
fn raw_items(body: &[u8], item_element: &[u8], read_comment_pages: bool) -> Option<Vec<RawItem>> {
    if item_element.is_empty() || !(read_comment_pages || may_carry_raw_signals(body)) {
        return None;
    }
    let mut reader = NsReader::from_reader(body);
    // feed-rs has already accepted the document; be as lenient about end tags here.
    reader.config_mut().check_end_names = false;

    let mut items: Vec<RawItem> = Vec::new();
    // Element depth, the depth of the item being read, and the text element being read.
    let mut depth: usize = 0;
    let mut item_depth: Option<usize> = None;
    let mut capture: Option<TextCapture> = None;
    loop {
        let (namespace, event) = reader.read_resolved_event().ok()?;
        let extension = Extension::of(&namespace);
        match event {
            Event::Start(start) => {
                depth += 1;
                if item_depth.is_none() {
                    if start.local_name().as_ref() == item_element {
                        item_depth = Some(depth);
                        items.push(RawItem::default());
                    }
                } else if let Some(item) = items.last_mut() {
                    if capture.is_none() {
                        capture = TextField::of(
                            extension,
                            start.local_name().as_ref(),
                            read_comment_pages,
                        )
                        .map(|field| TextCapture {
                            field,
                            depth,
                            text: String::new(),
                            usable: true,
                        });
                    }
                    read_count_attributes(&reader, &start, extension, item);
                }
            }
            Event::Empty(start) => {
                if item_depth.is_none() {
                    if start.local_name().as_ref() == item_element {
                        items.push(RawItem::default());
                    }
                } else if let Some(item) = items.last_mut() {
                    read_count_attributes(&reader, &start, extension, item);
                }
            }
            Event::End(_) => {
                if let Some(done) = capture.take_if(|capture| capture.depth == depth)
                    && let Some(item) = items.last_mut()
                {
                    done.store(item);
                }
                if item_depth == Some(depth) {
                    item_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(text) => {
                if let Some(capture) = capture.as_mut() {
                    match text.decode() {
                        Ok(text) => capture.text.push_str(&text),
                        Err(_) => capture.usable = false,
                    }
                }
            }
            Event::CData(text) => {
                if let Some(capture) = capture.as_mut() {
                    match text.decode() {
                        Ok(text) => capture.text.push_str(&text),
                        Err(_) => capture.usable = false,
                    }
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(capture) = capture.as_mut() {
                    let character = match reference.resolve_char_ref() {
                        Ok(Some(character)) => Some(character),
                        Ok(None) => match &*reference {
                            b"amp" => Some('&'),
                            b"lt" => Some('<'),
                            b"gt" => Some('>'),
                            b"quot" => Some('"'),
                            b"apos" => Some('\''),
                            // an entity no URL or number needs
                            _ => None,
                        },
                        Err(_) => None,
                    };
                    match character {
                        Some(character) => capture.text.push(character),
                        None => capture.usable = false,
                    }
                }
            }
            Event::Eof => return Some(items),
            _ => {}
        }
    }
}

/// Reads the counts an element of an item carries in its attributes: `views` of a
/// `<media:statistics>`, `thr:count` of a `rel="replies"` link.
fn read_count_attributes(
    reader: &NsReader<&[u8]>,
    element: &BytesStart,
    extension: Option<Extension>,
    item: &mut RawItem,
) {
    let attributes = || element.attributes().filter_map(Result::ok);
    match (extension, element.local_name().as_ref()) {
        (Some(Extension::Media), b"statistics") => {
            for attribute in attributes().filter(|attribute| attribute.key.as_ref() == b"views") {
                item.views = item.views.max(count_in(&attribute.value));
            }
        }
        (_, b"link") => {
            let is_replies = attributes().any(|attribute| {
                attribute.key.as_ref() == b"rel"
                    && attribute
                        .value
                        .trim_ascii()
                        .eq_ignore_ascii_case(b"replies")
            });
            if !is_replies {
                return;
            }
            for attribute in attributes() {
                let (namespace, local_name) = reader.resolve_attribute(attribute.key);
                if Extension::of(&namespace) == Some(Extension::Thread)
                    && local_name.as_ref() == b"count"
                {
                    item.comments = item.comments.max(count_in(&attribute.value));
                }
            }
        }
        _ => {}
    }
}

/// A count written in an attribute value (see [`parse_count`]).
fn count_in(value: &[u8]) -> Option<u64> {
    std::str::from_utf8(value).ok().and_then(parse_count)
}

/// A count as feeds write it: decimal digits, optionally grouped in thousands with commas
/// (`1,234`), whitespace around ignored. Anything else (a sign, a fraction, a number too large
/// for `u64`) is None.
fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim();
    let all_digits = |group: &str| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit());
    let mut groups = text.split(',');
    let first = groups.next().filter(|first| all_digits(first))?;
    let mut digits = first.to_owned();
    for group in groups {
        if first.len() > 3 || group.len() != 3 || !all_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    digits.parse().ok()
}

/// The local name of an XML document's root element, if it has one.
fn root_local_name(body: &[u8]) -> Option<Vec<u8>> {
    let mut reader = quick_xml::Reader::from_reader(body);
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) | Event::Empty(start) => {
                return Some(start.local_name().as_ref().to_vec());
            }
            Event::Eof => return None,
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

/// The position of `needle` in `haystack` (a vectorized search: documents are megabytes).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
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

/// Converts a feed-rs feed to frontpage's model. `raw_items` holds what the raw pass read for
/// each entry, by position (empty when it read nothing).
fn convert_feed(feed: Feed, final_url: &Url, raw_items: &[RawItem]) -> ParsedFeed {
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
            convert_entry(
                entry,
                final_url,
                raw_items.get(index),
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
/// `raw`: what the raw pass read for the entry; its FeedBurner `origLink` wins over the
/// entry's `<link>`, and its counts go into the engagement.
/// `plain_is_text`: a text/plain summary or content is escaped into HTML (Atom, JSON Feed).
/// `guid_is_permalink`: an entry without a link uses its guid when that is an http(s) URL.
fn convert_entry(
    entry: &Entry,
    final_url: &Url,
    raw: Option<&RawItem>,
    plain_is_text: bool,
    guid_is_permalink: bool,
) -> ParsedEntry {
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty())
        .map(str::to_owned);

    let page_links = || entry.links.iter().filter(|link| link.target.is_none());
    let link = raw
        .and_then(|raw| raw.orig_link.as_deref())
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
        .find_map(|link| absolute_http_url(&link.href, final_url))
        .or_else(|| {
            let comment_page = raw?.comment_page.as_deref()?;
            absolute_http_url(comment_page, final_url)
        });

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
        engagement: engagement(entry, raw),
    }
}

/// The entry's popularity counts (SPEC §6). Comments: the largest of what the raw pass read
/// (`slash:comments`, `thr:total`, `thr:count`) and a Hacker News-style description. Points:
/// such a description. Views: Media RSS `media:statistics`, as feed-rs reads it, else as the
/// raw pass did.
fn engagement(entry: &Entry, raw: Option<&RawItem>) -> Engagement {
    let texts = [
        entry
            .summary
            .as_ref()
            .map(|summary| summary.content.as_str()),
        entry
            .content
            .as_ref()
            .and_then(|content| content.body.as_deref()),
    ];
    let mut described = DescribedCounts::default();
    for text in texts.into_iter().flatten() {
        let counts = described_counts(text);
        described.points = described.points.or(counts.points);
        described.comments = described.comments.or(counts.comments);
    }
    let media_views = entry
        .media
        .iter()
        .filter_map(|media| media.community.as_ref()?.stats_views)
        .max();
    Engagement {
        points: described.points,
        comments: raw.and_then(|raw| raw.comments).max(described.comments),
        views: media_views.or(raw.and_then(|raw| raw.views)),
    }
}

/// Counts written into an entry's text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct DescribedCounts {
    points: Option<u64>,
    comments: Option<u64>,
}

/// The points and comments an HTML text gives the way Hacker News feeds (hnrss.org) write
/// them: a line or paragraph of its own reading `Points: 123`, `# Comments: 45` or
/// `Comments: 45` (any case and spacing, thousands separated by commas or not). Numbers
/// anywhere else in the text are not counts. The first of each label wins.
fn described_counts(html: &str) -> DescribedCounts {
    let mut counts = DescribedCounts::default();
    // most texts name neither: skip stripping them
    let lowered = html.to_ascii_lowercase();
    if find(lowered.as_bytes(), b"points").is_none()
        && find(lowered.as_bytes(), b"comments").is_none()
    {
        return counts;
    }
    // block tags become line breaks, so each paragraph is a line
    for line in decode_entities(&strip_tags(html)).lines() {
        let Some((label, value)) = line.split_once(':') else {
            continue;
        };
        let label = label.trim();
        let Some(count) = parse_count(value) else {
            continue;
        };
        if label.eq_ignore_ascii_case("points") {
            counts.points = counts.points.or(Some(count));
        } else if label.eq_ignore_ascii_case("comments")
            || label
                .strip_prefix('#')
                .is_some_and(|label| label.trim_start().eq_ignore_ascii_case("comments"))
        {
            counts.comments = counts.comments.or(Some(count));
        }
    }
    counts
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

/// Elements whose tags separate lines (`a<br>b` reads "a", "b"); inline tags join
/// (`a<b>b</b>`).
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

/// The text without HTML tags and comments; a block tag becomes a line break. A `<` that does
/// not open a tag (`a < b`) stays, and so does one that is never closed.
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
                    text.push('\n');
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

/// The text with numeric (`&#8217;`, `&#x2019;`) and HTML's named entities decoded once.
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

/// The character an entity name (between `&` and `;`) stands for; U+FFFD for `&#0;`.
fn decode_entity(name: &str) -> Option<char> {
    match name.strip_prefix('#') {
        Some(number) => entities::numeric(number).map(|c| if c == '\0' { '\u{fffd}' } else { c }),
        None => entities::named(name),
    }
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
        // slash:comments
        assert_eq!(
            comment_counts(&feed),
            [Some(42), Some(17), Some(63), Some(9)]
        );
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
        // slash:comments in RSS 1.0 items
        assert_eq!(
            comment_counts(&feed),
            [Some(58), Some(214), Some(97), Some(131)]
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
        // thr:count on the replies link, namespace declared on the link itself
        assert_eq!(comment_counts(&feed), [None, Some(23), None]);
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

    /// An entry's engagement: points, comments, views.
    fn counts(points: Option<u64>, comments: Option<u64>, views: Option<u64>) -> Engagement {
        Engagement {
            points,
            comments,
            views,
        }
    }

    fn engagements(feed: &ParsedFeed) -> Vec<Engagement> {
        feed.entries.iter().map(|entry| entry.engagement).collect()
    }

    fn comment_counts(feed: &ParsedFeed) -> Vec<Option<u64>> {
        feed.entries
            .iter()
            .map(|entry| entry.engagement.comments)
            .collect()
    }

    /// The engagement of the entries of an inline document.
    fn engagements_of(body: &str) -> Vec<Engagement> {
        let feed = parse(body.as_bytes(), &url("https://example.com/feed"))
            .unwrap_or_else(|error| panic!("should parse: {error}"));
        engagements(&feed)
    }

    #[test]
    fn slash_comments_in_rss2() {
        let feed = parse_fixture(
            "signals/slashdot-comments.xml",
            "https://rss.slashdot.org/Slashdot/slashdotMainRss2",
        );
        check(
            &feed,
            &[
                Expected {
                    title: Some("FreeBSD 15.1 Ships a Graphical Installer With Wayland Desktops"),
                    published: Some("2026-11-28T04:12:00Z"),
                    ..Expected::default()
                },
                Expected::default(),
                Expected::default(),
                Expected {
                    title: Some("Slashdot Deals: Lifetime Subscription to a Password Manager"),
                    ..Expected::default()
                },
            ],
        );
        // 0 is a count; the sponsored item says nothing; no points or views anywhere
        assert_eq!(
            engagements(&feed),
            [
                counts(None, Some(87), None),
                counts(None, Some(412), None),
                counts(None, Some(0), None),
                counts(None, None, None),
            ]
        );
    }

    #[test]
    fn thread_total_and_replies_count_in_atom() {
        let feed = parse_fixture(
            "signals/atom-thread.xml",
            "https://tidewater.example.org/feed/atom/",
        );
        check(
            &feed,
            &[
                Expected {
                    title: Some("Moving our backups to append-only storage"),
                    link: Some("https://tidewater.example.org/2026/11/27/append-only-backups/"),
                    published: Some("2026-11-27T16:05:00Z"),
                },
                Expected {
                    title: Some("What a week of DNS resolver logs told us"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Notes: rotating the internal CA"),
                    ..Expected::default()
                },
            ],
        );
        // thr:total and two thr:counts agreeing; two thr:counts disagreeing (the largest
        // wins); nothing
        assert_eq!(
            engagements(&feed),
            [
                counts(None, Some(12), None),
                counts(None, Some(8), None),
                counts(None, None, None),
            ]
        );
        // the text/html replies link is the discussion page
        assert_eq!(
            feed.entries[1].comments.as_ref().map(Url::as_str),
            Some("https://tidewater.example.org/2026/11/26/dns-resolver-logs/#comments")
        );
    }

    #[test]
    fn media_statistics_views_in_a_youtube_feed() {
        let feed = parse_fixture(
            "signals/youtube.xml",
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCq7Xb2mWf4nE1kTzR8aLp3Q",
        );
        assert_eq!(feed.title.as_deref(), Some("Bench Notes Workshop"));
        check(
            &feed,
            &[
                Expected {
                    title: Some("Rebuilding a 1983 bench power supply"),
                    link: Some("https://www.youtube.com/watch?v=Hk3vR9tQw2E"),
                    published: Some("2026-11-28T08:00:11Z"),
                },
                Expected {
                    title: Some("The cheapest oscilloscope that is still useful"),
                    ..Expected::default()
                },
                Expected {
                    title: Some("Soldering fume extraction, measured"),
                    ..Expected::default()
                },
            ],
        );
        // a video just published has 0 views, which is a count
        assert_eq!(
            engagements(&feed),
            [
                counts(None, None, Some(0)),
                counts(None, None, Some(184_233)),
                counts(None, None, Some(1_204_567)),
            ]
        );
        assert_eq!(feed.entries[1].key.as_str(), "g:yt:video:p0Zf8LxYc1M");
    }

    #[test]
    fn media_statistics_feed_rs_does_not_read() {
        // feed-rs emits Media RSS only for a scope with media:content, and reads statistics
        // only inside media:community: the raw pass covers the rest
        let body = r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
            <item><title>a</title><link>https://example.com/a</link><media:community><media:statistics views="1,500" favorites="3"/></media:community></item>
            <item><title>b</title><link>https://example.com/b</link><media:statistics views="42"></media:statistics></item>
            <item><title>c</title><link>https://example.com/c</link><media:group><media:content url="https://example.com/c.mp4" type="video/mp4"/><media:community><media:statistics views="7"/></media:community></media:group></item>
            <item><title>d</title><link>https://example.com/d</link><media:statistics views="many"/><media:statistics views="-3"/></item>
            <item><title>e</title><link>https://example.com/e</link><media:thumbnail url="https://example.com/e.jpg"/></item>
            </channel></rss>"#;
        assert_eq!(
            engagements_of(body),
            [
                counts(None, None, Some(1500)),
                counts(None, None, Some(42)),
                counts(None, None, Some(7)),
                counts(None, None, None),
                counts(None, None, None),
            ]
        );
        // the namespace without its final slash
        let no_slash = body.replace("mrss/", "mrss");
        assert_eq!(engagements_of(&no_slash)[1], counts(None, None, Some(42)));
    }

    #[test]
    fn hnrss_points_and_comments() {
        let feed = parse_fixture("signals/hnrss.xml", "https://hnrss.org/frontpage");
        assert_eq!(feed.title.as_deref(), Some("Hacker News: Front Page"));
        check(
            &feed,
            &[
                Expected {
                    title: Some("The hidden cost of retry storms"),
                    link: Some("https://blog.quarrylane.example/2026/11/retry-storms"),
                    published: Some("2026-11-28T07:41:03Z"),
                },
                Expected {
                    title: Some("Ask HN: How do you keep RSS alive in your team?"),
                    // an Ask HN item links to its own discussion page
                    link: Some("https://news.ycombinator.com/item?id=50121877"),
                    published: Some("2026-11-27T21:16:40Z"),
                },
                Expected {
                    title: Some("Show HN: Tarn – a 40 KB feed reader for e-ink tablets"),
                    link: Some("https://github.com/tarn-reader/tarn"),
                    ..Expected::default()
                },
                Expected {
                    link: Some("https://pagesplit.example.net/btree-visual-guide"),
                    ..Expected::default()
                },
                Expected {
                    link: Some("https://archive.coastwatch.example/logbooks"),
                    published: Some("2026-11-25T23:59:40Z"),
                    ..Expected::default()
                },
            ],
        );
        assert_eq!(
            engagements(&feed),
            [
                counts(Some(412), Some(187), None),
                // the post's own text (with its numbers) comes before the counts
                counts(Some(231), Some(302), None),
                counts(Some(96), Some(41), None),
                counts(Some(1287), Some(356), None),
                counts(Some(3), Some(0), None),
            ]
        );
        // <comments> is the Hacker News item page
        let discussions: Vec<Option<&str>> = feed
            .entries
            .iter()
            .map(|entry| entry.comments.as_ref().map(Url::as_str))
            .collect();
        assert_eq!(
            discussions,
            [
                Some("https://news.ycombinator.com/item?id=50123406"),
                Some("https://news.ycombinator.com/item?id=50121877"),
                Some("https://news.ycombinator.com/item?id=50120533"),
                Some("https://news.ycombinator.com/item?id=50118290"),
                Some("https://news.ycombinator.com/item?id=50117002"),
            ]
        );
    }

    fn check_described(html: &str, points: Option<u64>, comments: Option<u64>) {
        assert_eq!(
            described_counts(html),
            DescribedCounts { points, comments },
            "described_counts({html:?})"
        );
    }

    #[test]
    fn described_counts_table() {
        let rows: &[(&str, Option<u64>, Option<u64>)] = &[
            // hnrss.org
            (
                "<p>Article URL: <a href=\"https://a.example/\">https://a.example/</a></p>\n<p>Comments URL: <a href=\"https://news.ycombinator.com/item?id=1\">https://news.ycombinator.com/item?id=1</a></p>\n<p>Points: 123</p>\n<p># Comments: 45</p>",
                Some(123),
                Some(45),
            ),
            // spacing, case, thousands, inline tags, <br> and entities
            (
                "<p>  POINTS :1,234 </p><p>#comments:\t7</p>",
                Some(1234),
                Some(7),
            ),
            ("<b>Points:</b>&nbsp;12<br>Comments: 3", Some(12), Some(3)),
            ("Points: 5\nComments: 6", Some(5), Some(6)),
            // the first of each label wins
            ("<p>Points: 1</p><p>Points: 2</p>", Some(1), None),
            // numbers in prose are not counts
            ("<p>We scored Points: 10 today.</p>", None, None),
            (
                "<p>The article got 300 points and 40 comments.</p>",
                None,
                None,
            ),
            (
                "<p>Comments URL: https://news.ycombinator.com/item?id=99</p>",
                None,
                None,
            ),
            ("<p>Points: 10 by someone</p>", None, None),
            ("<p>Points: -4</p><p>Comments: 2.5</p>", None, None),
            ("<p>Points: 1,23</p><p>Comments: 1234,567</p>", None, None),
            ("<p>Points: 99999999999999999999999</p>", None, None),
            ("<p># Points: 4</p>", None, None),
            // an escaped tag is text, not a paragraph
            ("&lt;p&gt;Points: 4&lt;/p&gt;", None, None),
            ("", None, None),
        ];
        for (html, points, comments) in rows {
            check_described(html, *points, *comments);
        }
    }

    #[test]
    fn parse_count_table() {
        let rows: &[(&str, Option<u64>)] = &[
            ("0", Some(0)),
            (" 42\n", Some(42)),
            ("1,234", Some(1234)),
            ("12,345,678", Some(12_345_678)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("", None),
            (",", None),
            ("1,", None),
            (",123", None),
            ("1234,567", None),
            ("1,2345", None),
            ("+1", None),
            ("-1", None),
            ("1.5", None),
            ("1 234", None),
            ("٣", None),
        ];
        for (text, expected) in rows {
            assert_eq!(parse_count(text), *expected, "parse_count({text:?})");
        }
    }

    #[test]
    fn comment_counts_from_every_extension() {
        // slash:comments and thr:total in one RSS item: the largest; thr:count counts only on
        // a replies link; an unreadable count is None; other namespaces are not read
        let body = r#"<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:thr="http://purl.org/syndication/thread/1.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:other="urn:other"><channel><title>t</title>
            <item><title>a</title><link>https://example.com/a</link><slash:comments> 5 </slash:comments><thr:total>9</thr:total></item>
            <item><title>b</title><link>https://example.com/b</link><atom:link rel="replies" href="https://example.com/b#c" thr:count="4"/><atom:link rel="alternate" href="https://example.com/b" thr:count="400"/></item>
            <item><title>c</title><link>https://example.com/c</link><slash:comments>lots</slash:comments><slash:comments>&#51;</slash:comments></item>
            <item><title>d</title><link>https://example.com/d</link><other:comments>8</other:comments><comments>https://example.com/d#comments</comments></item>
            <item><title>e</title><link>https://example.com/e</link><slash:comments><![CDATA[11]]></slash:comments></item>
            <item><title>f</title><link>https://example.com/f</link><slash:comments>1&bogus;2</slash:comments></item>
            </channel></rss>"#;
        assert_eq!(
            engagements_of(body)
                .iter()
                .map(|counts| counts.comments)
                .collect::<Vec<_>>(),
            [Some(9), Some(4), Some(3), None, Some(11), None]
        );

        // a count in the description and one in the markup: the largest
        let both = r#"<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel><title>t</title>
            <item><title>a</title><link>https://example.com/a</link><description>&lt;p&gt;Points: 10&lt;/p&gt;&lt;p&gt;# Comments: 30&lt;/p&gt;</description><slash:comments>20</slash:comments></item>
            </channel></rss>"#;
        assert_eq!(engagements_of(both), [counts(Some(10), Some(30), None)]);

        // without the namespaces declared, nothing is read
        let undeclared = r#"<rss version="2.0"><channel><title>t</title>
            <item><title>a</title><link>https://example.com/a</link><comments>7</comments><total>8</total></item>
            </channel></rss>"#;
        assert_eq!(engagements_of(undeclared), [Engagement::default()]);
    }

    #[test]
    fn raw_counts_are_dropped_when_items_do_not_line_up() {
        // an item nested where feed-rs does not see it makes the raw pass count two items for
        // feed-rs's one: nothing read by position is trusted
        let body = r#"<rss version="2.0" xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel><title>t</title>
            <image><item/></image>
            <item><title>a</title><link>https://example.com/a</link><slash:comments>5</slash:comments></item>
            </channel></rss>"#;
        let raw = raw_items(body.as_bytes(), b"item", false).map(|items| items.len());
        assert_eq!(raw, Some(2));
        assert_eq!(engagements_of(body), [Engagement::default()]);
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
            "signals/slashdot-comments.xml",
            "signals/atom-thread.xml",
            "signals/youtube.xml",
            "signals/hnrss.xml",
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

    /// Every file under `tests/fixtures/`, in path order (so a saved proptest seed names the
    /// same file everywhere), read once.
    fn all_fixtures() -> &'static [Vec<u8>] {
        static FIXTURES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        FIXTURES.get_or_init(|| {
            let mut folders = vec![std::path::PathBuf::from(format!(
                "{}/tests/fixtures",
                env!("CARGO_MANIFEST_DIR")
            ))];
            let mut paths = Vec::new();
            while let Some(folder) = folders.pop() {
                let entries = std::fs::read_dir(&folder)
                    .unwrap_or_else(|error| panic!("read {}: {error}", folder.display()));
                for entry in entries {
                    let path = entry
                        .unwrap_or_else(|error| panic!("entry of {}: {error}", folder.display()))
                        .path();
                    if path.is_dir() {
                        folders.push(path);
                    } else {
                        paths.push(path);
                    }
                }
            }
            paths.sort();
            assert!(paths.len() > 20, "found the fixtures");
            paths
                .iter()
                .map(|path| {
                    std::fs::read(path)
                        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
                })
                .collect()
        })
    }

    /// One change to a document.
    #[derive(Debug, Clone)]
    enum Mutation {
        /// XOR the byte at this position (modulo the length) with a non-zero mask.
        Flip(usize, u8),
        /// Cut the document at this position (modulo the length).
        Truncate(usize),
        /// Insert markup that confuses parsers at this position.
        Insert(usize, &'static str),
    }

    /// What [`Mutation::Insert`] inserts.
    const TROUBLE: &[&str] = &[
        "<",
        "&",
        "]]>",
        "<![CDATA[",
        "<!--",
        "&#",
        "&#x110000;",
        "&nbsp",
        "<!DOCTYPE x [<!ENTITY e \"&e;\">]>",
        "<item>",
        "</item>",
        "<entry>",
        "<rss>",
        "\"",
        "\u{feff}",
        "\0",
        "\u{fffd}",
        "{",
        " a=\"&bogus;\" type=\"text/plain\" b='&' ",
        " version='9' src=\"x\" ",
    ];

    fn mutation() -> impl proptest::strategy::Strategy<Value = Mutation> {
        use proptest::prelude::*;
        prop_oneof![
            (any::<usize>(), 1..=u8::MAX).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
            any::<usize>().prop_map(Mutation::Truncate),
            (any::<usize>(), proptest::sample::select(TROUBLE))
                .prop_map(|(at, text)| Mutation::Insert(at, text)),
        ]
    }

    fn mutate(mut body: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
        for mutation in mutations {
            let length = body.len().max(1);
            match mutation {
                Mutation::Flip(at, mask) => {
                    if let Some(byte) = body.get_mut(at % length) {
                        *byte ^= mask;
                    }
                }
                Mutation::Truncate(at) => body.truncate(at % length),
                Mutation::Insert(at, text) => {
                    let at = (at % length).min(body.len());
                    body.splice(at..at, text.bytes());
                }
            }
        }
        body
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_fixtures_never_panic(
            index in proptest::prelude::any::<proptest::sample::Index>(),
            mutations in proptest::collection::vec(mutation(), 1..8),
            http_charset in proptest::option::of(proptest::sample::select(
                &["utf-8", "iso-8859-1", "koi8-r", "shift_jis", "utf-16", "bogus"][..]
            )),
        ) {
            let fixtures = all_fixtures();
            let body = mutate(fixtures[index.index(fixtures.len())].clone(), &mutations);
            let final_url = url("https://example.com/feed");
            // the result does not matter, only that there is one; a small cap exercises the
            // cut too
            let _ = parse_with_charset(&body, &final_url, http_charset);
            let _ = parse_with_entry_cap(&body, &final_url, http_charset, 1);
        }

        #[test]
        fn random_bytes_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4096),
            prefix in proptest::sample::select(&["", "<", "<?xml version=\"1.0\"?><rss>", "<feed>", "{"][..]),
        ) {
            let mut document = prefix.as_bytes().to_vec();
            document.extend(body);
            let _ = parse(&document, &url("https://example.com/feed"));
        }
    }
}
