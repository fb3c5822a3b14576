//! The format-neutral view of a page: channel and stories with every string already cleaned
//! (XML-safe, titles on one line and unable to carry markup, summaries sanitized, links
//! `http(s)` only), fallbacks applied and ids and page URLs built.
//!
//! Each output format (RSS, Atom, JSON Feed, HTML) only maps this view onto its own document,
//! so the rules "no empty required element", "titles are plain text" and "republished HTML is
//! sanitized" live in one place. This module must not know any output format's syntax.

use std::collections::HashSet;

use url::Url;

use crate::model::{Channel, Source, Story, StoryId, Timestamp};

use super::html_text::{Sanitizer, plain_line, public_url, source_href, xml_safe};
use super::{Format, output_path};

/// The title given to a story that has neither a title nor a link.
const UNTITLED: &str = "(untitled)";

/// One page's metadata and stories, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedChannel {
    /// Non-empty one-line title: the site's title, then the tag on a tag page (falls back to
    /// the site URL).
    pub title: String,
    /// One-line description; may be empty (formats that require one fall back to the title).
    pub description: String,
    /// The URL of this page's HTML front page: the site itself, or the tag's page.
    pub home_url: String,
    /// The tag this page is restricted to, cleaned; `None` for the main page.
    pub tag: Option<String>,
    /// When the content last changed.
    pub updated: Timestamp,
    /// The clock of the build (for relative ages only).
    pub now: Timestamp,
    /// The tags that have pages of their own.
    pub tag_pages: Vec<String>,
    /// The stories, in the order given.
    pub stories: Vec<PreparedStory>,
    /// The public base URL, ending with `/`.
    base: Url,
}

impl PreparedChannel {
    /// Where this page is published in `format`, relative to the base URL.
    pub fn path(&self, format: Format) -> String {
        output_path(format, self.tag.as_deref())
    }

    /// The absolute URL this page is served at in `format` (its self link and feed id).
    pub fn self_url(&self, format: Format) -> String {
        url_of(&self.base, &self.path(format))
    }
}

/// One story, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedStory {
    /// The story's stable id.
    pub id: StoryId,
    /// The stable id URI (guid / Atom id / JSON Feed id).
    pub uri: String,
    /// Non-empty one-line plain-text title.
    pub title: String,
    /// The original article (`http(s)` only).
    pub link: Option<String>,
    /// Sanitized summary followed by the sources paragraph; may be empty.
    pub html: String,
    /// Author, when known (non-empty).
    pub author: Option<String>,
    /// The story's earliest publish time.
    pub published: Timestamp,
    /// Its latest update, never earlier than `published`.
    pub updated: Timestamp,
    /// Discussion page (`http(s)` only).
    pub comments: Option<String>,
    /// Non-empty, one-line, deduplicated categories, in the order given.
    pub categories: Vec<String>,
    /// The feeds that carry the story, the first being where its main entry came from. Those
    /// whose feed URL is not `http(s)` are left out.
    pub sources: Vec<PreparedSource>,
}

/// A source of a story, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedSource {
    /// Non-empty one-line feed name (falls back to the feed URL).
    pub name: String,
    /// The feed's URL.
    pub feed_url: String,
    /// The site the feed belongs to.
    pub site_link: Option<String>,
    /// Where the source's name links to: its entry, else its site, else its feed.
    pub href: String,
}

/// Cleans `channel` and `stories` into the view every format renders from. A story whose id
/// already appeared earlier in `stories` is left out: a reader must never see one id twice.
pub(super) fn prepare(channel: &Channel, stories: &[Story]) -> PreparedChannel {
    let site_title =
        non_empty(plain_line(&channel.title)).unwrap_or_else(|| xml_safe(channel.link.as_str()));
    let tag = channel
        .tag
        .as_deref()
        .and_then(|tag| non_empty(plain_line(tag)));
    let title = match &tag {
        Some(tag) => format!("{site_title}: {tag}"),
        None => site_title,
    };
    let home_url = match &tag {
        Some(tag) => url_of(&channel.link, &output_path(Format::Html, Some(tag))),
        None => xml_safe(channel.link.as_str()),
    };
    let mut sanitizer = Sanitizer::new();
    let mut seen = HashSet::with_capacity(stories.len());
    PreparedChannel {
        title,
        description: plain_line(&channel.description),
        home_url,
        tag,
        updated: channel.updated,
        now: channel.now,
        tag_pages: channel.tag_pages.clone(),
        stories: stories
            .iter()
            .filter(|story| seen.insert(story.id))
            .map(|story| prepare_story(channel, story, &mut sanitizer))
            .collect(),
        base: channel.link.clone(),
    }
}

/// `path` joined onto the base URL, XML-safe.
fn url_of(base: &Url, path: &str) -> String {
    match base.join(path) {
        Ok(url) => xml_safe(url.as_str()),
        Err(_) => xml_safe(&format!("{base}{path}")),
    }
}

