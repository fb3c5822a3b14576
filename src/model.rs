//! Domain types shared by every pipeline stage.
//!
//! Plain data only: no I/O, no clock, and no types from the crates that the edge modules own
//! (`rusqlite`, `feed_rs`, `reqwest`, `clap`). The one foreign type used here is [`url::Url`],
//! the vocabulary type for addresses throughout the crate.

use std::fmt;

use url::Url;

/// A point in time: whole seconds since the Unix epoch, UTC.
///
/// Seconds are as precise as feeds and HTTP dates get, and an integer orders, stores and
/// compares exactly, which keeps published output byte-identical between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The timestamp `seconds` after the Unix epoch.
    pub const fn from_unix(seconds: i64) -> Self {
        Timestamp(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// This timestamp moved forward by `duration` (saturating).
    pub fn plus(self, duration: std::time::Duration) -> Self {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_add(seconds))
    }

    /// This timestamp moved back by `duration` (saturating).
    pub fn minus(self, duration: std::time::Duration) -> Self {
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        Timestamp(self.0.saturating_sub(seconds))
    }

    /// The time in RFC 3339 form, UTC (`2026-11-28T13:00:00Z`).
    pub fn to_rfc3339(self) -> String {
        self.to_chrono()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Parses an RFC 3339 date-time (`2026-11-28T13:00:00Z`, any offset).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        chrono::DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|date| Timestamp(date.timestamp()))
    }

    /// The same instant as a chrono date, for formatting at the edges.
    pub fn to_chrono(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(self.0, 0).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// The database id of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedId(pub i64);

/// The database id of an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(pub i64);

/// A story's stable id: the id of the first entry that carried it, kept forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StoryId(pub i64);

impl fmt::Display for StoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// frontpage's own identity of an entry within one feed (see [`crate::canon::entry_keys`]).
///
/// Deterministic: the same item fetched twice gets the same key, so it is stored once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryKey(pub String);

impl EntryKey {
    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// HTTP cache validators exactly as a server sent them (quotes and `W/` kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, byte for byte.
    pub etag: Option<String>,
    /// The `Last-Modified` header, byte for byte.
    pub last_modified: Option<String>,
}

/// What a fetched body would parse to, in 16 bytes: XXH3-128 of frontpage's version, the
/// URL the body came from, the charset its `Content-Type` named and the body. A feed whose
/// body has the same digest as the one its entries were stored from is not parsed again (the
/// parse depends on nothing else): a server that sends no validators, or ignores them, costs
/// a download and no more. A new version of frontpage, whose parser may read more, parses
/// each body once again.
///
/// XXH3 rather than SHA-256 (which digests entries): it hashes the 106 MB of the
/// benchmark's 1000 feeds in 9 ms of CPU, where SHA-256 took 94 ms, a tenth of a run whose
/// bodies had not changed (perf, 4000 samples a second). It is not made to resist a forged
/// collision, and needs not: only the feed's own host could forge one, and it decides what
/// the feed says anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDigest(pub [u8; 16]);

impl BodyDigest {
    /// The digest of `body`, fetched from `final_url` with `charset`.
    pub fn of(final_url: &str, charset: Option<&str>, body: &[u8]) -> BodyDigest {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        // (each part with its length first, so no two different lists hash alike)
        let version = env!("CARGO_PKG_VERSION").as_bytes();
        let charset = charset.unwrap_or_default();
        for part in [version, final_url.as_bytes(), charset.as_bytes(), body] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        BodyDigest(hasher.digest128().to_le_bytes())
    }
}

/// What an HTTP response said about caching and retrying, as received (SPEC §3.4–5).
///
/// Dates stay absolute so that `schedule` can read them against the response's own `Date`:
/// a server whose clock is off still gets the delay it meant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerHints {
    /// The response's `Date` header.
    pub date: Option<Timestamp>,
    /// `Cache-Control: max-age`, when given and not cancelled by `no-cache` or `no-store`.
    pub max_age: Option<std::time::Duration>,
    /// The `Expires` header.
    pub expires: Option<Timestamp>,
    /// The `Retry-After` header.
    pub retry_after: Option<RetryAfter>,
}

/// A `Retry-After` header: a delay in seconds, or an HTTP date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`.
    Delay(std::time::Duration),
    /// `Retry-After: Fri, 27 Nov 2026 12:00:00 GMT`.
    At(Timestamp),
}

