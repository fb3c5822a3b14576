//! The SQLite database: feeds, their fetch state, entries and stories.
//!
//! The only module that uses `rusqlite`; it converts rows to and from [`crate::model`] types at
//! its edge. It never touches the network: callers fetch first, then hand a finished result to
//! one short write transaction per feed (`BEGIN IMMEDIATE`), so entries, validators and the
//! schedule of a feed are stored together or not at all.
//!
//! Opening checks the file's `application_id` before writing anything, so frontpage never
//! writes into a database that is not its own. Every entry's words are indexed for
//! full-text search (`search.rs`) in the transaction that writes the entry.

mod checkpoint;
mod headlines;
mod listing;
mod lock;
mod migrations;
mod names;
mod ranking;
mod search;
mod stories;
mod text;
mod title_words;
mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use url::Url;

use crate::model::{
    BodyDigest, Engagement, EntryId, FeedId, Member, Source, Story, StoryId, Timestamp, Validators,
};

pub use checkpoint::Checkpointer;
pub use lock::{LockError, RunLock};
pub use search::{SearchError, SearchQuery};
pub use stories::Work;
pub use write::{Batch, EntryCounts, PreparedFeed, SearchText, UNDATED_BACKLOG_AGE};

/// The query [`feed_row`] reads, from `feeds f` joined with its `fetch_state s`, with the
/// `WHERE` clause given.
macro_rules! feed_row_select {
    ($where:literal) => {
        concat!(
            "SELECT f.id, f.name, coalesce(f.moved_to, f.url), s.etag, s.last_modified,
                 s.next_check_at, s.consecutive_errors, f.gone_at IS NOT NULL,
                 s.last_success_at IS NOT NULL, s.body_digest, s.ttl_minutes
             FROM feeds f JOIN fetch_state s ON s.feed_id = f.id ",
            $where
        )
    };
}

/// Prepared statements kept per connection (see [`Store::open`]).
const STATEMENT_CACHE: usize = 48;

/// Marks a SQLite file as frontpage's (`PRAGMA application_id`): "FPAG".
pub const APPLICATION_ID: i32 = 0x4650_4147;

/// How long a writer waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a frontpage database; nothing was written to it.
    #[error("{} is not a frontpage database (refusing to write to it)", path.display())]
    NotFrontpage {
        /// The file.
        path: PathBuf,
    },
    /// The database was written by a newer frontpage whose schema this one does not know.
    #[error(
        "{} has schema version {found}, newer than this frontpage knows ({known}): upgrade frontpage",
        path.display()
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// The database could not be opened or created.
    #[error("cannot open database {}: {error}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        error: rusqlite::Error,
    },
    /// A statement failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A feed as the configuration describes it, for [`Store::sync_feeds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfiguredFeed<'a> {
    /// Unique name: the feed's identity in the store.
    pub name: &'a str,
    /// The configured URL.
    pub url: &'a Url,
    /// Feeds of one group count as one source; title matches only join different groups.
    pub group: &'a str,
    /// Whether the feed's own order is a popularity signal: entries' positions are kept.
    pub ranked: bool,
}

/// A feed as the store knows it, with the state the fetcher needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    /// Database id.
    pub id: FeedId,
    /// Configured name.
    pub name: String,
    /// The URL to request: where the feed moved for good, else the configured one.
    pub url: Url,
    /// Validators from the last successful fetch.
    pub validators: Validators,
    /// When the feed is next due.
    pub next_check_at: Timestamp,
    /// Failures in a row so far.
    pub consecutive_errors: u32,
    /// Whether the feed answered `410 Gone`: it is never requested again.
    pub gone: bool,
    /// Whether a fetch of it has succeeded before, so that its entries are stored.
    pub fetched_before: bool,
    /// The digest of the body its entries were last stored from (none before migration 13).
    pub body_digest: Option<BodyDigest>,
    /// The `<ttl>` that body gave, in minutes.
    pub ttl_minutes: Option<u32>,
}

