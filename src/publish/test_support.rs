//! Test data and checks shared by the publishing tests: a sample channel and stories, a strict
//! XML reader that builds a tree, a strict checker for the HTML frontpage writes (sanitized
//! fragments and the front page), and small helpers (base64, JSON strings).
//!
//! Compiled for tests only; nothing here may be used by the renderers themselves. The checks
//! parse the output independently of the code under test: they must not call the sanitizer or
//! the escaping helpers they are checking.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use url::Url;

use super::html::STYLE;
use super::html_text::is_xml_char;
use crate::model::{Channel, Source, Story, StoryId, Timestamp};

pub(super) fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

pub(super) fn time(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("test time")
}

/// The main page of a sample site, built at 13:00 (so the first sample story is 4h old).
pub(super) fn sample_channel() -> Channel {
    Channel {
        title: "Security front page".to_owned(),
        link: url("https://front.example.org/"),
        description: "The security news that matters".to_owned(),
        updated: time("2026-11-28T13:00:00Z"),
        now: time("2026-11-28T13:00:00Z"),
        tag: None,
        tag_pages: ["breach", "ok-tag", "security"].map(str::to_owned).to_vec(),
    }
}

fn krebs(entry_link: Option<&str>) -> Source {
    Source {
        feed_name: "Krebs on Security".to_owned(),
        feed_url: url("https://krebsonsecurity.com/feed/"),
        site_link: Some(url("https://krebsonsecurity.com/")),
        entry_link: entry_link.map(url),
    }
}

fn bleeping(entry_link: Option<&str>) -> Source {
    Source {
        feed_name: "BleepingComputer".to_owned(),
        feed_url: url("https://www.bleepingcomputer.com/feed/"),
        site_link: Some(url("https://www.bleepingcomputer.com/")),
        entry_link: entry_link.map(url),
    }
}

/// Three stories: a full one with two sources, one without author and with a relative link in
/// its summary, and one with neither link, summary nor author.
pub(super) fn sample_stories() -> Vec<Story> {
    vec![
        Story {
            id: StoryId(101),
            title: "Big breach at Example Corp".to_owned(),
            link: Some(url("https://news.example.com/2026/big-breach")),
            summary: Some("<p>A <b>big</b> breach.</p>".to_owned()),
            author: Some("Brian Krebs".to_owned()),
            published: time("2026-11-28T09:00:00Z"),
            updated: time("2026-11-28T10:00:00Z"),
            comments: Some(url("https://news.ycombinator.com/item?id=1")),
            categories: vec!["breach".to_owned(), "security".to_owned()],
            sources: vec![
                krebs(Some("https://news.example.com/2026/big-breach")),
                bleeping(Some("https://www.bleepingcomputer.com/news/big-breach")),
            ],
            members: Vec::new(),
        },
        Story {
            id: StoryId(102),
            title: "Patch Tuesday & friends".to_owned(),
            link: Some(url("https://blog.example.net/2026/11/patch-tuesday")),
            summary: Some("See <a href=\"/x\">details</a>.".to_owned()),
            author: None,
            published: time("2026-11-27T22:30:00Z"),
            updated: time("2026-11-27T22:30:00Z"),
            comments: None,
            categories: vec!["windows".to_owned()],
            sources: vec![bleeping(Some(
                "https://www.bleepingcomputer.com/news/patch-tuesday",
            ))],
            members: Vec::new(),
        },
        Story {
            id: StoryId(103),
            title: "Telegram bug".to_owned(),
            link: None,
            summary: None,
            author: None,
            published: time("2026-11-26T08:00:00Z"),
            updated: time("2026-11-26T08:00:00Z"),
            comments: None,
            categories: Vec::new(),
            sources: vec![Source {
                feed_name: "Kaspersky Daily".to_owned(),
                feed_url: url("https://www.kaspersky.com/blog/feed/"),
                site_link: None,
                entry_link: None,
            }],
            members: Vec::new(),
        },
    ]
}

