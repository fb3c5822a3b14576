//! `feeds.toml`: raw serde types become one validated [`Config`], here and nowhere else.
//!
//! Everything downstream trusts a `Config`: URLs are parsed, durations and sizes are typed,
//! names are unique, relative paths are resolved against the file's folder. This module
//! never touches the network or the database.
//!
//! [`rewrite_feed_urls`] and [`append_feeds`] are the only writers of `feeds.toml`: one
//! replaces feed URLs in place, the other adds `[[feed]]` tables at the end, and both leave
//! every other byte of the file as the user wrote it. This module is the only user of `toml`
//! (reading) and `toml_edit` (locating what to rewrite, printing what to add).

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// The validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// `[settings]`.
    pub settings: Settings,
    /// `[publish]`.
    pub publish: PublishSettings,
    /// `[rank]`.
    pub rank: RankSettings,
    /// `[[feed]]`, in file order.
    pub feeds: Vec<FeedSpec>,
}

/// `[settings]`: the fetcher and the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The SQLite database, resolved against the config file's folder.
    pub database: PathBuf,
    /// Sent on every request.
    pub user_agent: String,
    /// Requests in flight overall (at least 1).
    pub concurrency: usize,
    /// Requests in flight per host (at least 1).
    pub per_host: usize,
    /// Total time allowed for one request, body included.
    pub timeout: Duration,
    /// Cap on a feed body after decompression, in bytes.
    pub max_feed_size: u64,
    /// Default minimum time between two fetches of one feed.
    pub interval: Duration,
}

/// `[publish]`: the merged feed.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishSettings {
    /// The merged feed's title.
    pub title: String,
    /// Public base URL: self links and ids are built from it.
    pub link: Url,
    /// One-line description.
    pub description: String,
    /// Where `run` writes the outputs, resolved against the config file's folder.
    pub output_dir: PathBuf,
    /// Most stories in one published feed.
    pub limit: usize,
    /// Stories older than this are not published.
    pub window: Duration,
}

/// `[rank]`: the popularity score's parameters (SPEC §6).
#[derive(Debug, Clone, PartialEq)]
pub struct RankSettings {
    /// Age that costs one point of score.
    pub decay: Duration,
    /// Weight of the coverage term.
    pub coverage: f64,
    /// Weight of the position term.
    pub position: f64,
}

/// One `[[feed]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSpec {
    /// Unique name.
    pub name: String,
    /// The feed's URL (http or https).
    pub url: Url,
    /// Feeds of one group count as one source; defaults to the URL's host without `www.`.
    pub group: String,
    /// 0 mutes the feed, 2 counts it double.
    pub weight: f64,
    /// Tags, in file order.
    pub tags: Vec<String>,
    /// Minimum time between fetches: the feed's own `interval`, else `[settings].interval`.
    pub interval: Duration,
    /// Whether the feed's own order is a popularity signal.
    pub ranked: bool,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not valid: bad TOML, an unknown key, a bad value.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong, one lowercase sentence.
        message: String,
    },
}

/// Reads and validates the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text, path)
}

/// Validates `text`, the content of the file at `path` (used for messages and for resolving
/// relative paths).
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let source = Source { text, path };
    let raw = match read_in_pieces(text) {
        Some(raw) => raw,
        None => source.read_whole()?,
    };
    source.validate(raw)
}

/// How many `[[feed]]` tables [`read_in_pieces`] parses at a time.
const FEEDS_PER_PIECE: usize = 64;

/// Reads a file whose `[[feed]]` tables come last a piece at a time: what comes before the
/// first `[[feed]]` line, then [`FEEDS_PER_PIECE`] feeds at a time.
///
/// The `toml` crate holds a whole document's tokens, events and tables at once, about
/// 3 KiB per feed against the 300 bytes kept of it: 16 MiB for 5000 feeds, in every command
/// and at the start of every run. In pieces it holds one piece at a time.
///
/// `None` when the file cannot be read this way, and it is then parsed whole, for the same
/// result or for its error at its place: when a piece fails to parse (a piece that ends inside
/// a multi-line string, split at a `[[feed]]` line that is part of the string, always fails,
/// since the string is left open), when a piece holds anything but `[[feed]]` tables (such as
/// a `[publish]` after the feeds), when the part before the first `[[feed]]` line defines
/// feeds itself, and when there are too few feeds for it to matter.
fn read_in_pieces(text: &str) -> Option<RawConfig> {
    let starts = feed_header_offsets(text);
    if starts.len() <= FEEDS_PER_PIECE {
        return None;
    }
    let mut raw: RawConfig = toml::from_str(&text[..starts[0]]).ok()?;
    if !raw.feed.is_empty() {
        return None;
    }
    raw.feed.reserve_exact(starts.len());
    for (index, &begin) in starts.iter().enumerate().step_by(FEEDS_PER_PIECE) {
        let end = starts
            .get(index + FEEDS_PER_PIECE)
            .copied()
            .unwrap_or(text.len());
        let piece: RawFeeds = toml::from_str(&text[begin..end]).ok()?;
        raw.feed
            .extend(piece.feed.into_iter().map(|feed| feed.shifted(begin)));
    }
    Some(raw)
}

/// Where each line that is a `[[feed]]` header starts (leading spaces, a trailing comment
/// and `\r\n` allowed).
fn feed_header_offsets(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let rest = line.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix("[[feed]]") {
            let after = after.trim_start_matches([' ', '\t']);
            if after.is_empty() || after.starts_with(['#', '\n', '\r']) {
                starts.push(offset);
            }
        }
        offset += line.len();
    }
    starts
}

/// The `User-Agent` sent when `[settings].user_agent` is not set: name, version and project URL.
pub fn default_user_agent() -> String {
    format!(
        "frontpage/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// Why `feeds.toml` could not be rewritten.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The new file could not be written or moved into place; the old one is untouched.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not valid TOML, or a feed to rewrite has no `url` string.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong, one lowercase sentence.
        message: String,
    },
    /// Some names match no `[[feed]]`; nothing was written.
    #[error("{}: no [[feed]] named {}", path.display(), quoted_list(names))]
    UnknownFeed {
        /// The file.
        path: PathBuf,
        /// The names not found, in the order given.
        names: Vec<String>,
    },
}

