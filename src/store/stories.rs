//! Stories: linking each entry, as it is stored, to the story it belongs to (SPEC §5).
//!
//! An entry joins the stories of the entries it matches: the same mergeable canonical link
//! within ±30 days, the same globally unique guid, or (for entries of a different group) a
//! headline naming the same event within 5 days. When it matches several stories they merge:
//! the oldest id survives and the others are remembered as merged into it, so a published
//! item never changes its id and never appears twice.
//!
//! Only the entries near the new one are examined — by index on the link, the guid and the
//! (word, publish time) pairs — so the cost of storing an entry does not grow with the size
//! of the database. Nothing here fetches, parses or publishes.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{CachedStatement, OptionalExtension, StatementStatus, Transaction, params};
use url::Url;

use super::headlines::{HeadlineIndex, Probe, TITLE_WINDOW};
use super::title_words::TitleWords;
use crate::canon;
use crate::dedup::{self, Headline};
use crate::model::ParsedEntry;

/// Entries whose canonical links match join within this many seconds of each other (30 days).
const LINK_WINDOW: i64 = 30 * 24 * 3600;

/// What identifies an entry's story, computed once per stored entry (off the writer thread).
pub(super) struct StoryKeys {
    /// The canonical link, unless it is a homepage or an aggregator's discussion page.
    pub merge_link: Option<String>,
    /// The guid, when its form makes it globally unique.
    pub global_guid: Option<String>,
    /// The headline's significant words.
    pub headline: Option<Headline>,
}

impl StoryKeys {
    pub(super) fn of(entry: &ParsedEntry) -> StoryKeys {
        let headline = entry.title.as_deref().map(Headline::new);
        StoryKeys {
            merge_link: entry.link.as_ref().and_then(merge_link),
            global_guid: entry.guid.as_deref().and_then(canon::global_guid),
            headline,
        }
    }

    /// About how many bytes the keys hold beyond their own size.
    pub(super) fn text_size(&self) -> usize {
        let words = |words: &[String]| {
            words
                .iter()
                .map(|word| std::mem::size_of::<String>() + word.len())
                .sum::<usize>()
        };
        self.merge_link.as_ref().map_or(0, String::len)
            + self.global_guid.as_ref().map_or(0, String::len)
            + self.headline.as_ref().map_or(0, |headline| {
                words(headline.words()) + words(headline.numbers())
            })
    }
}

/// The link an entry may merge on: never a homepage, never a discussion page.
fn merge_link(link: &Url) -> Option<String> {
    if canon::is_homepage(link) || canon::is_discussion_page(link) {
        None
    } else {
        Some(canon::canonical_link(link))
    }
}

/// SQLite virtual-machine steps spent by the statements of one write, as a measure of rows
/// examined that does not depend on the machine's speed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Total steps.
    pub vm_steps: u64,
}

impl Work {
    /// Adds the steps `statement` ran since it was last counted.
    pub(super) fn count(&mut self, statement: &CachedStatement<'_>) {
        let steps = statement.reset_status(StatementStatus::VmStep);
        self.vm_steps += u64::try_from(steps).unwrap_or(0);
    }
}

/// An entry about to be written, as story matching needs it.
pub(super) struct Written<'a> {
    /// Its id (a new entry's is chosen before it is inserted).
    pub id: i64,
    /// Its feed's group.
    pub group: &'a str,
    /// Its publish time, as stored.
    pub published: i64,
    /// Its update time, as stored.
    pub updated: i64,
    /// Whether it is inserted (else edited in place).
    pub is_new: bool,
    /// For an entry edited in place, the story it belongs to now.
    pub current_story: Option<i64>,
    /// For an entry edited in place, what it was stored with until now.
    pub replaced: Option<Replaced<'a>>,
}

/// What an edited entry was stored with, so its old headline words can be found.
pub(super) struct Replaced<'a> {
    /// Its publish time, as stored (its `title_words` rows carry it).
    pub published: i64,
    /// Its title.
    pub title: Option<&'a str>,
}

/// The story an entry belongs to, decided before the entry is written.
pub(super) struct Placement {
    /// The story: the oldest of those it matches, or a new one with the entry's id.
    pub story: i64,
    /// The other matched stories, to merge into `story` once the entry is written.
    absorbed: Vec<i64>,
    /// Whether `story` was just created for this entry.
    started: bool,
}

/// Finds the story of the entry about to be written: the stories it matches (merged into
/// the oldest), or a new story whose id is the entry's own, created here so the entry can
/// reference it when it is inserted. An edited entry keeps its current story among the
/// matches: stories merge, they never split. Finish with [`settle`] once the entry is
/// written.
pub(super) fn place(
    tx: &Transaction<'_>,
    headlines: &mut HeadlineIndex,
    titles: &mut TitleWords,
    written: &Written<'_>,
    keys: &StoryKeys,
    now: i64,
    work: &mut Work,
) -> rusqlite::Result<Placement> {
    let mut matches = matching_stories(tx, headlines, titles, written, keys, now, work)?;
    matches.extend(written.current_story);
    let mut matches = matches.into_iter();
    let Some(survivor) = matches.next() else {
        // (An edited entry always has a story, except in a database damaged by hand: it then
        // gets one with its own id, which nothing else can hold.)
        let mut insert = tx.prepare_cached(
            "INSERT INTO stories (id, created_at, published_at, updated_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
        )?;
        insert.execute(params![written.id, now, written.published, written.updated])?;
        work.count(&insert);
        return Ok(Placement {
            story: written.id,
            absorbed: Vec::new(),
            started: written.is_new,
        });
    };
    Ok(Placement {
        story: survivor,
        absorbed: matches.collect(),
        started: false,
    })
}

