//! Text and HTML hygiene for published feeds: XML-safe strings, one-line plain text, sanitized
//! HTML (the only `ammonia` user) and the "Sources:" paragraph.
//!
//! Everything a feed document carries passes through here first. This module must not build
//! feed documents, must not keep any state between renders, and must never let markup from a
//! feed reach the output unsanitized.

use std::collections::HashSet;
use std::fmt::Write as _;

use ammonia::UrlRelative;
use url::Url;

use crate::model::Source;

/// Whether XML 1.0 allows `character` in a document (the `Char` production): tab, newline,
/// carriage return and everything from U+0020 up, except U+FFFE and U+FFFF. Surrogates cannot
/// occur in a Rust `char`.
pub(super) fn is_xml_char(character: char) -> bool {
    match character {
        '\t' | '\n' | '\r' => true,
        '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => false,
        _ => true,
    }
}

/// `text` without the characters XML 1.0 forbids, so a strict parser (expat) accepts the
/// document that carries it.
pub(super) fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&character| is_xml_char(character))
        .collect()
}

/// What replaces a `<` that could open a tag in plain text: U+2039 SINGLE LEFT-POINTING ANGLE
/// QUOTATION MARK, which reads the same and means nothing to an HTML parser.
const DEFUSED_LESS_THAN: char = '\u{2039}';

/// `text` as one line of plain text: XML-safe, without control characters (C0, DEL, C1), with
/// whitespace runs collapsed to one space, trimmed, and unable to carry markup. Used for titles, names and categories, which feed readers show
/// on one line, and some of them (RSS titles) through an HTML parser.
///
/// A `<` that an HTML parser would read as the start of a tag, comment or declaration (followed
/// by a letter, `/`, `!` or `?`) becomes `‹`, so "Why `<blink>` died" keeps its words but
/// cannot become an element in any reader. Every other character is kept.
pub(super) fn plain_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    for word in text
        .split(|character: char| {
            character.is_whitespace() || character.is_control() || !is_xml_char(character)
        })
        .filter(|word| !word.is_empty())
    {
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    defuse_tags(&line)
}

/// `text` with every `<` that could open markup replaced by [`DEFUSED_LESS_THAN`].
fn defuse_tags(text: &str) -> String {
    let mut defused = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        let opens_markup = character == '<'
            && characters
                .peek()
                .is_some_and(|&next| next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'));
        defused.push(if opens_markup {
            DEFUSED_LESS_THAN
        } else {
            character
        });
    }
    defused
}

/// `url` as published, when it is safe to hand to a reader as a link: `http` and `https`
/// only (a feed may carry `javascript:` or `data:` in any URL field), XML-safe.
pub(super) fn public_url(url: &url::Url) -> Option<String> {
    matches!(url.scheme(), "http" | "https").then(|| xml_safe(url.as_str()))
}

/// `text` escaped for HTML text and double-quoted attribute values.
pub(super) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Tags removed together with everything inside them: their content is code or an embedded
/// document, never text a reader should see.
const CLEAN_CONTENT_TAGS: [&str; 13] = [
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
    "xmp",
    "noembed",
    "noframes",
    "plaintext",
];

/// The URL schemes a sanitized link or image may use: the web and e-mail. Everything else
/// (`javascript:`, `data:`, `vbscript:`, and also `ftp:`, `magnet:` and the like that
/// ammonia would allow) is dropped.
const URL_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Sanitizes feed HTML for republishing.
///
/// Built once per render. ammonia keeps only its allow list of elements and attributes, so
/// `script`, `style`, `iframe`, `form`, `object`, `embed`, `base`, `meta`, `svg`, `math`,
/// event handlers, `style` attributes and comments never survive; links get
/// `rel="noopener noreferrer"`. On top of that, the content of code-like elements is dropped
/// ([`CLEAN_CONTENT_TAGS`]) and URLs are restricted to [`URL_SCHEMES`].
pub(super) struct Sanitizer {
    builder: ammonia::Builder<'static>,
}

impl Sanitizer {
    /// A sanitizer with frontpage's policy.
    pub(super) fn new() -> Self {
        let mut builder = ammonia::Builder::default();
        builder
            .clean_content_tags(CLEAN_CONTENT_TAGS.into_iter().collect::<HashSet<_>>())
            .url_schemes(URL_SCHEMES.into_iter().collect::<HashSet<_>>());
        Sanitizer { builder }
    }

