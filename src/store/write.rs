//! Storing fetch results: entries, their stories, their search words, and the feed's state.
//!
//! Results are written in a [`Batch`]: one `BEGIN IMMEDIATE` transaction that holds the
//! results of one or more feeds and commits them together, so a feed's entries, validators
//! and schedule are stored together or not at all, and a run of many feeds pays for a commit
//! (and a flush of the search index) per batch instead of per feed. [`Store::record_fetched`]
//! and its siblings are one-feed batches.
//!
//! Everything about an entry that needs no database — its content digest, the keys its story
//! is found by, the plain text of its HTML for the search index — is computed beforehand by
//! [`PreparedFeed::new`], which the fetch pipeline calls on its network threads, so the single
//! writer thread only runs statements.
//!
//! Search-index rows are written last, just before the commit. FTS5 flushes its pending
//! index to disk whenever a statement opens a statement savepoint (any `UPDATE` of a table
//! with foreign keys does), so writing them between an entry's other statements would flush
//! a tiny segment per entry, and merging those segments was most of the cost of storing.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params, params_from_iter};
use sha2::{Digest, Sha256};
use url::Url;

use super::headlines::HeadlineIndex;
use super::search::{self, PlainText};
use super::stories::{self, StoryKeys, Work};
use super::title_words::TitleWords;
use super::{Checkpointer, Store, StoreError};
use crate::model::{BodyDigest, FeedId, ParsedEntry, ParsedFeed, Timestamp, Validators};

/// The page cache of a run of batches, in KiB (SQLite's default is 2000).
const BULK_CACHE_KIB: i64 = 8 * 1024;

/// The log size, in bytes, past which the writer of a run of batches checkpoints itself.
///
/// The checkpoint thread copies the log into the database as it grows, but a log starts
/// over from its beginning only when a write transaction begins with every frame copied,
/// and a busy writer begins its next batch the moment it commits one: the log grew through
/// the whole run (275 MB for a 199 MB database in a cold fetch of 1000 feeds, 1.4 GB at
/// 5000) and was deleted only at the end (50 ms). Past this size the writer's own
/// checkpoint copies the little the thread has not, and the next batch starts the log
/// over: it stays under about 90 MB.
const BULK_LOG_RESTART_BYTES: i64 = 64 << 20;

/// How old an undated entry of a feed's first fetch is taken to be.
pub const UNDATED_BACKLOG_AGE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Counts of what one successful fetch changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryCounts {
    /// Entries stored for the first time.
    pub new: usize,
    /// Entries whose content changed and were updated in place.
    pub changed: usize,
    /// Entries already stored exactly as fetched.
    pub unchanged: usize,
}

/// A parsed feed with what storing each entry needs computed ahead of the write.
pub struct PreparedFeed {
    feed: ParsedFeed,
    /// One per entry of `feed`, in the same order.
    entries: Vec<PreparedEntry>,
    /// The digest of the body it was parsed from, stored with its entries.
    body_digest: Option<BodyDigest>,
}

/// What storing one entry needs that depends only on the entry.
struct PreparedEntry {
    /// Compared with the stored entry's: an equal one is left alone.
    hash: String,
    /// What a new or changed entry needs, when worked out ahead ([`PreparedFeed::new`]).
    derived: Option<Derived>,
}

/// What storing a new or changed entry needs besides its digest.
struct Derived {
    keys: StoryKeys,
    /// Shared with the batch, which writes it at commit.
    text: Arc<PlainText>,
}

impl PreparedEntry {
    /// About how many bytes it holds, its text included.
    fn size(&self) -> usize {
        std::mem::size_of::<PreparedEntry>()
            + self.hash.len()
            + self.derived.as_ref().map_or(0, |derived| {
                std::mem::size_of::<Derived>()
                    + derived.keys.text_size()
                    + std::mem::size_of::<PlainText>()
                    + derived.text.len()
            })
    }
}

impl Derived {
    fn of(entry: &ParsedEntry) -> Derived {
        Derived {
            keys: StoryKeys::of(entry),
            text: Arc::new(PlainText::of(
                entry.title.as_deref(),
                entry.summary.as_deref(),
                entry.content.as_deref(),
            )),
        }
    }
}