/// Completes [`place`] once the entry row holds its story: records the headline's words,
/// merges the other matched stories into the survivor and updates the story's dates.
pub(super) fn settle(
    tx: &Transaction<'_>,
    headlines: &mut HeadlineIndex,
    titles: &mut TitleWords,
    written: &Written<'_>,
    keys: &StoryKeys,
    placement: &Placement,
    work: &mut Work,
) -> rusqlite::Result<()> {
    titles.record(tx, written, keys.headline.as_ref(), work)?;
    let probe = keys.headline.as_ref().map(|headline| Probe {
        entry_id: written.id,
        published: written.published,
        group: written.group,
        new: written.is_new,
        headline,
    });
    headlines.insert(written.id, probe.as_ref());
    for &absorbed in &placement.absorbed {
        merge(tx, absorbed, placement.story, work)?;
    }
    if placement.started {
        return Ok(());
    }
    if written.is_new && placement.absorbed.is_empty() {
        // One more entry in a story: its dates can only widen.
        let mut widen = tx.prepare_cached(
            "UPDATE stories SET published_at = min(coalesce(published_at, ?2), ?2),
                 updated_at = max(coalesce(updated_at, ?3), ?3)
             WHERE id = ?1",
        )?;
        widen.execute(params![placement.story, written.published, written.updated])?;
        work.count(&widen);
        return Ok(());
    }
    refresh_dates(tx, placement.story, work)
}

/// Recomputes a story's earliest publish time and latest update from its entries (a story's
/// entries are few, and found by index).
fn refresh_dates(tx: &Transaction<'_>, story: i64, work: &mut Work) -> rusqlite::Result<()> {
    let mut update = tx.prepare_cached(
        "UPDATE stories SET (published_at, updated_at) =
             (SELECT min(published_at), max(updated_at) FROM entries WHERE story_id = ?1)
         WHERE id = ?1",
    )?;
    update.execute(params![story])?;
    work.count(&update);
    Ok(())
}

/// Moves every entry of story `absorbed` into `survivor` and remembers the merge, so the
/// absorbed id still finds its story.
fn merge(
    tx: &Transaction<'_>,
    absorbed: i64,
    survivor: i64,
    work: &mut Work,
) -> rusqlite::Result<()> {
    let mut entries = tx.prepare_cached("UPDATE entries SET story_id = ?2 WHERE story_id = ?1")?;
    entries.execute(params![absorbed, survivor])?;
    work.count(&entries);
    let mut stories =
        tx.prepare_cached("UPDATE stories SET merged_into = ?2 WHERE id = ?1 OR merged_into = ?1")?;
    stories.execute(params![absorbed, survivor])?;
    work.count(&stories);
    Ok(())
}

