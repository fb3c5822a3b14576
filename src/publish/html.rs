//! The HTML front page: a complete, readable HTML5 document listing the page's stories in the
//! order given, with autodiscovery links to its three feeds. Written by hand, every value
//! escaped where it is written.
//!
//! It must not emit JavaScript, event handlers, inline `style` attributes or any resource the
//! browser would load (no images, fonts, scripts or stylesheets): the only CSS is the
//! [`STYLE`] element, allowed by a Content-Security-Policy hash ([`STYLE_HASH`]). It must not
//! link anywhere outside the site but to the stories' own links (articles, sources,
//! comments) and the generator's home page. Like every format module it must not clean
//! anything itself, and it must not read the clock: ages are relative to
//! [`crate::model::Channel::now`].

use super::html_text::escape_html;
use super::prepare::{PreparedChannel, PreparedStory};
use super::{Format, GENERATOR_NAME, GENERATOR_URI, GENERATOR_VERSION, is_tag_name, output_path};
use crate::model::Timestamp;

/// The page's only CSS, written verbatim as the content of its `<style>` element. Its
/// Content-Security-Policy hash is [`STYLE_HASH`]: change them together (a test checks).
pub(super) const STYLE: &str = concat!(
    ":root{color-scheme:light dark}",
    "body{max-width:48rem;margin:0 auto;padding:1rem;font:1rem/1.5 system-ui,sans-serif}",
    "h1{font-size:1.5rem;margin:.5rem 0}",
    "ol{padding-left:2.25rem}",
    "li{margin:0 0 1rem}",
    ".title{font-size:1.1rem;font-weight:600}",
    ".meta,.tags{margin:0;font-size:.875rem}",
    ".tags a{margin-right:.5rem}",
    "header p,.meta,.tags,footer{opacity:.8}",
    "footer{margin-top:2rem;font-size:.875rem}",
);

/// The Content-Security-Policy source that allows the HTML page's `<style>` element (and
/// nothing else): SHA-256 of its exact content, base64-encoded, prefixed with `sha256-`.
///
/// The page needs no other resource, so `serve` can send
/// `Content-Security-Policy: default-src 'none'; style-src '<STYLE_HASH>'` (quoted, as CSP
/// wants hash sources), e.g. `format!("default-src 'none'; style-src '{STYLE_HASH}'")`.
/// Without that header the page works the same.
pub const STYLE_HASH: &str = "sha256-b1IT4SUSBrxQMtioroA+qLyMdDbnIJRWeuoy2hCAB/8=";

