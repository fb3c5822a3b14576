//! Bad input, end to end through [`super::parse`]: encodings (`tests/fixtures/encoding/`),
//! hostile documents (`tests/fixtures/hostile/`, and huge ones generated here), the entry cap.
//! SPEC §4: nothing panics, nothing is expanded or fetched, time and memory stay bounded.

use std::io::ErrorKind;
use std::net::TcpListener;

use super::*;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {full}: {error}"))
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|error| panic!("bad test URL {text}: {error}"))
}

fn feed_url() -> Url {
    url("https://enc.example.org/feed.xml")
}

fn parsed(body: &[u8], http_charset: Option<&str>, what: &str) -> ParsedFeed {
    parse_with_charset(body, &feed_url(), http_charset)
        .unwrap_or_else(|error| panic!("{what} should parse: {error}"))
}

fn titles(feed: &ParsedFeed) -> Vec<&str> {
    feed.entries
        .iter()
        .map(|entry| entry.title.as_deref().unwrap_or_default())
        .collect()
}

#[test]
fn encodings_are_transcoded() {
    let latin1 = ["Café crème à la française", "Größe: ÿ is"];
    let cp1252 = ["“Smart quotes” — and €5", "Œuvres complètes…"];
    let russian = ["Новости дня", "Погода в Москве"];
    let unicode = ["Ünïcödé ✓ 日本", "Ελληνικά"];
    let rows: &[(&str, Option<&str>, [&str; 2])] = &[
        ("iso-8859-1.xml", None, latin1),
        // the declaration wins over a wrong HTTP charset
        ("iso-8859-1.xml", Some("utf-8"), latin1),
        ("iso-8859-1.xml", Some("koi8-r"), latin1),
        ("windows-1252.xml", None, cp1252),
        (
            "shift_jis.xml",
            None,
            ["日本語のニュース", "東京で桜が開花"],
        ),
        ("koi8-r.xml", None, russian),
        ("utf-16le-bom.xml", None, unicode),
        ("utf-16be-bom.xml", None, unicode),
        ("utf-16le-bom.xml", Some("iso-8859-1"), unicode),
        // valid UTF-8 wins over a wrong declaration and a wrong HTTP charset
        (
            "utf-8-declared-latin1.xml",
            None,
            ["Café crème", "Привет, 世界"],
        ),
        (
            "utf-8-declared-latin1.xml",
            Some("windows-1251"),
            ["Café crème", "Привет, 世界"],
        ),
        // the HTTP charset when the document declares nothing
        ("undeclared-koi8-r.xml", Some("KOI8-R"), russian),
        ("undeclared-koi8-r.xml", Some("\"koi8-r\""), russian),
        // neither: windows-1252
        (
            "undeclared-windows-1252.xml",
            None,
            ["“Smart quotes” — and €5", "Café crème"],
        ),
    ];
    for (file, http_charset, expected) in rows {
        let feed = parsed(&fixture(&format!("encoding/{file}")), *http_charset, file);
        assert_eq!(titles(&feed), expected, "{file} with {http_charset:?}");
        assert_eq!(
            feed.title.as_deref(),
            Some(expected[0]),
            "{file}: channel title"
        );
        // the description of the first item is the second title
        assert_eq!(
            feed.entries[0].summary.as_deref(),
            Some(expected[1]),
            "{file}: description"
        );
        assert_eq!(
            feed.entries[0].published,
            Timestamp::parse_rfc3339("2026-11-27T10:00:00Z"),
            "{file}: date"
        );
    }
}

#[test]
fn undeclared_koi8_r_without_a_charset_is_read_as_windows_1252() {
    // the fallback cannot know: the feed is read (as mojibake), not lost
    let feed = parsed(&fixture("encoding/undeclared-koi8-r.xml"), None, "koi8-r");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(titles(&feed)[0], "îÏ×ÏÓÔÉ ÄÎÑ");
}