/// The health of one feed, as `frontpage feeds` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedStatus {
    /// Configured name.
    pub name: String,
    /// Configured URL.
    pub url: String,
    /// The feed's own title, from its last successful parse.
    pub title: Option<String>,
    /// `ok`, `not modified`, `failing`, `gone` or `new` (never fetched).
    pub status: String,
    /// Where the feed moved for good (a 301/308 answered by a parseable feed).
    pub moved_to: Option<String>,
    /// The HTTP status of the last response, when there was one.
    pub http_status: Option<u16>,
    /// When it was last fetched.
    pub last_fetch_at: Option<Timestamp>,
    /// When it last succeeded.
    pub last_success_at: Option<Timestamp>,
    /// When it is next due.
    pub next_check_at: Option<Timestamp>,
    /// Entries stored.
    pub entries: u64,
    /// Failures in a row.
    pub consecutive_errors: u32,
    /// Since when it has been failing.
    pub failing_since: Option<Timestamp>,
    /// The last error message.
    pub last_error: Option<String>,
}

/// Which stored entries `query` wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntryFilter {
    /// Only these feeds (by name); empty means every feed.
    pub feeds: Vec<String>,
    /// Only entries published at or after this time.
    pub since: Option<Timestamp>,
    /// Only entries published before this time.
    pub until: Option<Timestamp>,
    /// Only entries of this story (an id merged into another story finds that story).
    pub story: Option<StoryId>,
    /// Only entries whose title, summary or content match these words (full-text search).
    pub words: Option<SearchQuery>,
    /// The order of the rows.
    pub order: EntryOrder,
    /// At most this many rows.
    pub limit: usize,
}

/// How [`Store::entries`] and [`Store::story_rows`] order their rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EntryOrder {
    /// Newest first (ties: higher id first).
    #[default]
    Recent,
    /// Best match of the search words first (bm25; the title counts most), then newest.
    /// Without words, the same as [`EntryOrder::Recent`].
    Relevance,
}

/// One story, as `query --stories` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryRow {
    /// The story's stable id.
    pub id: StoryId,
    /// The title of its earliest entry.
    pub title: Option<String>,
    /// The link of its earliest entry.
    pub link: Option<String>,
    /// Its earliest publish time.
    pub published: Timestamp,
    /// The names of the feeds that carry it, in the order they published it.
    pub feeds: Vec<String>,
}

/// One stored entry, as `query` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    /// Database id.
    pub id: EntryId,
    /// The story it belongs to.
    pub story_id: StoryId,
    /// The feed's configured name.
    pub feed_name: String,
    /// Plain-text title.
    pub title: Option<String>,
    /// Article link.
    pub link: Option<String>,
    /// Publish time (clamped, or first seen when the feed gave none).
    pub published: Timestamp,
    /// When frontpage first stored it.
    pub first_seen: Timestamp,
}

/// What to select for publishing.
#[derive(Debug, Clone, PartialEq)]
pub struct StorySelection<'a> {
    /// Feeds whose entries may be published (by name): the configured, unmuted ones.
    pub feeds: &'a [String],
    /// Only stories published at or after this time.
    pub since: Timestamp,
    /// At most this many stories.
    pub limit: usize,
}

/// The open database.
pub struct Store {
    conn: Connection,
    /// The database file.
    path: PathBuf,
    /// What the last committed [`Batch`] cost, in SQLite steps.
    last_work: Work,
    /// Recent headlines, for matching stories (see `headlines.rs`).
    headlines: headlines::HeadlineIndex,
    /// New entries whose `title_words` rows are not written yet (see `title_words.rs`).
    titles: title_words::TitleWords,
}

impl Store {
    /// Opens the frontpage database at `path`, creating and migrating it as needed.
    ///
    /// A file that is not a frontpage database is refused before anything is written to it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_error = |error| StoreError::Open {
            path: path.to_path_buf(),
            error,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;

