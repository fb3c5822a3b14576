//! The published documents checked against the rules of their specifications, for the main
//! page and a tag page: RSS 2.0, Atom 1.0 (RFC 4287), JSON Feed 1.1 and the HTML page; plus
//! determinism and agreement between formats.
//!
//! The checks read the output back with an independent parser (`test_support`); they must not
//! call the renderers' own helpers to decide what is valid.

use url::Url;

use super::test_support::{
    HtmlKind, XmlNode, assert_safe_html, assert_web_url, count, parse_xml, sample_channel,
    sample_stories, time,
};
use super::{Format, output_path, render, render_every_format};
use crate::model::{Channel, Story};

const ATOM_NAMESPACE: &str = "http://www.w3.org/2005/Atom";

/// The main page and a tag page of the sample site.
fn channels() -> [Channel; 2] {
    [
        sample_channel(),
        Channel {
            tag: Some("breach".to_owned()),
            ..sample_channel()
        },
    ]
}

/// The absolute URL a page of `channel` is published at in `format`.
fn self_url(channel: &Channel, format: Format) -> String {
    channel.url_of(&output_path(format, channel.tag.as_deref()))
}

/// The page's HTML home: the site itself, or the tag's page.
fn home_url(channel: &Channel) -> String {
    match &channel.tag {
        None => channel.link.to_string(),
        Some(tag) => channel.url_of(&format!("tag/{tag}.html")),
    }
}

fn assert_rfc822(text: &str, context: &str) {
    let date = chrono::DateTime::parse_from_rfc2822(text)
        .unwrap_or_else(|error| panic!("{context}: {text:?} is not RFC 822: {error}"));
    // RFC 822 wants a day name, a four-digit year (RFC 1123) and a zone.
    assert_eq!(
        date.to_rfc2822(),
        text,
        "{context}: not in canonical RFC 822 form"
    );
}

fn assert_rfc3339(text: &str, context: &str) {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{context}: {text:?} is not RFC 3339: {error}"));
}

/// No element is empty: each has text, attributes or children.
fn assert_no_empty_elements(root: &XmlNode, context: &str) {
    for node in root.descendants() {
        assert!(
            !node.text.trim().is_empty()
                || !node.attributes.is_empty()
                || !node.children.is_empty(),
            "{context}: empty <{}>",
            node.name
        );
    }
}

fn non_empty_text<'a>(node: &'a XmlNode, name: &str, context: &str) -> &'a str {
    let text = node.one(name).text.trim();
    assert!(!text.is_empty(), "{context}: empty <{name}>");
    text
}

#[test]
fn rss_follows_rss_2_0() {
    for channel in channels() {
        let context = format!("rss {:?}", channel.tag);
        let root = parse_xml(&render(Format::Rss, &channel, &sample_stories()));
        assert_eq!(root.name, "rss");
        assert_eq!(root.namespace, None);
        assert_eq!(root.attribute("version"), Some("2.0"));
        assert_eq!(root.children.len(), 1, "{context}: one <channel>");
        let rss_channel = root.one("channel");
        assert_no_empty_elements(rss_channel, &context);
        non_empty_text(rss_channel, "title", &context);
        non_empty_text(rss_channel, "description", &context);
        assert_web_url(non_empty_text(rss_channel, "link", &context), &context);
        assert_rfc822(
            non_empty_text(rss_channel, "lastBuildDate", &context),
            &context,
        );
        let self_links: Vec<&XmlNode> = rss_channel.all_in("link", Some(ATOM_NAMESPACE)).collect();
        assert_eq!(self_links.len(), 1, "{context}: one atom:link");
        assert_eq!(self_links[0].attribute("rel"), Some("self"));
        assert_eq!(
            self_links[0].attribute("href"),
            Some(self_url(&channel, Format::Rss).as_str())
        );
        assert_eq!(self_links[0].attribute("type"), Some("application/rss+xml"));
        let items: Vec<&XmlNode> = rss_channel.all("item").collect();
        assert_eq!(items.len(), 3, "{context}");
        for item in items {
            let has_title = item.all("title").any(|title| !title.text.trim().is_empty());
            let has_description = item.all("description").any(|d| !d.text.trim().is_empty());
            assert!(has_title || has_description, "{context}: {item:#?}");
            for name in [
                "title",
                "link",
                "description",
                "guid",
                "pubDate",
                "comments",
            ] {
                assert!(item.all(name).count() <= 1, "{context}: two <{name}>");
            }
            let guid = item.one("guid");
            assert_eq!(guid.attribute("isPermaLink"), Some("false"), "{context}");
            assert_web_url(&guid.text, &context);
            assert_rfc822(non_empty_text(item, "pubDate", &context), &context);
            for name in ["link", "comments"] {
                for node in item.all(name) {
                    assert_web_url(&node.text, &context);
                }
            }
            for source in item.all("source") {
                assert_web_url(source.attribute("url").expect("source url"), &context);
            }
        }
    }
}