impl PreparedFeed {
    /// Digests the entries of `feed`, finds their story keys and extracts their plain text.
    /// Pure computation: call it off the writer thread.
    pub fn new(feed: ParsedFeed) -> PreparedFeed {
        PreparedFeed::ahead(feed, true)
    }

    /// Only digests the entries of `feed`: the writer finds the story keys and plain text
    /// of those it has not stored as they are, which are few in a feed stored before (its
    /// plain text is most of the work, and a feed whose server sends no validators is
    /// downloaded and parsed whole at every run). Pure computation: call it off the writer
    /// thread.
    pub fn digested(feed: ParsedFeed) -> PreparedFeed {
        PreparedFeed::ahead(feed, false)
    }

    /// Digests the entries of `feed`, and derives what storing them needs if `derive`.
    fn ahead(feed: ParsedFeed, derive: bool) -> PreparedFeed {
        let entries = feed
            .entries
            .iter()
            .map(|entry| PreparedEntry {
                hash: content_hash(entry),
                derived: derive.then(|| Derived::of(entry)),
            })
            .collect();
        PreparedFeed {
            feed,
            entries,
            body_digest: None,
        }
    }

    /// The feed, to be stored with the digest of the body it was parsed from: the next
    /// fetch of the same body is then not parsed again.
    pub fn with_body_digest(self, body_digest: BodyDigest) -> PreparedFeed {
        PreparedFeed {
            body_digest: Some(body_digest),
            ..self
        }
    }

    /// The feed as parsed.
    pub fn feed(&self) -> &ParsedFeed {
        &self.feed
    }

    /// About how many bytes the prepared feed holds, its text included.
    pub fn size(&self) -> usize {
        self.feed.size() + self.entries.iter().map(PreparedEntry::size).sum::<usize>()
    }
}

/// One write transaction holding the results of any number of feeds; nothing is stored
/// until [`Batch::commit`] (dropping a batch rolls it back).
pub struct Batch<'a> {
    tx: Transaction<'a>,
    /// Search-index rows to write at commit (by entry id, see [`Batch::commit`]).
    search: Vec<PendingSearch>,
    /// The bytes of text in `search`.
    search_bytes: usize,
    /// The id the next new entry gets (and its story, when it starts one); read on first use.
    next_id: Option<i64>,
    work: Work,
    /// Where the batch's work is reported when it commits.
    last_work: &'a mut Work,
    /// The connection's recent headlines and waiting `title_words` rows, forgotten if the
    /// batch does not commit.
    memory: Guard<'a>,
}

/// Empties the headline index and forgets the waiting `title_words` rows when a batch ends
/// without committing: they would hold headlines the database does not, or miss rows it
/// lost.
struct Guard<'a> {
    headlines: &'a mut HeadlineIndex,
    titles: &'a mut TitleWords,
    committed: bool,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.headlines.clear();
            self.titles.forget();
        }
    }
}

/// An entry's words, waiting for the end of the batch.
struct PendingSearch {
    entry_id: i64,
    /// An edited entry: its old words are deleted first.
    replacing: bool,
    text: Arc<PlainText>,
}

