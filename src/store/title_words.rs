//! The `title_words` rows of new entries: kept in memory and written sorted, many entries at
//! once, instead of as each entry is stored.
//!
//! `title_words` holds every headline word of every entry under its publish time, so story
//! matching finds the older headlines of an event (`stories`). Its key starts with the word,
//! so a new entry's rows land all over the table: written as each entry was stored, every
//! batch of a cold fetch dirtied most of the table's pages, and the log took each of them
//! again at every commit. Those rows were a fifth of a cold fetch of 1000 feeds.
//!
//! A new entry's rows wait here instead, and are written in key order:
//! - before matching reads `title_words` over a time window in which a waiting entry was
//!   published ([`TitleWords::before_reading`]), so a match never misses one (the first few
//!   hundred headlines of a run are matched that way, before the headline index is loaded,
//!   and past its cap most are: then what waits is written nearly as often as before);
//! - at a batch's commit once [`WAITING_ENTRIES`] entries wait, so that what waits at a
//!   commit is bounded (within a batch, by the batch too);
//! - at every commit outside a run of batches (`Store::begin_bulk_writes`), and at the end of
//!   one (`Store::end_bulk_writes`).
//!
//! **The database says which entries wait.** `title_words_written.through` (migration 14) is
//! an entry id up to which every entry has its rows; it is raised in the transaction that
//! writes them, and new entries get higher ids (`write::first_free_id`). What waits in memory
//! is only a copy of the committed entries above it: it is dropped when a batch fails to
//! start, rolls back, or finds that another connection has committed, and the next batch
//! reads the entries above `through` back from `entries` and writes their rows, as it does
//! after a run that was killed before writing them. So `title_words` is complete whenever
//! this version of frontpage reads it, and nothing is lost if a run stops anywhere. (An
//! older frontpage opening the database would match without the rows of a killed run's
//! last entries until a newer one writes them.)
//!
//! An edited entry's rows are replaced at once, as before: edits are few, and its old rows
//! must go before anything reads them.

use rusqlite::{Transaction, params};

use super::stories::{Work, Written, stored_word_bit};
use crate::dedup::Headline;

/// The most entries whose rows wait at a commit (about 80 bytes each, words included): a
/// cold fetch of 1000 feeds (30,000 entries) writes most of its rows in four runs.
const WAITING_ENTRIES: usize = 8192;

/// The new entries whose `title_words` rows are not written yet, for one connection.
pub(super) struct TitleWords {
    /// Every entry with an id up to this has its rows in the database, as the current
    /// transaction sees it; `None` until read, at the start of a batch.
    through: Option<i64>,
    /// The highest id of a new entry passed through [`TitleWords::record`] (or read back).
    highest: i64,
    /// The entries whose rows wait, with a headline, in the order they were stored.
    waiting: Vec<Waiting>,
    /// Their words, back to back.
    text: String,
    /// Where each word of `text` ends.
    ends: Vec<u32>,
    /// The earliest and latest publish time in `waiting`.
    published: Option<(i64, i64)>,
    /// Whether a run of batches is under way: rows then wait past a commit.
    bulk: bool,
    /// The most entries that wait at a commit ([`WAITING_ENTRIES`]; tests make it small).
    most_waiting: usize,
}

impl Default for TitleWords {
    fn default() -> TitleWords {
        TitleWords::with_most_waiting(WAITING_ENTRIES)
    }
}

/// A new entry whose rows wait.
struct Waiting {
    entry_id: i64,
    published: i64,
    /// The bits of its headline's words ([`stored_word_bit`]).
    bits: i64,
    /// Its words are `ends[first..first + count]`.
    first: u32,
    count: u32,
}

impl TitleWords {
    /// Rows for at most `most_waiting` entries wait at a commit.
    pub(super) fn with_most_waiting(most_waiting: usize) -> TitleWords {
        TitleWords {
            through: None,
            highest: 0,
            waiting: Vec::new(),
            text: String::new(),
            ends: Vec::new(),
            published: None,
            bulk: false,
            most_waiting,
        }
    }

    /// Forgets what waits: the database still knows it, and the next batch reads it back.
    /// For a batch that rolled back, or when another connection has written.
    pub(super) fn forget(&mut self) {
        *self = TitleWords {
            bulk: self.bulk,
            ..TitleWords::with_most_waiting(self.most_waiting)
        };
    }

    /// Whether rows may wait past a commit (a run of batches is under way).
    pub(super) fn set_bulk(&mut self, bulk: bool) {
        self.bulk = bulk;
    }

