//! What ranking reads: every live story of the publish window as a light [`Candidate`],
//! handed to the caller one at a time, so publishing holds one story in memory however many
//! the window has.
//!
//! It reads the feeds once, then each story's entries through the covering index
//! `entries_for_ranking`, and never an entry's text.

use std::collections::HashMap;

use rusqlite::params;

use super::{Store, StoreError};
use crate::model::{Candidate, Engagement, Signals, StoryId, Timestamp};

/// A feed as ranking reads its entries.
struct RankingFeed {
    /// Its index in the caller's list of names.
    index: usize,
    /// Its group, interned.
    group: usize,
    /// Whether the feed is `ranked` (its entries' positions count).
    ranked: bool,
    /// How many entries its latest fetch had.
    last_count: Option<u64>,
}

/// How many story ids are read ahead and sorted, so that their entries are looked up in
/// index order: a window's stories are scattered over the index (a story's id is its first
/// entry's, in fetch order, not publish order), and sorted lookups read each index page
/// once instead of once a story. 32768 ids take 256 KiB, however large the window.
const CHUNK: usize = 32_768;

impl Store {
    /// Calls `visit` with every live story whose earliest entry is at or after `since`, as
    /// ranking needs it: its id, dates and members from the given feeds (by name), without
    /// titles or texts (read the few chosen with [`Store::story`]). A story none of whose
    /// entries is in those feeds is skipped; its dates are those of the given feeds'
    /// entries. Stories come in no promised order (newest first, roughly); the candidate
    /// passed is reused, so `visit` keeps what it needs, not the reference.
    ///
    /// Found through the stories' own dates by index, so the cost follows the window, not
    /// the database; the memory is one story's, plus 32768 story ids (256 KiB).
    pub fn ranking_candidates(
        &self,
        feeds: &[String],
        since: Timestamp,
        visit: impl FnMut(&Candidate),
    ) -> Result<(), StoreError> {
        self.ranking_candidates_by(CHUNK, feeds, since, visit)
    }

    /// [`Store::ranking_candidates`], sorting `chunk` story ids at a time.
    pub(super) fn ranking_candidates_by(
        &self,
        chunk_size: usize,
        feeds: &[String],
        since: Timestamp,
        mut visit: impl FnMut(&Candidate),
    ) -> Result<(), StoreError> {
        let chunk_size = chunk_size.max(1);
        // One read transaction: one snapshot of the database (a fetch may be writing), and
        // no lock taken and released for every story.
        let snapshot = if self.conn.is_autocommit() {
            Some(self.conn.unchecked_transaction()?)
        } else {
            None
        };
        let ranking_feeds = self.ranking_feeds(feeds)?;
        let mut stories = self.conn.prepare_cached(
            "SELECT id FROM stories
             WHERE merged_into IS NULL AND published_at >= ?1
             ORDER BY published_at DESC",
        )?;
        let mut reader = CandidateReader {
            entries: self.conn.prepare_cached(
                "SELECT published_at, updated_at, feed_id, points, comments_count, views,
                     comments, position, id
                 FROM entries WHERE story_id = ?1",
            )?,
            feeds: &ranking_feeds,
            order: Vec::new(),
            members: Vec::new(),
            candidate: Candidate {
                id: StoryId(0),
                published: Timestamp::from_unix(0),
                updated: Timestamp::from_unix(0),
                members: Vec::new(),
            },
        };
        let mut chunk: Vec<i64> = Vec::with_capacity(chunk_size);
        let mut story_rows = stories.query(params![since.unix()])?;
        let mut more = true;
        while more {
            chunk.clear();
            while chunk.len() < chunk_size {
                match story_rows.next()? {
                    Some(row) => chunk.push(row.get(0)?),
                    None => {
                        more = false;
                        break;
                    }
                }
            }
            // Newest ids first: with ids in fetch order, the newest stories come first,
            // which ranking can tell apart fastest.
            chunk.sort_unstable_by(|a, b| b.cmp(a));
            for &story_id in &chunk {
                if let Some(candidate) = reader.read(StoryId(story_id))? {
                    visit(candidate);
                }
            }
        }
        drop(story_rows);
        drop(stories);
        drop(reader);
        if let Some(snapshot) = snapshot {
            snapshot.commit()?;
        }
        Ok(())
    }