impl Store {
    /// Starts a write transaction for the results of several feeds.
    pub fn batch(&mut self) -> Result<Batch<'_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if self.headlines.check_version(&tx)? {
            self.titles.forget();
        }
        let mut work = Work::default();
        if let Err(error) = self.titles.begin(&tx, &mut work) {
            // (what it raised in memory is rolled back with the transaction)
            self.titles.forget();
            return Err(error.into());
        }
        Ok(Batch {
            tx,
            search: Vec::new(),
            search_bytes: 0,
            next_id: None,
            work,
            last_work: &mut self.last_work,
            memory: Guard {
                headlines: &mut self.headlines,
                titles: &mut self.titles,
                committed: false,
            },
        })
    }

    /// Sets the connection up for a run of many batches: a page cache large enough for a
    /// batch's changes (`BULK_CACHE_KIB`), so pages are not spilled to the log mid-batch
    /// and written again, and checkpoints mostly outside this connection: the returned
    /// [`Checkpointer`] runs them on a thread of its own until it is dropped, and the
    /// writer only finishes one when the log has grown large (`BULK_LOG_RESTART_BYTES`).
    /// The new entries' `title_words` rows wait past a batch's commit, to be written many
    /// entries at a time (see `title_words.rs`). [`Store::end_bulk_writes`] writes what
    /// waits and restores the defaults.
    pub fn begin_bulk_writes(&mut self) -> Result<Option<Checkpointer>, StoreError> {
        self.conn
            .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        let checkpointer = Checkpointer::start(&self.path)?;
        if checkpointer.is_some() {
            let page_size: i64 = self
                .conn
                .pragma_query_value(None, "page_size", |row| row.get(0))?;
            self.conn.pragma_update(
                None,
                "wal_autocheckpoint",
                BULK_LOG_RESTART_BYTES / page_size.max(512),
            )?;
        }
        self.titles.set_bulk(true);
        Ok(checkpointer)
    }

    /// Writes the `title_words` rows that wait, then returns to SQLite's default page cache
    /// and checkpoint interval (a publish after a fetch needs no large cache).
    ///
    /// Rows that cannot be written now (the database busy or failing) do not fail the run:
    /// the database says which entries still need them, and the next batch writes them.
    pub fn end_bulk_writes(&mut self) -> Result<(), StoreError> {
        self.titles.set_bulk(false);
        if self.titles.may_wait() {
            // (an empty batch: its start reads what waits if unknown, its commit writes it)
            let written = self.batch().and_then(Batch::commit);
            if let Err(error) = written {
                tracing::debug!("headline words left for the next run: {error}");
            }
        }
        self.conn.pragma_update(None, "cache_size", -2000)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
        Ok(())
    }

    /// Stores a successful fetch of one feed in a transaction of its own; see
    /// [`Batch::record_fetched`].
    #[allow(clippy::too_many_arguments)]
    pub fn record_fetched(
        &mut self,
        feed_id: FeedId,
        feed: &ParsedFeed,
        validators: &Validators,
        http_status: u16,
        moved_to: Option<&Url>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<EntryCounts, StoreError> {
        let prepared = PreparedFeed::new(feed.clone());
        let mut batch = self.batch()?;
        let counts = batch.record_fetched(
            feed_id,
            &prepared,
            validators,
            http_status,
            moved_to,
            now,
            next_check_at,
        )?;
        batch.commit()?;
        Ok(counts)
    }

    /// Stores a `304 Not Modified` in a transaction of its own; see
    /// [`Batch::record_not_modified`].
    pub fn record_not_modified(
        &mut self,
        feed_id: FeedId,
        validators: &Validators,
        moved_to: Option<&Url>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut batch = self.batch()?;
        batch.record_not_modified(feed_id, validators, 304, moved_to, now, next_check_at)?;
        batch.commit()?;
        Ok(())
    }

    /// Stores a failed fetch in a transaction of its own; see [`Batch::record_failure`].
    pub fn record_failure(
        &mut self,
        feed_id: FeedId,
        message: &str,
        http_status: Option<u16>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut batch = self.batch()?;
        batch.record_failure(feed_id, message, http_status, now, next_check_at)?;
        batch.commit()?;
        Ok(())
    }

    /// Stores a `410 Gone` in a transaction of its own; see [`Batch::record_gone`].
    pub fn record_gone(
        &mut self,
        feed_id: FeedId,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut batch = self.batch()?;
        batch.record_gone(feed_id, message, now)?;
        batch.commit()?;
        Ok(())
    }

    /// What the last committed batch cost in SQLite virtual-machine steps over its entry
    /// statements: a machine-independent measure of the rows it examined.
    pub fn last_work(&self) -> Work {
        self.last_work
    }
}

