//! OPML 2.0, the subscription lists feed readers exchange: read into [`Subscription`]s and
//! written from them.
//!
//! Reading is forgiving about what readers write in the wild (attribute case, a bare `&`,
//! `feed://` URLs, folders nested to any depth) and strict about what makes a document
//! unusable: malformed XML, a root other than `<opml>`, no `<body>` are errors. Folders
//! (outlines without `xmlUrl`) and `category` attributes become tags, slugified to what
//! `feeds.toml` accepts. DTD entities are never expanded.
//!
//! Pure: bytes in, values out, and values in, text out; no I/O, no clock (the written document
//! carries no `dateCreated`, so exporting the same feeds gives the same bytes). With `parse`,
//! one of the two users of `quick_xml`; it reads the document, and writing escapes by hand.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use url::Url;

/// One feed of a subscription list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The outline's `text` (else its `title`), whitespace collapsed; `None` when it has
    /// neither.
    pub name: Option<String>,
    /// The feed: `xmlUrl`, an http or https URL (`feed://` is read as `http://`).
    pub url: Url,
    /// The site the feed belongs to (`htmlUrl`), when given and valid.
    pub site: Option<Url>,
    /// Tags: the enclosing folders, outermost first, then the `category` attribute's
    /// entries; each slugified by [`slugify`], without repeats.
    pub tags: Vec<String>,
}

/// An outline with an `xmlUrl` that is not an http or https URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The outline's `text` or `title`, as for [`Subscription::name`].
    pub name: Option<String>,
    /// The `xmlUrl` as written (entities decoded).
    pub xml_url: String,
    /// Why it cannot be used, one lowercase phrase.
    pub reason: String,
}

/// What an OPML document lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionList {
    /// `<head><title>`, when present and not blank.
    pub title: Option<String>,
    /// The feeds, in document order.
    pub subscriptions: Vec<Subscription>,
    /// The outlines whose `xmlUrl` cannot be used, in document order.
    pub rejected: Vec<Rejected>,
}

/// Why a document is not a usable OPML file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpmlError {
    /// The bytes are not well-formed XML.
    #[error("malformed XML at line {line}, column {column}: {message}")]
    Malformed {
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault, in characters.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The document is XML but not OPML.
    #[error("not an OPML document: {reason}")]
    NotOpml {
        /// What is missing or in the way, one lowercase phrase.
        reason: String,
    },
}