    /// `html` sanitized, XML-safe and trimmed. Relative URLs are resolved against `base`;
    /// without a base they are dropped, since a published URL must be absolute.
    pub(super) fn clean(&mut self, html: &str, base: Option<&Url>) -> String {
        let policy = match base {
            Some(base) => UrlRelative::RewriteWithBase(base.clone()),
            None => UrlRelative::Deny,
        };
        self.builder.url_relative(policy);
        let cleaned = self.builder.clean(&xml_safe(html)).to_string();
        xml_safe(cleaned.trim())
    }

    /// The HTML a story's description carries: its sanitized summary, then the paragraph
    /// listing its sources. Empty when the story has neither.
    pub(super) fn description(
        &mut self,
        summary: Option<&str>,
        base: Option<&Url>,
        sources: &[Source],
    ) -> String {
        let mut html = summary
            .map(|summary| self.clean(summary, base))
            .unwrap_or_default();
        let sources_html = self.clean(&sources_paragraph(sources), None);
        if !sources_html.is_empty() {
            if !html.is_empty() {
                html.push('\n');
            }
            html.push_str(&sources_html);
        }
        html
    }
}

/// `<p>Sources: <a href="…">Feed Name</a>, …</p>` linking each source's entry (else its site,
/// else its feed); empty when there are no sources.
fn sources_paragraph(sources: &[Source]) -> String {
    if sources.is_empty() {
        return String::new();
    }
    let mut html = String::from("<p>Sources: ");
    for (index, source) in sources.iter().enumerate() {
        if index > 0 {
            html.push_str(", ");
        }
        let href = source_href(source);
        let name = plain_line(&source.feed_name);
        let name = match (name.is_empty(), &href) {
            (false, _) => name,
            (true, Some(href)) => href.clone(),
            (true, None) => source.feed_url.to_string(),
        };
        // Writing into a String cannot fail.
        let _ = match href {
            Some(href) => write!(
                html,
                "<a href=\"{}\">{}</a>",
                escape_html(&href),
                escape_html(&name)
            ),
            None => write!(html, "{}", escape_html(&name)),
        };
    }
    html.push_str("</p>");
    html
}

