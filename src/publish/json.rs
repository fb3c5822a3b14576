//! JSON Feed 1.1 output (<https://jsonfeed.org/version/1.1>): maps the prepared page onto
//! serializable structs, whose field order is the key order, and writes them pretty-printed.
//!
//! It must not clean or sanitize anything itself (the prepared view already did), must not
//! read the clock (dates come from the input) and must not build JSON by hand: `serde_json`
//! does all the escaping.

use serde::Serialize;

use super::Format;
use super::prepare::{PreparedChannel, PreparedStory};
use crate::model::Timestamp;

/// The version URL that identifies JSON Feed 1.1.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level object, keys in the order the specification lists them.
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    items: Vec<Item<'a>>,
}

/// One story.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    title: &'a str,
    /// The sanitized summary and sources, as in every other format.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    /// Only when there is no HTML: the specification requires one of the two.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    tags: &'a [String],
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// The page as a JSON Feed 1.1 document, pretty-printed, with a trailing newline.
pub(super) fn render(feed: &PreparedChannel) -> Vec<u8> {
    let feed_url = feed.self_url(Format::Json);
    let document = JsonFeed {
        version: VERSION,
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed_url,
        description: &feed.description,
        items: feed.stories.iter().map(item).collect(),
    };
    // Serializing these structs cannot fail: every key is a string and every value plain data.
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn item(story: &PreparedStory) -> Item<'_> {
    let has_html = !story.html.is_empty();
    Item {
        id: &story.uri,
        url: story.link.as_deref(),
        title: &story.title,
        content_html: has_html.then_some(story.html.as_str()),
        content_text: (!has_html).then_some(story.title.as_str()),
        date_published: date(story.published),
        date_modified: date(story.updated),
        authors: story
            .author
            .as_deref()
            .map(|name| Author { name })
            .into_iter()
            .collect(),
        tags: &story.categories,
    }
}

/// RFC 3339 date (`2026-11-28T13:00:00Z`).
fn date(time: Timestamp) -> String {
    time.to_rfc3339()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::test_support::{sample_channel, sample_stories, time};
    use super::super::{Format, render};
    use crate::model::{Channel, Story};

    fn json_feed(channel: &Channel, stories: &[Story]) -> (String, Value) {
        let bytes = render(Format::Json, channel, stories);
        let text = String::from_utf8(bytes).expect("UTF-8");
        let value = serde_json::from_str(&text).expect("valid JSON");
        (text, value)
    }

    #[test]
    fn sample_feed_has_the_top_level_fields_in_order() {
        let (text, value) = json_feed(&sample_channel(), &sample_stories());
        assert!(
            text.starts_with(concat!(
                "{\n",
                "  \"version\": \"https://jsonfeed.org/version/1.1\",\n",
                "  \"title\": \"Security front page\",\n",
                "  \"home_page_url\": \"https://front.example.org/\",\n",
                "  \"feed_url\": \"https://front.example.org/feed.json\",\n",
                "  \"description\": \"The security news that matters\",\n",
                "  \"items\": [\n",
            )),
            "{text}"
        );
        assert!(text.ends_with("]\n}\n"), "{text}");
        assert_eq!(value["items"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn items_carry_ids_links_content_dates_authors_and_tags() {
        let (_, value) = json_feed(&sample_channel(), &sample_stories());
        assert_eq!(
            value["items"][0],
            json!({
                "id": "https://front.example.org/story/101",
                "url": "https://news.example.com/2026/big-breach",
                "title": "Big breach at Example Corp",
                "content_html": concat!(
                    "<p>A <b>big</b> breach.</p>\n",
                    "<p>Sources: <a href=\"https://news.example.com/2026/big-breach\" ",
                    "rel=\"noopener noreferrer\">Krebs on Security</a>, ",
                    "<a href=\"https://www.bleepingcomputer.com/news/big-breach\" ",
                    "rel=\"noopener noreferrer\">BleepingComputer</a></p>"
                ),
                "date_published": "2026-11-28T09:00:00Z",
                "date_modified": "2026-11-28T10:00:00Z",
                "authors": [{"name": "Brian Krebs"}],
                "tags": ["breach", "security"],
            })
        );
        // No author, no tags: the keys are left out rather than empty.
        let telegram = &value["items"][2];
        assert_eq!(telegram["id"], "https://front.example.org/story/103");
        assert!(telegram.get("url").is_none(), "{telegram}");
        assert!(telegram.get("authors").is_none(), "{telegram}");
        assert!(telegram.get("tags").is_none(), "{telegram}");
        assert!(
            telegram["content_html"]
                .as_str()
                .is_some_and(|html| html.starts_with("<p>Sources:")),
            "{telegram}"
        );
    }

    #[test]
    fn item_without_any_html_carries_its_title_as_text() {
        let mut stories = sample_stories();
        stories[2].sources.clear();
        let (_, value) = json_feed(&sample_channel(), &stories);
        let telegram = &value["items"][2];
        assert!(telegram.get("content_html").is_none(), "{telegram}");
        assert_eq!(telegram["content_text"], "Telegram bug");
    }

    #[test]
    fn tag_page_points_at_its_own_page_and_feed() {
        let channel = Channel {
            tag: Some("windows".to_owned()),
            ..sample_channel()
        };
        let (_, value) = json_feed(&channel, &[]);
        assert_eq!(value["title"], "Security front page: windows");
        assert_eq!(
            value["home_page_url"],
            "https://front.example.org/tag/windows.html"
        );
        assert_eq!(
            value["feed_url"],
            "https://front.example.org/tag/windows.json"
        );
        assert_eq!(value["items"], json!([]));
    }

    #[test]
    fn empty_description_is_left_out() {
        let channel = Channel {
            description: " ".to_owned(),
            ..sample_channel()
        };
        let (_, value) = json_feed(&channel, &[]);
        assert!(value.get("description").is_none(), "{value}");
    }

    #[test]
    fn output_does_not_depend_on_the_clock() {
        let stories = sample_stories();
        let channel = sample_channel();
        let later = Channel {
            now: time("2030-01-01T00:00:00Z"),
            ..channel.clone()
        };
        assert_eq!(
            render(Format::Json, &channel, &stories),
            render(Format::Json, &later, &stories)
        );
    }
}