/// Reads an OPML document (1.0 or 2.0; the version attribute is not checked).
///
/// Every outline with an `xmlUrl` is a feed, wherever it sits under `<body>`; an outline
/// without one is a folder whose `text` (or `title`) becomes a tag of every feed inside it.
pub fn read(bytes: &[u8]) -> Result<SubscriptionList, OpmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_end_names = true;
    let malformed = |offset: u64, message: String| {
        let (line, column) = line_column(&text, usize::try_from(offset).unwrap_or(usize::MAX));
        OpmlError::Malformed {
            line,
            column,
            message,
        }
    };

    let mut list = SubscriptionList::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seen_root = false;
    let mut seen_body = false;
    let mut title = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|error| malformed(reader.error_position(), error.to_string()))?;
        match event {
            Event::Start(element) | Event::Empty(element) if stack.is_empty() && seen_root => {
                return Err(malformed(
                    reader.buffer_position(),
                    format!(
                        "a second root element <{}> after </opml>",
                        element_name(&element)
                    ),
                ));
            }
            Event::Start(ref element) | Event::Empty(ref element) => {
                let is_empty = matches!(event, Event::Empty(_));
                let frame = match (stack.last(), element.name().as_ref()) {
                    (None, b"opml") => {
                        seen_root = true;
                        Frame::Opml
                    }
                    (None, _) => {
                        return Err(OpmlError::NotOpml {
                            reason: format!(
                                "the root element is <{}>, not <opml>",
                                element_name(element)
                            ),
                        });
                    }
                    (Some(Frame::Opml), b"head") => Frame::Head,
                    (Some(Frame::Head), b"title") => Frame::Title,
                    (Some(Frame::Opml), b"body") => {
                        seen_body = true;
                        Frame::Body
                    }
                    (Some(Frame::Body | Frame::Outline { .. }), b"outline") => {
                        outline(element, &stack, &mut list)
                    }
                    _ => Frame::Other,
                };
                if !is_empty {
                    stack.push(frame);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(text) if stack.last() == Some(&Frame::Title) => {
                title.push_str(&text.decode().unwrap_or_default());
            }
            Event::CData(text) if stack.last() == Some(&Frame::Title) => {
                title.push_str(&text.decode().unwrap_or_default());
            }
            Event::GeneralRef(reference) if stack.last() == Some(&Frame::Title) => {
                let name = reference.decode().unwrap_or_default();
                match reference.resolve_char_ref() {
                    Ok(Some(character)) => title.push(character),
                    _ => match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(resolved) => title.push_str(resolved),
                        // Not expanded, whatever a DTD says: kept as written.
                        None => {
                            title.push('&');
                            title.push_str(&name);
                            title.push(';');
                        }
                    },
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(malformed(
            reader.buffer_position(),
            format!("the document ends before <{}> is closed", open.element()),
        ));
    }
    if !seen_root {
        return Err(OpmlError::NotOpml {
            reason: "there is no root element".to_string(),
        });
    }
    if !seen_body {
        return Err(OpmlError::NotOpml {
            reason: "there is no <body>".to_string(),
        });
    }
    list.title = collapse_whitespace(&title);
    Ok(list)
}

/// Writes `subscriptions` as an OPML 2.0 document titled `title`: one flat outline per feed,
/// `<outline type="rss" text=… title=… xmlUrl=… htmlUrl=… category="tag1,tag2"/>`, in the
/// order given (a feed without a name is named by its URL). The same input gives the same
/// bytes.
pub fn write(title: &str, subscriptions: &[Subscription]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<opml version=\"2.0\">\n  <head>\n");
    xml.push_str(&format!("    <title>{}</title>\n", escape(title)));
    xml.push_str("    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n");
    for subscription in subscriptions {
        let name = subscription
            .name
            .as_deref()
            .unwrap_or(subscription.url.as_str());
        xml.push_str(&format!(
            "    <outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{url}\"",
            name = escape(name),
            url = escape(subscription.url.as_str()),
        ));
        if let Some(site) = &subscription.site {
            xml.push_str(&format!(" htmlUrl=\"{}\"", escape(site.as_str())));
        }
        if !subscription.tags.is_empty() {
            xml.push_str(&format!(
                " category=\"{}\"",
                escape(&subscription.tags.join(","))
            ));
        }
        xml.push_str("/>\n");
    }
    xml.push_str("  </body>\n</opml>\n");
    xml
}

/// `text` as a tag `feeds.toml` accepts (letters, digits, `-` and `_`): kept as it is when
/// it already is one (case included, so that an export reads back the same), else each run
/// of other characters becomes one `-`, trimmed from both ends. `None` when nothing is left.
pub fn slugify(text: &str) -> Option<String> {
    let allowed = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    if !text.is_empty() && text.chars().all(allowed) {
        return Some(text.to_string());
    }
    let mut slug = String::with_capacity(text.len());
    for c in text.chars() {
        if allowed(c) {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    (!slug.is_empty()).then(|| slug.to_string())
}

/// What an open element is, as far as reading outlines goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Frame {
    Opml,
    Head,
    Title,
    Body,
    /// An outline; `folder` is the tag it gives what it contains (none for a feed, or a
    /// folder without a usable name).
    Outline {
        folder: Option<String>,
    },
    /// Anything else: ignored with its content.
    Other,
}

impl Frame {
    /// The element's name, for messages.
    fn element(&self) -> &'static str {
        match self {
            Frame::Opml => "opml",
            Frame::Head => "head",
            Frame::Title => "title",
            Frame::Body => "body",
            Frame::Outline { .. } => "outline",
            Frame::Other => "…",
        }
    }
}

/// Reads one `<outline>` whose ancestors are `stack`: a feed is added to `list` (or to its
/// rejects); the returned frame is what the outline means for its children.
fn outline(element: &BytesStart<'_>, stack: &[Frame], list: &mut SubscriptionList) -> Frame {
    let attributes = Attributes::of(element);
    let name = attributes
        .get("text")
        .and_then(collapse_whitespace)
        .or_else(|| attributes.get("title").and_then(collapse_whitespace));
    let Some(xml_url) = attributes
        .get("xmlurl")
        .filter(|url| !url.trim().is_empty())
    else {
        return Frame::Outline {
            folder: name.as_deref().and_then(slugify),
        };
    };
    let mut tags: Vec<String> = stack
        .iter()
        .filter_map(|frame| match frame {
            Frame::Outline { folder } => folder.clone(),
            _ => None,
        })
        .collect();
    for category in attributes.get("category").unwrap_or_default().split(',') {
        tags.extend(category.split('/').filter_map(slugify));
    }
    let mut unique_tags: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        if !unique_tags.contains(&tag) {
            unique_tags.push(tag);
        }
    }
    match feed_url(&xml_url) {
        Ok(url) => list.subscriptions.push(Subscription {
            name,
            url,
            site: attributes
                .get("htmlurl")
                .and_then(|site| feed_url(&site).ok()),
            tags: unique_tags,
        }),
        Err(reason) => list.rejected.push(Rejected {
            name,
            xml_url,
            reason,
        }),
    }
    // A feed is not a folder: outlines inside it get no tag from it.
    Frame::Outline { folder: None }
}