/// Where a source's name links to: its entry, else its site, else its feed, whichever is the
/// first `http(s)` URL.
pub(super) fn source_href(source: &Source) -> Option<String> {
    [source.entry_link.as_ref(), source.site_link.as_ref()]
        .into_iter()
        .flatten()
        .chain(std::iter::once(&source.feed_url))
        .find_map(public_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn xml_safe_drops_only_forbidden_characters() {
        assert_eq!(
            xml_safe("a\u{0}b\u{1b}c\u{fffe}d\u{ffff}e\tf\ng\rh\u{7f}é"),
            "abcde\tf\ng\rh\u{7f}é"
        );
    }

    #[test]
    fn plain_line_collapses_whitespace_and_controls() {
        assert_eq!(plain_line("  Big\n\tnews\u{0}today  "), "Big news today");
        assert_eq!(plain_line(" \u{1b} "), "");
        assert_eq!(plain_line("a\u{7f}b\u{85}c\u{9f}d"), "a b c d");
    }

    #[test]
    fn plain_line_cannot_open_markup() {
        let table = [
            ("Why <blink> died", "Why \u{2039}blink> died"),
            (
                "<script>alert(1)</script>",
                "\u{2039}script>alert(1)\u{2039}/script>",
            ),
            ("<<script>script>", "<\u{2039}script>script>"),
            (
                "<!-- x --> <?php <![CDATA[",
                "\u{2039}!-- x --> \u{2039}?php \u{2039}![CDATA[",
            ),
            ("x < y, a<3, 1 <= 2, <", "x < y, a<3, 1 <= 2, <"),
            (
                "<\nimg src=x onerror=alert(1)>",
                "< img src=x onerror=alert(1)>",
            ),
            ("AT&T &lt;b&gt;", "AT&T &lt;b&gt;"),
        ];
        for (text, expected) in table {
            assert_eq!(plain_line(text), expected, "{text:?}");
        }
    }

    #[test]
    fn public_urls_are_http_or_https() {
        for (text, expected) in [
            ("https://a.example/x", true),
            ("http://a.example/", true),
            ("javascript:alert(1)", false),
            ("JavaScript:alert(1)", false),
            ("data:text/html,hi", false),
            ("vbscript:msgbox", false),
            ("ftp://a.example/", false),
            ("file:///etc/passwd", false),
        ] {
            assert_eq!(public_url(&url(text)).is_some(), expected, "{text}");
        }
    }

    #[test]
    fn clean_resolves_relative_urls_against_the_base() {
        let mut sanitizer = Sanitizer::new();
        let base = url("https://example.com/news/story.html");
        let html = sanitizer.clean(r#"<a href="/x">x</a> <img src="pic.png">"#, Some(&base));
        assert!(html.contains(r#"href="https://example.com/x""#), "{html}");
        assert!(
            html.contains(r#"src="https://example.com/news/pic.png""#),
            "{html}"
        );
    }

    #[test]
    fn clean_drops_relative_urls_without_a_base() {
        let mut sanitizer = Sanitizer::new();
        let html = sanitizer.clean(r#"<a href="/x">x</a>"#, None);
        assert!(!html.contains("href"), "{html}");
        assert!(html.contains('x'), "{html}");
    }

    #[test]
    fn clean_removes_active_content() {
        let mut sanitizer = Sanitizer::new();
        let html = sanitizer.clean(
            concat!(
                "<script>alert(1)</script><style>p{}</style>",
                "<iframe src=\"https://evil.example/\">frame text</iframe>",
                "<img src=x onerror=alert(1)><a href=\"javascript:alert(1)\">j</a>",
                "<a href=\"data:text/html,hi\">d</a><a href=\"vbscript:msgbox\">v</a>",
                "<form action=\"/steal\"><input name=q></form><object data=\"x\"></object>",
                "<embed src=\"x\"><base href=\"https://evil.example/\"><meta http-equiv=refresh>",
            ),
            Some(&url("https://example.com/a")),
        );
        for needle in [
            "script",
            "alert",
            "style",
            "iframe",
            "frame text",
            "onerror",
            "javascript:",
            "data:",
            "vbscript:",
            "<form",
            "<input",
            "<object",
            "<embed",
            "<base",
            "<meta",
        ] {
            assert!(!html.contains(needle), "{needle} survived in {html}");
        }
    }

    #[test]
    fn sources_paragraph_links_entry_then_site_then_feed() {
        let sources = vec![
            Source {
                feed_name: "A & B".to_owned(),
                feed_url: url("https://a.example/feed"),
                site_link: Some(url("https://a.example/")),
                entry_link: Some(url("https://a.example/post?x=1&y=2")),
            },
            Source {
                feed_name: "Site".to_owned(),
                feed_url: url("https://s.example/feed"),
                site_link: Some(url("https://s.example/")),
                entry_link: None,
            },
            Source {
                feed_name: String::new(),
                feed_url: url("https://f.example/feed"),
                site_link: None,
                entry_link: None,
            },
        ];
        assert_eq!(
            sources_paragraph(&sources),
            concat!(
                "<p>Sources: <a href=\"https://a.example/post?x=1&amp;y=2\">A &amp; B</a>, ",
                "<a href=\"https://s.example/\">Site</a>, ",
                "<a href=\"https://f.example/feed\">https://f.example/feed</a></p>",
            )
        );
        assert_eq!(sources_paragraph(&[]), "");
    }

    #[test]
    fn description_is_summary_then_sources() {
        let mut sanitizer = Sanitizer::new();
        let sources = vec![Source {
            feed_name: "Feed".to_owned(),
            feed_url: url("https://f.example/feed"),
            site_link: None,
            entry_link: None,
        }];
        let html = sanitizer.description(Some("<p>Hi</p>"), None, &sources);
        assert!(html.starts_with("<p>Hi</p>\n<p>Sources: <a href=\"https://f.example/feed\""));
        let only_sources = sanitizer.description(Some("  "), None, &sources);
        assert!(only_sources.starts_with("<p>Sources:"), "{only_sources}");
        assert_eq!(sanitizer.description(None, None, &[]), "");
    }
}
