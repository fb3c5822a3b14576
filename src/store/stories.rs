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

use std::collections::BTreeSet;

use rusqlite::{CachedStatement, OptionalExtension, StatementStatus, Transaction, params};
use url::Url;

use crate::canon;
use crate::dedup::{self, Headline};
use crate::model::ParsedEntry;

/// Entries whose canonical links match join within this many seconds of each other (30 days).
const LINK_WINDOW: i64 = 30 * 24 * 3600;

/// Headlines of the same event join within this many seconds of each other (5 days).
const TITLE_WINDOW: i64 = 5 * 24 * 3600;

/// What identifies an entry's story, computed once per stored entry.
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
        StoryKeys {
            merge_link: entry.link.as_ref().and_then(merge_link),
            global_guid: entry.guid.as_deref().and_then(canon::global_guid),
            headline: entry.title.as_deref().map(Headline::new),
        }
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

/// An entry just written, as story matching needs it.
pub(super) struct Written<'a> {
    /// Its id.
    pub id: i64,
    /// Its feed's group.
    pub group: &'a str,
    /// Its stored publish time.
    pub published: i64,
    /// Whether it was inserted (else edited in place).
    pub is_new: bool,
}

/// Links the entry just written to its story: the stories it matches, merged into the
/// oldest, or a new story of its own. An edited entry keeps its current story among the
/// matches: stories merge, they never split.
pub(super) fn attach(
    tx: &Transaction<'_>,
    written: &Written<'_>,
    keys: &StoryKeys,
    now: i64,
    work: &mut Work,
) -> rusqlite::Result<i64> {
    let Written {
        id: entry_id,
        group,
        published,
        is_new,
    } = *written;
    index_title(tx, entry_id, published, keys, is_new, work)?;
    let mut matches = matching_stories(tx, entry_id, group, published, keys, work)?;
    if !is_new {
        let mut current = tx.prepare_cached("SELECT story_id FROM entries WHERE id = ?1")?;
        let story: Option<i64> = current.query_row(params![entry_id], |row| row.get(0))?;
        work.count(&current);
        matches.extend(story);
    }
    let Some(&survivor) = matches.first() else {
        // Nothing matched: the entry starts a story whose id is its own.
        let mut insert = tx.prepare_cached(
            "INSERT INTO stories (id, created_at, published_at, updated_at)
             VALUES (?1, ?2, ?3, ?3)",
        )?;
        insert.execute(params![entry_id, now, published])?;
        work.count(&insert);
        set_story(tx, entry_id, entry_id, work)?;
        refresh_dates(tx, entry_id, work)?;
        return Ok(entry_id);
    };
    set_story(tx, entry_id, survivor, work)?;
    for &absorbed in matches.iter().skip(1) {
        merge(tx, absorbed, survivor, work)?;
    }
    refresh_dates(tx, survivor, work)?;
    Ok(survivor)
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

fn set_story(
    tx: &Transaction<'_>,
    entry_id: i64,
    story_id: i64,
    work: &mut Work,
) -> rusqlite::Result<()> {
    let mut update = tx.prepare_cached("UPDATE entries SET story_id = ?2 WHERE id = ?1")?;
    update.execute(params![entry_id, story_id])?;
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
    entry_id: i64,
    group: &str,
    published: i64,
    keys: &StoryKeys,
    work: &mut Work,
) -> rusqlite::Result<BTreeSet<i64>> {
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
        let words = serde_json::to_string(headline.words()).unwrap_or_else(|_| "[]".into());
        let probe = rarest_words(tx, headline, work)?;
        let probe = serde_json::to_string(&probe).unwrap_or_else(|_| "[]".into());
        // Entries that use one of the probe words near this time; of those, the ones sharing
        // at least MIN_SHARED words with this headline. Only the probe words' postings are
        // read, so common words ("security") never make every headline examine thousands.
        let mut similar = tx.prepare_cached(
            "SELECT e.story_id, e.title
             FROM (SELECT words.entry_id
                   FROM (SELECT DISTINCT entry_id FROM title_words
                         WHERE word IN (SELECT value FROM json_each(?7))
                             AND published_at BETWEEN ?2 AND ?3) AS probed
                   JOIN title_words words ON words.entry_id = probed.entry_id
                   WHERE words.word IN (SELECT value FROM json_each(?1))
                   GROUP BY words.entry_id HAVING count(*) >= ?4) AS near
             JOIN entries e ON e.id = near.entry_id
             JOIN feeds f ON f.id = e.feed_id
             WHERE e.id <> ?5 AND f.group_name IS NOT ?6 AND e.story_id IS NOT NULL",
        )?;
        let candidates = similar.query_map(
            params![
                words,
                published - TITLE_WINDOW,
                published + TITLE_WINDOW,
                dedup::MIN_SHARED as i64,
                entry_id,
                group,
                probe
            ],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?)),
        )?;
        for candidate in candidates {
            let (story, title) = candidate?;
            let same = title
                .as_deref()
                .is_some_and(|title| dedup::same_event(headline, &Headline::new(title)));
            if same {
                found.insert(story);
            }
        }
        work.count(&similar);
    }
    Ok(found)
}

/// The headline's words to look up: all but its `MIN_SHARED - 1` most used. A headline that
/// shares at least `MIN_SHARED` words with this one shares at least one of these.
fn rarest_words(
    tx: &Transaction<'_>,
    headline: &Headline,
    work: &mut Work,
) -> rusqlite::Result<Vec<String>> {
    let mut counts = tx.prepare_cached("SELECT n FROM title_word_counts WHERE word = ?1")?;
    let mut by_use: Vec<(i64, &String)> = Vec::with_capacity(headline.words().len());
    for word in headline.words() {
        let uses: i64 = counts
            .query_row(params![word], |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        by_use.push((uses, word));
    }
    work.count(&counts);
    by_use.sort();
    let keep = by_use.len().saturating_sub(dedup::MIN_SHARED - 1).max(1);
    Ok(by_use
        .into_iter()
        .take(keep)
        .map(|(_, word)| word.clone())
        .collect())
}

/// Records the entry's headline words under its publish time (replacing older ones), and
/// keeps each word's use count.
fn index_title(
    tx: &Transaction<'_>,
    entry_id: i64,
    published: i64,
    keys: &StoryKeys,
    is_new: bool,
    work: &mut Work,
) -> rusqlite::Result<()> {
    if !is_new {
        let mut uncount = tx.prepare_cached(
            "UPDATE title_word_counts SET n = n - 1
             WHERE word IN (SELECT word FROM title_words WHERE entry_id = ?1)",
        )?;
        uncount.execute(params![entry_id])?;
        work.count(&uncount);
        let mut forget = tx.prepare_cached("DELETE FROM title_words WHERE entry_id = ?1")?;
        forget.execute(params![entry_id])?;
        work.count(&forget);
    }
    let Some(headline) = &keys.headline else {
        return Ok(());
    };
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO title_words (word, published_at, entry_id) VALUES (?1, ?2, ?3)",
    )?;
    let mut count = tx.prepare_cached(
        "INSERT INTO title_word_counts (word, n) VALUES (?1, 1)
         ON CONFLICT (word) DO UPDATE SET n = n + 1",
    )?;
    for word in headline.words() {
        if insert.execute(params![word, published, entry_id])? > 0 {
            count.execute(params![word])?;
        }
    }
    work.count(&insert);
    work.count(&count);
    Ok(())
}