/// An element's attributes, names lowercased (readers disagree on `xmlUrl` vs `xmlurl`),
/// values with entities decoded. A duplicate keeps its first value.
struct Attributes(Vec<(String, String)>);

impl Attributes {
    fn of(element: &BytesStart<'_>) -> Attributes {
        let mut pairs: Vec<(String, String)> = Vec::new();
        // Without checks, a malformed attribute ends the list instead of failing the file.
        for attribute in element.attributes().with_checks(false).flatten() {
            let name = String::from_utf8_lossy(attribute.key.as_ref()).to_ascii_lowercase();
            if pairs.iter().any(|(known, _)| *known == name) {
                continue;
            }
            let raw = String::from_utf8_lossy(&attribute.value);
            let value = match quick_xml::escape::unescape(&raw) {
                Ok(value) => value.into_owned(),
                // A bare `&` or an HTML entity: decoded as a browser would.
                Err(_) => crate::discover::decode_entities(&raw),
            };
            pairs.push((name, value));
        }
        Attributes(pairs)
    }

    /// The value of the attribute `name` (lowercase).
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.clone())
    }
}

/// An `xmlUrl` or `htmlUrl` as an http(s) URL; `feed://host/…` and `feed:https://…` are the
/// old feed-scheme spellings of the same thing.
fn feed_url(written: &str) -> Result<Url, String> {
    let trimmed = written.trim();
    let text: Cow<'_, str> = match trimmed.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("feed:") => {
            let rest = &trimmed[5..];
            if rest.starts_with("//") {
                Cow::Owned(format!("http:{rest}"))
            } else {
                Cow::Borrowed(rest)
            }
        }
        _ => Cow::Borrowed(trimmed),
    };
    let url = Url::parse(&text).map_err(|error| format!("invalid url: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme must be http or https, not {:?}",
            url.scheme()
        ));
    }
    Ok(url)
}

/// `text` with runs of whitespace as one space, trimmed; `None` when nothing is left.
fn collapse_whitespace(text: impl AsRef<str>) -> Option<String> {
    let collapsed = text
        .as_ref()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// An element's name, for messages.
fn element_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.name().as_ref()).into_owned()
}