/// Every live story the entry matches, oldest (lowest id) first.
fn matching_stories(
    tx: &Transaction<'_>,
    headlines: &mut HeadlineIndex,
    titles: &mut TitleWords,
    written: &Written<'_>,
    keys: &StoryKeys,
    now: i64,
    work: &mut Work,
) -> rusqlite::Result<BTreeSet<i64>> {
    let Written {
        id: entry_id,
        group,
        published,
        is_new,
        ..
    } = *written;
    let mut found = BTreeSet::new();
    if let Some(link) = &keys.merge_link {
        let mut same_link = tx.prepare_cached(
            "SELECT story_id FROM entries
             WHERE canonical_link = ?1 AND published_at BETWEEN ?2 AND ?3 AND id <> ?4
                 AND story_id IS NOT NULL",
        )?;
        let stories = same_link.query_map(
            params![
                link,
                published - LINK_WINDOW,
                published + LINK_WINDOW,
                entry_id
            ],
            |row| row.get::<_, i64>(0),
        )?;
        for story in stories {
            found.insert(story?);
        }
        work.count(&same_link);
    }
    if let Some(guid) = &keys.global_guid {
        let mut same_guid = tx.prepare_cached(
            "SELECT story_id FROM entries
             WHERE global_guid = ?1 AND id <> ?2 AND story_id IS NOT NULL",
        )?;
        let stories = same_guid.query_map(params![guid, entry_id], |row| row.get::<_, i64>(0))?;
        for story in stories {
            found.insert(story?);
        }
        work.count(&same_guid);
    }
    if let Some(headline) = keys
        .headline
        .as_ref()
        .filter(|headline| headline.words().len() >= dedup::MIN_WORDS)
    {
        let probe = Probe {
            entry_id,
            published,
            group,
            new: is_new,
            headline,
        };
        // The window's part the index does not hold is matched through `title_words`.
        let mut uncovered = (published - TITLE_WINDOW, published + TITLE_WINDOW);
        if let Some(matched) = headlines.same_event(tx, &probe, now)? {
            let mut story_of = tx.prepare_cached(
                "SELECT story_id FROM entries WHERE id = ?1 AND story_id IS NOT NULL",
            )?;
            for entry in matched.entries {
                let story: Option<i64> = story_of
                    .query_row(params![entry], |row| row.get(0))
                    .optional()?;
                found.extend(story);
            }
            work.count(&story_of);
            uncovered.1 = uncovered.1.min(matched.covered_from - 1);
            if uncovered.1 < uncovered.0 {
                return Ok(found);
            }
        }
        titles.before_reading(tx, uncovered.0, uncovered.1, work)?;
        // Each word's postings in the window are counted here: a `GROUP BY` sorted every one
        // of them, four fifths of a 5000-feed cold fetch (whose older entries the capped
        // index does not cover). A match shares at least MIN_SHARED words, so at least one
        // outside the MIN_SHARED - 1 commonest: only the other words' rows are read (the
        // commonest words' rows were most of them). Whether an entry found has a skipped word
        // is read from the word bits its rows carry, then, when they say it may, from the
        // word's own row.
        // (each with its bit)
        let common: Vec<(&str, i64)> = headlines
            .commonest(headline, dedup::MIN_SHARED - 1)
            .into_iter()
            .map(|word| (word, stored_word_bit(word)))
            .collect();
        let mut postings = tx.prepare_cached(
            "SELECT entry_id, published_at, coalesce(bits, -1) FROM title_words
             WHERE word = ?1 AND published_at BETWEEN ?2 AND ?3",
        )?;
        let mut shared: HashMap<i64, Posted> = HashMap::new();
        for word in headline.words() {
            if common.iter().any(|&(skipped, _)| skipped == word) {
                continue;
            }
            let mut rows = postings.query(params![word, uncovered.0, uncovered.1])?;
            while let Some(row) = rows.next()? {
                let posted = shared.entry(row.get(0)?).or_insert(Posted {
                    published: row.get(1)?,
                    bits: 0,
                    walked: 0,
                });
                // (every row of an entry carries the same bits, unless one is older: say
                // it may have whatever any of them says)
                posted.bits |= row.get::<_, i64>(2)?;
                posted.walked += 1;
            }
        }
        work.count(&postings);
        let mut has_word = tx.prepare_cached(
            "SELECT 1 FROM title_words WHERE word = ?1 AND published_at = ?2 AND entry_id = ?3",
        )?;
        let mut near: Vec<i64> = Vec::new();
        for (id, posted) in shared {
            let may_have = || {
                common
                    .iter()
                    .filter(|&&(_, bit)| posted.bits & bit != 0)
                    .map(|&(word, _)| word)
            };
            if posted.walked + may_have().count() < dedup::MIN_SHARED {
                continue;
            }
            let mut count = posted.walked;
            for word in may_have() {
                if count < dedup::MIN_SHARED
                    && has_word.exists(params![word, posted.published, id])?
                {
                    count += 1;
                }
            }
            if count >= dedup::MIN_SHARED {
                near.push(id);
            }
        }
        work.count(&has_word);
        near.sort_unstable();
        let mut candidate = tx.prepare_cached(
            "SELECT e.story_id, e.title FROM entries e JOIN feeds f ON f.id = e.feed_id
             WHERE e.id = ?1 AND e.id <> ?2 AND f.group_name IS NOT ?3
                 AND e.story_id IS NOT NULL",
        )?;
        for id in near {
            let row = candidate
                .query_row(params![id, entry_id, group], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?))
                })
                .optional()?;
            let Some((story, title)) = row else {
                continue;
            };
            let same = title
                .as_deref()
                .is_some_and(|title| dedup::same_event(headline, &Headline::new(title)));
            if same {
                found.insert(story);
            }
        }
        work.count(&candidate);
    }
    Ok(found)
}

/// An entry found through the `title_words` rows of some of a headline's words.
struct Posted {
    /// Its publish time, as its rows carry it.
    published: i64,
    /// The bits of its headline's words ([`stored_word_bit`]).
    bits: i64,
    /// How many of the words read it has.
    walked: usize,
}

/// A word's bit in the `bits` of `title_words` rows (migration 12), which hold the bits of
/// every word of the row's headline, so a row tells which other words its headline may
/// have: a word whose bit is clear is not in it. 31 bits keep a row's bits in 4 bytes (64 made
/// the table half as large again, and a cold fetch of 1000 feeds, which never reads them,
/// slower). Stored, so it never changes: bit (FNV-1a 64 of the word's bytes) mod 31. Rows
/// written before migration 12 have no bits and are read as having every bit.
pub(super) fn stored_word_bit(word: &str) -> i64 {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = word.bytes().fold(FNV_OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    });
    1 << (hash % 31)
}