/// A feed document as parsed: its metadata and its entries in document order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title, plain text.
    pub title: Option<String>,
    /// The site the feed belongs to.
    pub site_link: Option<Url>,
    /// RSS `<ttl>`, in minutes, when given.
    pub ttl_minutes: Option<u32>,
    /// The entries, in the order the document lists them.
    pub entries: Vec<ParsedEntry>,
}

/// One entry of a parsed feed, before storage.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedEntry {
    /// frontpage's deterministic identity of the entry within its feed.
    pub key: EntryKey,
    /// The guid or Atom id as the feed wrote it, when it wrote one.
    pub guid: Option<String>,
    /// The article link, resolved to an absolute URL.
    pub link: Option<Url>,
    /// Plain-text title (markup removed).
    pub title: Option<String>,
    /// Summary or description, as HTML (unsanitized: publishing sanitizes).
    pub summary: Option<String>,
    /// Full content, as HTML (unsanitized: publishing sanitizes).
    pub content: Option<String>,
    /// Author names, joined with ", ".
    pub author: Option<String>,
    /// Publication time, when the feed gives a parseable one.
    pub published: Option<Timestamp>,
    /// Last update time, when the feed gives a parseable one.
    pub updated: Option<Timestamp>,
    /// Discussion page (RSS `<comments>`).
    pub comments: Option<Url>,
    /// Categories or tags the feed gives the entry.
    pub categories: Vec<String>,
    /// Popularity counts the feed gives for the entry.
    pub engagement: Engagement,
}

impl ParsedFeed {
    /// About how many bytes the feed holds, its entries' text included.
    pub fn size(&self) -> usize {
        std::mem::size_of::<ParsedFeed>()
            + text_size(self.title.as_deref())
            + text_size(self.site_link.as_ref().map(Url::as_str))
            + self.entries.iter().map(ParsedEntry::size).sum::<usize>()
    }
}

impl ParsedEntry {
    /// About how many bytes the entry holds, its text included.
    pub fn size(&self) -> usize {
        std::mem::size_of::<ParsedEntry>()
            + self.key.as_str().len()
            + text_size(self.guid.as_deref())
            + text_size(self.link.as_ref().map(Url::as_str))
            + text_size(self.title.as_deref())
            + text_size(self.summary.as_deref())
            + text_size(self.content.as_deref())
            + text_size(self.author.as_deref())
            + text_size(self.comments.as_ref().map(Url::as_str))
            + self
                .categories
                .iter()
                .map(|category| std::mem::size_of::<String>() + category.len())
                .sum::<usize>()
    }
}

/// The bytes an optional text holds beyond its handle.
fn text_size(text: Option<&str>) -> usize {
    text.map_or(0, str::len)
}

/// Popularity counts a feed gives for one item (SPEC §6): `slash:comments`, `thr:total`,
/// Media RSS `media:statistics views`, or points and comments written into a Hacker
/// News-style description.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Engagement {
    /// Points or votes.
    pub points: Option<u64>,
    /// Comments.
    pub comments: Option<u64>,
    /// Views.
    pub views: Option<u64>,
}

impl Engagement {
    /// Whether the feed gave any count at all.
    pub fn is_empty(&self) -> bool {
        self.points.is_none() && self.comments.is_none() && self.views.is_none()
    }
}

/// One entry of a story as ranking sees it: where it came from and what it says about
/// popularity.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The feed's configured name.
    pub feed_name: String,
    /// The feed's group: feeds of one group count as one source.
    pub group: String,
    /// The entry's popularity counts.
    pub engagement: Engagement,
    /// The discussion page (RSS `<comments>`): identifies the original item, so the same
    /// Hacker News item seen in two feeds counts once.
    pub discussion: Option<Url>,
    /// The entry's place in its feed's latest fetch (1 = top) and how many entries that fetch
    /// had, when the feed is `ranked`.
    pub position: Option<(u32, u32)>,
}

/// A story as ranking reads it in bulk: its id, its dates and its members' signals, without
/// any text. Publishing scores thousands of these and reads only the chosen few in full.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The story's id.
    pub id: StoryId,
    /// The earliest publish time among the members.
    pub published: Timestamp,
    /// The latest update among the members.
    pub updated: Timestamp,
    /// The members, earliest first (ties: lower entry id first), as [`Story::members`].
    pub members: Vec<Signals>,
}

