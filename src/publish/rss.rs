//! RSS 2.0 output: maps the prepared feed onto the `rss` crate's types and writes them.
//!
//! The only user of the `rss` crate. It must not clean or sanitize anything itself (the
//! prepared view already did) and must not read the clock: dates come from the input.

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::DublinCoreExtension;
use ::rss::{Category, Channel, Guid, Item, Source};

use super::prepare::{PreparedChannel, PreparedStory};
use super::{Format, GENERATOR_NAME, GENERATOR_VERSION};
use crate::model::Timestamp;

/// The page as an RSS 2.0 document.
pub(super) fn render(feed: &PreparedChannel) -> Vec<u8> {
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        // RSS requires a non-empty channel description.
        description: if feed.description.is_empty() {
            feed.title.clone()
        } else {
            feed.description.clone()
        },
        last_build_date: Some(rfc822(feed.updated)),
        generator: Some(format!("{GENERATOR_NAME} {GENERATOR_VERSION}")),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: feed.self_url(Format::Rss),
                rel: "self".to_owned(),
                mime_type: Some(Format::Rss.media_type().to_owned()),
                ..Link::default()
            }],
        }),
        items: feed.stories.iter().map(item).collect(),
        ..Channel::default()
    };
    // Writing into a Vec cannot fail: quick-xml only reports errors of the underlying writer.
    channel.write_to(Vec::new()).unwrap_or_default()
}