/// Replaces the `url` of each named `[[feed]]` (matched by `name`) with the new URL and
/// writes the file back atomically: a temporary file in the same folder, renamed over the
/// old one (a symlink is followed, so the link stays a link; permissions are kept).
///
/// Only the URL values change: comments, order, spacing, other keys and the comment after a
/// URL on its line stay byte for byte. A new URL is written as a basic string (`"…"`).
/// Returns how many feeds were changed; a feed whose URL already equals the new one is
/// neither counted nor touched, and when nothing changes the file is not written at all.
/// If a name appears twice in `changes`, the last one wins; if two feeds share a name, both
/// are changed. Names that match no `[[feed]]` are an error, and then nothing is written.
pub fn rewrite_feed_urls(path: &Path, changes: &[(&str, &Url)]) -> Result<usize, RewriteError> {
    // Follow a symlink so that the rename replaces its target, not the link.
    let target = std::fs::canonicalize(path).map_err(|error| RewriteError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let text = std::fs::read_to_string(&target).map_err(|error| RewriteError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let edits = url_edits(&text, path, changes)?;
    if edits.is_empty() {
        return Ok(0);
    }
    write_atomically(&target, &splice(&text, &edits)).map_err(|error| RewriteError::Write {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(edits.len())
}

/// One replacement: the byte range of a URL value in the file and its new text.
struct Edit {
    span: Range<usize>,
    replacement: String,
}

/// The edits that give each named `[[feed]]` its new URL, in file order.
///
/// Works on spans of the parsed document rather than printing an edited `toml_edit`
/// document: printing does not keep everything (dotted-key order, a missing final
/// newline), splicing the original text does.
fn url_edits(text: &str, path: &Path, changes: &[(&str, &Url)]) -> Result<Vec<Edit>, RewriteError> {
    let invalid = |offset: usize, message: String| {
        let (line, column) = line_column(text, offset);
        RewriteError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let document = toml_edit::Document::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        invalid(offset, error.message().trim_end().to_string())
    })?;
    let feeds = document
        .as_table()
        .get("feed")
        .and_then(toml_edit::Item::as_array_of_tables);
    let mut found = vec![false; changes.len()];
    let mut edits = Vec::new();
    for feed in feeds.into_iter().flat_map(toml_edit::ArrayOfTables::iter) {
        let Some(name_item) = feed.get("name") else {
            continue;
        };
        let Some(name) = name_item.as_str() else {
            continue;
        };
        // The last change for a name wins, as if the changes were applied in order.
        let Some(change_index) = changes
            .iter()
            .rposition(|(change_name, _)| *change_name == name)
        else {
            continue;
        };
        for (index, (change_name, _)) in changes.iter().enumerate() {
            if *change_name == name {
                found[index] = true;
            }
        }
        let new_url = changes[change_index].1.as_str();
        let name_offset = name_item.span().map_or(0, |span| span.start);
        let url_value = feed.get("url").and_then(toml_edit::Item::as_value);
        let Some((old_url, span)) = url_value.and_then(|value| value.as_str().zip(value.span()))
        else {
            return Err(invalid(
                name_offset,
                format!("feed {name:?} has no url string to replace"),
            ));
        };
        if old_url != new_url {
            edits.push(Edit {
                span,
                replacement: basic_string(new_url),
            });
        }
    }
    let unknown: Vec<String> = changes
        .iter()
        .zip(&found)
        .filter(|(_, found)| !**found)
        .map(|((name, _), _)| (*name).to_string())
        .collect();
    if !unknown.is_empty() {
        return Err(RewriteError::UnknownFeed {
            path: path.to_path_buf(),
            names: unknown,
        });
    }
    edits.sort_by_key(|edit| edit.span.start);
    Ok(edits)
}

/// `text` with each edit's span replaced; the edits are in order and do not overlap.
fn splice(text: &str, edits: &[Edit]) -> String {
    let mut spliced = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    for edit in edits {
        spliced.push_str(&text[copied_up_to..edit.span.start]);
        spliced.push_str(&edit.replacement);
        copied_up_to = edit.span.end;
    }
    spliced.push_str(&text[copied_up_to..]);
    spliced
}

/// `value` as a TOML basic string: `"…"` with `"`, `\` and control characters escaped.
fn basic_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Replaces the file at `path` with `contents`: written and synced to a temporary file in
/// the same folder, given the old file's permissions, then renamed over it, so a reader sees
/// either the old file or the new one.
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let permissions = std::fs::metadata(path)?.permissions();
    let mut temporary = tempfile::NamedTempFile::new_in(config_dir(path))?;
    temporary.write_all(contents.as_bytes())?;
    temporary.as_file().set_permissions(permissions)?;
    temporary.as_file().sync_all()?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// `["a", "b"]` as `"a", "b"`.
fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A feed to append to `feeds.toml` as a new `[[feed]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    /// Its name (must not be taken).
    pub name: String,
    /// Its URL.
    pub url: Url,
    /// Its tags, in order (the key is left out when there are none).
    pub tags: Vec<String>,
}

/// Why feeds could not be appended to `feeds.toml`; in every case the file is untouched.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The new file could not be written or moved into place.
    #[error("cannot write {}: {error}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A new feed is not valid as `feeds.toml` would hold it (an empty name, a name already
    /// taken, a bad tag or URL).
    #[error("cannot add feed {name:?}: {message}")]
    InvalidFeed {
        /// The new feed's name.
        name: String,
        /// What is wrong, as the configuration check says it.
        message: String,
    },
    /// The file itself is not a valid configuration.
    #[error(transparent)]
    Invalid(ConfigError),
}

/// Appends `feeds` to the configuration file at `path`, each as a `[[feed]]` table with its
/// `name`, `url` and `tags`, and returns the configuration as now written.
///
/// The new text is validated as a whole before anything is written (so an invalid name or
/// tag is refused with the configuration's own message), then written atomically like
/// [`rewrite_feed_urls`] does (temporary file renamed over the old one; symlinks followed,
/// permissions kept). Every existing byte stays as it was: comments, order, spacing, a
/// missing final newline (one is added before the new tables). With no feeds, nothing is
/// written.
pub fn append_feeds(path: &Path, feeds: &[NewFeed]) -> Result<Config, AppendError> {
    let target = std::fs::canonicalize(path).map_err(|error| AppendError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let text = std::fs::read_to_string(&target).map_err(|error| AppendError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let (new_text, config) = with_feeds_appended(&text, path, feeds)?;
    if new_text != text {
        write_atomically(&target, &new_text).map_err(|error| AppendError::Write {
            path: path.to_path_buf(),
            error,
        })?;
    }
    Ok(config)
}

/// `text`, the configuration file at `path`, with `feeds` appended as [`append_feeds`]
/// writes them, and the configuration it validates to. Pure.
///
/// `toml_edit` prints the new tables, which are appended to the text as it is rather than
/// through an edited document, so that the existing text is kept exactly (as for
/// [`rewrite_feed_urls`]); a file whose lines end with CRLF gets CRLF lines.
pub fn with_feeds_appended(
    text: &str,
    path: &Path,
    feeds: &[NewFeed],
) -> Result<(String, Config), AppendError> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut appended = text.to_string();
    if !feeds.is_empty() && !appended.is_empty() {
        if !appended.ends_with('\n') {
            appended.push_str(newline);
        }
        if !appended.ends_with(&format!("{newline}{newline}")) {
            appended.push_str(newline);
        }
    }
    // Where each new table starts, to tell which feed a validation error is about.
    let mut table_starts = Vec::with_capacity(feeds.len());
    for (index, feed) in feeds.iter().enumerate() {
        if index > 0 {
            appended.push_str(newline);
        }
        table_starts.push(appended.len());
        appended.push_str(&feed_table(feed).replace('\n', newline));
    }
    match parse(&appended, path) {
        Ok(config) => Ok((appended, config)),
        Err(error) => {
            let ConfigError::Invalid {
                line, ref message, ..
            } = error
            else {
                return Err(AppendError::Invalid(error));
            };
            // The feed whose table holds the faulty line, if any.
            let faulty = table_starts
                .iter()
                .rposition(|start| line_column(&appended, *start).0 <= line);
            match faulty {
                Some(index) => Err(AppendError::InvalidFeed {
                    name: feeds[index].name.clone(),
                    message: message.clone(),
                }),
                None => Err(AppendError::Invalid(error)),
            }
        }
    }
}

/// `feed` as a `[[feed]]` table, printed by `toml_edit` (which quotes and escapes the
/// values), ending with a newline.
fn feed_table(feed: &NewFeed) -> String {
    let mut table = toml_edit::Table::new();
    table.insert("name", toml_edit::value(feed.name.as_str()));
    table.insert("url", toml_edit::value(feed.url.as_str()));
    if !feed.tags.is_empty() {
        let tags: toml_edit::Array = feed.tags.iter().map(String::as_str).collect();
        table.insert("tags", toml_edit::value(tags));
    }
    let mut feeds = toml_edit::ArrayOfTables::new();
    feeds.push(table);
    let mut document = toml_edit::DocumentMut::new();
    document.insert("feed", toml_edit::Item::ArrayOfTables(feeds));
    document.to_string()
}

/// The configured feed that already fetches `url` (by [`same_feed_url`]).
pub fn subscribed_feed<'a>(config: &'a Config, url: &Url) -> Option<&'a FeedSpec> {
    let key = feed_url_key(url);
    config
        .feeds
        .iter()
        .find(|feed| feed_url_key(&feed.url) == key)
}

/// Whether two URLs are the same feed: the same address apart from http vs https, a leading
/// `www.`, a trailing slash and a fragment.
pub fn same_feed_url(a: &Url, b: &Url) -> bool {
    feed_url_key(a) == feed_url_key(b)
}

/// What two URLs of the same feed have in common (see [`same_feed_url`]).
fn feed_url_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    let query = url
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    format!("{host}{port}{path}{query}")
}

const DEFAULT_DATABASE: &str = "frontpage.db";
const DEFAULT_CONCURRENCY: usize = 32;
const DEFAULT_PER_HOST: usize = 2;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_FEED_SIZE: u64 = 16 * 1024 * 1024;
const DEFAULT_INTERVAL: Duration = Duration::from_secs(60 * 60);
const DEFAULT_TITLE: &str = "frontpage";
const DEFAULT_LINK: &str = "http://127.0.0.1:8080/";
const DEFAULT_DESCRIPTION: &str =
    "Stories from the feeds in feeds.toml, merged and ranked by frontpage";
const DEFAULT_OUTPUT_DIR: &str = "public";
const DEFAULT_LIMIT: usize = 50;
const DEFAULT_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);
const DEFAULT_DECAY: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_COVERAGE: f64 = 0.5;
const DEFAULT_POSITION: f64 = 0.5;
const DEFAULT_WEIGHT: f64 = 1.0;

/// The whole file as written; every section may be missing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    publish: RawPublish,
    #[serde(default)]
    rank: RawRank,
    #[serde(default)]
    feed: Vec<RawFeed>,
}

/// `[settings]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    database: Option<Spanned<String>>,
    user_agent: Option<Spanned<String>>,
    concurrency: Option<Spanned<i64>>,
    per_host: Option<Spanned<i64>>,
    timeout: Option<Spanned<String>>,
    max_feed_size: Option<Spanned<RawSize>>,
    interval: Option<Spanned<String>>,
}

/// `[publish]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    title: Option<Spanned<String>>,
    link: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
    output_dir: Option<Spanned<String>>,
    limit: Option<Spanned<i64>>,
    window: Option<Spanned<String>>,
}

/// `[rank]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRank {
    decay: Option<Spanned<String>>,
    coverage: Option<Spanned<f64>>,
    position: Option<Spanned<f64>>,
}