        // Read-only checks first: a file that is not ours must be left exactly as it was.
        let identity = read_identity(&conn).map_err(|error| match error {
            rusqlite::Error::SqliteFailure(failure, _)
                if failure.code == rusqlite::ErrorCode::NotADatabase =>
            {
                StoreError::NotFrontpage {
                    path: path.to_path_buf(),
                }
            }
            other => open_error(other),
        })?;
        let known = migrations::latest_version();
        match identity {
            Identity::Empty => {}
            Identity::Frontpage { version } if version > known => {
                return Err(StoreError::TooNew {
                    path: path.to_path_buf(),
                    found: version,
                    known,
                });
            }
            Identity::Frontpage { .. } => {}
            Identity::Foreign => {
                return Err(StoreError::NotFrontpage {
                    path: path.to_path_buf(),
                });
            }
        }

        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_error)?;
        // Statement journals (a multi-row write with foreign keys opens one) stay in memory
        // instead of going through a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_error)?;
        // Storing a feed runs about thirty statements, each prepared once per connection:
        // rusqlite's default cache of 16 would prepare some of them again for every feed.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            last_work: Work::default(),
            headlines: headlines::HeadlineIndex::default(),
            titles: title_words::TitleWords::default(),
        };
        migrations::migrate(&mut store.conn, APPLICATION_ID).map_err(open_error)?;
        Ok(store)
    }

    /// [`Store::record_configuration`], then returns the rows of `feeds` in input order.
    pub fn sync_feeds(
        &mut self,
        feeds: &[ConfiguredFeed<'_>],
        now: Timestamp,
    ) -> Result<Vec<FeedRow>, StoreError> {
        self.record_configuration(feeds, now)?;
        let names: Vec<&str> = feeds.iter().map(|feed| feed.name).collect();
        self.feed_rows(&names)
    }

    /// Makes sure every configured feed has a row. A feed whose configured URL changed starts
    /// over (no validators, no body digest, not gone, due now), unless the new URL is where it
    /// had moved: then the move is simply settled.
    pub fn record_configuration(
        &mut self,
        feeds: &[ConfiguredFeed<'_>],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        // Groups may change: headlines are matched by group.
        self.headlines.clear();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO feeds (name, url, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO NOTHING",
            )?;
            let mut settled = tx.prepare_cached(
                "UPDATE feeds SET url = ?2, moved_to = NULL
                 WHERE name = ?1 AND url <> ?2 AND moved_to = ?2",
            )?;
            let mut changed = tx.prepare_cached(
                "UPDATE feeds SET url = ?2, moved_to = NULL, gone_at = NULL
                 WHERE name = ?1 AND url <> ?2 RETURNING id",
            )?;
            let mut reset = tx.prepare_cached(
                "UPDATE fetch_state SET etag = NULL, last_modified = NULL, next_check_at = 0,
                     consecutive_errors = 0, failing_since = NULL, body_digest = NULL
                 WHERE feed_id = ?1",
            )?;
            let mut state = tx.prepare_cached(
                "INSERT INTO fetch_state (feed_id)
                 SELECT id FROM feeds WHERE name = ?1 ON CONFLICT (feed_id) DO NOTHING",
            )?;
            let mut group = tx.prepare_cached(
                "UPDATE feeds SET group_name = ?2, ranked = ?3
                 WHERE name = ?1 AND (group_name IS NOT ?2 OR ranked <> ?3)",
            )?;
            for ConfiguredFeed {
                name,
                url,
                group: group_name,
                ranked,
            } in feeds
            {
                insert.execute(params![name, url.as_str(), now.unix()])?;
                settled.execute(params![name, url.as_str()])?;
                let changed_id: Option<i64> = changed
                    .query_row(params![name, url.as_str()], |row| row.get(0))
                    .optional()?;
                if let Some(feed_id) = changed_id {
                    reset.execute(params![feed_id])?;
                }
                state.execute(params![name])?;
                group.execute(params![name, group_name, ranked])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The rows of the named feeds, in the order given; unknown names are skipped.
    pub fn feed_rows(&self, names: &[&str]) -> Result<Vec<FeedRow>, StoreError> {
        let mut rows = Vec::with_capacity(names.len());
        self.visit_feed_rows(names.iter().copied(), |_, row| rows.push(row))?;
        Ok(rows)
    }

    /// Hands `visit` the row of each named feed, one at a time and in the order given, with
    /// the name's place among `names`; unknown names are skipped. Nothing holds every row: a
    /// run keeps only what it needs of the feeds it fetches.
    pub fn visit_feed_rows<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
        mut visit: impl FnMut(usize, FeedRow),
    ) -> Result<(), StoreError> {
        let mut select = self
            .conn
            .prepare_cached(feed_row_select!("WHERE f.name = ?1"))?;
        for (index, name) in names.into_iter().enumerate() {
            let row = select.query_row(params![name], feed_row).optional()?;
            if let Some(row) = row.flatten() {
                visit(index, row);
            }
        }
        Ok(())
    }

    /// What reads feed rows on connections of its own while this one writes (see
    /// [`FeedReader`]).
    pub fn feed_reader(&self) -> FeedReader {
        FeedReader {
            path: self.path.clone(),
        }
    }

    /// The health of the named feeds, in the order given (feeds never synced show as `new`).
    pub fn feed_statuses(&self, feeds: &[(&str, &Url)]) -> Result<Vec<FeedStatus>, StoreError> {
        let mut select = self.conn.prepare_cached(
            "SELECT f.title, s.last_status, s.http_status, s.last_fetch_at, s.last_success_at,
                 s.next_check_at, s.consecutive_errors, s.failing_since, s.last_error,
                 (SELECT count(*) FROM entries e WHERE e.feed_id = f.id), f.moved_to
             FROM feeds f JOIN fetch_state s ON s.feed_id = f.id
             WHERE f.name = ?1",
        )?;
        let mut statuses = Vec::with_capacity(feeds.len());
        for (name, url) in feeds {
            let found = select
                .query_row(params![name], |row| {
                    let timestamp = |index: usize| -> rusqlite::Result<Option<Timestamp>> {
                        Ok(row.get::<_, Option<i64>>(index)?.map(Timestamp::from_unix))
                    };
                    Ok(FeedStatus {
                        name: (*name).to_string(),
                        url: url.to_string(),
                        title: row.get(0)?,
                        status: row
                            .get::<_, Option<String>>(1)?
                            .unwrap_or_else(|| "new".to_string()),
                        http_status: row.get(2)?,
                        last_fetch_at: timestamp(3)?,
                        last_success_at: timestamp(4)?,
                        next_check_at: timestamp(5)?,
                        consecutive_errors: row.get(6)?,
                        failing_since: timestamp(7)?,
                        last_error: row.get(8)?,
                        entries: row.get::<_, i64>(9)?.try_into().unwrap_or(0),
                        moved_to: row.get(10)?,
                    })
                })
                .optional()?;
            statuses.push(found.unwrap_or_else(|| FeedStatus {
                name: (*name).to_string(),
                url: url.to_string(),
                title: None,
                status: "new".to_string(),
                moved_to: None,
                http_status: None,
                last_fetch_at: None,
                last_success_at: None,
                next_check_at: None,
                entries: 0,
                consecutive_errors: 0,
                failing_since: None,
                last_error: None,
            }));
        }
        Ok(statuses)
    }

    /// The story `id` stands for now: itself, or the story it was merged into. `None` when
    /// there is no such story.
    pub fn resolve_story(&self, id: StoryId) -> Result<Option<StoryId>, StoreError> {
        let mut select = self
            .conn
            .prepare_cached("SELECT coalesce(merged_into, id) FROM stories WHERE id = ?1")?;
        let found = select
            .query_row(params![id.0], |row| row.get(0))
            .optional()?;
        Ok(found.map(StoryId))
    }

    /// The newest stories carried by the selected feeds, newest first (ties: higher id
    /// first), each with every source that carries it.
    pub fn stories(&self, selection: &StorySelection<'_>) -> Result<Vec<Story>, StoreError> {
        let feeds_json = serde_json::to_string(selection.feeds).unwrap_or_else(|_| "[]".into());
        let mut top = self.conn.prepare_cached(
            "SELECT e.story_id, min(e.published_at) AS published, max(e.updated_at)
             FROM entries e JOIN feeds f ON f.id = e.feed_id
             WHERE f.name IN (SELECT value FROM json_each(?1))
             GROUP BY e.story_id
             HAVING published >= ?2
             ORDER BY published DESC, e.story_id DESC
             LIMIT ?3",
        )?;
        let heads = top
            .query_map(
                params![
                    feeds_json,
                    selection.since.unix(),
                    i64::try_from(selection.limit).unwrap_or(i64::MAX)
                ],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get(2)?)),
            )?
            .collect::<Result<Vec<(i64, i64, i64)>, _>>()?;

        let visible: HashSet<&str> = selection.feeds.iter().map(String::as_str).collect();
        let mut stories = Vec::with_capacity(heads.len());
        for (story_id, published, updated) in heads {
            let (rows, _) = self.story_members(StoryId(story_id), &visible)?;
            stories.extend(assemble_story(
                StoryId(story_id),
                Timestamp::from_unix(published),
                Timestamp::from_unix(updated),
                rows,
            ));
        }
        Ok(stories)
    }

    /// One story by id (an id merged into another story finds that story), as carried by the
    /// given feeds, whatever its age. `None` when there is no such story or none of its
    /// entries is in those feeds.
    pub fn story(&self, id: StoryId, feeds: &[String]) -> Result<Option<Story>, StoreError> {
        let Some(id) = self.resolve_story(id)? else {
            return Ok(None);
        };
        let visible: HashSet<&str> = feeds.iter().map(String::as_str).collect();
        let (rows, dates) = self.story_members(id, &visible)?;
        let Some((published, updated)) = dates else {
            return Ok(None);
        };
        Ok(assemble_story(id, published, updated, rows))
    }

    /// The entries of story `id` in the `visible` feeds, earliest first (ties: lower id
    /// first), with the earliest publish time and latest update among them. The dates count
    /// every visible entry; a member needs its feed's fetch state too.
    fn story_members(
        &self,
        id: StoryId,
        visible: &HashSet<&str>,
    ) -> Result<(Vec<MemberRow>, Option<Dates>), StoreError> {
        let mut members = self.conn.prepare_cached(
            "SELECT e.title, e.link, e.summary, e.content, e.author, e.comments, e.categories,
                 f.name, f.url, f.site_link, coalesce(f.group_name, ''), e.points,
                 e.comments_count, e.views, CASE WHEN f.ranked THEN e.position END,
                 s.last_count, s.feed_id IS NOT NULL, e.published_at, e.updated_at
             FROM entries e JOIN feeds f ON f.id = e.feed_id
                 LEFT JOIN fetch_state s ON s.feed_id = f.id
             WHERE e.story_id = ?1
             ORDER BY e.published_at, e.id",
        )?;
        let mut rows = members.query(params![id.0])?;
        let mut found = Vec::new();
        let mut dates: Option<Dates> = None;
        while let Some(row) = rows.next()? {
            let feed_name: String = row.get(7)?;
            if !visible.contains(feed_name.as_str()) {
                continue;
            }
            let published = Timestamp::from_unix(row.get(17)?);
            let updated = Timestamp::from_unix(row.get(18)?);
            dates = Some(match dates {
                None => (published, updated),
                Some((earliest, latest)) => (earliest.min(published), latest.max(updated)),
            });
            if !row.get::<_, bool>(16)? {
                continue;
            }
            let count = |index: usize| -> rusqlite::Result<Option<u64>> {
                Ok(row
                    .get::<_, Option<i64>>(index)?
                    .and_then(|count| u64::try_from(count).ok()))
            };
            let position = match (count(14)?, count(15)?) {
                (Some(place), Some(total)) => Some((
                    u32::try_from(place).unwrap_or(u32::MAX),
                    u32::try_from(total).unwrap_or(u32::MAX),
                )),
                _ => None,
            };
            found.push(MemberRow {
                title: row.get(0)?,
                link: row.get(1)?,
                summary: row.get(2)?,
                content: row.get(3)?,
                author: row.get(4)?,
                comments: row.get(5)?,
                categories: row.get(6)?,
                feed_name,
                feed_url: row.get(8)?,
                site_link: row.get(9)?,
                group: row.get(10)?,
                engagement: Engagement {
                    points: count(11)?,
                    comments: count(12)?,
                    views: count(13)?,
                },
                position,
            });
        }
        Ok((found, dates))
    }

    /// The number of stored entries (all feeds).
    pub fn entry_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM entries", [], |row| {
                row.get::<_, i64>(0)
            })?
            .try_into()
            .unwrap_or(0))
    }
}