impl<'a> Batch<'a> {
    /// Stores a successful fetch: the feed's entries, its validators and its schedule. New
    /// entries are inserted, changed ones updated in place (keeping their first-seen time),
    /// unchanged ones left alone.
    #[allow(clippy::too_many_arguments)]
    pub fn record_fetched(
        &mut self,
        feed_id: FeedId,
        prepared: &PreparedFeed,
        validators: &Validators,
        http_status: u16,
        moved_to: Option<&Url>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<EntryCounts, StoreError> {
        let feed = &prepared.feed;
        let mut counts = EntryCounts::default();
        let tx = &self.tx;
        let work = &mut self.work;
        let headlines = &mut *self.memory.headlines;
        let titles = &mut *self.memory.titles;
        // The statements run once a feed are cached too: a cold run stores a thousand feeds.
        // A feed with nothing stored yet (its first fetch, every feed of a cold one) has no
        // entry to find: one lookup instead of one per entry. Keys are unique within a
        // document (`canon::entry_keys`), so none of its entries can meet another.
        let (group, ranked, first_fetch, has_stored): (String, bool, bool, bool) = tx
            .prepare_cached(
                "SELECT coalesce(f.group_name, ''), f.ranked, s.last_success_at IS NULL,
                     EXISTS (SELECT 1 FROM entries WHERE feed_id = f.id)
                 FROM feeds f JOIN fetch_state s ON s.feed_id = f.id WHERE f.id = ?1",
            )?
            .query_row(params![feed_id.0], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?
            .unwrap_or_default();
        let mut existing = tx.prepare_cached(
            "SELECT id, content_hash, first_seen_at, published_at, story_id, title FROM entries
             WHERE feed_id = ?1 AND key = ?2",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO entries (id, story_id, guid, link, canonical_link, title, summary,
                 content, author, comments, categories, feed_published_at, feed_updated_at,
                 published_at, updated_at, content_hash, global_guid, points, comments_count,
                 views, feed_id, key, first_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE entries SET story_id = ?2, guid = ?3, link = ?4, canonical_link = ?5,
                 title = ?6, summary = ?7, content = ?8, author = ?9, comments = ?10,
                 categories = ?11, feed_published_at = ?12, feed_updated_at = ?13,
                 published_at = ?14, updated_at = ?15, content_hash = ?16, global_guid = ?17,
                 points = ?18, comments_count = ?19, views = ?20
             WHERE id = ?1",
        )?;
        let mut document_order: Vec<i64> = Vec::with_capacity(feed.entries.len());
        for (entry, ready) in feed.entries.iter().zip(&prepared.entries) {
            let found: Option<Stored> = if has_stored {
                existing
                    .query_row(params![feed_id.0, entry.key.as_str()], |row| {
                        Ok(Stored {
                            id: row.get(0)?,
                            hash: row.get(1)?,
                            first_seen: row.get(2)?,
                            published: row.get(3)?,
                            story: row.get(4)?,
                            title: row.get(5)?,
                        })
                    })
                    .optional()?
            } else {
                None
            };
            work.count(&existing);
            if let Some(stored) = &found
                && stored.hash == ready.hash
            {
                counts.unchanged += 1;
                document_order.push(stored.id);
                continue;
            }
            let derived_here;
            let derived = match &ready.derived {
                Some(derived) => derived,
                None => {
                    derived_here = Derived::of(entry);
                    &derived_here
                }
            };
            let keys = &derived.keys;
            let (entry_id, dates) = match &found {
                Some(stored) => {
                    let dates = EntryDates::edited(
                        entry,
                        Timestamp::from_unix(stored.first_seen),
                        Timestamp::from_unix(stored.published),
                    );
                    (stored.id, dates)
                }
                None => {
                    let entry_id = match self.next_id {
                        Some(id) => id,
                        None => first_free_id(tx, titles.through())?,
                    };
                    self.next_id = Some(entry_id + 1);
                    (entry_id, EntryDates::new(entry, now, first_fetch))
                }
            };
            let written = stories::Written {
                id: entry_id,
                group: &group,
                published: dates.published.unix(),
                updated: dates.updated.unix(),
                is_new: found.is_none(),
                current_story: found.as_ref().and_then(|stored| stored.story),
                replaced: found.as_ref().map(|stored| stories::Replaced {
                    published: stored.published,
                    title: stored.title.as_deref(),
                }),
            };
            let placement =
                stories::place(tx, headlines, titles, &written, keys, now.unix(), work)?;
            // The columns both statements write, as ?1 to ?20; an insert adds ?21 to ?23.
            let link = entry.link.as_ref().map(Url::as_str);
            let comments = entry.comments.as_ref().map(Url::as_str);
            let categories = entry.categories.join("\n");
            let feed_dates = (
                entry.published.map(Timestamp::unix),
                entry.updated.map(Timestamp::unix),
            );
            let stored_dates = (dates.published.unix(), dates.updated.unix());
            let engagement = entry.engagement;
            let engagement = [engagement.points, engagement.comments, engagement.views]
                .map(|count| count.map(saturating_i64));
            let columns: [&dyn ToSql; 20] = [
                &entry_id,
                &placement.story,
                &entry.guid,
                &link,
                &keys.merge_link,
                &entry.title,
                &entry.summary,
                &entry.content,
                &entry.author,
                &comments,
                &categories,
                &feed_dates.0,
                &feed_dates.1,
                &stored_dates.0,
                &stored_dates.1,
                &ready.hash,
                &keys.global_guid,
                &engagement[0],
                &engagement[1],
                &engagement[2],
            ];
            if written.is_new {
                let first_seen = now.unix();
                let identity: [&dyn ToSql; 3] = [&feed_id.0, &entry.key.as_str(), &first_seen];
                insert.execute(params_from_iter(columns.iter().chain(&identity)))?;
                work.count(&insert);
                counts.new += 1;
            } else {
                update.execute(params_from_iter(columns))?;
                work.count(&update);
                counts.changed += 1;
            }
            stories::settle(tx, headlines, titles, &written, keys, &placement, work)?;
            self.search_bytes += derived.text.len();
            self.search.push(PendingSearch {
                entry_id,
                replacing: !written.is_new,
                text: Arc::clone(&derived.text),
            });
            document_order.push(entry_id);
        }
        if ranked {
            record_positions(tx, feed_id, &document_order, work)?;
        }
        tx.prepare_cached("UPDATE feeds SET title = ?2, site_link = ?3 WHERE id = ?1")?
            .execute(params![
                feed_id.0,
                feed.title,
                feed.site_link.as_ref().map(Url::as_str)
            ])?;
        record_move(tx, feed_id, moved_to)?;
        tx.prepare_cached(
            "UPDATE fetch_state SET etag = ?2, last_modified = ?3, last_fetch_at = ?4,
                 last_success_at = ?4, last_status = 'ok', http_status = ?5, next_check_at = ?6,
                 consecutive_errors = 0, failing_since = NULL, last_error = NULL,
                 body_digest = ?7, ttl_minutes = ?8
             WHERE feed_id = ?1",
        )?
        .execute(params![
            feed_id.0,
            validators.etag,
            validators.last_modified,
            now.unix(),
            http_status,
            next_check_at.unix(),
            prepared.body_digest.as_ref().map(|digest| &digest.0[..]),
            feed.ttl_minutes,
        ])?;
        Ok(counts)
    }

    /// Stores an answer that changes no entry: a `304 Not Modified`, or a 2xx whose body is
    /// the one the feed's entries were stored from (its [`BodyDigest`]). The entries stay and
    /// the schedule moves on. A 304's validators replace the stored ones it carries (the
    /// others are kept); a 2xx's replace them all, as with any body.
    pub fn record_not_modified(
        &mut self,
        feed_id: FeedId,
        validators: &Validators,
        http_status: u16,
        moved_to: Option<&Url>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<(), StoreError> {
        record_move(&self.tx, feed_id, moved_to)?;
        let mut update = self.tx.prepare_cached(
            "UPDATE fetch_state SET
                 etag = CASE WHEN ?6 = 304 THEN COALESCE(?2, etag) ELSE ?2 END,
                 last_modified = CASE WHEN ?6 = 304 THEN COALESCE(?3, last_modified) ELSE ?3 END,
                 last_fetch_at = ?4, last_success_at = ?4, last_status = 'not modified',
                 http_status = ?6, next_check_at = ?5, consecutive_errors = 0,
                 failing_since = NULL, last_error = NULL
             WHERE feed_id = ?1",
        )?;
        update.execute(params![
            feed_id.0,
            validators.etag,
            validators.last_modified,
            now.unix(),
            next_check_at.unix(),
            http_status
        ])?;
        Ok(())
    }

    /// Stores a failed fetch: the feed's entries and validators stay as they were.
    pub fn record_failure(
        &mut self,
        feed_id: FeedId,
        message: &str,
        http_status: Option<u16>,
        now: Timestamp,
        next_check_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE fetch_state SET last_fetch_at = ?2, last_status = 'failing',
                 http_status = ?3, next_check_at = ?4,
                 consecutive_errors = consecutive_errors + 1,
                 failing_since = COALESCE(failing_since, ?2), last_error = ?5
             WHERE feed_id = ?1",
            params![
                feed_id.0,
                now.unix(),
                http_status,
                next_check_at.unix(),
                message
            ],
        )?;
        Ok(())
    }

    /// Stores a `410 Gone`: the feed keeps its entries and is never requested again (until
    /// its URL changes in the configuration).
    pub fn record_gone(
        &mut self,
        feed_id: FeedId,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "UPDATE feeds SET gone_at = ?2 WHERE id = ?1",
            params![feed_id.0, now.unix()],
        )?;
        self.tx.execute(
            "UPDATE fetch_state SET last_fetch_at = ?2, last_status = 'gone', http_status = 410,
                 last_error = ?3
             WHERE feed_id = ?1",
            params![feed_id.0, now.unix(), message],
        )?;
        Ok(())
    }

    /// The bytes of plain text the batch will write into the search index at commit.
    pub fn search_bytes(&self) -> usize {
        self.search_bytes
    }

    /// Writes the batch's search words (and the `title_words` rows that are due, see
    /// `title_words.rs`), then commits everything.
    ///
    /// The words go in by entry id, the order FTS5 buffers them in: a row written below the
    /// last one written (an edited entry's delete and insert after the new entries of
    /// another feed) makes it flush its buffered words as a segment first. Edits among new
    /// entries made a segment per edited feed, and every segment is merged again later: a
    /// run after 5 % of 1000 feeds changed wrote 57 segments, now 12 (one a commit). The
    /// sort is stable, so an entry written twice in one batch keeps the order of its writes.
    ///
    /// Returns the text the batch held for the index, which it shares with the parsed feeds:
    /// dropping it frees what they have not (see [`SearchText`]).
    pub fn commit(mut self) -> Result<SearchText, StoreError> {
        self.memory.titles.before_commit(&self.tx, &mut self.work)?;
        self.search.sort_by_key(|pending| pending.entry_id);
        for pending in &self.search {
            search::index_entry(
                &self.tx,
                pending.entry_id,
                &pending.text,
                pending.replacing,
                &mut self.work,
            )?;
        }
        self.tx.commit()?;
        self.memory.committed = true;
        *self.last_work = self.work;
        Ok(SearchText {
            _pending: std::mem::take(&mut self.search),
        })
    }
}

#[cfg(test)]
impl Batch<'_> {
    /// How many `title_words` rows this batch's transaction sees.
    pub(super) fn title_words_count(&self) -> i64 {
        self.tx
            .query_row("SELECT count(*) FROM title_words", [], |row| row.get(0))
            .unwrap_or(-1)
    }
}