/// What ranking needs of one member of a [`Candidate`]: its feed and group as small numbers
/// instead of names, so reading a candidate copies no names.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    /// The feed, as its index in the list of feed names the candidates were read for.
    pub feed: usize,
    /// The feed's group, as a number that two members share exactly when their feeds are in
    /// the same group.
    pub group: usize,
    /// The entry's popularity counts.
    pub engagement: Engagement,
    /// The discussion page as stored, unparsed ([`Member::discussion`] is this parsed).
    pub discussion: Option<String>,
    /// As [`Member::position`].
    pub position: Option<(u32, u32)>,
}

/// A story ready to publish: one item of the merged feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Stable id; published as the item's guid / Atom id.
    pub id: StoryId,
    /// Plain-text title.
    pub title: String,
    /// The original article.
    pub link: Option<Url>,
    /// HTML summary of the story (unsanitized: publishing sanitizes).
    pub summary: Option<String>,
    /// Author, when known.
    pub author: Option<String>,
    /// The story's earliest publish time.
    pub published: Timestamp,
    /// The latest update of any of its entries.
    pub updated: Timestamp,
    /// Discussion page, when known.
    pub comments: Option<Url>,
    /// Categories: the entries' categories and the feeds' tags, deduplicated and sorted.
    pub categories: Vec<String>,
    /// The feeds that carry the story, the first one being where its main entry came from.
    pub sources: Vec<Source>,
    /// Every entry of the story, earliest first, as ranking needs them.
    pub members: Vec<Member>,
}

/// A feed that carries a story.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The feed's configured name.
    pub feed_name: String,
    /// The feed's URL.
    pub feed_url: Url,
    /// The site the feed belongs to, when the feed says.
    pub site_link: Option<Url>,
    /// This feed's link to the story.
    pub entry_link: Option<Url>,
}

/// The metadata of one published page (the main page or one tag's page), from `[publish]`.
///
/// The same channel renders every format of that page; each format builds its own self link
/// from [`Channel::link`] and its output path.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The site's title, plain text. A tag page adds its tag itself, so this stays the site's.
    pub title: String,
    /// Public base URL of the site, ending with `/`: every published URL (self links, story
    /// ids, tag pages) is built by joining a relative path onto it.
    pub link: Url,
    /// One-line description.
    pub description: String,
    /// When the content last changed: the newest update among the published stories (or any
    /// fixed time when there are none). Never the clock, so unchanged content gives
    /// byte-identical feeds that need no rewrite.
    pub updated: Timestamp,
    /// The clock of the build. Only the HTML page uses it, for relative ages ("3h ago").
    pub now: Timestamp,
    /// The tag this page is restricted to, or `None` for the main page. Tags are letters,
    /// digits, `-` and `_` (checked by the configuration).
    pub tag: Option<String>,
    /// Every tag that has pages of its own (the configured feeds' tags): the HTML page links
    /// a story's category to its tag page only when it is one of these.
    pub tag_pages: Vec<String>,
}

impl Channel {
    /// The absolute URL of `path` (relative, like `feed.rss` or `tag/rust.html`) on the site.
    pub fn url_of(&self, path: &str) -> String {
        match self.link.join(path) {
            Ok(url) => url.to_string(),
            Err(_) => format!("{}{path}", self.link),
        }
    }

    /// The URI published as a story's guid / Atom id: built from the public base URL, so it
    /// stays the same for as long as the site does, and is the same on every page.
    pub fn story_uri(&self, id: StoryId) -> String {
        self.url_of(&format!("story/{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_digest_changes_with_the_url_the_charset_or_any_byte_of_the_body() {
        let url = "https://example.org/feed.xml";
        let digest = BodyDigest::of(url, None, b"<rss/>");
        assert_eq!(digest, BodyDigest::of(url, None, b"<rss/>"));
        for other in [
            BodyDigest::of("https://example.org/feed", None, b"<rss/>"),
            BodyDigest::of(url, Some("utf-8"), b"<rss/>"),
            BodyDigest::of(url, None, b"<rss />"),
            // (parts that run into each other differently)
            BodyDigest::of(url, Some("<rss/>"), b""),
        ] {
            assert_ne!(digest, other);
        }
    }
}