/// A piece of the file that holds only `[[feed]]` tables ([`read_in_pieces`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeeds {
    feed: Vec<RawFeed>,
}

/// One `[[feed]]` as written; only `name` and `url` are required.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: Spanned<String>,
    url: Spanned<String>,
    group: Option<Spanned<String>>,
    weight: Option<Spanned<f64>>,
    tags: Option<Vec<Spanned<String>>>,
    interval: Option<Spanned<String>>,
    ranked: Option<bool>,
}

impl RawFeed {
    /// The feed as read from a piece of the file that starts `by` bytes into it: its spans
    /// become offsets into the whole file.
    fn shifted(self, by: usize) -> RawFeed {
        fn shift<T>(value: Spanned<T>, by: usize) -> Spanned<T> {
            let span = value.span();
            Spanned::new(span.start + by..span.end + by, value.into_inner())
        }
        RawFeed {
            name: shift(self.name, by),
            url: shift(self.url, by),
            group: self.group.map(|group| shift(group, by)),
            weight: self.weight.map(|weight| shift(weight, by)),
            tags: self
                .tags
                .map(|tags| tags.into_iter().map(|tag| shift(tag, by)).collect()),
            interval: self.interval.map(|interval| shift(interval, by)),
            ranked: self.ranked,
        }
    }
}

/// A size as written: a string such as `"16MiB"` or `"512 KB"`, or a number of bytes.
#[derive(Debug)]
enum RawSize {
    /// A bare TOML integer.
    Bytes(i64),
    /// A string for `bytesize` to parse.
    Text(String),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Accepts an integer or a string.
        struct RawSizeVisitor;

        impl serde::de::Visitor<'_> for RawSizeVisitor {
            type Value = RawSize;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a size such as \"16MiB\" or a number of bytes")
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(i64::try_from(value).unwrap_or(i64::MAX)))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(value.to_string()))
            }
        }

        deserializer.deserialize_any(RawSizeVisitor)
    }
}

/// The text being validated and its path: turns byte spans into located errors.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    /// The whole file read at once, or the TOML reader's error at its place.
    fn read_whole(&self) -> Result<RawConfig, ConfigError> {
        toml::from_str(self.text).map_err(|error| {
            let span = error.span().unwrap_or(0..0);
            self.invalid(span, error.message().trim_end().to_string())
        })
    }

    /// Raw sections become the validated [`Config`].
    fn validate(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let settings = self.settings(raw.settings)?;
        let publish = self.publish(raw.publish)?;
        let rank = self.rank(raw.rank)?;
        let mut feeds = Vec::with_capacity(raw.feed.len());
        let mut first_span_by_name: HashMap<String, Range<usize>> = HashMap::new();
        for raw_feed in raw.feed {
            if let Some(first_span) = first_span_by_name.get(raw_feed.name.get_ref()) {
                let (first_line, _) = line_column(self.text, first_span.start);
                return Err(self.invalid(
                    raw_feed.name.span(),
                    format!(
                        "duplicate feed name {:?} (first defined on line {first_line})",
                        raw_feed.name.get_ref()
                    ),
                ));
            }
            first_span_by_name.insert(raw_feed.name.get_ref().clone(), raw_feed.name.span());
            feeds.push(self.feed(raw_feed, settings.interval)?);
        }
        Ok(Config {
            path: self.path.to_path_buf(),
            settings,
            publish,
            rank,
            feeds,
        })
    }

    /// `[settings]` with its defaults.
    fn settings(&self, raw: RawSettings) -> Result<Settings, ConfigError> {
        let user_agent = match raw.user_agent {
            Some(value) => self.header_text("user_agent", value)?,
            None => default_user_agent(),
        };
        Ok(Settings {
            database: self.path_setting("database", raw.database, DEFAULT_DATABASE)?,
            user_agent,
            concurrency: self.count("concurrency", raw.concurrency, DEFAULT_CONCURRENCY)?,
            per_host: self.count("per_host", raw.per_host, DEFAULT_PER_HOST)?,
            timeout: self.duration("timeout", raw.timeout, DEFAULT_TIMEOUT)?,
            max_feed_size: self.size("max_feed_size", raw.max_feed_size, DEFAULT_MAX_FEED_SIZE)?,
            interval: self.duration("interval", raw.interval, DEFAULT_INTERVAL)?,
        })
    }

    /// `[publish]` with its defaults; the link always ends with `/`.
    fn publish(&self, raw: RawPublish) -> Result<PublishSettings, ConfigError> {
        let link = raw
            .link
            .unwrap_or_else(|| Spanned::new(0..0, DEFAULT_LINK.to_string()));
        Ok(PublishSettings {
            title: self.text_setting("title", raw.title, DEFAULT_TITLE)?,
            link: self.base_link(link)?,
            description: self.text_setting("description", raw.description, DEFAULT_DESCRIPTION)?,
            output_dir: self.path_setting("output_dir", raw.output_dir, DEFAULT_OUTPUT_DIR)?,
            limit: self.count("limit", raw.limit, DEFAULT_LIMIT)?,
            window: self.duration("window", raw.window, DEFAULT_WINDOW)?,
        })
    }

    /// `[rank]` with its defaults.
    fn rank(&self, raw: RawRank) -> Result<RankSettings, ConfigError> {
        Ok(RankSettings {
            decay: self.duration("decay", raw.decay, DEFAULT_DECAY)?,
            coverage: self.non_negative("coverage", raw.coverage, DEFAULT_COVERAGE)?,
            position: self.non_negative("position", raw.position, DEFAULT_POSITION)?,
        })
    }

    /// One `[[feed]]`; its interval defaults to `default_interval` from `[settings]`.
    fn feed(&self, raw: RawFeed, default_interval: Duration) -> Result<FeedSpec, ConfigError> {
        if raw.name.get_ref().trim().is_empty() {
            return Err(self.invalid(raw.name.span(), "feed name must not be empty".to_string()));
        }
        let url = self.http_url(&raw.url)?;
        let group = match raw.group {
            Some(group) if group.get_ref().trim().is_empty() => {
                return Err(self.invalid(group.span(), "group must not be empty".to_string()));
            }
            Some(group) => group.into_inner(),
            None => default_group(&url),
        };
        let mut tags: Vec<String> = Vec::new();
        for tag in raw.tags.unwrap_or_default() {
            let valid = !tag.get_ref().is_empty()
                && tag
                    .get_ref()
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(self.invalid(
                    tag.span(),
                    format!(
                        "invalid tag {:?}: a tag is letters, digits, \"-\" and \"_\"",
                        tag.get_ref()
                    ),
                ));
            }
            let tag = tag.into_inner();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(FeedSpec {
            name: raw.name.into_inner(),
            url,
            group,
            weight: self.non_negative("weight", raw.weight, DEFAULT_WEIGHT)?,
            tags,
            interval: self.duration("interval", raw.interval, default_interval)?,
            ranked: raw.ranked.unwrap_or(false),
        })
    }

    /// An absolute http or https URL.
    fn http_url(&self, value: &Spanned<String>) -> Result<Url, ConfigError> {
        let text = value.get_ref();
        let url = Url::parse(text).map_err(|error| {
            self.invalid(value.span(), format!("invalid url {text:?}: {error}"))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(self.invalid(
                value.span(),
                format!(
                    "invalid url {text:?}: the scheme must be http or https, not {:?}",
                    url.scheme()
                ),
            ));
        }
        Ok(url)
    }

    /// `[publish].link`: an http(s) base URL without query or fragment, ending with `/` so
    /// that `Url::join` appends to it.
    fn base_link(&self, value: Spanned<String>) -> Result<Url, ConfigError> {
        let mut link = self.http_url(&value)?;
        if link.query().is_some() || link.fragment().is_some() {
            return Err(self.invalid(
                value.span(),
                format!(
                    "invalid link {:?}: a base url has no query or fragment",
                    value.get_ref()
                ),
            ));
        }
        if !link.path().ends_with('/') {
            let path = format!("{}/", link.path());
            link.set_path(&path);
        }
        Ok(link)
    }

    /// A duration such as `"30s"` or `"2h 30m"`, greater than zero.
    fn duration(
        &self,
        key: &str,
        value: Option<Spanned<String>>,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        let Some(value) = value else {
            return Ok(default);
        };
        let text = value.get_ref();
        let duration = humantime::parse_duration(text.trim()).map_err(|error| {
            self.invalid(value.span(), format!("invalid duration {text:?}: {error}"))
        })?;
        if duration.is_zero() {
            return Err(self.invalid(value.span(), format!("{key} must be greater than zero")));
        }
        Ok(duration)
    }

    /// A size in bytes such as `"16MiB"`, `"512 KB"` or `1000`, greater than zero.
    fn size(
        &self,
        key: &str,
        value: Option<Spanned<RawSize>>,
        default: u64,
    ) -> Result<u64, ConfigError> {
        let Some(value) = value else {
            return Ok(default);
        };
        let bytes = match value.get_ref() {
            RawSize::Bytes(bytes) => u64::try_from(*bytes).map_err(|_| {
                self.invalid(
                    value.span(),
                    format!("invalid size {bytes}: it is negative"),
                )
            })?,
            RawSize::Text(text) => text
                .trim()
                .parse::<bytesize::ByteSize>()
                .map_err(|error| {
                    self.invalid(value.span(), format!("invalid size {text:?}: {error}"))
                })?
                .as_u64(),
        };
        if bytes == 0 {
            return Err(self.invalid(value.span(), format!("{key} must be greater than zero")));
        }
        Ok(bytes)
    }

    /// A count of at least 1.
    fn count(
        &self,
        key: &str,
        value: Option<Spanned<i64>>,
        default: usize,
    ) -> Result<usize, ConfigError> {
        let Some(value) = value else {
            return Ok(default);
        };
        match usize::try_from(*value.get_ref()) {
            Ok(count) if count >= 1 => Ok(count),
            _ => Err(self.invalid(
                value.span(),
                format!("{key} must be at least 1, not {}", value.get_ref()),
            )),
        }
    }

    /// A finite number, zero or more.
    fn non_negative(
        &self,
        key: &str,
        value: Option<Spanned<f64>>,
        default: f64,
    ) -> Result<f64, ConfigError> {
        let Some(value) = value else {
            return Ok(default);
        };
        let number = *value.get_ref();
        if number.is_finite() && number >= 0.0 {
            Ok(number)
        } else {
            Err(self.invalid(
                value.span(),
                format!(
                    "{key} must be a finite number, zero or more, not {}",
                    number.to_string().to_lowercase()
                ),
            ))
        }
    }

    /// Non-empty text.
    fn text_setting(
        &self,
        key: &str,
        value: Option<Spanned<String>>,
        default: &str,
    ) -> Result<String, ConfigError> {
        let Some(value) = value else {
            return Ok(default.to_string());
        };
        if value.get_ref().trim().is_empty() {
            return Err(self.invalid(value.span(), format!("{key} must not be empty")));
        }
        Ok(value.into_inner())
    }

    /// Non-empty text that can be sent in an HTTP header (no control characters).
    fn header_text(&self, key: &str, value: Spanned<String>) -> Result<String, ConfigError> {
        if value.get_ref().trim().is_empty() {
            return Err(self.invalid(value.span(), format!("{key} must not be empty")));
        }
        if value.get_ref().chars().any(char::is_control) {
            return Err(self.invalid(
                value.span(),
                format!("{key} must not contain control characters"),
            ));
        }
        Ok(value.into_inner())
    }

    /// A non-empty path; a relative one is resolved against the config file's folder.
    fn path_setting(
        &self,
        key: &str,
        value: Option<Spanned<String>>,
        default: &str,
    ) -> Result<PathBuf, ConfigError> {
        let relative = match value {
            Some(value) if value.get_ref().is_empty() => {
                return Err(self.invalid(value.span(), format!("{key} must not be empty")));
            }
            Some(value) => PathBuf::from(value.into_inner()),
            None => PathBuf::from(default),
        };
        Ok(config_dir(self.path).join(relative))
    }

    /// A [`ConfigError::Invalid`] located at the start of `span`.
    fn invalid(&self, span: Range<usize>, message: String) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }
}