/// The page as an HTML5 document.
pub(super) fn render(page: &PreparedChannel) -> Vec<u8> {
    let here = page.path(Format::Html);
    let mut html = String::with_capacity(2048 + 1024 * page.stories.len());
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!(
        "<meta name=\"generator\" content=\"{}\">\n",
        escape_html(&format!("{GENERATOR_NAME} {GENERATOR_VERSION}"))
    ));
    html.push_str(&format!("<title>{}</title>\n", escape_html(&page.title)));
    for &format in Format::feeds() {
        html.push_str(&format!(
            "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">\n",
            format.media_type(),
            escape_html(&format!("{} ({})", page.title, format.label())),
            escape_html(&relative_href(&here, &page.path(format))),
        ));
    }
    html.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<header>\n"
    ));
    if page.tag.is_some() {
        html.push_str(&format!(
            "<p><a href=\"{}\">All stories</a></p>\n",
            escape_html(&relative_href(&here, ""))
        ));
    }
    html.push_str(&format!("<h1>{}</h1>\n", escape_html(&page.title)));
    if !page.description.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", escape_html(&page.description)));
    }
    html.push_str("</header>\n<main>\n");
    if page.stories.is_empty() {
        html.push_str("<p>No stories yet.</p>\n");
    } else {
        html.push_str("<ol>\n");
        for story in &page.stories {
            html.push_str(&story_item(story, page, &here));
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</main>\n");
    html.push_str(&footer(page, &here));
    html.push_str("</body>\n</html>\n");
    html.into_bytes()
}

/// One story as a list item: linked title, then sources, age and comments, then tags.
fn story_item(story: &PreparedStory, page: &PreparedChannel, here: &str) -> String {
    let now = page.now;
    let mut item = format!("<li id=\"story-{}\">\n", story.id);
    let title = escape_html(&story.title);
    match &story.link {
        Some(link) => item.push_str(&format!(
            "<a class=\"title\" href=\"{}\">{title}</a>\n",
            escape_html(link)
        )),
        None => item.push_str(&format!("<span class=\"title\">{title}</span>\n")),
    }
    let mut meta: Vec<String> = Vec::with_capacity(3);
    if let Some((first, others)) = story.sources.split_first() {
        let mut sources = format!("from {}", source_link(&first.name, &first.href));
        if !others.is_empty() {
            let others: Vec<String> = others
                .iter()
                .map(|source| source_link(&source.name, &source.href))
                .collect();
            sources.push_str(&format!(", also covered by {}", others.join(", ")));
        }
        meta.push(sources);
    }
    meta.push(format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        story.published.to_rfc3339(),
        readable_date(story.published),
        relative_age(now, story.published)
    ));
    if let Some(comments) = &story.comments {
        meta.push(format!(
            "<a href=\"{}\">comments</a>",
            escape_html(comments)
        ));
    }
    item.push_str(&format!("<p class=\"meta\">{}</p>\n", meta.join(" · ")));
    if !story.categories.is_empty() {
        let tags: Vec<String> = story
            .categories
            .iter()
            .map(|category| tag_link(category, here, &page.tag_pages))
            .collect();
        item.push_str(&format!("<p class=\"tags\">{}</p>\n", tags.join(" ")));
    }
    item.push_str("</li>\n");
    item
}

fn source_link(name: &str, href: &str) -> String {
    format!(
        "<a href=\"{}\">{}</a>",
        escape_html(href),
        escape_html(name)
    )
}

/// A category, linked to its tag page when it has one (a configured tag); plain text
/// otherwise.
fn tag_link(category: &str, here: &str, tag_pages: &[String]) -> String {
    if is_tag_name(category) && tag_pages.iter().any(|tag| tag == category) {
        let target = output_path(Format::Html, Some(category));
        format!(
            "<a href=\"{}\">{}</a>",
            escape_html(&relative_href(here, &target)),
            escape_html(category)
        )
    } else {
        format!("<span>{}</span>", escape_html(category))
    }
}

/// Links to the page's feeds, its update time and the generator.
fn footer(page: &PreparedChannel, here: &str) -> String {
    let feeds: Vec<String> = Format::feeds()
        .iter()
        .map(|&format| {
            format!(
                "<a href=\"{}\" type=\"{}\">{}</a>",
                escape_html(&relative_href(here, &page.path(format))),
                format.media_type(),
                format.label()
            )
        })
        .collect();
    let mut footer = format!("<footer>\n<p>Feeds: {}</p>\n<p>", feeds.join(" · "));
    if !page.stories.is_empty() {
        footer.push_str(&format!(
            "Updated <time datetime=\"{}\">{}</time>. ",
            page.updated.to_rfc3339(),
            readable_date(page.updated)
        ));
    }
    let generator = if GENERATOR_URI.is_empty() {
        GENERATOR_NAME.to_owned()
    } else {
        format!(
            "<a href=\"{}\">{GENERATOR_NAME}</a>",
            escape_html(GENERATOR_URI)
        )
    };
    footer.push_str(&format!(
        "Made with {generator} {}.</p>\n</footer>\n",
        escape_html(GENERATOR_VERSION)
    ));
    footer
}

/// The link from the page at `page` to `target`, both paths relative to the site root (`""`
/// is the main page): `tag/x.html` from the main page, `x.html` from another tag page,
/// `../feed.rss` from a tag page to a main feed.
fn relative_href(page: &str, target: &str) -> String {
    let folder = page.rfind('/').map_or("", |slash| &page[..=slash]);
    let href = match target.strip_prefix(folder) {
        Some(inside) => inside.to_owned(),
        None => format!("{}{target}", "../".repeat(folder.matches('/').count())),
    };
    if href.is_empty() {
        "./".to_owned()
    } else {
        href
    }
}