#[test]
fn html_entities_and_bare_ampersands_are_repaired() {
    let feed = parsed(&fixture("encoding/entities.xml"), None, "entities.xml");
    assert_eq!(feed.title.as_deref(), Some("Café & Bar"));
    assert_eq!(
        titles(&feed),
        [
            // (a title's no-break space is collapsed like any other)
            "AT&T & friends — café news…",
            "Second ‘story’ €5 ½ off"
        ]
    );
    let first = &feed.entries[0];
    assert_eq!(
        first.link.as_ref().map(Url::as_str),
        Some("https://entities.example.org/story?id=1&page=2")
    );
    // &#146; is the windows-1252 apostrophe; an unknown entity stays as written; &#0; is
    // replaced
    assert_eq!(
        first.summary.as_deref(),
        Some("<p>It’s \"fine\" © 2026 &bogus; \u{fffd}</p>")
    );
    // CDATA is left alone
    assert_eq!(
        feed.entries[1].summary.as_deref(),
        Some("<p>CDATA keeps &nbsp; and & as written</p>")
    );
}

#[test]
fn rss_without_a_version_is_rss_2() {
    let feed = parsed(&fixture("encoding/rss-no-version.xml"), None, "no version");
    assert_eq!(titles(&feed), ["No version", "Still RSS 2.0"]);
    // and so are versions feed-rs does not know
    for version in ["0.93", "0.94", "2", "2.0.1", "", " 2.0 "] {
        let body = format!(
            "<rss version=\"{version}\"><channel><title>t</title><item><title>a</title></item></channel></rss>"
        );
        let feed = parsed(body.as_bytes(), None, version);
        assert_eq!(titles(&feed), ["a"], "version {version:?}");
    }
}

#[test]
fn not_feeds_are_clean_errors() {
    let final_url = feed_url();
    assert_eq!(
        parse(&fixture("broken/html-page.html"), &final_url),
        Err(ParseError::NotAFeed(NotAFeedReason::Html))
    );
    assert_eq!(
        parse(&fixture("broken/empty.xml"), &final_url),
        Err(ParseError::NotAFeed(NotAFeedReason::EmptyBody))
    );
    // whitespace in UTF-16 is empty too
    assert_eq!(
        parse(b"\xff\xfe \0\n\0", &final_url),
        Err(ParseError::NotAFeed(NotAFeedReason::EmptyBody))
    );
    assert!(matches!(
        parse(&fixture("broken/truncated.xml"), &final_url),
        Err(ParseError::Malformed { .. })
    ));
}

/// Every text of every entry, to look for what must not be there.
fn all_text(feed: &ParsedFeed) -> String {
    let mut text = feed.title.clone().unwrap_or_default();
    for entry in &feed.entries {
        for part in [&entry.title, &entry.summary, &entry.content, &entry.author] {
            text.push_str(part.as_deref().unwrap_or_default());
        }
    }
    text
}

#[test]
fn external_entities_are_never_read() {
    let feed = parsed(&fixture("hostile/xxe-file.xml"), None, "xxe-file");
    assert_eq!(titles(&feed), ["before &xxe; after"]);
    // the reference stays as written (escaped in the HTML description)
    assert_eq!(feed.entries[0].summary.as_deref(), Some("&hostname;"));
    assert!(!all_text(&feed).contains("root:"));
}