    /// The given feeds (by name) that have a fetch state, by database id.
    fn ranking_feeds(&self, feeds: &[String]) -> Result<HashMap<i64, RankingFeed>, StoreError> {
        let mut index_of: HashMap<&str, usize> = HashMap::with_capacity(feeds.len());
        for (index, name) in feeds.iter().enumerate() {
            index_of.entry(name.as_str()).or_insert(index);
        }
        let mut select = self.conn.prepare_cached(
            "SELECT f.id, f.name, coalesce(f.group_name, ''),
                 CASE WHEN f.ranked THEN 1 ELSE 0 END, st.last_count
             FROM feeds f JOIN fetch_state st ON st.feed_id = f.id",
        )?;
        let mut groups: HashMap<String, usize> = HashMap::new();
        let mut found = HashMap::with_capacity(feeds.len());
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let name: String = row.get(1)?;
            let Some(&index) = index_of.get(name.as_str()) else {
                continue;
            };
            let group_name: String = row.get(2)?;
            let next_group = groups.len();
            let group = *groups.entry(group_name).or_insert(next_group);
            found.insert(
                row.get::<_, i64>(0)?,
                RankingFeed {
                    index,
                    group,
                    ranked: row.get::<_, i64>(3)? != 0,
                    last_count: row
                        .get::<_, Option<i64>>(4)?
                        .and_then(|count| u64::try_from(count).ok()),
                },
            );
        }
        Ok(found)
    }
}

/// Reads one story's members into a reused [`Candidate`].
struct CandidateReader<'a> {
    entries: rusqlite::CachedStatement<'a>,
    feeds: &'a HashMap<i64, RankingFeed>,
    /// Each member's (publish time, entry id, index in `members`), to sort them.
    order: Vec<(Timestamp, i64, usize)>,
    members: Vec<Signals>,
    candidate: Candidate,
}

impl CandidateReader<'_> {
    /// Story `id` with its members from the given feeds, earliest first; `None` when it has
    /// none.
    fn read(&mut self, id: StoryId) -> Result<Option<&Candidate>, StoreError> {
        self.members.clear();
        self.order.clear();
        let mut dates: Option<(Timestamp, Timestamp)> = None;
        let mut rows = self.entries.query(params![id.0])?;
        while let Some(row) = rows.next()? {
            let Some(feed) = self.feeds.get(&row.get::<_, i64>(2)?) else {
                continue;
            };
            let count = |index: usize| -> rusqlite::Result<Option<u64>> {
                Ok(row
                    .get::<_, Option<i64>>(index)?
                    .and_then(|count| u64::try_from(count).ok()))
            };
            let published = Timestamp::from_unix(row.get(0)?);
            let updated = Timestamp::from_unix(row.get(1)?);
            let place = if feed.ranked { count(7)? } else { None };
            self.members.push(Signals {
                feed: feed.index,
                group: feed.group,
                engagement: Engagement {
                    points: count(3)?,
                    comments: count(4)?,
                    views: count(5)?,
                },
                discussion: row.get(6)?,
                position: match (place, feed.last_count) {
                    (Some(place), Some(total)) => Some((
                        u32::try_from(place).unwrap_or(u32::MAX),
                        u32::try_from(total).unwrap_or(u32::MAX),
                    )),
                    _ => None,
                },
            });
            self.order.push((published, row.get(8)?, self.order.len()));
            dates = Some(match dates {
                None => (published, updated),
                Some((earliest, latest)) => (earliest.min(published), latest.max(updated)),
            });
        }
        let Some((published, updated)) = dates else {
            return Ok(None);
        };
        self.order.sort_unstable();
        let candidate = &mut self.candidate;
        candidate.id = id;
        candidate.published = published;
        candidate.updated = updated;
        candidate.members.clear();
        for &(_, _, index) in &self.order {
            candidate
                .members
                .push(std::mem::replace(&mut self.members[index], empty()));
        }
        Ok(Some(&self.candidate))
    }
}

/// A placeholder left behind when a member moves into the candidate.
fn empty() -> Signals {
    Signals {
        feed: 0,
        group: 0,
        engagement: Engagement::default(),
        discussion: None,
        position: None,
    }
}