/// How often `needle` occurs in `haystack`.
pub(super) fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Standard base64 with padding (RFC 4648 §4), as CSP hash sources use it.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut encoded = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |group, (index, &byte)| {
                group | u32::from(byte) << (16 - 8 * index)
            });
        for index in 0..4 {
            if index <= chunk.len() {
                let sextet = (group >> (18 - 6 * index)) & 0x3f;
                encoded.push(char::from(ALPHABET[sextet as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    encoded
}

/// One element of a parsed XML document.
#[derive(Debug, Clone, Default)]
pub(super) struct XmlNode {
    /// The namespace URI the element's name resolves to.
    pub namespace: Option<String>,
    /// The local name.
    pub name: String,
    /// Attributes as written (qualified name) with their values unescaped.
    pub attributes: Vec<(String, String)>,
    /// Child elements, in document order.
    pub children: Vec<XmlNode>,
    /// The element's own text (text, CDATA and references), unescaped.
    pub text: String,
}

impl XmlNode {
    /// The children named `name` in this element's own namespace (so `all("link")` of an RSS
    /// channel is its `<link>`, not its `<atom:link>`).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a XmlNode> + 'a {
        self.all_in(name, self.namespace.as_deref())
    }

    /// The children named `name` in `namespace`.
    pub fn all_in<'a>(
        &'a self,
        name: &'a str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a XmlNode> + 'a {
        self.children
            .iter()
            .filter(move |child| child.name == name && child.namespace.as_deref() == namespace)
    }

    /// The only child named `name` in this element's namespace; panics when there is none or
    /// several.
    pub fn one(&self, name: &str) -> &XmlNode {
        let found: Vec<&XmlNode> = self
            .children
            .iter()
            .filter(|child| child.name == name && child.namespace == self.namespace)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "<{}> must have exactly one <{name}>: {self:#?}",
            self.name
        );
        found[0]
    }

    /// The value of attribute `name`, when present.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// This element and all its descendants, depth first.
    pub fn descendants(&self) -> Vec<&XmlNode> {
        let mut nodes = vec![self];
        for child in &self.children {
            nodes.extend(child.descendants());
        }
        nodes
    }
}

/// The document as UTF-8 text, after checking it strictly: valid UTF-8, only XML 1.0
/// characters, every event readable, end tags matching, namespace prefixes bound, attributes
/// unique and unescapable, references predefined or to allowed characters, one root element.
pub(super) fn assert_well_formed(bytes: &[u8]) -> String {
    parse_xml(bytes);
    String::from_utf8(bytes.to_vec()).expect("UTF-8")
}

/// The root element of the document, checked as [`assert_well_formed`] does.
pub(super) fn parse_xml(bytes: &[u8]) -> XmlNode {
    let xml = std::str::from_utf8(bytes).expect("output is valid UTF-8");
    if let Some(bad) = xml.chars().find(|&character| !is_xml_char(character)) {
        panic!("character {bad:?} is not allowed in XML 1.0: {xml}");
    }
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    let mut buf = Vec::new();
    // The open elements; the bottom one collects the finished root.
    let mut stack: Vec<XmlNode> = vec![XmlNode::default()];
    loop {
        let (resolved, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(resolved_event) => resolved_event,
            Err(error) => panic!(
                "not well-formed at byte {}: {error}\n{xml}",
                reader.buffer_position()
            ),
        };
        let namespace = match &resolved {
            ResolveResult::Unknown(prefix) => panic!(
                "unbound namespace prefix {:?}\n{xml}",
                String::from_utf8_lossy(prefix)
            ),
            ResolveResult::Bound(namespace) => {
                Some(String::from_utf8_lossy(namespace.as_ref()).into_owned())
            }
            ResolveResult::Unbound => None,
        };
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                if stack.len() == 1 {
                    assert!(stack[0].children.is_empty(), "a second root element\n{xml}");
                }
                let mut node = XmlNode {
                    namespace,
                    name: String::from_utf8_lossy(element.local_name().as_ref()).into_owned(),
                    ..XmlNode::default()
                };
                for attribute in element.attributes() {
                    let attribute = attribute.expect("well-formed attribute");
                    let key = attribute.key;
                    let (resolved_key, _) = reader.resolve_attribute(key);
                    if let ResolveResult::Unknown(prefix) = resolved_key
                        && !key.as_ref().starts_with(b"xmlns")
                    {
                        panic!(
                            "unbound attribute prefix {:?}\n{xml}",
                            String::from_utf8_lossy(&prefix)
                        );
                    }
                    let value = attribute.unescape_value().expect("attribute value");
                    assert!(
                        value.chars().all(is_xml_char),
                        "forbidden character in an attribute\n{xml}"
                    );
                    node.attributes.push((
                        String::from_utf8_lossy(key.as_ref()).into_owned(),
                        value.into_owned(),
                    ));
                }
                if matches!(event, Event::Start(_)) {
                    stack.push(node);
                } else if let Some(parent) = stack.last_mut() {
                    parent.children.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().expect("an open element");
                stack.last_mut().expect("a parent").children.push(node);
            }
            Event::Text(ref content) => {
                let content = content.xml10_content().expect("text");
                assert!(
                    stack.len() > 1 || content.trim().is_empty(),
                    "text outside the root element: {content:?}"
                );
                stack.last_mut().expect("a node").text.push_str(&content);
            }
            Event::CData(ref content) => {
                assert!(stack.len() > 1, "CDATA outside the root element");
                let content = content.decode().expect("CDATA");
                stack.last_mut().expect("a node").text.push_str(&content);
            }
            Event::GeneralRef(ref reference) => {
                let character = if reference.is_char_ref() {
                    let character = reference
                        .resolve_char_ref()
                        .expect("character reference")
                        .expect("character reference");
                    assert!(
                        is_xml_char(character),
                        "reference to forbidden character {character:?}"
                    );
                    character
                } else {
                    let name = reference.decode().expect("reference name");
                    match name.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => panic!("undefined entity &{other};\n{xml}"),
                    }
                };
                stack.last_mut().expect("a node").text.push(character);
            }
            Event::DocType(_) => panic!("a published feed has no DOCTYPE"),
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
    assert_eq!(stack.len(), 1, "unclosed elements\n{xml}");
    let mut document = stack.pop().expect("the document");
    assert_eq!(
        document.children.len(),
        1,
        "exactly one root element\n{xml}"
    );
    document.children.remove(0)
}

/// Every string in a JSON document with the key it belongs to (array elements inherit their
/// array's key).
pub(super) fn json_strings(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(value: &serde_json::Value, key: &str, strings: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::String(text) => strings.push((key.to_owned(), text.clone())),
            serde_json::Value::Array(values) => {
                for value in values {
                    walk(value, key, strings);
                }
            }
            serde_json::Value::Object(object) => {
                for (key, value) in object {
                    walk(value, key, strings);
                }
            }
            _ => {}
        }
    }
    let mut strings = Vec::new();
    walk(value, "", &mut strings);
    strings
}

/// Asserts that `text`, meant as plain text, cannot be read as markup by an HTML parser: no
/// `<` opens a tag, comment or declaration.
pub(super) fn assert_plain_text(text: &str, context: &str) {
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '<' {
            let next = characters.peek().copied().unwrap_or(' ');
            assert!(
                !(next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')),
                "{context}: plain text that opens markup: {text:?}"
            );
        }
        assert!(
            is_xml_char(character) && !character.is_control(),
            "{context}: control character {character:?} in plain text {text:?}"
        );
    }
}

/// Asserts that `text` is an absolute `http(s)` URL.
pub(super) fn assert_web_url(text: &str, context: &str) {
    let parsed = Url::parse(text).unwrap_or_else(|error| panic!("{context}: {text:?}: {error}"));
    assert!(
        matches!(parsed.scheme(), "http" | "https"),
        "{context}: not an http(s) URL: {text:?}"
    );
    assert_eq!(parsed.as_str(), text, "{context}: URL not in normal form");
}

/// What kind of HTML [`assert_safe_html`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HtmlKind {
    /// A sanitized fragment (a story's description): only the sanitizer's allowed elements,
    /// only absolute `http(s)`/`mailto` URLs.
    Fragment,
    /// The front page: only the elements it is written with, its one `<style>` element, and
    /// links that are relative (inside the site) or absolute `http(s)`.
    Page,
}