#[test]
fn external_entities_and_dtds_are_never_fetched() {
    // a server the document points at: nothing may connect to it
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("bind: {error}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|error| panic!("address: {error}"));
    let body = String::from_utf8(fixture("hostile/xxe-http.xml"))
        .unwrap_or_else(|error| panic!("fixture is UTF-8: {error}"))
        .replace("127.0.0.1:9", &address.to_string());
    assert!(body.contains(&address.to_string()));
    let feed = parsed(body.as_bytes(), None, "xxe-http");
    assert_eq!(titles(&feed), ["before &xxe; after"]);
    assert_eq!(feed.entries[0].summary.as_deref(), Some("&xxe;"));
    listener
        .set_nonblocking(true)
        .unwrap_or_else(|error| panic!("nonblocking: {error}"));
    match listener.accept() {
        Err(error) if error.kind() == ErrorKind::WouldBlock => {}
        Err(error) => panic!("accept: {error}"),
        Ok((_, peer)) => panic!("the parser connected to {address} from {peer}"),
    }
}

#[test]
fn billion_laughs_are_inert() {
    let feed = parsed(
        &fixture("hostile/billion-laughs.xml"),
        None,
        "billion laughs",
    );
    assert_eq!(titles(&feed), ["before &lol9; after"]);
    assert_eq!(feed.entries[0].summary.as_deref(), Some("&lol9;"));
    assert!(all_text(&feed).len() < 200);
}

/// An RSS 2.0 document with one item whose description is `description` (raw XML).
fn rss_with_description(description: &str) -> String {
    format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>deep</title>\
         <link>https://hostile.example.org/deep</link><description>{description}</description>\
         </item></channel></rss>"
    )
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let too_deep = ParseError::Malformed {
        message: format!(
            "elements nested more than {} levels deep",
            prepare::MAX_DEPTH
        ),
    };
    let depth = 100_000;
    let nested = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let body = rss_with_description(&nested);
    assert_eq!(parse(body.as_bytes(), &feed_url()), Err(too_deep.clone()));
    // unclosed, at the top level, and in an Atom entry's XHTML content
    assert_eq!(
        parse("<a>".repeat(depth).as_bytes(), &feed_url()),
        Err(too_deep.clone())
    );
    let atom = format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><content type=\"xhtml\">{nested}</content></entry></feed>"
    );
    assert_eq!(parse(atom.as_bytes(), &feed_url()), Err(too_deep));
    // JSON: serde_json skips an unknown member however deep, without recursing
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{{\"id\":\"1\",\"x\":{}{}}}]}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert_eq!(
        parse(json.as_bytes(), &feed_url()).map(|feed| feed.entries.len()),
        Ok(1)
    );
    // and refuses a known one nested beyond its limit
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":{}{},\"items\":[]}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(matches!(
        parse(json.as_bytes(), &feed_url()),
        Err(ParseError::Malformed { .. })
    ));
}

#[test]
fn nesting_at_the_limit_fits_a_small_stack() {
    // feed-rs recurses once per media:group; rss, channel and item take three levels. A thread
    // with a 2 MiB stack, as tokio's workers have, in a debug build, must survive the deepest
    // document accepted.
    let groups = prepare::MAX_DEPTH - 3;
    let body = format!(
        "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>t</title><item><title>a</title>{}<media:content url=\"https://hostile.example.org/v.mp4\"/>{}</item></channel></rss>",
        "<media:group>".repeat(groups),
        "</media:group>".repeat(groups)
    );
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || parse(body.as_bytes(), &feed_url()).map(|feed| feed.entries.len()))
        .unwrap_or_else(|error| panic!("spawn: {error}"))
        .join()
        .unwrap_or_else(|_| panic!("the parse thread panicked"));
    assert_eq!(result, Ok(1));
}

#[test]
fn a_50_mb_text_node_is_read() {
    let size = 50 << 20;
    let mut text = "lorem ipsum ".repeat(size / 12);
    text.push_str("&amp; the end");
    let body = rss_with_description(&text);
    let feed = parsed(body.as_bytes(), None, "50 MB");
    let summary = feed.entries[0].summary.as_deref().unwrap_or_default();
    // `&amp;` is one character
    assert_eq!(summary.len(), text.len() - "amp;".len());
    assert!(summary.ends_with("& the end"));
}

/// An RSS 2.0 document with `count` tiny items titled by their number.
fn rss_with_items(count: usize) -> String {
    let mut body = String::from("<rss version=\"2.0\"><channel><title>many</title>");
    for number in 0..count {
        body.push_str(&format!(
            "<item><title>{number}</title><link>https://hostile.example.org/{number}</link></item>"
        ));
    }
    body.push_str("</channel></rss>");
    body
}