/// The plain text a committed batch wrote into the search index, handed back by
/// [`Batch::commit`] so the caller chooses which thread frees it: a thread that frees much
/// memory another thread allocated waits on that thread's allocator (see `pipeline`).
pub struct SearchText {
    _pending: Vec<PendingSearch>,
}

/// The lowest id no entry or story has ever had, so a new entry's story can take the
/// entry's own id; above `titles_through` too, so a new entry is one whose `title_words`
/// rows wait (see `title_words.rs`).
fn first_free_id(tx: &Transaction<'_>, titles_through: i64) -> rusqlite::Result<i64> {
    tx.query_row(
        "SELECT max(coalesce((SELECT max(id) FROM entries), 0),
                    coalesce((SELECT max(id) FROM stories), 0), ?1) + 1",
        [titles_through],
        |row| row.get(0),
    )
}

/// What is stored of an entry, as a new fetch of it is compared with it.
struct Stored {
    id: i64,
    hash: String,
    first_seen: i64,
    published: i64,
    story: Option<i64>,
    title: Option<String>,
}

/// Records where a feed moved for good, when it did.
fn record_move(
    tx: &Transaction<'_>,
    feed_id: FeedId,
    moved_to: Option<&Url>,
) -> rusqlite::Result<()> {
    if let Some(target) = moved_to {
        tx.execute(
            "UPDATE feeds SET moved_to = ?2 WHERE id = ?1",
            params![feed_id.0, target.as_str()],
        )?;
    }
    Ok(())
}