/// A story's earliest publish time and latest update.
type Dates = (Timestamp, Timestamp);

/// One entry of a story, as read for publishing.
struct MemberRow {
    title: Option<String>,
    link: Option<String>,
    summary: Option<String>,
    content: Option<String>,
    author: Option<String>,
    comments: Option<String>,
    categories: String,
    feed_name: String,
    feed_url: String,
    site_link: Option<String>,
    group: String,
    engagement: Engagement,
    position: Option<(u32, u32)>,
}

/// Builds a story from its entries, the earliest first; `None` when it has none.
fn assemble_story(
    id: StoryId,
    published: Timestamp,
    updated: Timestamp,
    rows: Vec<MemberRow>,
) -> Option<Story> {
    let main = rows.first()?;
    let title = rows
        .iter()
        .find_map(|row| row.title.clone())
        .or_else(|| main.link.clone())
        .unwrap_or_else(|| "(untitled)".to_string());
    let link = rows
        .iter()
        .find_map(|row| row.link.as_deref().and_then(|link| Url::parse(link).ok()));
    let summary = rows
        .iter()
        .find_map(|row| row.summary.clone().or_else(|| row.content.clone()));
    let author = rows.iter().find_map(|row| row.author.clone());
    let comments = rows.iter().find_map(|row| {
        row.comments
            .as_deref()
            .and_then(|link| Url::parse(link).ok())
    });
    let mut categories: Vec<String> = rows
        .iter()
        .flat_map(|row| row.categories.split('\n'))
        .filter(|category| !category.is_empty())
        .map(str::to_string)
        .collect();
    categories.sort();
    categories.dedup();
    let members: Vec<Member> = rows
        .iter()
        .map(|row| Member {
            feed_name: row.feed_name.clone(),
            group: row.group.clone(),
            engagement: row.engagement,
            discussion: row
                .comments
                .as_deref()
                .and_then(|link| Url::parse(link).ok()),
            position: row.position,
        })
        .collect();
    let mut sources: Vec<Source> = Vec::with_capacity(rows.len());
    for row in &rows {
        if sources
            .iter()
            .any(|source| source.feed_name == row.feed_name)
        {
            continue;
        }
        let Ok(feed_url) = Url::parse(&row.feed_url) else {
            continue;
        };
        sources.push(Source {
            feed_name: row.feed_name.clone(),
            feed_url,
            site_link: row
                .site_link
                .as_deref()
                .and_then(|link| Url::parse(link).ok()),
            entry_link: row.link.as_deref().and_then(|link| Url::parse(link).ok()),
        });
    }
    Some(Story {
        id,
        title,
        link,
        summary,
        author,
        published,
        updated,
        comments,
        categories,
        sources,
        members,
    })
}