/// The folder relative paths are resolved against: the config file's parent, else `.`.
fn config_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A feed's default group: its URL's host without a leading `www.`.
fn default_group(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    host.strip_prefix("www.").unwrap_or(host).to_string()
}

/// The 1-based line and column (counted in chars) of the byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` as if read from `feeds.toml` in the current folder.
    fn parse_text(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("feeds.toml"))
    }

    /// What [`parse`] gives when it reads the whole file at once.
    fn parse_whole(text: &str) -> Result<Config, ConfigError> {
        let source = Source {
            text,
            path: Path::new("feeds.toml"),
        };
        source.validate(source.read_whole()?)
    }

    /// A file of `n` feeds after a `[settings]` table, each feed written in one of several
    /// ways (comments, tags, a group, a weight, an interval).
    fn many_feeds(n: usize) -> String {
        let mut text = String::from("# many feeds\n[settings]\nconcurrency = 4\n\n");
        for index in 0..n {
            match index % 4 {
                0 => text.push_str("[[feed]]\n"),
                1 => text.push_str("  [[feed]]  # indented, with a comment\n"),
                2 => text.push_str("[[feed]]\r\n"),
                _ => text.push_str("[[ feed ]]\n"),
            }
            text.push_str(&format!(
                "name = \"Feed {index}\"\nurl = \"https://site{index}.example/feed.xml\"\n"
            ));
            if index % 3 == 0 {
                text.push_str("tags = [\"news\", \"tech\"]\ngroup = \"g\"\n");
            }
            if index % 5 == 0 {
                text.push_str("weight = 1.5\ninterval = \"2h\"\nranked = true\n");
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn a_file_of_many_feeds_is_read_in_pieces_as_it_reads_whole() {
        let text = many_feeds(300);
        assert!(
            read_in_pieces(&text).is_some(),
            "the file is read in pieces"
        );
        let config = parse_text(&text).unwrap();
        assert_eq!(config.feeds.len(), 300);
        assert_eq!(config.feeds[299].name, "Feed 299");
        assert_eq!(config, parse_whole(&text).unwrap());
    }

    #[test]
    fn an_error_in_a_later_piece_is_reported_at_its_place_in_the_file() {
        // A bad URL, and a name used twice, far past the first piece.
        let bad_url = many_feeds(300).replace("https://site250.example", "ftp://site250.example");
        let duplicate = many_feeds(300).replace("\"Feed 270\"", "\"Feed 10\"");
        // A key no feed has, and a value of the wrong type: errors of the TOML reader.
        let unknown_key = many_feeds(300).replace("name = \"Feed 280\"", "nmae = \"Feed 280\"");
        let wrong_type = many_feeds(300).replace("url = \"https://site290", "url = 3 # \"");
        for text in [bad_url, duplicate, unknown_key, wrong_type] {
            let whole = parse_whole(&text).unwrap_err().to_string();
            assert!(!whole.starts_with("feeds.toml:1:"), "{whole}");
            assert_eq!(parse_text(&text).unwrap_err().to_string(), whole);
        }
    }

    #[test]
    fn a_feed_header_inside_a_multi_line_string_does_not_split_the_file() {
        let mut text = many_feeds(200);
        text = text.replace(
            "name = \"Feed 100\"",
            "name = \"\"\"Feed 100\n[[feed]]\nname = \"not a feed\"\n\"\"\"",
        );
        let config = parse_text(&text).unwrap();
        assert_eq!(config.feeds.len(), 200);
        assert_eq!(
            config.feeds[100].name,
            "Feed 100\n[[feed]]\nname = \"not a feed\"\n"
        );
        assert_eq!(config, parse_whole(&text).unwrap());
    }

    #[test]
    fn tables_after_the_feeds_and_feeds_before_them_are_read_whole() {
        // `[publish]` after the feeds.
        let after = format!("{}[publish]\ntitle = \"After\"\n", many_feeds(200));
        let config = parse_text(&after).unwrap();
        assert_eq!(config.feeds.len(), 200);
        assert_eq!(config.publish.title, "After");
        // Feeds written as an inline array before the `[[feed]]` tables cannot be extended.
        let inline = format!(
            "feed = [{{ name = \"Inline\", url = \"https://inline.example/\" }}]\n{}",
            many_feeds(200).replace("[settings]\nconcurrency = 4\n", "")
        );
        assert_eq!(
            parse_text(&inline).unwrap_err().to_string(),
            parse_whole(&inline).unwrap_err().to_string()
        );
        // `[settings]` twice: once before the feeds and once among them.
        let twice = many_feeds(200).replace(
            "[[feed]]\nname = \"Feed 120\"",
            "[settings]\ninterval = \"1h\"\n[[feed]]\nname = \"Feed 120\"",
        );
        assert_eq!(
            parse_text(&twice).unwrap_err().to_string(),
            parse_whole(&twice).unwrap_err().to_string()
        );
    }

    #[test]
    fn only_feed_header_lines_split_the_file() {
        let text = "[[feed]]\n  [[feed]] # c\n[[feed]]\r\n[[feeds]]\n[[feed]] x\nx = \"[[feed]]\"\n[[feed]]";
        let starts = feed_header_offsets(text);
        let lines: Vec<&str> = starts
            .iter()
            .map(|&start| &text[start..start + 4])
            .collect();
        assert_eq!(lines, ["[[fe", "  [[", "[[fe", "[[fe"]);
        assert_eq!(starts.last(), Some(&(text.len() - "[[feed]]".len())));
    }

    /// `text` must fail at `line`:`column` with a message containing `message`.
    fn check_err(text: &str, line: usize, column: usize, message: &str) {
        match parse_text(text) {
            Err(ConfigError::Invalid {
                line: actual_line,
                column: actual_column,
                message: actual_message,
                ..
            }) => {
                assert!(
                    (actual_line, actual_column) == (line, column)
                        && actual_message.contains(message),
                    "for {text:?}\nexpected {line}:{column}: …{message}…\n     got {actual_line}:{actual_column}: {actual_message}"
                );
                assert!(
                    !actual_message.ends_with('.') && !actual_message.contains('\n'),
                    "message should be one line without a trailing period: {actual_message:?}"
                );
            }
            other => panic!("for {text:?}\nexpected an Invalid error, got {other:?}"),
        }
    }

    /// One `[[feed]]` named "A" followed by `extra` lines.
    fn feed_with(extra: &str) -> String {
        format!("[[feed]]\nname = \"A\"\nurl = \"https://a.example/feed\"\n{extra}")
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        let rows: &[(&str, usize, usize, &str)] = &[
            // a table header that is never closed is a TOML syntax error
            (
                "[settings\nconcurrency = 1\n",
                1,
                10,
                "unclosed table, expected `]`",
            ),
            // the same key twice is a TOML syntax error, located at the second one
            (
                "[settings]\nconcurrency = 1\nconcurrency = 2\n",
                3,
                1,
                "duplicate key",
            ),
            // a misspelt top-level section
            (
                "[setting]\ninterval = \"1h\"\n",
                1,
                2,
                "unknown field `setting`",
            ),
            // a misspelt key in [settings] lists the keys that exist
            (
                "[settings]\nintervall = \"1h\"\n",
                2,
                1,
                "unknown field `intervall`, expected one of",
            ),
            // a key that [[feed]] does not have
            (
                &feed_with("colour = \"red\"\n"),
                4,
                1,
                "unknown field `colour`",
            ),
            // a feed without a url
            ("[[feed]]\nname = \"A\"\n", 1, 1, "missing field `url`"),
            // not a URL at all
            (
                "[[feed]]\nname = \"A\"\nurl = \"not a url\"\n",
                3,
                7,
                "invalid url \"not a url\": relative URL without a base",
            ),
            // a URL whose scheme is misspelt parses, but is not http(s)
            (
                "[[feed]]\nname = \"A\"\nurl = \"htp:/x\"\n",
                3,
                7,
                "invalid url \"htp:/x\": the scheme must be http or https",
            ),
            // ftp is not fetched
            (
                "[[feed]]\nname = \"A\"\nurl = \"ftp://ftp.example/feed.xml\"\n",
                3,
                7,
                "not \"ftp\"",
            ),
            // the publish link must be http(s) too
            (
                "[publish]\nlink = \"mailto:me@example.org\"\n",
                2,
                8,
                "the scheme must be http or https",
            ),
            // a base link with a query would lose it on join
            (
                "[publish]\nlink = \"https://example.org/?a=1\"\n",
                2,
                8,
                "no query or fragment",
            ),
            // an unknown time unit
            (
                "[settings]\ntimeout = \"5 parsecs\"\n",
                2,
                11,
                "invalid duration \"5 parsecs\": unknown time unit",
            ),
            // a duration must be a string, not a bare number
            (
                "[settings]\ntimeout = 30\n",
                2,
                11,
                "invalid type: integer `30`, expected a string",
            ),
            // a zero interval would fetch in a tight loop
            (
                "[settings]\ninterval = \"0s\"\n",
                2,
                12,
                "interval must be greater than zero",
            ),
            // a zero interval on one feed too
            (
                &feed_with("interval = \"0m\"\n"),
                4,
                12,
                "interval must be greater than zero",
            ),
            // a zero decay would divide by zero in the age term
            (
                "[rank]\ndecay = \"0s\"\n",
                2,
                9,
                "decay must be greater than zero",
            ),
            // an unknown size unit
            (
                "[settings]\nmax_feed_size = \"16 parsecs\"\n",
                2,
                17,
                "invalid size \"16 parsecs\"",
            ),
            // a size of zero bytes would reject every feed
            (
                "[settings]\nmax_feed_size = 0\n",
                2,
                17,
                "max_feed_size must be greater than zero",
            ),
            // a negative size
            ("[settings]\nmax_feed_size = -5\n", 2, 17, "invalid size -5"),
            // names are unique; the error points at the second one and names the first line
            (
                "[[feed]]\nname = \"Krebs on Security\"\nurl = \"https://krebsonsecurity.com/feed/\"\n\n[[feed]]\nname = \"Krebs on Security\"\nurl = \"https://krebsonsecurity.com/feed/\"\n",
                6,
                8,
                "duplicate feed name \"Krebs on Security\" (first defined on line 2)",
            ),
            // an empty name cannot be selected with --feed
            (
                "[[feed]]\nname = \" \"\nurl = \"https://a.example/\"\n",
                2,
                8,
                "feed name must not be empty",
            ),
            // an empty group would merge unrelated feeds
            (
                &feed_with("group = \"\"\n"),
                4,
                9,
                "group must not be empty",
            ),
            // a negative weight
            (
                &feed_with("weight = -1\n"),
                4,
                10,
                "weight must be a finite number, zero or more, not -1",
            ),
            // NaN would poison every score
            (&feed_with("weight = nan\n"), 4, 10, "not nan"),
            // a negative coverage weight would let more coverage lower a score
            (
                "[rank]\ncoverage = -0.5\n",
                2,
                12,
                "coverage must be a finite number, zero or more",
            ),
            // a tag becomes a file name under tag/
            (
                &feed_with("tags = [\"ok\", \"../x\"]\n"),
                4,
                15,
                "invalid tag \"../x\"",
            ),
            // nothing would ever be fetched
            (
                "[settings]\nconcurrency = 0\n",
                2,
                15,
                "concurrency must be at least 1, not 0",
            ),
            // nor from any host
            (
                "[settings]\nper_host = -2\n",
                2,
                12,
                "per_host must be at least 1, not -2",
            ),
            // an empty published feed
            (
                "[publish]\nlimit = 0\n",
                2,
                9,
                "limit must be at least 1, not 0",
            ),
            // an empty title is an empty required element in RSS
            ("[publish]\ntitle = \"\"\n", 2, 9, "title must not be empty"),
            // an empty User-Agent is not honest
            (
                "[settings]\nuser_agent = \"\"\n",
                2,
                14,
                "user_agent must not be empty",
            ),
            // an empty database path
            (
                "[settings]\ndatabase = \"\"\n",
                2,
                12,
                "database must not be empty",
            ),
            // columns count characters, not bytes
            (
                "[[feed]]\nname = \"é\"\nurl = \"https://a.example/\"\n[[feed]]\nname = \"B\"\nurl = \"https://b.example/\"\nweight = -1 # é\n",
                7,
                10,
                "weight must be",
            ),
            (
                "# ééé\n[settings]\n  concurrency = 0\n",
                3,
                17,
                "concurrency must be at least 1",
            ),
        ];
        for (text, line, column, message) in rows {
            check_err(text, *line, *column, message);
        }
    }

    #[test]
    fn invalid_error_displays_path_line_and_column() {
        let error = parse(
            "[settings]\nconcurrency = 0\n",
            Path::new("conf/feeds.toml"),
        )
        .expect_err("concurrency 0 is invalid");
        assert_eq!(
            error.to_string(),
            "conf/feeds.toml:2:15: concurrency must be at least 1, not 0"
        );
    }

    #[test]
    fn empty_config_gets_the_defaults() {
        let config = parse_text("").unwrap();
        assert_eq!(
            config,
            Config {
                path: PathBuf::from("feeds.toml"),
                settings: Settings {
                    database: PathBuf::from("./frontpage.db"),
                    user_agent: default_user_agent(),
                    concurrency: 32,
                    per_host: 2,
                    timeout: Duration::from_secs(30),
                    max_feed_size: 16 * 1024 * 1024,
                    interval: Duration::from_secs(3600),
                },
                publish: PublishSettings {
                    title: "frontpage".to_string(),
                    link: Url::parse("http://127.0.0.1:8080/").unwrap(),
                    description:
                        "Stories from the feeds in feeds.toml, merged and ranked by frontpage"
                            .to_string(),
                    output_dir: PathBuf::from("./public"),
                    limit: 50,
                    window: Duration::from_secs(7 * 24 * 3600),
                },
                rank: RankSettings {
                    decay: Duration::from_secs(24 * 3600),
                    coverage: 0.5,
                    position: 0.5,
                },
                feeds: vec![],
            }
        );
    }

    #[test]
    fn default_user_agent_names_version_and_project() {
        let user_agent = default_user_agent();
        assert!(user_agent.starts_with(&format!("frontpage/{} (+http", env!("CARGO_PKG_VERSION"))));
        assert!(user_agent.ends_with(')'));
    }

    #[test]
    fn feed_defaults_and_group_from_host_without_www() {
        let config = parse_text(
            "[[feed]]\nname = \"Schneier on Security\"\nurl = \"https://www.schneier.com/feed/\"\n",
        )
        .unwrap();
        assert_eq!(
            config.feeds,
            vec![FeedSpec {
                name: "Schneier on Security".to_string(),
                url: Url::parse("https://www.schneier.com/feed/").unwrap(),
                group: "schneier.com".to_string(),
                weight: 1.0,
                tags: vec![],
                interval: Duration::from_secs(3600),
                ranked: false,
            }]
        );
    }

    #[test]
    fn every_feed_field_is_read() {
        let config = parse_text(
            r#"
            [settings]
            interval = "30m"

            [[feed]]
            name = "Hacker News"
            url = "https://news.ycombinator.com/rss"
            group = "hn"
            weight = 2
            tags = ["tech", "news", "tech"]
            interval = "2h 30m"
            ranked = true

            [[feed]]
            name = "Lobsters"
            url = "https://lobste.rs/t/security.rss"
            weight = 0.0
            "#,
        )
        .unwrap();
        let hacker_news = &config.feeds[0];
        assert_eq!(hacker_news.group, "hn");
        assert_eq!(hacker_news.weight, 2.0);
        assert_eq!(hacker_news.tags, vec!["tech", "news"]);
        assert_eq!(
            hacker_news.interval,
            Duration::from_secs(2 * 3600 + 30 * 60)
        );
        assert!(hacker_news.ranked);
        let lobsters = &config.feeds[1];
        assert_eq!(lobsters.group, "lobste.rs");
        assert_eq!(lobsters.weight, 0.0);
        assert_eq!(lobsters.interval, Duration::from_secs(30 * 60));
        assert!(!lobsters.ranked);
    }

    #[test]
    fn sizes_and_durations_accept_the_usual_spellings() {
        let rows: &[(&str, u64)] = &[
            ("\"16MiB\"", 16 * 1024 * 1024),
            ("\"512 KB\"", 512_000),
            ("\"1000\"", 1000),
            ("1000", 1000),
            ("\"1 GiB\"", 1024 * 1024 * 1024),
        ];
        for (size, bytes) in rows {
            let config = parse_text(&format!("[settings]\nmax_feed_size = {size}\n")).unwrap();
            assert_eq!(config.settings.max_feed_size, *bytes, "for {size}");
        }
        let rows: &[(&str, u64)] = &[("30s", 30), ("1h", 3600), ("2h 30m", 9000), ("7d", 604_800)];
        for (duration, seconds) in rows {
            let config = parse_text(&format!("[publish]\nwindow = \"{duration}\"\n")).unwrap();
            assert_eq!(
                config.publish.window,
                Duration::from_secs(*seconds),
                "for {duration}"
            );
        }
    }

    #[test]
    fn relative_paths_resolve_against_the_config_folder() {
        let text = "[settings]\ndatabase = \"data/fp.db\"\n[publish]\noutput_dir = \"www\"\n";
        let config = parse(text, Path::new("/etc/frontpage/feeds.toml")).unwrap();
        assert_eq!(
            config.settings.database,
            Path::new("/etc/frontpage/data/fp.db")
        );
        assert_eq!(config.publish.output_dir, Path::new("/etc/frontpage/www"));

        let config = parse(text, Path::new("feeds.toml")).unwrap();
        assert_eq!(config.settings.database, Path::new("./data/fp.db"));
        assert_eq!(config.publish.output_dir, Path::new("./www"));
    }

    #[test]
    fn absolute_paths_stay() {
        let text =
            "[settings]\ndatabase = \"/var/lib/fp.db\"\n[publish]\noutput_dir = \"/srv/www\"\n";
        let config = parse(text, Path::new("/etc/frontpage/feeds.toml")).unwrap();
        assert_eq!(config.settings.database, Path::new("/var/lib/fp.db"));
        assert_eq!(config.publish.output_dir, Path::new("/srv/www"));
    }

    #[test]
    fn link_is_normalised_to_end_with_a_slash() {
        let rows = [
            ("https://news.example.org", "https://news.example.org/"),
            ("https://news.example.org/", "https://news.example.org/"),
            ("https://example.org/news", "https://example.org/news/"),
            ("http://example.org/a/b/", "http://example.org/a/b/"),
        ];
        for (written, expected) in rows {
            let config = parse_text(&format!("[publish]\nlink = \"{written}\"\n")).unwrap();
            assert_eq!(config.publish.link.as_str(), expected, "for {written}");
            assert_eq!(
                config.publish.link.join("story/1").unwrap().as_str(),
                format!("{expected}story/1")
            );
        }
    }

    #[test]
    fn line_column_counts_chars_from_one() {
        let text = "ab\néé x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 8), (2, 4));
        // inside a multi-byte char: the char's own column
        assert_eq!(line_column(text, 4), (2, 1));
        // past the end: the end
        assert_eq!(line_column(text, 100), (3, 1));
    }

    #[test]
    fn repository_feeds_toml_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml");
        let config = load(&path).unwrap();
        assert!(
            (15..=30).contains(&config.feeds.len()),
            "{} feeds",
            config.feeds.len()
        );
        assert_eq!(config.publish.title, "Security front page");
        assert_eq!(
            config.settings.database,
            path.parent().unwrap().join("frontpage.db")
        );
        assert!(config.feeds.iter().all(|feed| !feed.tags.is_empty()));
        assert!(config.feeds.iter().any(|feed| feed.ranked));
    }

    /// A feeds.toml written by hand: a header comment, comments between feeds, a trailing
    /// comment on a url line, odd spacing, a literal string, and no final newline.
    const HAND_WRITTEN: &str = r#"# frontpage feeds
# edited by hand; keep the comments

[settings]
interval = "30m"   # twice an hour

# --- news ---
[[feed]]
name = "Hacker News"
url = "https://news.ycombinator.com/rss"   # old host
tags = ["tech"]

# extra keys and odd spacing
[[feed]]
  name   =   "Lobsters"
	url="https://lobste.rs/rss"
  group  = "lobsters"    # grouped
  weight =   0.5
  tags = [ "tech" ,"news" ]
ranked=true

[[feed]]
name = 'Krebs'
url = 'https://krebsonsecurity.com/feed/'

[publish]
title = "Front"   # last"#;

    /// A URL for tests.
    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    /// Writes `text` to `feeds.toml` in a new temporary folder, with an old modification
    /// time so that a rewrite cannot go unnoticed within the clock's resolution.
    fn feeds_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, text).unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        (dir, path)
    }

    /// The file's bytes and modification time.
    fn snapshot(path: &Path) -> (Vec<u8>, std::time::SystemTime) {
        let bytes = std::fs::read(path).unwrap();
        let modified = std::fs::metadata(path).unwrap().modified().unwrap();
        (bytes, modified)
    }

    /// Rewriting `changes` in `HAND_WRITTEN` changes `expected_count` feeds and gives the
    /// original text with each `(old, new)` substring replaced once; the result loads as
    /// the original config with those feeds' URLs changed.
    fn check_rewrite(changes: &[(&str, &str)], expected_count: usize, replaced: &[(&str, &str)]) {
        let (_dir, path) = feeds_file(HAND_WRITTEN);
        let before = load(&path).unwrap();
        let urls: Vec<(&str, Url)> = changes
            .iter()
            .map(|(name, new)| (*name, url(new)))
            .collect();
        let change_refs: Vec<(&str, &Url)> = urls.iter().map(|(name, new)| (*name, new)).collect();

        let count = rewrite_feed_urls(&path, &change_refs).unwrap();

        assert_eq!(count, expected_count, "for {changes:?}");
        let mut expected = HAND_WRITTEN.to_string();
        for (old, new) in replaced {
            assert_eq!(expected.matches(old).count(), 1, "{old} must occur once");
            expected = expected.replacen(old, new, 1);
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        // Only the URLs differ, and the groups derived from them.
        let mut expected_config = before;
        for (name, new_url) in &urls {
            for feed in expected_config
                .feeds
                .iter_mut()
                .filter(|feed| feed.name == *name)
            {
                if feed.group == default_group(&feed.url) {
                    feed.group = default_group(new_url);
                }
                feed.url = new_url.clone();
            }
        }
        assert_eq!(load(&path).unwrap(), expected_config);
    }

    #[test]
    fn rewrite_changes_only_the_url_and_keeps_its_comment() {
        check_rewrite(
            &[("Hacker News", "https://hn.example/rss")],
            1,
            &[(
                r#""https://news.ycombinator.com/rss""#,
                r#""https://hn.example/rss""#,
            )],
        );
    }

    #[test]
    fn rewrite_keeps_odd_spacing_and_writes_basic_strings() {
        check_rewrite(
            &[
                ("Krebs", "https://krebs.example/feed/"),
                ("Lobsters", "https://lobste.rs/t/security.rss"),
            ],
            2,
            &[
                (
                    r#"url="https://lobste.rs/rss""#,
                    r#"url="https://lobste.rs/t/security.rss""#,
                ),
                (
                    "'https://krebsonsecurity.com/feed/'",
                    r#""https://krebs.example/feed/""#,
                ),
            ],
        );
    }

    #[test]
    fn rewrite_counts_only_the_feeds_that_change() {
        // Lobsters already has its URL; only Hacker News is written.
        check_rewrite(
            &[
                ("Lobsters", "https://lobste.rs/rss"),
                ("Hacker News", "https://hn.example/rss"),
            ],
            1,
            &[(
                r#""https://news.ycombinator.com/rss""#,
                r#""https://hn.example/rss""#,
            )],
        );
    }

    #[test]
    fn rewrite_escapes_what_a_basic_string_cannot_hold() {
        // a backslash survives in a URL's query
        let new_url = url("https://a.example/?q=\\x");
        assert_eq!(new_url.as_str(), "https://a.example/?q=\\x");
        check_rewrite(
            &[("Hacker News", "https://a.example/?q=\\x")],
            1,
            &[(
                r#""https://news.ycombinator.com/rss""#,
                r#""https://a.example/?q=\\x""#,
            )],
        );
    }

    #[test]
    fn rewrite_to_the_same_url_writes_nothing() {
        let (_dir, path) = feeds_file(HAND_WRITTEN);
        let before = snapshot(&path);
        let same = url("https://news.ycombinator.com/rss");
        let same_literal = url("https://krebsonsecurity.com/feed/");

        let count =
            rewrite_feed_urls(&path, &[("Hacker News", &same), ("Krebs", &same_literal)]).unwrap();

        assert_eq!(count, 0);
        assert_eq!(snapshot(&path), before);
    }

    #[test]
    fn rewrite_of_an_unknown_name_is_an_error_and_writes_nothing() {
        let (_dir, path) = feeds_file(HAND_WRITTEN);
        let before = snapshot(&path);
        let new_url = url("https://hn.example/rss");

        let error = rewrite_feed_urls(
            &path,
            &[
                ("Hacker News", &new_url),
                ("Slashdot", &new_url),
                ("Digg", &new_url),
            ],
        )
        .expect_err("Slashdot is not in the file");

        match &error {
            RewriteError::UnknownFeed { names, .. } => assert_eq!(names, &["Slashdot", "Digg"]),
            other => panic!("expected UnknownFeed, got {other:?}"),
        }
        assert_eq!(
            error.to_string(),
            format!(
                "{}: no [[feed]] named \"Slashdot\", \"Digg\"",
                path.display()
            )
        );
        assert_eq!(snapshot(&path), before);
    }

    #[test]
    fn rewrite_only_considers_feed_array_of_tables() {
        // an inline array of tables is not [[feed]]
        let text = "feed = [{ name = \"A\", url = \"https://a.example/\" }]\n";
        let (_dir, path) = feeds_file(text);
        let new_url = url("https://b.example/");
        let error = rewrite_feed_urls(&path, &[("A", &new_url)]).expect_err("not a [[feed]]");
        assert!(
            matches!(error, RewriteError::UnknownFeed { .. }),
            "{error:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    /// Rewriting feed "A" in `text` fails at `line`:`column` with a message containing
    /// `message`, and leaves the file alone.
    fn check_rewrite_invalid(text: &str, line: usize, column: usize, message: &str) {
        let (_dir, path) = feeds_file(text);
        let before = snapshot(&path);
        let new_url = url("https://b.example/");
        match rewrite_feed_urls(&path, &[("A", &new_url)]) {
            Err(
                ref error @ RewriteError::Invalid {
                    line: actual_line,
                    column: actual_column,
                    message: ref actual_message,
                    ..
                },
            ) => {
                assert!(
                    (actual_line, actual_column) == (line, column)
                        && actual_message.contains(message),
                    "for {text:?}\nexpected {line}:{column}: …{message}…\n     got {error}"
                );
                assert!(
                    error
                        .to_string()
                        .starts_with(&format!("{}:{line}:{column}: ", path.display())),
                    "{error}"
                );
            }
            other => panic!("for {text:?}\nexpected an Invalid error, got {other:?}"),
        }
        assert_eq!(snapshot(&path), before);
    }

    #[test]
    fn rewrite_of_invalid_toml_names_line_and_column() {
        let rows: &[(&str, usize, usize, &str)] = &[
            (
                "# feeds\n[[feed]]\nname = \"A\"\nurl = \"https://a.example/\nweight = 1\n",
                4,
                26,
                "invalid basic string",
            ),
            (
                "[[feed]]\nname = \"A\"\nurl = \"https://a.example/\"\nname = \"B\"\n",
                4,
                1,
                "duplicate key",
            ),
            ("[settings\n", 1, 10, "unclosed table"),
            // the feed exists but has nothing to rewrite
            (
                "[[feed]]\nname = \"A\"\n",
                2,
                8,
                "feed \"A\" has no url string",
            ),
            (
                "[[feed]]\nname = \"A\"\nurl = 5\n",
                2,
                8,
                "feed \"A\" has no url string",
            ),
        ];
        for (text, line, column, message) in rows {
            check_rewrite_invalid(text, *line, *column, message);
        }
    }

    #[test]
    fn rewrite_of_a_missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        let new_url = url("https://b.example/");
        let error = rewrite_feed_urls(&path, &[("A", &new_url)]).expect_err("no file");
        assert!(matches!(error, RewriteError::Read { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot read {}: ", path.display())),
            "{error}"
        );
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn rewrite_keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt as _;

        let (dir, real_path) = feeds_file(HAND_WRITTEN);
        std::fs::set_permissions(&real_path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link_path = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real_path, &link_path).unwrap();
        let new_url = url("https://hn.example/rss");

        assert_eq!(
            rewrite_feed_urls(&link_path, &[("Hacker News", &new_url)]).unwrap(),
            1
        );

        assert!(
            link_path
                .symlink_metadata()
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert!(
            std::fs::read_to_string(&real_path)
                .unwrap()
                .contains("url = \"https://hn.example/rss\"   # old host\n")
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no temporary file is left behind");
    }
}

/// [`append_feeds`] and [`subscribed_feed`].
#[cfg(test)]
mod append_tests {
    use super::*;

    /// A hand-written file: comments everywhere, odd spacing, a feed, and no final newline.
    const COMMENTED: &str = "# my feeds\n\n[settings]\ninterval = \"30m\"   # often\n\n\
                             # --- news ---\n[[feed]]\n  name = 'Krebs'   # the one\nurl=\"https://krebsonsecurity.com/feed/\"\n\
                             tags = [ \"security\" ]\n\n[publish]\ntitle = \"Front\"   # last";

    /// A feed to append.
    fn new_feed(name: &str, url: &str, tags: &[&str]) -> NewFeed {
        NewFeed {
            name: name.to_string(),
            url: Url::parse(url).unwrap(),
            tags: tags.iter().map(|tag| (*tag).to_string()).collect(),
        }
    }

    /// `text` in `feeds.toml` in a new temporary folder.
    fn feeds_file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// Appending `feeds` to a file holding `before` leaves it holding exactly `after`, and
    /// the returned configuration is what the file now loads as.
    fn check_append(before: &str, feeds: &[NewFeed], after: &str) {
        let (_dir, path) = feeds_file(before);
        let config = append_feeds(&path, feeds).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
        assert_eq!(load(&path).unwrap(), config);
    }

    #[test]
    fn appending_keeps_every_byte_and_adds_tables_at_the_end() {
        let after = format!(
            "{COMMENTED}\n\n[[feed]]\nname = \"Lobsters\"\nurl = \"https://lobste.rs/rss\"\n\
             tags = [\"tech\", \"news\"]\n\n[[feed]]\nname = \"Schneier\"\n\
             url = \"https://www.schneier.com/feed/atom/\"\n"
        );
        check_append(
            COMMENTED,
            &[
                new_feed("Lobsters", "https://lobste.rs/rss", &["tech", "news"]),
                new_feed("Schneier", "https://www.schneier.com/feed/atom/", &[]),
            ],
            &after,
        );
        let (_dir, path) = feeds_file(&after);
        let config = load(&path).unwrap();
        let names: Vec<&str> = config.feeds.iter().map(|feed| feed.name.as_str()).collect();
        assert_eq!(names, ["Krebs", "Lobsters", "Schneier"]);
        assert_eq!(config.feeds[1].tags, ["tech", "news"]);
        assert_eq!(config.feeds[2].group, "schneier.com");
        assert_eq!(config.publish.title, "Front");
    }

    #[test]
    fn one_blank_line_separates_the_new_tables() {
        let table = "[[feed]]\nname = \"A\"\nurl = \"https://a.example/\"\n";
        let feeds = [new_feed("A", "https://a.example/", &[])];
        let rows = [
            ("", table.to_string()),
            ("# only a comment", format!("# only a comment\n\n{table}")),
            ("# one newline\n", format!("# one newline\n\n{table}")),
            ("# two newlines\n\n", format!("# two newlines\n\n{table}")),
            ("# three\n\n\n", format!("# three\n\n\n{table}")),
        ];
        for (before, after) in rows {
            check_append(before, &feeds, &after);
        }
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        check_append(
            "# windows\r\n[settings]\r\ninterval = \"2h\"\r\n",
            &[new_feed("A", "https://a.example/", &["x"])],
            "# windows\r\n[settings]\r\ninterval = \"2h\"\r\n\r\n[[feed]]\r\nname = \"A\"\r\n\
             url = \"https://a.example/\"\r\ntags = [\"x\"]\r\n",
        );
    }

    #[test]
    fn names_that_need_escapes_read_back_the_same() {
        let name = "Tom \"T\" \\ Jerry's\tblog ☺";
        let (_dir, path) = feeds_file("");
        let config =
            append_feeds(&path, &[new_feed(name, "https://a.example/?q=1&r=2", &[])]).unwrap();
        assert_eq!(config.feeds[0].name, name);
        assert_eq!(config.feeds[0].url.as_str(), "https://a.example/?q=1&r=2");
        assert_eq!(load(&path).unwrap(), config);
    }

    #[test]
    fn nothing_to_append_writes_nothing() {
        let (_dir, path) = feeds_file(COMMENTED);
        let config = append_feeds(&path, &[]).unwrap();
        assert_eq!(config.feeds.len(), 1);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), COMMENTED);
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1);
    }

    /// Appending `feeds` to [`COMMENTED`] fails with `message` and leaves the file alone.
    fn check_refused(feeds: &[NewFeed], message: &str) {
        let (dir, path) = feeds_file(COMMENTED);
        let error = append_feeds(&path, feeds).expect_err(message);
        assert_eq!(error.to_string(), message);
        assert!(
            matches!(error, AppendError::InvalidFeed { .. }),
            "{error:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), COMMENTED);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_invalid_new_feed_is_refused_with_the_config_message() {
        check_refused(
            &[new_feed("A", "https://a.example/", &["ok", "not ok"])],
            "cannot add feed \"A\": invalid tag \"not ok\": a tag is letters, digits, \"-\" and \"_\"",
        );
        check_refused(
            &[new_feed(" ", "https://a.example/", &[])],
            "cannot add feed \" \": feed name must not be empty",
        );
        check_refused(
            &[new_feed("Krebs", "https://other.example/", &[])],
            "cannot add feed \"Krebs\": duplicate feed name \"Krebs\" (first defined on line 8)",
        );
        // the second of two new feeds is the faulty one
        check_refused(
            &[
                new_feed("A", "https://a.example/", &[]),
                new_feed("A", "https://b.example/", &[]),
            ],
            "cannot add feed \"A\": duplicate feed name \"A\" (first defined on line 16)",
        );
        check_refused(
            &[new_feed("F", "ftp://a.example/", &[])],
            "cannot add feed \"F\": invalid url \"ftp://a.example/\": the scheme must be http or \
             https, not \"ftp\"",
        );
    }

    #[test]
    fn a_file_with_an_inline_feed_array_is_refused() {
        let text = "feed = [{ name = \"A\", url = \"https://a.example/\" }]\n";
        let (_dir, path) = feeds_file(text);
        let error = append_feeds(&path, &[new_feed("B", "https://b.example/", &[])])
            .expect_err("cannot mix an inline array and [[feed]]");
        assert!(
            error.to_string().starts_with("cannot add feed \"B\": "),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn a_missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        let error =
            append_feeds(&path, &[new_feed("A", "https://a.example/", &[])]).expect_err("no file");
        assert!(matches!(error, AppendError::Read { .. }), "{error:?}");
        assert!(!path.exists());
    }

    #[cfg(unix)]
    #[test]
    fn appending_keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt as _;

        let (dir, real_path) = feeds_file(COMMENTED);
        std::fs::set_permissions(&real_path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link_path = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real_path, &link_path).unwrap();

        append_feeds(&link_path, &[new_feed("A", "https://a.example/", &[])]).unwrap();

        assert!(
            link_path
                .symlink_metadata()
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let mode = std::fs::metadata(&real_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert!(
            std::fs::read_to_string(&real_path)
                .unwrap()
                .starts_with(COMMENTED)
        );
    }

    #[test]
    fn the_same_feed_is_recognised_under_small_url_differences() {
        let rows = [
            (
                "https://krebsonsecurity.com/feed/",
                "https://krebsonsecurity.com/feed/",
                true,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "http://krebsonsecurity.com/feed",
                true,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "https://www.KrebsOnSecurity.com/feed/",
                true,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "https://krebsonsecurity.com:443/feed/#x",
                true,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "https://krebsonsecurity.com/Feed/",
                false,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "https://krebsonsecurity.com/feed/?x=1",
                false,
            ),
            (
                "https://krebsonsecurity.com/feed/",
                "https://krebsonsecurity.com:8443/feed/",
                false,
            ),
            (
                "https://a.example/rss?p=1",
                "https://a.example/rss?p=2",
                false,
            ),
        ];
        for (configured, candidate, expected) in rows {
            let configured = Url::parse(configured).unwrap();
            let candidate = Url::parse(candidate).unwrap();
            assert_eq!(
                same_feed_url(&configured, &candidate),
                expected,
                "{configured} vs {candidate}"
            );
        }
        let (_dir, path) = feeds_file(COMMENTED);
        let config = load(&path).unwrap();
        let found = subscribed_feed(
            &config,
            &Url::parse("http://www.krebsonsecurity.com/feed").unwrap(),
        );
        assert_eq!(found.map(|feed| feed.name.as_str()), Some("Krebs"));
        assert!(subscribed_feed(&config, &Url::parse("https://a.example/").unwrap()).is_none());
    }
}
