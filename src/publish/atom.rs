//! Atom 1.0 (RFC 4287) output: maps the prepared feed onto the `atom_syndication` crate's types
//! and writes them.
//!
//! The only user of `atom_syndication`. It must not clean or sanitize anything itself (the
//! prepared view already did) and must not read the clock: dates come from the input.

use ::atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Source, Text,
    WriteConfig,
};

use super::prepare::{PreparedChannel, PreparedStory};
use super::{Format, GENERATOR_NAME, GENERATOR_URI, GENERATOR_VERSION};
use crate::model::Timestamp;

/// The page as an Atom 1.0 document.
pub(super) fn render(feed: &PreparedChannel) -> Vec<u8> {
    let self_url = feed.self_url(Format::Atom);
    let document = Feed {
        title: Text::plain(feed.title.clone()),
        // The self URL: absolute, and different for every page (the main one and each tag's).
        id: self_url.clone(),
        updated: date(feed.updated),
        generator: Some(Generator {
            value: GENERATOR_NAME.to_owned(),
            uri: Some(GENERATOR_URI.to_owned()),
            version: Some(GENERATOR_VERSION.to_owned()),
        }),
        links: vec![
            link(&self_url, "self", Some(Format::Atom.media_type())),
            link(&feed.home_url, "alternate", Some(Format::Html.media_type())),
        ],
        subtitle: (!feed.description.is_empty()).then(|| Text::plain(feed.description.clone())),
        entries: feed
            .stories
            .iter()
            .map(|story| entry(story, &feed.title))
            .collect(),
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: None,
    };
    // Writing into a Vec cannot fail: quick-xml only reports errors of the underlying writer.
    document
        .write_with_config(Vec::new(), config)
        .unwrap_or_default()
}

/// One story as an entry. `channel_title` is the author of last resort: RFC 4287 requires an
/// author on every entry of a feed that has none itself.
fn entry(story: &PreparedStory, channel_title: &str) -> Entry {
    let author = story
        .author
        .as_deref()
        .or(story.sources.first().map(|source| source.name.as_str()))
        .unwrap_or(channel_title);
    let html = (!story.html.is_empty()).then(|| Text::html(story.html.clone()));
    let mut entry = Entry {
        title: Text::plain(story.title.clone()),
        id: story.uri.clone(),
        updated: date(story.updated),
        published: Some(date(story.published)),
        authors: vec![Person {
            name: author.to_owned(),
            ..Person::default()
        }],
        categories: story
            .categories
            .iter()
            .map(|category| Category {
                term: category.clone(),
                ..Category::default()
            })
            .collect(),
        source: story.sources.first().map(|source| {
            let mut links = Vec::with_capacity(2);
            if let Some(site_link) = &source.site_link {
                links.push(link(site_link, "alternate", Some("text/html")));
            }
            links.push(link(&source.feed_url, "self", None));
            Source {
                title: Text::plain(source.name.clone()),
                id: source.feed_url.clone(),
                // The source feed's own update time is not known; the story's latest entry
                // update is the latest time the source is known to have changed.
                updated: date(story.updated),
                links,
                ..Source::default()
            }
        }),
        ..Entry::default()
    };
    match &story.link {
        Some(article) => {
            entry.links = vec![link(article, "alternate", Some("text/html"))];
            entry.summary = html;
        }
        // RFC 4287 §4.1.2: an entry without an alternate link must have content.
        None => {
            entry.content = Some(Content {
                value: html.map(|text| text.value),
                content_type: Some("html".to_owned()),
                ..Content::default()
            });
        }
    }
    entry
}

fn link(href: &str, rel: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: mime_type.map(str::to_owned),
        ..Link::default()
    }
}