/// `text` escaped for an XML attribute value or element content: markup characters and the
/// whitespace that attribute normalization would turn into spaces become references, and the
/// characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\t' => escaped.push_str("&#9;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if c.is_control() && u32::from(c) < 0x20 => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// The 1-based line and column (in characters) of the byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A URL for tests.
    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    /// A subscription for tests.
    fn subscription(name: Option<&str>, feed_url: &str, tags: &[&str]) -> Subscription {
        Subscription {
            name: name.map(str::to_string),
            url: url(feed_url),
            site: None,
            tags: tags.iter().map(|tag| (*tag).to_string()).collect(),
        }
    }

    /// Reads `body` wrapped in an OPML document and returns its subscriptions.
    fn check(body: &str, expected: &[Subscription]) {
        let document = format!(
            "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>t</title></head>\
             <body>{body}</body></opml>"
        );
        let list = read(document.as_bytes()).unwrap();
        assert_eq!(list.subscriptions, expected, "for {body}");
    }

    #[test]
    fn a_flat_list_reads_in_order() {
        check(
            r#"<outline type="rss" text="Krebs" xmlUrl="https://krebsonsecurity.com/feed/"/>
               <outline type="rss" title="Lobsters" xmlUrl="https://lobste.rs/rss"></outline>"#,
            &[
                subscription(Some("Krebs"), "https://krebsonsecurity.com/feed/", &[]),
                subscription(Some("Lobsters"), "https://lobste.rs/rss", &[]),
            ],
        );
    }

    #[test]
    fn nested_folders_become_tags_outermost_first() {
        check(
            r#"<outline text="Security">
                 <outline text="Vendor blogs">
                   <outline text="Kaspersky" xmlUrl="https://securelist.com/feed/"/>
                 </outline>
                 <outline text="Krebs" xmlUrl="https://krebsonsecurity.com/feed/"
                          category="news"/>
               </outline>
               <outline text="Top" xmlUrl="https://top.example/rss"/>"#,
            &[
                subscription(
                    Some("Kaspersky"),
                    "https://securelist.com/feed/",
                    &["Security", "Vendor-blogs"],
                ),
                subscription(
                    Some("Krebs"),
                    "https://krebsonsecurity.com/feed/",
                    &["Security", "news"],
                ),
                subscription(Some("Top"), "https://top.example/rss", &[]),
            ],
        );
    }

    #[test]
    fn categories_split_on_commas_and_slashes_without_repeats() {
        check(
            r#"<outline text="Tech"><outline text="A" xmlUrl="https://a.example/"
                 category="/Tech/Rust, news ,tech,,C++ &amp; Go"/></outline>"#,
            &[subscription(
                Some("A"),
                "https://a.example/",
                &["Tech", "Rust", "news", "tech", "C-Go"],
            )],
        );
    }

    #[test]
    fn attributes_decode_entities_in_any_quoting_and_case() {
        check(
            "<outline TEXT='Tom &amp; Jerry&#39;s &#x263A; &lt;blog&gt;' \
             xmlurl=\"https://a.example/feed?a=1&amp;b=2\" HTMLURL='https://a.example/'/>",
            &[Subscription {
                site: Some(url("https://a.example/")),
                ..subscription(
                    Some("Tom & Jerry's \u{263A} <blog>"),
                    "https://a.example/feed?a=1&b=2",
                    &[],
                )
            }],
        );
    }

    #[test]
    fn a_bare_ampersand_and_html_entities_are_read_leniently() {
        check(
            r#"<outline text="Q&amp;A&nbsp;blog" xmlUrl="https://a.example/feed?a=1&b=2"/>"#,
            &[subscription(
                Some("Q&A blog"),
                "https://a.example/feed?a=1&b=2",
                &[],
            )],
        );
    }

    #[test]
    fn names_collapse_whitespace_and_fall_back_to_the_title() {
        check(
            "<outline text=\"  \" title=\" Two\n  lines \" xmlUrl=\"https://a.example/\"/>\
             <outline xmlUrl=\"https://b.example/\"/>",
            &[
                subscription(Some("Two lines"), "https://a.example/", &[]),
                subscription(None, "https://b.example/", &[]),
            ],
        );
    }

    #[test]
    fn feed_scheme_urls_are_read_as_http() {
        check(
            r#"<outline text="A" xmlUrl="feed://a.example/rss"/>
               <outline text="B" xmlUrl="feed:https://b.example/rss"/>
               <outline text="C" xmlUrl="  https://c.example/rss  "/>"#,
            &[
                subscription(Some("A"), "http://a.example/rss", &[]),
                subscription(Some("B"), "https://b.example/rss", &[]),
                subscription(Some("C"), "https://c.example/rss", &[]),
            ],
        );
    }

    #[test]
    fn unusable_urls_are_rejected_not_fatal() {
        let document = r#"<opml version="2.0"><body>
            <outline text="Mail" xmlUrl="mailto:a@example.org"/>
            <outline text="Relative" xmlUrl="/feed.xml"/>
            <outline text="Fine" xmlUrl="https://fine.example/"/>
            </body></opml>"#;
        let list = read(document.as_bytes()).unwrap();
        assert_eq!(
            list.subscriptions,
            [subscription(Some("Fine"), "https://fine.example/", &[])]
        );
        let rejected: Vec<(&str, &str)> = list
            .rejected
            .iter()
            .map(|rejected| (rejected.name.as_deref().unwrap(), rejected.reason.as_str()))
            .collect();
        assert_eq!(
            rejected,
            [
                ("Mail", "the scheme must be http or https, not \"mailto\""),
                ("Relative", "invalid url: relative URL without a base"),
            ]
        );
    }

    #[test]
    fn outlines_outside_the_body_and_links_are_not_feeds() {
        let document = r#"<?xml version="1.0" encoding="UTF-8"?>
            <!-- exported -->
            <opml version="1.0">
              <head><title>My &amp; feeds</title><ownerName>me</ownerName></head>
              <body>
                <outline type="link" text="A page" url="https://page.example/"/>
                <outline text="Empty folder"/>
                <outline text="Feed" xmlUrl="https://a.example/rss">
                  <outline text="Inside a feed" xmlUrl="https://b.example/rss"/>
                </outline>
              </body>
            </opml>"#;
        let list = read(document.as_bytes()).unwrap();
        assert_eq!(list.title.as_deref(), Some("My & feeds"));
        assert_eq!(
            list.subscriptions,
            [
                subscription(Some("Feed"), "https://a.example/rss", &[]),
                subscription(Some("Inside a feed"), "https://b.example/rss", &[]),
            ]
        );
        assert!(list.rejected.is_empty());
    }

    #[test]
    fn dtd_entities_are_not_expanded() {
        let document = r#"<?xml version="1.0"?>
            <!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "AAAA">]>
            <opml version="2.0"><head><title>&a;&xxe;</title></head><body>
            <outline text="&a;" xmlUrl="https://a.example/"/></body></opml>"#;
        let list = read(document.as_bytes()).unwrap();
        assert_eq!(list.title.as_deref(), Some("&a;&xxe;"));
        assert_eq!(
            list.subscriptions,
            [subscription(Some("&a;"), "https://a.example/", &[])]
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let document = "\u{FEFF}<opml><body><outline text=\"A\" xmlUrl=\"https://a.example/\"/>\
                        </body></opml>";
        let list = read(document.as_bytes()).unwrap();
        assert_eq!(list.subscriptions.len(), 1);
    }

    /// `document` fails to read with a message that contains `message`.
    fn check_error(document: &str, message: &str) {
        let error = read(document.as_bytes()).expect_err(document);
        assert!(
            error.to_string().contains(message),
            "for {document:?}\nexpected …{message}…\n     got {error}"
        );
    }

    #[test]
    fn malformed_or_foreign_documents_are_errors() {
        let rows = [
            ("", "not an OPML document: there is no root element"),
            (
                "just text",
                "not an OPML document: there is no root element",
            ),
            (
                "<rss version=\"2.0\"><channel/></rss>",
                "not an OPML document: the root element is <rss>, not <opml>",
            ),
            (
                "<opml version=\"2.0\"><head/></opml>",
                "not an OPML document: there is no <body>",
            ),
            (
                "<opml><body><outline text=\"A\"></body></opml>",
                "malformed XML at line 1, column 31: ill-formed document: expected `</outline>`",
            ),
            (
                "<opml>\n<body>\n<outline text=\"A\" xmlUrl=\"https://a.example/\"/>\n",
                "the document ends before <body> is closed",
            ),
            (
                "<opml><body/></opml><opml/>",
                "a second root element <opml> after </opml>",
            ),
            (
                "<opml><body><outline text=\"A\" xmlUrl=\"https://a.example/\" <>/></body></opml>",
                "malformed XML",
            ),
        ];
        for (document, message) in rows {
            check_error(document, message);
        }
    }

    #[test]
    fn write_then_read_gives_the_same_subscriptions() {
        let subscriptions = vec![
            Subscription {
                site: Some(url("https://krebsonsecurity.com/")),
                ..subscription(
                    Some("Krebs on Security"),
                    "https://krebsonsecurity.com/feed/",
                    &["security", "news"],
                )
            },
            subscription(
                Some("Tom & \"Jerry\" <3 'quotes'"),
                "https://a.example/feed?a=1&b=2",
                &["Tech_2", "-odd-"],
            ),
            subscription(Some("Ünïcödé ☺"), "http://b.example/", &[]),
        ];
        let written = write("Front & page", &subscriptions);
        let list = read(written.as_bytes()).unwrap();
        assert_eq!(list.title.as_deref(), Some("Front & page"));
        assert_eq!(list.subscriptions, subscriptions);
        assert!(list.rejected.is_empty());
        assert_eq!(
            write("Front & page", &subscriptions),
            written,
            "deterministic"
        );
    }

    #[test]
    fn write_gives_the_documented_shape() {
        let written = write(
            "Security front page",
            &[
                Subscription {
                    site: Some(url("https://krebsonsecurity.com/")),
                    ..subscription(
                        Some("Krebs"),
                        "https://krebsonsecurity.com/feed/",
                        &["security", "news"],
                    )
                },
                subscription(None, "https://a.example/rss", &[]),
            ],
        );
        assert_eq!(
            written,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <opml version=\"2.0\">\n  <head>\n    <title>Security front page</title>\n    \
             <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n    \
             <outline type=\"rss\" text=\"Krebs\" title=\"Krebs\" \
             xmlUrl=\"https://krebsonsecurity.com/feed/\" \
             htmlUrl=\"https://krebsonsecurity.com/\" category=\"security,news\"/>\n    \
             <outline type=\"rss\" text=\"https://a.example/rss\" \
             title=\"https://a.example/rss\" xmlUrl=\"https://a.example/rss\"/>\n  \
             </body>\n</opml>\n"
        );
    }

    #[test]
    fn write_drops_characters_xml_forbids() {
        let written = write("a\u{1}b\u{FFFF}c", &[]);
        assert!(written.contains("<title>abc</title>"), "{written}");
        // whitespace that attribute normalization would flatten is written as references
        let written = write(
            "t",
            &[subscription(Some("a\tb\nc"), "https://a.example/", &[])],
        );
        assert!(written.contains("text=\"a&#9;b&#10;c\""), "{written}");
    }

    #[test]
    fn slugify_keeps_valid_tags_and_dashes_the_rest() {
        let rows = [
            ("security", Some("security")),
            ("Tech", Some("Tech")),
            ("-odd-", Some("-odd-")),
            ("snake_case", Some("snake_case")),
            ("Vendor blogs", Some("Vendor-blogs")),
            ("  C++ & Rust!  ", Some("C-Rust")),
            ("Actualités", Some("Actualités")),
            ("a / b", Some("a-b")),
            ("", None),
            (" !? ", None),
        ];
        for (text, expected) in rows {
            assert_eq!(slugify(text).as_deref(), expected, "for {text:?}");
        }
    }
}