fn item(story: &PreparedStory) -> Item {
    Item {
        title: Some(story.title.clone()),
        link: story.link.clone(),
        description: (!story.html.is_empty()).then(|| story.html.clone()),
        categories: story
            .categories
            .iter()
            .map(|category| Category {
                name: category.clone(),
                domain: None,
            })
            .collect(),
        comments: story.comments.clone(),
        guid: Some(Guid {
            value: story.uri.clone(),
            permalink: false,
        }),
        pub_date: Some(rfc822(story.published)),
        source: story.sources.first().map(|source| Source {
            url: source.feed_url.clone(),
            title: Some(source.name.clone()),
        }),
        // `<author>` must be an email address, so a name goes into `dc:creator`.
        dublin_core_ext: story.author.as_ref().map(|author| DublinCoreExtension {
            creators: vec![author.clone()],
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

/// RFC 822 date as RSS wants it (`Sat, 28 Nov 2026 13:00:00 +0000`).
fn rfc822(time: Timestamp) -> String {
    time.to_chrono().to_rfc2822()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_well_formed, count, sample_channel, sample_stories};
    use super::super::{Format, render};
    use crate::model::Story;

    fn rss(stories: &[Story]) -> String {
        assert_well_formed(&render(Format::Rss, &sample_channel(), stories))
    }

    #[test]
    fn sample_feed_is_well_formed_with_channel_metadata() {
        let xml = rss(&sample_stories());
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "{xml}"
        );
        assert!(xml.contains("<rss version=\"2.0\""), "{xml}");
        assert!(
            xml.contains("xmlns:atom=\"http://www.w3.org/2005/Atom\""),
            "{xml}"
        );
        assert!(
            xml.contains("xmlns:dc=\"http://purl.org/dc/elements/1.1/\""),
            "{xml}"
        );
        assert!(xml.contains("<title>Security front page</title>"), "{xml}");
        assert!(
            xml.contains("<link>https://front.example.org/</link>"),
            "{xml}"
        );
        assert!(
            xml.contains("<description>The security news that matters</description>"),
            "{xml}"
        );
        assert!(
            xml.contains(concat!(
                "<atom:link href=\"https://front.example.org/feed.rss\" rel=\"self\" ",
                "type=\"application/rss+xml\"/>"
            )),
            "{xml}"
        );
        assert!(
            xml.contains("<lastBuildDate>Sat, 28 Nov 2026 13:00:00 +0000</lastBuildDate>"),
            "{xml}"
        );
        assert!(
            xml.contains(&format!(
                "<generator>frontpage {}</generator>",
                env!("CARGO_PKG_VERSION")
            )),
            "{xml}"
        );
        assert_eq!(count(&xml, "<item>"), 3, "{xml}");
    }

    #[test]
    fn each_story_has_its_stable_guid_exactly_once() {
        let xml = rss(&sample_stories());
        for id in [101, 102, 103] {
            let guid =
                format!("<guid isPermaLink=\"false\">https://front.example.org/story/{id}</guid>");
            assert_eq!(count(&xml, &guid), 1, "{guid} in {xml}");
            assert_eq!(
                count(&xml, &format!("https://front.example.org/story/{id}<")),
                1
            );
        }
    }

    #[test]
    fn items_carry_dates_sources_authors_categories_and_comments() {
        let xml = rss(&sample_stories());
        assert!(
            xml.contains("<pubDate>Sat, 28 Nov 2026 09:00:00 +0000</pubDate>"),
            "{xml}"
        );
        assert!(
            xml.contains("<pubDate>Fri, 27 Nov 2026 22:30:00 +0000</pubDate>"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<source url=\"https://krebsonsecurity.com/feed/\">Krebs on Security</source>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<source url=\"https://www.bleepingcomputer.com/feed/\">BleepingComputer</source>"
            ),
            "{xml}"
        );
        assert_eq!(count(&xml, "<source url="), 3, "{xml}");
        assert!(
            xml.contains("<dc:creator>Brian Krebs</dc:creator>"),
            "{xml}"
        );
        assert_eq!(count(&xml, "<dc:creator>"), 1, "{xml}");
        assert!(!xml.contains("<author>"), "{xml}");
        assert!(xml.contains("<category>breach</category>"), "{xml}");
        assert!(xml.contains("<category>security</category>"), "{xml}");
        assert!(
            xml.contains("<comments>https://news.ycombinator.com/item?id=1</comments>"),
            "{xml}"
        );
        assert!(
            xml.contains("<link>https://news.example.com/2026/big-breach</link>"),
            "{xml}"
        );
    }

    #[test]
    fn description_is_sanitized_summary_then_sources() {
        let xml = rss(&sample_stories());
        assert!(
            xml.contains(concat!(
                "<description><![CDATA[<p>A <b>big</b> breach.</p>\n",
                "<p>Sources: <a href=\"https://news.example.com/2026/big-breach\" ",
                "rel=\"noopener noreferrer\">Krebs on Security</a>, ",
                "<a href=\"https://www.bleepingcomputer.com/news/big-breach\" ",
                "rel=\"noopener noreferrer\">BleepingComputer</a></p>]]></description>"
            )),
            "{xml}"
        );
    }

    #[test]
    fn relative_summary_link_becomes_absolute() {
        let xml = rss(&sample_stories());
        assert!(
            xml.contains("<a href=\"https://blog.example.net/x\" rel=\"noopener noreferrer\">"),
            "{xml}"
        );
        assert!(!xml.contains("href=\"/x\""), "{xml}");
    }

    #[test]
    fn empty_story_list_is_a_valid_channel() {
        let xml = rss(&[]);
        assert!(xml.contains("<title>Security front page</title>"), "{xml}");
        assert!(xml.contains("rel=\"self\""), "{xml}");
        assert!(!xml.contains("<item>"), "{xml}");
        assert!(!xml.contains("xmlns:dc"), "{xml}");
    }

    #[test]
    fn empty_channel_description_falls_back_to_title() {
        let mut channel = sample_channel();
        channel.description = " ".to_owned();
        let xml = assert_well_formed(&render(Format::Rss, &channel, &[]));
        assert!(
            xml.contains("<description>Security front page</description>"),
            "{xml}"
        );
    }

    #[test]
    fn render_is_deterministic() {
        let channel = sample_channel();
        let stories = sample_stories();
        assert_eq!(
            render(Format::Rss, &channel, &stories),
            render(Format::Rss, &channel, &stories)
        );
    }
}