#[test]
fn a_million_entries_keep_the_first_ten_thousand() {
    let body = rss_with_items(1_000_000);
    let feed = parsed(body.as_bytes(), None, "a million items");
    assert_eq!(feed.entries.len(), MAX_ENTRIES_PER_FETCH);
    assert_eq!(feed.title.as_deref(), Some("many"));
    let titles = titles(&feed);
    assert_eq!(titles[0], "0");
    assert_eq!(titles[MAX_ENTRIES_PER_FETCH - 1], "9999");
}

#[test]
fn the_entry_cap_keeps_the_first_entries_in_document_order() {
    let final_url = url("https://krebsonsecurity.com/feed/");
    let capped = |path: &str, cap: usize| {
        parse_with_entry_cap(&fixture(path), &final_url, None, cap)
            .unwrap_or_else(|error| panic!("{path} should parse: {error}"))
    };
    let all = capped("rss2/krebs.xml", 100);
    let two = capped("rss2/krebs.xml", 2);
    assert_eq!(titles(&two), titles(&all)[..2]);
    // the counts read by the raw pass still line up with the entries kept
    assert_eq!(two.entries[1].engagement, all.entries[1].engagement);
    assert!(two.entries[1].engagement.comments.is_some());
    assert_eq!(capped("rss2/krebs.xml", 0).entries.len(), 0);
    // Atom, RDF (items after the channel) and JSON Feed
    for path in ["atom/schneier.xml", "rdf/slashdot.xml", "json/feed.json"] {
        let all = capped(path, 100);
        let one = capped(path, 1);
        assert_eq!(titles(&one), titles(&all)[..1], "{path}");
        assert_eq!(one.title, all.title, "{path}");
    }
}

#[test]
fn dates_are_read_by_our_parser() {
    // a date feed-rs's own parser would read as UTC midnight of another day, or not at all
    let body = br#"<rss version="2.0"><channel><title>t</title>
        <item><title>a</title><pubDate>Mon, 27 Nov 2026 22:01:12 EST</pubDate></item>
        <item><title>b</title><pubDate>27 Novembre 2026 10:00:00 GMT</pubDate></item>
        <item><title>c</title><pubDate>Fri Nov 27 22:01:12 2026</pubDate></item>
        </channel></rss>"#;
    let feed = parsed(body, None, "dates");
    let dates: Vec<Option<Timestamp>> = feed.entries.iter().map(|entry| entry.published).collect();
    assert_eq!(
        dates,
        [
            Timestamp::parse_rfc3339("2026-11-28T03:01:12Z"),
            None,
            Timestamp::parse_rfc3339("2026-11-27T22:01:12Z"),
        ]
    );
}

#[test]
fn an_xml_declaration_after_text_does_not_crash_feed_rs() {
    // found by `cargo fuzz run parse`: quick-xml panics when a declaration naming an
    // encoding comes after the first bytes; feed-rs never sees one now
    let crashed = ParseError::Malformed {
        message: "the feed parser crashed on this document".to_owned(),
    };
    for body in [
        "((((<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss version=\"2.0\"><channel><title>t</title><item><title>a</title></item></channel></rss>",
        "<rss version=\"2.0\"><channel><title>t</title><?xml version=\"1.0\" encoding=\"koi8-r\"?><item><title>a</title></item></channel></rss>",
        "<rss version=\"2.0\"><channel><title t=\"<?xml version='1.0' encoding='koi8-r'?>",
        // an end tag with a quote: quick-xml ends it at the `>` after the next quote, and
        // reads the declaration after it
        "<rss version=\"2.0\"><channel><title>t</title></x y\"><z a=\"> <?xml version=\"1.0\" encoding=\"koi8-r\"?><item><title>a</title></item></channel></rss>",
    ] {
        let result = parse(body.as_bytes(), &feed_url());
        assert_ne!(result, Err(crashed.clone()), "{body}");
    }
    let feed = parsed(
        "((((<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss version=\"2.0\"><channel><title>t</title><item><title>a</title></item></channel></rss>".as_bytes(),
        None,
        "text before the declaration",
    );
    assert_eq!(titles(&feed), ["a"]);
}