/// RFC 3339 date, as `atom_syndication` writes it (`2026-11-28T13:00:00+00:00`).
fn date(time: Timestamp) -> FixedDateTime {
    time.to_chrono().fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_well_formed, count, sample_channel, sample_stories};
    use super::super::{Format, render};
    use crate::model::{Channel, Story};

    fn atom(stories: &[Story]) -> String {
        assert_well_formed(&render(Format::Atom, &sample_channel(), stories))
    }

    #[test]
    fn sample_feed_is_well_formed_with_feed_metadata() {
        let xml = atom(&sample_stories());
        assert!(xml.starts_with("<?xml version=\"1.0\"?>"), "{xml}");
        assert!(
            xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            "{xml}"
        );
        assert!(xml.contains("<title>Security front page</title>"), "{xml}");
        assert!(
            xml.contains("<id>https://front.example.org/feed.atom</id>"),
            "{xml}"
        );
        assert!(
            xml.contains("<updated>2026-11-28T13:00:00+00:00</updated>"),
            "{xml}"
        );
        assert!(
            xml.contains(concat!(
                "<link href=\"https://front.example.org/feed.atom\" rel=\"self\" ",
                "type=\"application/atom+xml\"/>"
            )),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<link href=\"https://front.example.org/\" rel=\"alternate\" type=\"text/html\"/>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(&format!(
                "<generator uri=\"{}\" version=\"{}\">frontpage</generator>",
                env!("CARGO_PKG_REPOSITORY"),
                env!("CARGO_PKG_VERSION")
            )),
            "{xml}"
        );
        assert!(
            xml.contains("<subtitle>The security news that matters</subtitle>"),
            "{xml}"
        );
        assert_eq!(count(&xml, "<entry>"), 3, "{xml}");
    }

    #[test]
    fn each_story_has_its_stable_id_exactly_once() {
        let xml = atom(&sample_stories());
        for id in [101, 102, 103] {
            let uri = format!("https://front.example.org/story/{id}");
            assert_eq!(count(&xml, &format!("<id>{uri}</id>")), 1, "{uri} in {xml}");
            assert_eq!(count(&xml, &uri), 1, "{uri} in {xml}");
        }
    }

    #[test]
    fn entries_carry_dates_links_authors_categories_and_sources() {
        let xml = atom(&sample_stories());
        assert!(
            xml.contains("<published>2026-11-28T09:00:00+00:00</published>"),
            "{xml}"
        );
        assert!(
            xml.contains("<updated>2026-11-28T10:00:00+00:00</updated>"),
            "{xml}"
        );
        assert!(
            xml.contains("<published>2026-11-27T22:30:00+00:00</published>"),
            "{xml}"
        );
        assert!(
            xml.contains(concat!(
                "<link href=\"https://news.example.com/2026/big-breach\" rel=\"alternate\" ",
                "type=\"text/html\"/>"
            )),
            "{xml}"
        );
        // The known author, else the first source's name.
        assert!(
            xml.contains("<author><name>Brian Krebs</name></author>"),
            "{xml}"
        );
        assert!(
            xml.contains("<author><name>BleepingComputer</name></author>"),
            "{xml}"
        );
        assert!(
            xml.contains("<author><name>Kaspersky Daily</name></author>"),
            "{xml}"
        );
        assert_eq!(count(&xml, "<author>"), 3, "{xml}");
        assert!(xml.contains("<category term=\"breach\"/>"), "{xml}");
        assert!(
            xml.contains("<title>Patch Tuesday &amp; friends</title>"),
            "{xml}"
        );
        assert!(
            xml.contains(concat!(
                "<source><title>Krebs on Security</title>",
                "<id>https://krebsonsecurity.com/feed/</id>",
                "<updated>2026-11-28T10:00:00+00:00</updated>",
                "<link href=\"https://krebsonsecurity.com/\" rel=\"alternate\" type=\"text/html\"/>",
                "<link href=\"https://krebsonsecurity.com/feed/\" rel=\"self\"/></source>"
            )),
            "{xml}"
        );
        assert_eq!(count(&xml, "<source>"), 3, "{xml}");
    }

    #[test]
    fn summary_is_escaped_sanitized_html() {
        let xml = atom(&sample_stories());
        assert!(
            xml.contains(concat!(
                "<summary type=\"html\">&lt;p&gt;A &lt;b&gt;big&lt;/b&gt; breach.&lt;/p&gt;\n",
                "&lt;p&gt;Sources: &lt;a href=&quot;https://news.example.com/2026/big-breach&quot;"
            )),
            "{xml}"
        );
    }

    #[test]
    fn entry_without_link_carries_content_instead_of_summary() {
        let xml = atom(&sample_stories());
        let telegram = xml
            .split("<entry>")
            .find(|entry| entry.contains("Telegram bug"))
            .expect("the Telegram entry");
        assert!(!telegram.contains("rel=\"alternate\" type=\"text/html\"/><published"));
        assert!(!telegram.contains("<summary"), "{telegram}");
        assert!(
            telegram.contains("<content type=\"html\">&lt;p&gt;Sources:"),
            "{telegram}"
        );
    }

    #[test]
    fn relative_summary_link_becomes_absolute() {
        let xml = atom(&sample_stories());
        assert!(
            xml.contains("&lt;a href=&quot;https://blog.example.net/x&quot;"),
            "{xml}"
        );
        assert!(!xml.contains("href=&quot;/x&quot;"), "{xml}");
    }

    #[test]
    fn empty_story_list_is_a_valid_feed() {
        let xml = atom(&[]);
        assert!(xml.contains("<title>Security front page</title>"), "{xml}");
        assert!(xml.contains("rel=\"self\""), "{xml}");
        assert!(!xml.contains("<entry>"), "{xml}");
    }

    #[test]
    fn tag_feed_has_its_own_id_self_and_alternate_links() {
        let channel = Channel {
            tag: Some("breach".to_owned()),
            ..sample_channel()
        };
        let xml = assert_well_formed(&render(Format::Atom, &channel, &[]));
        assert!(
            xml.contains("<title>Security front page: breach</title>"),
            "{xml}"
        );
        assert!(
            xml.contains("<id>https://front.example.org/tag/breach.atom</id>"),
            "{xml}"
        );
        assert!(
            xml.contains(concat!(
                "<link href=\"https://front.example.org/tag/breach.atom\" rel=\"self\" ",
                "type=\"application/atom+xml\"/>",
                "<link href=\"https://front.example.org/tag/breach.html\" rel=\"alternate\" ",
                "type=\"text/html\"/>"
            )),
            "{xml}"
        );
    }

    #[test]
    fn render_is_deterministic() {
        let channel = sample_channel();
        let stories = sample_stories();
        assert_eq!(
            render(Format::Atom, &channel, &stories),
            render(Format::Atom, &channel, &stories)
        );
    }
}