/// Elements ammonia allows by default: a sanitized fragment may contain these and no other.
const FRAGMENT_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "area",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements the front page is written with.
const PAGE_ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "link", "style", "body", "header", "h1", "p", "a", "main",
    "ol", "li", "span", "time", "footer",
];

/// Attributes that carry a URL a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "longdesc",
    "poster",
    "data",
    "usemap",
    "background",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
];

/// Attributes that are dangerous whatever their value.
const FORBIDDEN_ATTRIBUTES: &[&str] = &[
    "style",
    "srcdoc",
    "formaction",
    "action",
    "http-equiv",
    "background",
    "srcset",
    "dynsrc",
    "lowsrc",
    "target",
];

/// Asserts that `html` is HTML frontpage may publish, read the way a browser tokenizes it:
/// every `<` opens an allowed element or closes one (no comment, no CDATA, no processing
/// instruction, no stray `<` or `>` in text), attributes are double-quoted with known
/// entities only, no event handler or other dangerous attribute, and every URL attribute,
/// once its entities are decoded and the characters browsers ignore are removed, is a URL
/// `kind` allows.
///
/// Returns the markup: each start tag as `<name key="decoded value" …>`, lowercased (the
/// page's own `<style>` element left out). Text is not markup: escaped `&lt;script&gt;` is
/// something a reader sees, not something a browser runs.
pub(super) fn assert_safe_html(html: &str, kind: HtmlKind, context: &str) -> Vec<String> {
    let mut markup = Vec::new();
    let mut rest = html;
    if kind == HtmlKind::Page {
        rest = rest
            .strip_prefix("<!DOCTYPE html>")
            .unwrap_or_else(|| panic!("{context}: the page must start with <!DOCTYPE html>"));
    }
    let mut styles = 0;
    loop {
        let Some(open) = rest.find('<') else {
            assert_safe_text(rest, context);
            break;
        };
        assert_safe_text(&rest[..open], context);
        let after = &rest[open + 1..];
        if let Some(end_tag) = after.strip_prefix('/') {
            let close = end_tag
                .find('>')
                .unwrap_or_else(|| panic!("{context}: unclosed end tag in {html}"));
            let name = &end_tag[..close];
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{context}: odd end tag </{name}> in {html}"
            );
            rest = &end_tag[close + 1..];
        } else if after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let (name, attributes, remainder) = start_tag(after, html, context);
            assert_safe_element(&name, &attributes, kind, html, context);
            if !(kind == HtmlKind::Page && name == "style") {
                let mut tag = format!("<{name}");
                for (key, value) in &attributes {
                    tag.push_str(&format!(" {key}=\"{value}\""));
                }
                tag.push('>');
                markup.push(tag.to_lowercase());
            }
            rest = remainder;
            if name == "style" {
                styles += 1;
                let end = rest
                    .find("</style>")
                    .unwrap_or_else(|| panic!("{context}: unclosed <style>"));
                assert_eq!(&rest[..end], STYLE, "{context}: only frontpage's own CSS");
                rest = &rest[end..];
            }
        } else {
            panic!(
                "{context}: markup that is not an element: {:?} in {html}",
                &rest[..rest.len().min(40)]
            );
        }
    }
    let expected_styles = usize::from(kind == HtmlKind::Page);
    assert_eq!(
        styles, expected_styles,
        "{context}: <style> elements in {html}"
    );
    markup
}