fn prepare_story(channel: &Channel, story: &Story, sanitizer: &mut Sanitizer) -> PreparedStory {
    let link = story.link.as_ref().and_then(public_url);
    let title = non_empty(plain_line(&story.title))
        .or_else(|| link.clone())
        .unwrap_or_else(|| UNTITLED.to_owned());
    let mut categories: Vec<String> = Vec::with_capacity(story.categories.len());
    for category in &story.categories {
        let category = plain_line(category);
        let seen = categories
            .iter()
            .any(|known: &String| known.to_lowercase() == category.to_lowercase());
        if !category.is_empty() && !seen {
            categories.push(category);
        }
    }
    // Relative URLs in the summary resolve against the article; never against a link that
    // could not be published.
    let base = story
        .link
        .as_ref()
        .filter(|link| matches!(link.scheme(), "http" | "https"));
    PreparedStory {
        id: story.id,
        uri: xml_safe(&channel.story_uri(story.id)),
        title,
        html: sanitizer.description(story.summary.as_deref(), base, &story.sources),
        link,
        author: story
            .author
            .as_deref()
            .and_then(|author| non_empty(plain_line(author))),
        published: story.published,
        updated: story.updated.max(story.published),
        comments: story.comments.as_ref().and_then(public_url),
        categories,
        sources: story.sources.iter().filter_map(prepare_source).collect(),
    }
}

fn prepare_source(source: &Source) -> Option<PreparedSource> {
    let feed_url = public_url(&source.feed_url)?;
    Some(PreparedSource {
        name: non_empty(plain_line(&source.feed_name)).unwrap_or_else(|| feed_url.clone()),
        site_link: source.site_link.as_ref().and_then(public_url),
        href: source_href(source).unwrap_or_else(|| feed_url.clone()),
        feed_url,
    })
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sample_channel, sample_stories, url};
    use super::*;

    #[test]
    fn empty_title_falls_back_to_link_then_untitled() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        stories[0].title = " \u{0} ".to_owned();
        stories[1].title = String::new();
        stories[1].link = None;
        let prepared = prepare(&channel, &stories);
        assert_eq!(
            prepared.stories[0].title,
            "https://news.example.com/2026/big-breach"
        );
        assert_eq!(prepared.stories[1].title, UNTITLED);
    }

    #[test]
    fn categories_are_cleaned_and_deduplicated() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        stories[0].categories = vec![
            "a".to_owned(),
            " ".to_owned(),
            "a\n".to_owned(),
            "b\u{1}c".to_owned(),
        ];
        let prepared = prepare(&channel, &stories);
        assert_eq!(prepared.stories[0].categories, ["a", "b c"]);
    }

    #[test]
    fn a_repeated_story_id_is_published_once() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        let mut repeated = stories[0].clone();
        repeated.title = "Second copy".to_owned();
        stories.push(repeated);
        let prepared = prepare(&channel, &stories);
        assert_eq!(prepared.stories.len(), 3);
        assert_eq!(prepared.stories[0].title, "Big breach at Example Corp");
    }

    #[test]
    fn only_http_links_are_published() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        stories[0].link = Some(url("javascript:alert(1)"));
        stories[0].comments = Some(url("data:text/html,hi"));
        stories[0].sources[0].entry_link = Some(url("vbscript:msgbox(1)"));
        stories[0].sources[1].feed_url = url("file:///etc/passwd");
        let prepared = prepare(&channel, &stories);
        let story = &prepared.stories[0];
        assert_eq!(story.link, None);
        assert_eq!(story.comments, None);
        assert_eq!(story.title, "Big breach at Example Corp");
        assert_eq!(story.sources.len(), 1);
        assert_eq!(story.sources[0].href, "https://krebsonsecurity.com/");
    }

    #[test]
    fn tag_pages_have_their_own_title_and_urls() {
        let channel = Channel {
            tag: Some("rust".to_owned()),
            ..sample_channel()
        };
        let prepared = prepare(&channel, &[]);
        assert_eq!(prepared.title, "Security front page: rust");
        assert_eq!(prepared.home_url, "https://front.example.org/tag/rust.html");
        assert_eq!(
            prepared.self_url(Format::Atom),
            "https://front.example.org/tag/rust.atom"
        );
        let main = prepare(&sample_channel(), &[]);
        assert_eq!(main.title, "Security front page");
        assert_eq!(main.home_url, "https://front.example.org/");
        assert_eq!(
            main.self_url(Format::Json),
            "https://front.example.org/feed.json"
        );
    }

    #[test]
    fn updated_is_never_before_published() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        stories[0].updated = Timestamp::from_unix(stories[0].published.unix() - 60);
        let prepared = prepare(&channel, &stories);
        assert_eq!(prepared.stories[0].updated, stories[0].published);
    }
}