    /// The id up to which every entry has its rows (once [`TitleWords::begin`] has run).
    pub(super) fn through(&self) -> i64 {
        self.through.unwrap_or(0)
    }

    /// Called at the start of every batch: when this connection does not know which entries
    /// wait, reads `through`, and writes the rows of the entries above it (a run's that
    /// stopped before writing them, or this connection's own after a rollback), reading
    /// them back from `entries` [`WAITING_ENTRIES`] at a time.
    pub(super) fn begin(&mut self, tx: &Transaction<'_>, work: &mut Work) -> rusqlite::Result<()> {
        if self.through.is_some() {
            return Ok(());
        }
        let through: i64 = tx.query_row("SELECT through FROM title_words_written", [], |row| {
            row.get(0)
        })?;
        self.through = Some(through);
        self.highest = through;
        let mut read_back = tx.prepare_cached(
            "SELECT id, published_at, title FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        loop {
            let mut read = 0;
            let chunk = i64::try_from(self.most_waiting.max(1)).unwrap_or(i64::MAX);
            let mut rows = read_back.query(params![self.highest, chunk])?;
            while let Some(row) = rows.next()? {
                read += 1;
                let entry_id: i64 = row.get(0)?;
                let title: Option<String> = row.get(2)?;
                self.highest = self.highest.max(entry_id);
                if let Some(title) = title {
                    self.wait(entry_id, row.get(1)?, &Headline::new(&title));
                }
            }
            drop(rows);
            work.count(&read_back);
            if read == 0 {
                return Ok(());
            }
            self.write(tx, work)?;
        }
    }

    /// Records the headline words of an entry just written (replacing an edited entry's
    /// old ones): a new entry's rows wait, an edited entry's are written now.
    ///
    /// `title_words` has no index by entry and no foreign key (migration 11: each was a
    /// b-tree write per word), so an edited entry's old rows are found by its old title's
    /// words and publish time; rows of a deleted entry would stay (nothing deletes entries)
    /// and could never match, since matching checks every candidate's own title.
    pub(super) fn record(
        &mut self,
        tx: &Transaction<'_>,
        written: &Written<'_>,
        headline: Option<&Headline>,
        work: &mut Work,
    ) -> rusqlite::Result<()> {
        if written.is_new && written.id > self.through() {
            self.highest = self.highest.max(written.id);
            if let Some(headline) = headline {
                self.wait(written.id, written.published, headline);
            }
            return Ok(());
        }
        if written.id > self.through() {
            // (an entry edited before the rows of its first version were written)
            self.write(tx, work)?;
        }
        if let Some(replaced) = &written.replaced
            && let Some(title) = replaced.title
        {
            let mut forget = tx.prepare_cached(
                "DELETE FROM title_words WHERE word = ?1 AND published_at = ?2 AND entry_id = ?3",
            )?;
            for word in Headline::new(title).words() {
                forget.execute(params![word, replaced.published, written.id])?;
            }
            work.count(&forget);
        }
        let Some(headline) = headline else {
            return Ok(());
        };
        let bits = bits_of(headline.words().iter().map(String::as_str));
        let rows = headline
            .words()
            .iter()
            .map(|word| (word.as_str(), written.published, written.id, bits));
        insert_one_by_one(tx, rows, work)
    }

    /// Writes what waits if an entry that waits was published between `from` and `to`
    /// (inclusive): matching is about to read `title_words` over that window.
    pub(super) fn before_reading(
        &mut self,
        tx: &Transaction<'_>,
        from: i64,
        to: i64,
        work: &mut Work,
    ) -> rusqlite::Result<()> {
        match self.published {
            Some((earliest, latest)) if earliest <= to && latest >= from => self.write(tx, work),
            _ => Ok(()),
        }
    }

    /// Called before a batch commits: writes what waits, unless a run of batches is under
    /// way and fewer entries wait than it lets ([`WAITING_ENTRIES`]).
    pub(super) fn before_commit(
        &mut self,
        tx: &Transaction<'_>,
        work: &mut Work,
    ) -> rusqlite::Result<()> {
        if !self.bulk || self.waiting.len() >= self.most_waiting {
            self.write(tx, work)?;
        }
        Ok(())
    }

    /// Whether rows may wait to be written: they do, or this connection does not know (a
    /// batch rolled back, or none began).
    pub(super) fn may_wait(&self) -> bool {
        self.through.is_none_or(|through| self.highest > through)
    }