/// Text between tags: no `>` (frontpage's writers and ammonia's serializer escape it), only
/// known entities.
fn assert_safe_text(text: &str, context: &str) {
    assert!(!text.contains('>'), "{context}: raw > in text {text:?}");
    assert_no_control_characters(&decode_entities(text, context), context);
}

/// Asserts that `text` has no control character but tab, newline and carriage return, and
/// no non-character U+FFFE or U+FFFF.
pub(super) fn assert_no_control_characters(text: &str, context: &str) {
    if let Some(bad) = text.chars().find(|&c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    }) {
        panic!("{context}: control character {bad:?} in {text:?}");
    }
}

/// Parses a start tag after its `<`: the lowercase name, the attributes (lowercase names,
/// decoded values) and what follows the tag.
fn start_tag<'a>(
    after: &'a str,
    html: &str,
    context: &str,
) -> (String, Vec<(String, String)>, &'a str) {
    let name_end = after
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(after.len());
    let name = after[..name_end].to_ascii_lowercase();
    let mut rest = &after[name_end..];
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r', '\u{c}']);
        if let Some(remainder) = rest.strip_prefix('>') {
            return (name, attributes, remainder);
        }
        if let Some(remainder) = rest.strip_prefix("/>") {
            return (name, attributes, remainder);
        }
        assert!(!rest.is_empty(), "{context}: unclosed <{name} in {html}");
        let key_end = rest
            .find(|c: char| c.is_ascii_whitespace() || matches!(c, '=' | '>' | '/'))
            .unwrap_or(rest.len());
        assert!(key_end > 0, "{context}: odd attribute in <{name} in {html}");
        let key = rest[..key_end].to_ascii_lowercase();
        rest = &rest[key_end..];
        let value = if let Some(quoted) = rest.strip_prefix("=\"") {
            let close = quoted
                .find('"')
                .unwrap_or_else(|| panic!("{context}: unclosed attribute value in {html}"));
            rest = &quoted[close + 1..];
            decode_entities(&quoted[..close], context)
        } else {
            assert!(
                !rest.starts_with('='),
                "{context}: attribute {key} of <{name}> is not double-quoted in {html}"
            );
            String::new()
        };
        assert!(
            !attributes.iter().any(|(existing, _)| *existing == key),
            "{context}: attribute {key} twice in <{name}> in {html}"
        );
        attributes.push((key, value));
    }
}

