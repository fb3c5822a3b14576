//! The format-neutral view of a feed: channel and stories with every string already cleaned
//! (XML-safe, titles on one line, summaries sanitized), fallbacks applied and ids built.
//!
//! Each output format (RSS, Atom, and later JSON Feed and HTML) only maps this view onto its
//! own document, so the rules "no empty required element", "titles are plain text" and
//! "republished HTML is sanitized" live in one place. This module must not know any output
//! format's syntax.

use std::collections::HashSet;

use crate::model::{Channel, Story, Timestamp};

use super::html_text::{Sanitizer, plain_line, xml_safe};

/// The title given to a story that has neither a title nor a link.
const UNTITLED: &str = "(untitled)";

/// The merged feed's metadata, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedChannel {
    /// Non-empty one-line title (falls back to the site URL).
    pub title: String,
    /// The public site URL.
    pub link: String,
    /// One-line description; may be empty (formats that require one fall back to the title).
    pub description: String,
    /// The URL this document is served at.
    pub self_url: String,
    /// Build time of the feed.
    pub updated: Timestamp,
    /// The stories, in the order given.
    pub stories: Vec<PreparedStory>,
}

/// One story, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedStory {
    /// The stable id URI (guid / Atom id).
    pub uri: String,
    /// Non-empty one-line plain-text title.
    pub title: String,
    /// The original article.
    pub link: Option<String>,
    /// Sanitized summary followed by the sources paragraph; may be empty.
    pub html: String,
    /// Author, when known (non-empty).
    pub author: Option<String>,
    /// The story's earliest publish time.
    pub published: Timestamp,
    /// Its latest update, never earlier than `published`.
    pub updated: Timestamp,
    /// Discussion page.
    pub comments: Option<String>,
    /// Non-empty, one-line, deduplicated categories, in the order given.
    pub categories: Vec<String>,
    /// Where the story's main entry came from.
    pub source: Option<PreparedSource>,
}

/// The first source of a story, cleaned.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PreparedSource {
    /// Non-empty one-line feed name (falls back to the feed URL).
    pub name: String,
    /// The feed's URL.
    pub feed_url: String,
    /// The site the feed belongs to.
    pub site_link: Option<String>,
}

/// Cleans `channel` and `stories` into the view every format renders from. A story whose id
/// already appeared earlier in `stories` is left out: a reader must never see one id twice.
pub(super) fn prepare(channel: &Channel, stories: &[Story]) -> PreparedChannel {
    let link = xml_safe(channel.link.as_str());
    let title = non_empty(plain_line(&channel.title)).unwrap_or_else(|| link.clone());
    let mut sanitizer = Sanitizer::new();
    let mut seen = HashSet::with_capacity(stories.len());
    PreparedChannel {
        title,
        description: plain_line(&channel.description),
        self_url: xml_safe(channel.self_url.as_str()),
        updated: channel.updated,
        stories: stories
            .iter()
            .filter(|story| seen.insert(story.id))
            .map(|story| prepare_story(channel, story, &mut sanitizer))
            .collect(),
        link,
    }
}

fn prepare_story(channel: &Channel, story: &Story, sanitizer: &mut Sanitizer) -> PreparedStory {
    let link = story.link.as_ref().map(|link| xml_safe(link.as_str()));
    let title = non_empty(plain_line(&story.title))
        .or_else(|| link.clone())
        .unwrap_or_else(|| UNTITLED.to_owned());
    let mut categories: Vec<String> = Vec::with_capacity(story.categories.len());
    for category in &story.categories {
        let category = plain_line(category);
        if !category.is_empty() && !categories.contains(&category) {
            categories.push(category);
        }
    }
    PreparedStory {
        uri: xml_safe(&channel.story_uri(story.id)),
        title,
        html: sanitizer.description(
            story.summary.as_deref(),
            story.link.as_ref(),
            &story.sources,
        ),
        link,
        author: story
            .author
            .as_deref()
            .and_then(|author| non_empty(plain_line(author))),
        published: story.published,
        updated: story.updated.max(story.published),
        comments: story
            .comments
            .as_ref()
            .map(|comments| xml_safe(comments.as_str())),
        categories,
        source: story.sources.first().map(|source| {
            let feed_url = xml_safe(source.feed_url.as_str());
            PreparedSource {
                name: non_empty(plain_line(&source.feed_name)).unwrap_or_else(|| feed_url.clone()),
                site_link: source
                    .site_link
                    .as_ref()
                    .map(|site_link| xml_safe(site_link.as_str())),
                feed_url,
            }
        }),
    }
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{sample_channel, sample_stories};
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
    fn updated_is_never_before_published() {
        let channel = sample_channel();
        let mut stories = sample_stories();
        stories[0].updated = Timestamp::from_unix(stories[0].published.unix() - 60);
        let prepared = prepare(&channel, &stories);
        assert_eq!(prepared.stories[0].updated, stories[0].published);
    }
}