/// The dates stored for an entry (SPEC §4): a missing date is the first-seen time, and a date
/// in the future is clamped to it. Undated entries of a feed's first fetch are its backlog:
/// they are dated [`UNDATED_BACKLOG_AGE`] before they were first seen, so a new feed's
/// undated archive counts as old and never floods the front page.
struct EntryDates {
    published: Timestamp,
    updated: Timestamp,
}

impl EntryDates {
    fn new(entry: &ParsedEntry, first_seen: Timestamp, first_fetch: bool) -> EntryDates {
        let undated = if first_fetch {
            first_seen.minus(UNDATED_BACKLOG_AGE)
        } else {
            first_seen
        };
        Self::with_default(entry, first_seen, undated)
    }

    /// An entry edited in place: an undated one keeps the publish time it was stored with.
    fn edited(entry: &ParsedEntry, first_seen: Timestamp, stored: Timestamp) -> EntryDates {
        Self::with_default(entry, first_seen, stored)
    }

    fn with_default(entry: &ParsedEntry, first_seen: Timestamp, undated: Timestamp) -> EntryDates {
        let published = entry.published.map_or(undated, |date| date.min(first_seen));
        let updated = entry
            .updated
            .map_or(published, |date| date.min(first_seen))
            .max(published);
        EntryDates { published, updated }
    }
}