fn assert_safe_element(
    name: &str,
    attributes: &[(String, String)],
    kind: HtmlKind,
    html: &str,
    context: &str,
) {
    let allowed = match kind {
        HtmlKind::Fragment => FRAGMENT_ELEMENTS,
        HtmlKind::Page => PAGE_ELEMENTS,
    };
    assert!(
        allowed.contains(&name),
        "{context}: element <{name}> is not allowed in {html}"
    );
    for (key, value) in attributes {
        assert!(
            !key.starts_with("on"),
            "{context}: event handler {key} on <{name}> in {html}"
        );
        assert!(
            !key.contains(':') && !key.starts_with("xmlns"),
            "{context}: namespaced attribute {key} on <{name}> in {html}"
        );
        assert!(
            !FORBIDDEN_ATTRIBUTES.contains(&key.as_str()),
            "{context}: attribute {key} on <{name}> in {html}"
        );
        if URL_ATTRIBUTES.contains(&key.as_str()) {
            assert_safe_url_attribute(value, kind, &format!("{context}: <{name} {key}>"));
        }
    }
    if kind == HtmlKind::Page {
        match name {
            "meta" => assert!(
                attributes
                    .iter()
                    .all(|(key, _)| matches!(key.as_str(), "charset" | "name" | "content")),
                "{context}: odd <meta> {attributes:?}"
            ),
            "link" => assert!(
                attributes
                    .iter()
                    .any(|(key, value)| key == "rel" && value == "alternate"),
                "{context}: a <link> other than rel=alternate: {attributes:?}"
            ),
            _ => {}
        }
    }
}

/// A URL attribute's value as a browser reads it: control characters and ASCII whitespace
/// removed (browsers skip them inside schemes), lowercased, then its scheme checked.
fn assert_safe_url_attribute(value: &str, kind: HtmlKind, context: &str) {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_end = squeezed.find(':');
    let path_start = squeezed.find(['/', '?', '#']);
    let scheme = match (scheme_end, path_start) {
        (Some(colon), Some(path)) if colon < path => Some(&squeezed[..colon]),
        (Some(colon), None) => Some(&squeezed[..colon]),
        _ => None,
    };
    match (scheme, kind) {
        (Some("http" | "https"), _) => assert_web_url(value, context),
        (Some("mailto"), HtmlKind::Fragment) => {}
        (Some(other), _) => panic!("{context}: URL scheme {other:?} in {value:?}"),
        (None, HtmlKind::Fragment) => panic!("{context}: relative URL {value:?}"),
        (None, HtmlKind::Page) => assert!(
            !squeezed.starts_with("//") && !squeezed.starts_with("\\"),
            "{context}: protocol-relative URL {value:?}"
        ),
    }
}

/// `text` with the entities frontpage's writers and ammonia's serializer produce decoded;
/// panics on any other entity (a browser would decode more, which a check cannot follow).
pub(super) fn decode_entities(text: &str, context: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let entity = &rest[amp + 1..];
        let end = entity
            .find(';')
            .unwrap_or_else(|| panic!("{context}: bare & in {text:?}"));
        let name = &entity[..end];
        let character = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "nbsp" => '\u{a0}',
            "#39" => '\'',
            other => panic!("{context}: unexpected entity &{other}; in {text:?}"),
        };
        decoded.push(character);
        rest = &entity[end + 1..];
    }
    decoded.push_str(rest);
    decoded
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), expected, "{input}");
    }
}