#[test]
fn atom_follows_rfc_4287() {
    for channel in channels() {
        let context = format!("atom {:?}", channel.tag);
        let feed = parse_xml(&render(Format::Atom, &channel, &sample_stories()));
        assert_eq!(feed.name, "feed");
        assert_eq!(feed.namespace.as_deref(), Some(ATOM_NAMESPACE));
        assert_no_empty_elements(&feed, &context);
        assert!(
            feed.descendants()
                .iter()
                .all(|node| node.namespace.as_deref() == Some(ATOM_NAMESPACE)),
            "{context}: only Atom elements"
        );
        let feed_id = non_empty_text(&feed, "id", &context);
        assert_web_url(feed_id, &context);
        assert_eq!(feed_id, self_url(&channel, Format::Atom));
        non_empty_text(&feed, "title", &context);
        assert_rfc3339(non_empty_text(&feed, "updated", &context), &context);
        let self_links: Vec<&XmlNode> = feed
            .all("link")
            .filter(|link| link.attribute("rel") == Some("self"))
            .collect();
        assert_eq!(self_links.len(), 1, "{context}: one self link");
        assert_eq!(
            self_links[0].attribute("href"),
            Some(self_url(&channel, Format::Atom).as_str())
        );
        let alternates: Vec<&XmlNode> = feed
            .all("link")
            .filter(|link| link.attribute("rel").unwrap_or("alternate") == "alternate")
            .collect();
        assert_eq!(alternates.len(), 1, "{context}: one alternate link");
        assert_eq!(
            alternates[0].attribute("href"),
            Some(home_url(&channel).as_str())
        );
        let feed_has_author = feed.all("author").count() > 0;
        let mut ids = Vec::new();
        for entry in feed.all("entry") {
            let id = non_empty_text(entry, "id", &context);
            assert_web_url(id, &context);
            ids.push(id.to_owned());
            non_empty_text(entry, "title", &context);
            assert_rfc3339(non_empty_text(entry, "updated", &context), &context);
            for published in entry.all("published") {
                assert_rfc3339(&published.text, &context);
            }
            // §4.1.2: an author on the entry, or on the feed.
            assert!(
                feed_has_author || entry.all("author").count() > 0,
                "{context}: entry {id} has no author"
            );
            for author in entry.all("author") {
                non_empty_text(author, "name", &context);
            }
            // §4.1.1.1: content, or a link rel=alternate.
            let alternate = entry
                .all("link")
                .filter(|link| link.attribute("rel").unwrap_or("alternate") == "alternate")
                .count();
            assert!(alternate <= 1, "{context}: {id} has two alternate links");
            assert!(
                alternate == 1 || entry.all("content").count() == 1,
                "{context}: entry {id} has neither content nor alternate link"
            );
            for link in entry.all("link") {
                assert_web_url(link.attribute("href").expect("href"), &context);
            }
            for source in entry.all("source") {
                assert_web_url(non_empty_text(source, "id", &context), &context);
                non_empty_text(source, "title", &context);
                assert_rfc3339(non_empty_text(source, "updated", &context), &context);
            }
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{context}: entry ids are unique");
        assert_eq!(ids.len(), 3, "{context}");
    }
}

#[test]
fn json_follows_json_feed_1_1() {
    for channel in channels() {
        let context = format!("json {:?}", channel.tag);
        let bytes = render(Format::Json, &channel, &sample_stories());
        assert!(bytes.ends_with(b"}\n"), "{context}: ends with a newline");
        let feed: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON parses");
        assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
        assert!(
            feed["title"]
                .as_str()
                .is_some_and(|title| !title.is_empty()),
            "{context}"
        );
        assert_eq!(
            feed["feed_url"].as_str(),
            Some(self_url(&channel, Format::Json).as_str())
        );
        assert_web_url(feed["home_page_url"].as_str().expect("home"), &context);
        assert!(
            !bytes.windows(4).any(|window| window == b"null"),
            "{context}"
        );
        let items = feed["items"].as_array().expect("items");
        assert_eq!(items.len(), 3, "{context}");
        let mut ids: Vec<&str> = Vec::new();
        for item in items {
            let id = item["id"].as_str().expect("every item has a string id");
            assert!(!id.is_empty(), "{context}");
            assert!(!ids.contains(&id), "{context}: id {id} twice");
            ids.push(id);
            assert!(
                item["content_html"].is_string() || item["content_text"].is_string(),
                "{context}: {id} has content"
            );
            for key in ["date_published", "date_modified"] {
                assert_rfc3339(item[key].as_str().expect("date"), &context);
            }
            if let Some(link) = item.get("url") {
                assert_web_url(link.as_str().expect("url"), &context);
            }
            for author in item
                .get("authors")
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
            {
                assert!(author["name"].is_string(), "{context}: {author}");
            }
            for tag in item
                .get("tags")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
            {
                assert!(tag.is_string(), "{context}: {tag}");
            }
        }
    }
}

#[test]
fn html_page_is_complete_and_links_its_feeds() {
    for channel in channels() {
        let context = format!("html {:?}", channel.tag);
        let html =
            String::from_utf8(render(Format::Html, &channel, &sample_stories())).expect("UTF-8");
        assert_safe_html(&html, HtmlKind::Page, &context);
        assert!(
            html.starts_with(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
            )
        );
        for (needle, expected) in [
            ("<html", 1),
            ("<head>", 1),
            ("</head>", 1),
            ("<body>", 1),
            ("<title>", 1),
            ("<h1>", 1),
            ("<meta name=\"viewport\"", 1),
            ("<script", 0),
            ("javascript:", 0),
            ("style=", 0),
        ] {
            assert_eq!(count(&html, needle), expected, "{context}: {needle}");
        }
        for (at, _) in html.match_indices(" on") {
            let name: String = html[at + 3..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            assert!(
                !html[at + 3 + name.len()..].starts_with('='),
                "{context}: attribute on{name}= in {html}"
            );
        }
        let page_url = Url::parse(&self_url(&channel, Format::Html)).expect("page URL");
        for &format in Format::feeds() {
            let prefix = format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"",
                format.media_type()
            );
            assert_eq!(count(&html, &prefix), 1, "{context}: {format} link");
            let start = html.find(&prefix).expect("link") + prefix.len();
            let href_start = start + html[start..].find("href=\"").expect("href") + 6;
            let href_end = href_start + html[href_start..].find('"').expect("end");
            let resolved = page_url
                .join(&html[href_start..href_end])
                .expect("resolves");
            assert_eq!(resolved.as_str(), self_url(&channel, format), "{context}");
        }
        // Tag links resolve to tag pages on the same site.
        for (at, _) in html.match_indices("<p class=\"tags\"><a href=\"") {
            let start = at + "<p class=\"tags\"><a href=\"".len();
            let end = start + html[start..].find('"').expect("end");
            let resolved = page_url.join(&html[start..end]).expect("resolves");
            assert!(
                resolved
                    .as_str()
                    .starts_with("https://front.example.org/tag/")
                    && resolved.as_str().ends_with(".html"),
                "{context}: {resolved}"
            );
        }
    }
}

#[test]
fn formats_agree_on_story_ids_and_order() {
    let channel = sample_channel();
    let stories = sample_stories();
    let expected: Vec<String> = stories
        .iter()
        .map(|story| channel.story_uri(story.id))
        .collect();
    let rss = parse_xml(&render(Format::Rss, &channel, &stories));
    let rss_ids: Vec<String> = rss
        .one("channel")
        .all("item")
        .map(|item| item.one("guid").text.clone())
        .collect();
    assert_eq!(rss_ids, expected);
    let atom = parse_xml(&render(Format::Atom, &channel, &stories));
    let atom_ids: Vec<String> = atom
        .all("entry")
        .map(|entry| entry.one("id").text.clone())
        .collect();
    assert_eq!(atom_ids, expected);
    let json: serde_json::Value =
        serde_json::from_slice(&render(Format::Json, &channel, &stories)).expect("JSON");
    let json_ids: Vec<String> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(json_ids, expected);
    let html = String::from_utf8(render(Format::Html, &channel, &stories)).expect("UTF-8");
    let html_ids: Vec<&str> = html
        .match_indices("<li id=\"story-")
        .map(|(at, _)| {
            let start = at + "<li id=\"story-".len();
            &html[start..start + html[start..].find('"').expect("end")]
        })
        .collect();
    assert_eq!(html_ids, ["101", "102", "103"]);
}

#[test]
fn every_format_is_deterministic() {
    let stories = sample_stories();
    for channel in channels() {
        for &format in Format::all() {
            assert_eq!(
                render(format, &channel, &stories),
                render(format, &channel.clone(), &stories.clone()),
                "{format} {:?}",
                channel.tag
            );
        }
    }
}

#[test]
fn every_format_at_once_is_each_format_alone() {
    let stories = sample_stories();
    for channel in channels() {
        let formats: Vec<Format> = render_every_format(&channel, &stories)
            .into_iter()
            .map(|(format, bytes)| {
                assert_eq!(bytes, render(format, &channel, &stories), "{format}");
                format
            })
            .collect();
        assert_eq!(formats, Format::all());
    }
}

#[test]
fn unchanged_content_gives_identical_feeds_at_any_clock() {
    let stories: Vec<Story> = sample_stories();
    for channel in channels() {
        let later = Channel {
            now: time("2027-01-01T00:00:00Z"),
            ..channel.clone()
        };
        for &format in Format::feeds() {
            assert_eq!(
                render(format, &channel, &stories),
                render(format, &later, &stories),
                "{format} {:?}",
                channel.tag
            );
        }
    }
}