/// What a file turned out to be when opened.
enum Identity {
    /// A new or empty file: frontpage may make it its database.
    Empty,
    /// frontpage's, at this schema version.
    Frontpage { version: i64 },
    /// Some other SQLite database.
    Foreign,
}

fn read_identity(conn: &Connection) -> rusqlite::Result<Identity> {
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let objects: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))?;
    Ok(match (application_id, objects) {
        (APPLICATION_ID, _) => Identity::Frontpage { version },
        (0, 0) if version == 0 => Identity::Empty,
        _ => Identity::Foreign,
    })
}

/// A [`FeedRow`] from a row of `feed_row_select!`. The URL was validated by config before
/// it was stored; a row whose URL no longer parses is `None`, skipped rather than fetched.
fn feed_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<FeedRow>> {
    let Ok(url) = Url::parse(&row.get::<_, String>(2)?) else {
        return Ok(None);
    };
    let digest: Option<Vec<u8>> = row.get(9)?;
    Ok(Some(FeedRow {
        id: FeedId(row.get(0)?),
        name: row.get(1)?,
        url,
        validators: Validators {
            etag: row.get(3)?,
            last_modified: row.get(4)?,
        },
        next_check_at: Timestamp::from_unix(row.get(5)?),
        consecutive_errors: row.get(6)?,
        gone: row.get(7)?,
        fetched_before: row.get(8)?,
        body_digest: digest
            .and_then(|digest| digest.try_into().ok())
            .map(BodyDigest),
        ttl_minutes: row.get(10)?,
    }))
}

/// Reads feed rows by id for a fetch run's thread while the writer stores the others, so
/// that the run need not hold a row, a name and a URL for every due feed from its start.
///
/// It holds the database's path, not a connection: each call opens a read-only connection
/// and closes it before returning, so the fetch thread holds no connection across its awaits
/// (a call reads a few hundred rows). The connection's page cache is small
/// (128 KiB): each row is read once.
pub struct FeedReader {
    path: PathBuf,
}

impl FeedReader {
    /// The page cache of a call's connection, in KiB.
    const CACHE_KIB: i64 = 128;

    /// The rows of the feeds `ids`, in order: `None` for one that has no row, or whose URL
    /// no longer parses.
    pub fn feed_rows(&self, ids: &[FeedId]) -> Result<Vec<Option<FeedRow>>, StoreError> {
        let open_error = |error| StoreError::Open {
            path: self.path.clone(),
            error,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(open_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        conn.pragma_update(None, "cache_size", -FeedReader::CACHE_KIB)
            .map_err(open_error)?;
        let mut select = conn.prepare(feed_row_select!("WHERE f.id = ?1"))?;
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            rows.push(
                select
                    .query_row(params![id.0], feed_row)
                    .optional()?
                    .flatten(),
            );
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests;