    /// Keeps a new entry's rows until they are written (a headline without words has none).
    fn wait(&mut self, entry_id: i64, published: i64, headline: &Headline) {
        if headline.words().is_empty() {
            return;
        }
        let first = u32::try_from(self.ends.len()).unwrap_or(u32::MAX);
        for word in headline.words() {
            self.text.push_str(word);
            self.ends
                .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        }
        self.waiting.push(Waiting {
            entry_id,
            published,
            bits: bits_of(headline.words().iter().map(String::as_str)),
            first,
            count: u32::try_from(headline.words().len()).unwrap_or(0),
        });
        self.published = Some(match self.published {
            Some((earliest, latest)) => (earliest.min(published), latest.max(published)),
            None => (published, published),
        });
    }

    /// The `i`th word of `text`.
    fn word(&self, index: u32) -> &str {
        let end = self.ends[index as usize] as usize;
        let start = match index.checked_sub(1) {
            Some(before) => self.ends[before as usize] as usize,
            None => 0,
        };
        &self.text[start..end]
    }

    /// Writes the rows of every entry that waits, in key order, and raises `through` past
    /// them.
    fn write(&mut self, tx: &Transaction<'_>, work: &mut Work) -> rusqlite::Result<()> {
        if self.through.is_none_or(|through| self.highest <= through) {
            return Ok(());
        }
        // (entry, word): the rows, sorted as the table's key (word, publish time, entry id)
        let mut rows: Vec<(u32, u32)> = Vec::with_capacity(self.ends.len());
        for (entry, waiting) in self.waiting.iter().enumerate() {
            let entry = u32::try_from(entry).unwrap_or(u32::MAX);
            rows.extend((waiting.first..waiting.first + waiting.count).map(|word| (entry, word)));
        }
        rows.sort_unstable_by(|&(entry_a, word_a), &(entry_b, word_b)| {
            let (a, b) = (
                &self.waiting[entry_a as usize],
                &self.waiting[entry_b as usize],
            );
            self.word(word_a)
                .cmp(self.word(word_b))
                .then(a.published.cmp(&b.published))
                .then(a.entry_id.cmp(&b.entry_id))
        });
        let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
        let mut insert_many = tx.prepare_cached(&insert_many_sql())?;
        for chunk in chunks.by_ref() {
            let words: Vec<&str> = chunk.iter().map(|&(_, word)| self.word(word)).collect();
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(4 * ROWS_PER_INSERT);
            for (&(entry, _), word) in chunk.iter().zip(&words) {
                let waiting = &self.waiting[entry as usize];
                values.extend([
                    word as &dyn rusqlite::ToSql,
                    &waiting.published,
                    &waiting.entry_id,
                    &waiting.bits,
                ]);
            }
            insert_many.execute(values.as_slice())?;
        }
        work.count(&insert_many);
        let rest = chunks.remainder().iter().map(|&(entry, word)| {
            let waiting = &self.waiting[entry as usize];
            (
                self.word(word),
                waiting.published,
                waiting.entry_id,
                waiting.bits,
            )
        });
        insert_one_by_one(tx, rest, work)?;
        let mut raise = tx.prepare_cached("UPDATE title_words_written SET through = ?1")?;
        raise.execute(params![self.highest])?;
        work.count(&raise);
        self.through = Some(self.highest);
        self.waiting.clear();
        self.text.clear();
        self.ends.clear();
        self.published = None;
        Ok(())
    }
}

/// Rows written by one statement when many are written (fewer statements to run).
const ROWS_PER_INSERT: usize = 32;

/// The insert of [`ROWS_PER_INSERT`] rows.
fn insert_many_sql() -> String {
    let values = vec!["(?, ?, ?, ?)"; ROWS_PER_INSERT].join(", ");
    format!(
        "INSERT OR IGNORE INTO title_words (word, published_at, entry_id, bits) VALUES {values}"
    )
}

/// Inserts `rows` (word, publish time, entry id, bits), a statement each.
fn insert_one_by_one<'w>(
    tx: &Transaction<'_>,
    rows: impl Iterator<Item = (&'w str, i64, i64, i64)>,
    work: &mut Work,
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO title_words (word, published_at, entry_id, bits)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (word, published, entry_id, bits) in rows {
        insert.execute(params![word, published, entry_id, bits])?;
    }
    work.count(&insert);
    Ok(())
}

/// The bits of a headline's words, which each of its rows carries.
fn bits_of<'w>(words: impl Iterator<Item = &'w str>) -> i64 {
    words.fold(0, |bits, word| bits | stored_word_bit(word))
}