/// A count as SQLite stores it.
fn saturating_i64(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Keeps a ranked feed's order from its latest fetch: entry `document_order[i]` is at place
/// `i + 1`; entries no longer in the feed lose their place. Only changed rows are written.
fn record_positions(
    tx: &Transaction<'_>,
    feed_id: FeedId,
    document_order: &[i64],
    work: &mut Work,
) -> rusqlite::Result<()> {
    let ids = serde_json::to_string(document_order).unwrap_or_else(|_| "[]".into());
    let mut clear = tx.prepare_cached(
        "UPDATE entries SET position = NULL
         WHERE feed_id = ?1 AND position IS NOT NULL
             AND id NOT IN (SELECT value FROM json_each(?2))",
    )?;
    clear.execute(params![feed_id.0, ids])?;
    work.count(&clear);
    let mut place =
        tx.prepare_cached("UPDATE entries SET position = ?2 WHERE id = ?1 AND position IS NOT ?2")?;
    for (index, entry_id) in document_order.iter().enumerate() {
        place.execute(params![entry_id, index as i64 + 1])?;
    }
    work.count(&place);
    let mut count = tx.prepare_cached(
        "UPDATE fetch_state SET last_count = ?2 WHERE feed_id = ?1 AND last_count IS NOT ?2",
    )?;
    count.execute(params![feed_id.0, document_order.len() as i64])?;
    work.count(&count);
    Ok(())
}

/// A digest of everything stored about an entry, to tell an edited entry from an unchanged
/// one without comparing every column.
fn content_hash(entry: &ParsedEntry) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| {
        match value {
            Some(text) => {
                hasher.update(b"S");
                hasher.update((text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(b"N"),
        };
    };
    field(entry.guid.as_deref());
    field(entry.link.as_ref().map(Url::as_str));
    field(entry.title.as_deref());
    field(entry.summary.as_deref());
    field(entry.content.as_deref());
    field(entry.author.as_deref());
    field(entry.comments.as_ref().map(Url::as_str));
    field(Some(&entry.categories.join("\n")));
    field(
        entry
            .published
            .map(|date| date.unix().to_string())
            .as_deref(),
    );
    field(entry.updated.map(|date| date.unix().to_string()).as_deref());
    for count in [
        entry.engagement.points,
        entry.engagement.comments,
        entry.engagement.views,
    ] {
        field(count.map(|count| count.to_string()).as_deref());
    }
    crate::canon::lower_hex(&hasher.finalize()[..16])
}