/// How long before `now` `time` was, roughly: "just now", "12m ago", "3h ago", "2d ago".
fn relative_age(now: Timestamp, time: Timestamp) -> String {
    let seconds = now.unix().saturating_sub(time.unix());
    match seconds {
        ..60 => "just now".to_owned(),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

/// `2026-11-28 13:00 UTC`.
fn readable_date(time: Timestamp) -> String {
    time.to_chrono().format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::super::test_support::{base64, count, sample_channel, sample_stories, time};
    use super::super::{Format, render};
    use super::*;
    use crate::model::{Channel, Story};

    fn page(channel: &Channel, stories: &[Story]) -> String {
        String::from_utf8(render(Format::Html, channel, stories)).expect("UTF-8")
    }

    #[test]
    fn style_hash_matches_the_style_element() {
        let digest = Sha256::digest(STYLE.as_bytes());
        assert_eq!(STYLE_HASH, format!("sha256-{}", base64(&digest)));
        let html = page(&sample_channel(), &sample_stories());
        assert_eq!(count(&html, "<style>"), 1, "{html}");
        assert!(html.contains(&format!("<style>{STYLE}</style>")), "{html}");
        assert!(!STYLE.contains('<') && !STYLE.contains('>'));
    }

    #[test]
    fn head_has_title_and_autodiscovery_links() {
        let html = page(&sample_channel(), &sample_stories());
        assert!(
            html.starts_with(concat!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            )),
            "{html}"
        );
        assert!(
            html.contains("<title>Security front page</title>"),
            "{html}"
        );
        for link in [
            "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Security front page (RSS)\" href=\"feed.rss\">",
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Security front page (Atom)\" href=\"feed.atom\">",
            "<link rel=\"alternate\" type=\"application/feed+json\" title=\"Security front page (JSON Feed)\" href=\"feed.json\">",
        ] {
            assert!(html.contains(link), "{link} in {html}");
        }
        assert!(
            html.contains("<h1>Security front page</h1>\n<p>The security news that matters</p>"),
            "{html}"
        );
    }

    #[test]
    fn stories_are_listed_in_order_with_sources_age_comments_and_tags() {
        let html = page(&sample_channel(), &sample_stories());
        assert!(
            html.contains(concat!(
                "<li id=\"story-101\">\n",
                "<a class=\"title\" href=\"https://news.example.com/2026/big-breach\">",
                "Big breach at Example Corp</a>\n",
                "<p class=\"meta\">from <a href=\"https://news.example.com/2026/big-breach\">",
                "Krebs on Security</a>, also covered by ",
                "<a href=\"https://www.bleepingcomputer.com/news/big-breach\">BleepingComputer</a>",
                " · <time datetime=\"2026-11-28T09:00:00Z\" title=\"2026-11-28 09:00 UTC\">",
                "4h ago</time>",
                " · <a href=\"https://news.ycombinator.com/item?id=1\">comments</a></p>\n",
                "<p class=\"tags\"><a href=\"tag/breach.html\">breach</a> ",
                "<a href=\"tag/security.html\">security</a></p>\n",
                "</li>\n",
            )),
            "{html}"
        );
        assert!(
            html.contains("<a class=\"title\" href=\"https://blog.example.net/2026/11/patch-tuesday\">Patch Tuesday &amp; friends</a>"),
            "{html}"
        );
        assert!(html.contains(">14h ago</time>"), "{html}");
        // No link: the title is plain text.
        assert!(
            html.contains("<span class=\"title\">Telegram bug</span>"),
            "{html}"
        );
        assert!(html.contains(">2d ago</time>"), "{html}");
        let first = html.find("story-101").expect("101");
        let second = html.find("story-102").expect("102");
        let third = html.find("story-103").expect("103");
        assert!(first < second && second < third);
        assert_eq!(count(&html, "<li "), 3);
    }

    #[test]
    fn footer_links_feeds_and_generator() {
        let html = page(&sample_channel(), &sample_stories());
        assert!(
            html.contains(concat!(
                "<footer>\n<p>Feeds: <a href=\"feed.rss\" type=\"application/rss+xml\">RSS</a>",
                " · <a href=\"feed.atom\" type=\"application/atom+xml\">Atom</a>",
                " · <a href=\"feed.json\" type=\"application/feed+json\">JSON Feed</a></p>\n",
                "<p>Updated <time datetime=\"2026-11-28T13:00:00Z\">2026-11-28 13:00 UTC</time>. ",
            )),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "Made with <a href=\"{}\">frontpage</a> {}.</p>\n</footer>\n</body>\n</html>\n",
                env!("CARGO_PKG_REPOSITORY"),
                env!("CARGO_PKG_VERSION")
            )),
            "{html}"
        );
    }

    #[test]
    fn tag_page_links_are_relative_to_tag() {
        let channel = Channel {
            tag: Some("breach".to_owned()),
            ..sample_channel()
        };
        let html = page(&channel, &sample_stories()[..1]);
        assert!(
            html.contains("<title>Security front page: breach</title>"),
            "{html}"
        );
        assert!(html.contains("title=\"Security front page: breach (RSS)\" href=\"breach.rss\">"));
        assert!(html.contains("href=\"breach.json\">"), "{html}");
        assert!(
            html.contains("<p><a href=\"../\">All stories</a></p>"),
            "{html}"
        );
        assert!(
            html.contains(concat!(
                "<p class=\"tags\"><a href=\"breach.html\">breach</a> ",
                "<a href=\"security.html\">security</a></p>"
            )),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"breach.atom\" type=\"application/atom+xml\">Atom</a>"),
            "{html}"
        );
    }

    #[test]
    fn categories_that_cannot_be_tags_are_not_linked() {
        let mut stories = sample_stories();
        stories[0].categories = vec!["Data Breach".to_owned(), "ok-tag".to_owned()];
        let html = page(&sample_channel(), &stories);
        assert!(
            html.contains(
                "<p class=\"tags\"><span>Data Breach</span> <a href=\"tag/ok-tag.html\">ok-tag</a></p>"
            ),
            "{html}"
        );
    }

    #[test]
    fn empty_page_says_so() {
        let html = page(&sample_channel(), &[]);
        assert!(html.contains("<p>No stories yet.</p>"), "{html}");
        assert!(!html.contains("<ol>"), "{html}");
        assert!(!html.contains("Updated"), "{html}");
    }

    #[test]
    fn relative_ages() {
        let now = time("2026-11-28T13:00:00Z");
        for (then, expected) in [
            ("2026-11-28T13:00:00Z", "just now"),
            ("2026-11-28T13:05:00Z", "just now"),
            ("2026-11-28T12:59:01Z", "just now"),
            ("2026-11-28T12:59:00Z", "1m ago"),
            ("2026-11-28T12:01:00Z", "59m ago"),
            ("2026-11-28T12:00:00Z", "1h ago"),
            ("2026-11-27T13:00:01Z", "23h ago"),
            ("2026-11-27T13:00:00Z", "1d ago"),
            ("2026-11-18T13:00:00Z", "10d ago"),
        ] {
            assert_eq!(relative_age(now, time(then)), expected, "{then}");
        }
    }

    #[test]
    fn relative_hrefs() {
        for (page, target, expected) in [
            ("index.html", "feed.rss", "feed.rss"),
            ("index.html", "tag/x.html", "tag/x.html"),
            ("index.html", "", "./"),
            ("tag/x.html", "tag/y.html", "y.html"),
            ("tag/x.html", "tag/x.rss", "x.rss"),
            ("tag/x.html", "feed.rss", "../feed.rss"),
            ("tag/x.html", "", "../"),
        ] {
            assert_eq!(relative_href(page, target), expected, "{page} -> {target}");
        }
    }

    #[test]
    fn only_the_page_depends_on_the_clock() {
        let stories = sample_stories();
        let channel = sample_channel();
        let later = Channel {
            now: time("2026-11-29T13:00:00Z"),
            ..channel.clone()
        };
        let html = page(&later, &stories);
        assert!(html.contains(">1d ago</time>"), "{html}");
        assert_ne!(page(&channel, &stories), html);
    }
}
