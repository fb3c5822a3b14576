//! The schema, as an append-only list of migrations tracked by `PRAGMA user_version`.
//!
//! Never edit or reorder a migration that has shipped: add a new one at the end. Each runs in
//! the same transaction as the version bump, so a database is always at exactly one version.
//! A migration that needs Rust (the search index's HTML stripping) names a backfill step.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::search;

/// Migration `n` (1-based) is `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    // 1: feeds, their fetch state, entries and stories.
    "CREATE TABLE feeds (
         id INTEGER PRIMARY KEY,
         name TEXT NOT NULL UNIQUE,
         url TEXT NOT NULL,
         title TEXT,
         site_link TEXT,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE fetch_state (
         feed_id INTEGER PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
         etag TEXT,
         last_modified TEXT,
         last_fetch_at INTEGER,
         last_success_at INTEGER,
         last_status TEXT,
         http_status INTEGER,
         next_check_at INTEGER NOT NULL DEFAULT 0,
         consecutive_errors INTEGER NOT NULL DEFAULT 0,
         failing_since INTEGER,
         last_error TEXT
     );
     CREATE TABLE stories (
         id INTEGER PRIMARY KEY,
         created_at INTEGER NOT NULL
     );
     CREATE TABLE entries (
         id INTEGER PRIMARY KEY,
         feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
         key TEXT NOT NULL,
         story_id INTEGER REFERENCES stories (id),
         guid TEXT,
         link TEXT,
         canonical_link TEXT,
         title TEXT,
         summary TEXT,
         content TEXT,
         author TEXT,
         comments TEXT,
         categories TEXT NOT NULL DEFAULT '',
         feed_published_at INTEGER,
         feed_updated_at INTEGER,
         published_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         first_seen_at INTEGER NOT NULL,
         content_hash TEXT NOT NULL,
         UNIQUE (feed_id, key)
     );
     CREATE INDEX entries_by_published ON entries (published_at);
     CREATE INDEX entries_by_story ON entries (story_id);
     CREATE INDEX entries_by_canonical_link ON entries (canonical_link);",
    // 2: permanent redirects and 410 Gone.
    "ALTER TABLE feeds ADD COLUMN moved_to TEXT;
     ALTER TABLE feeds ADD COLUMN gone_at INTEGER;",
    // 3: stories that span feeds. `canonical_link` now holds the link entries merge on (NULL
    // for homepages and discussion pages); `global_guid` a guid unique by its form; the
    // words of each title, by publish time, find headlines of the same event.
    "ALTER TABLE feeds ADD COLUMN group_name TEXT;
     ALTER TABLE stories ADD COLUMN merged_into INTEGER REFERENCES stories (id);
     ALTER TABLE entries ADD COLUMN global_guid TEXT;
     CREATE INDEX entries_by_global_guid ON entries (global_guid)
         WHERE global_guid IS NOT NULL;
     DROP INDEX entries_by_canonical_link;
     CREATE INDEX entries_by_canonical_link ON entries (canonical_link, published_at)
         WHERE canonical_link IS NOT NULL;
     CREATE TABLE title_words (
         word TEXT NOT NULL,
         published_at INTEGER NOT NULL,
         entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
         PRIMARY KEY (word, published_at, entry_id)
     ) WITHOUT ROWID;
     CREATE INDEX title_words_by_entry ON title_words (entry_id);",
    // 4: popularity signals: engagement counts per entry, and for feeds whose own order is a
    // signal (`ranked`), each entry's place in the latest fetch.
    "ALTER TABLE feeds ADD COLUMN ranked INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE fetch_state ADD COLUMN last_count INTEGER;
     ALTER TABLE entries ADD COLUMN points INTEGER;
     ALTER TABLE entries ADD COLUMN comments_count INTEGER;
     ALTER TABLE entries ADD COLUMN views INTEGER;
     ALTER TABLE entries ADD COLUMN position INTEGER;
     CREATE INDEX entries_with_position ON entries (feed_id) WHERE position IS NOT NULL;",
    // 5: full-text search. A contentless FTS5 index keyed by entry id (rowid): the title and
    // the plain text of summary and content, written with each entry (`search::index_entry`)
    // and backfilled by `search::index_all`. Porter stemming over unicode61 without
    // diacritics, so `released` finds `release` and `cafe` finds `café`.
    "CREATE VIRTUAL TABLE entries_fts USING fts5 (
         title, summary, content,
         content = '',
         contentless_delete = 1,
         tokenize = 'porter unicode61 remove_diacritics 2'
     );
     CREATE TRIGGER entries_fts_forget AFTER DELETE ON entries BEGIN
         DELETE FROM entries_fts WHERE rowid = old.id;
     END;",
    // 6: each live story's earliest publish time and latest update, kept by `stories::attach`,
    // so publishing finds the stories of its window by index instead of grouping every entry;
    // and an index that covers what ranking reads of an entry, so ranking never walks past
    // an entry's (large) summary and content to reach its counts.
    "ALTER TABLE stories ADD COLUMN published_at INTEGER;
     ALTER TABLE stories ADD COLUMN updated_at INTEGER;
     UPDATE stories SET
         published_at = (SELECT min(published_at) FROM entries WHERE story_id = stories.id),
         updated_at = (SELECT max(updated_at) FROM entries WHERE story_id = stories.id)
     WHERE merged_into IS NULL;
     CREATE INDEX stories_by_published ON stories (published_at, merged_into);
     CREATE INDEX entries_for_ranking ON entries (story_id, published_at, updated_at, feed_id,
         points, comments_count, views, position, comments);",
    // 7: how many entries use each headline word, so story matching probes only a headline's
    // rarest words (any headline sharing three words with it shares one of those).
    "CREATE TABLE title_word_counts (
         word TEXT PRIMARY KEY,
         n INTEGER NOT NULL
     ) WITHOUT ROWID;
     INSERT INTO title_word_counts (word, n)
         SELECT word, count(*) FROM title_words GROUP BY word;",
    // 8: migration 7's counts made matching slower, not faster (probing a headline's rarest
    // words costs a lookup per word and a join back per candidate, more than reading every
    // posting of its words in the 10-day window): nothing reads them any more.
    "DROP TABLE title_word_counts;",
    // 9: the search index buffers 8 MiB of new words before writing a segment (FTS5's
    // default is 1 MiB) and merges 8 segments of a level at a time (default 4): a fetch of
    // many feeds writes fewer, larger segments and spends far less time merging them.
    // `entries_by_story` goes: `entries_for_ranking` starts with `story_id` and serves the
    // same lookups, so each write kept two indexes in step for nothing.
    "INSERT INTO entries_fts (entries_fts, rank) VALUES ('hashsize', 8388608);
     INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 8);
     DROP INDEX entries_by_story;",
    // 10: a feed's entries by publish time, so a word search within some feeds and a time
    // window (`query WORD --feed NAME --since 30d`, or `--tag`) reads those entries' ids
    // from one index range per feed instead of looking up each entry of the window (or of
    // the feeds) to learn its feed or its time.
    "CREATE INDEX IF NOT EXISTS entries_by_feed_published ON entries (feed_id, published_at);",
    // 11: `title_words` without its index by entry and its foreign key: keeping both in
    // step was a b-tree write and a parent lookup per headline word, a tenth of a cold
    // fetch. An edited entry's old rows are deleted by their key (its old title's words);
    // see `TitleWords::record` in `title_words.rs`.
    "CREATE TABLE title_words_11 (
         word TEXT NOT NULL,
         published_at INTEGER NOT NULL,
         entry_id INTEGER NOT NULL,
         PRIMARY KEY (word, published_at, entry_id)
     ) WITHOUT ROWID;
     INSERT INTO title_words_11 (word, published_at, entry_id)
         SELECT word, published_at, entry_id FROM title_words;
     DROP TABLE title_words;
     ALTER TABLE title_words_11 RENAME TO title_words;",
    // 12: each `title_words` row carries the word bits of its whole headline
    // (`stories::stored_word_bit`), so matching through `title_words` can skip the rows of
    // a headline's commonest words and still tell which entries found may share them. Rows
    // written before have none (NULL: read as every bit).
    "ALTER TABLE title_words ADD COLUMN bits INTEGER;",
    // 13: what a feed's last parsed body was (`model::BodyDigest`), so the same body again
    // is not parsed again; and the `<ttl>` it gave, which still holds after a 304 or an
    // unchanged body. Both are written with the entries they came with.
    "ALTER TABLE fetch_state ADD COLUMN body_digest BLOB;
     ALTER TABLE fetch_state ADD COLUMN ttl_minutes INTEGER;",
    // 14: which entries have their `title_words` rows: every entry whose id is at most
    // `through`. A run writes its new entries' rows many entries at a time, in key order,
    // and raises `through` with them (`title_words.rs`).
    "CREATE TABLE title_words_written (through INTEGER NOT NULL);
     INSERT INTO title_words_written (through) SELECT coalesce(max(id), 0) FROM entries;",
];

/// Work in Rust that follows a migration's SQL, in the same transaction: (version, step).
const BACKFILLS: &[(i64, Backfill)] = &[(5, search::index_all)];

/// A migration's Rust step.
type Backfill = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// The schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to [`latest_version`], stamping it with `application_id`.
///
/// A database already there is only read: the write lock is taken only to migrate, so that
/// opening the store to read (`query`, `publish`) never waits for a fetch's transaction.
pub fn migrate(conn: &mut Connection, application_id: i32) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version >= latest_version() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let current: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current >= latest_version() {
        return Ok(());
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let version = index as i64 + 1;
        if version > current {
            tx.execute_batch(sql)?;
            for (_, backfill) in BACKFILLS.iter().filter(|(after, _)| *after == version) {
                backfill(&tx)?;
            }
        }
    }
    tx.pragma_update(None, "application_id", application_id)?;
    tx.pragma_update(None, "user_version", latest_version())?;
    tx.commit()
}
