//! What `query` lists: stored entries, or one row per story, filtered by feed, time, story
//! and search words, in recent or relevance order.
//!
//! Every listing is driven by an index and stops at its limit inside SQLite: the recent
//! order without words walks `entries_by_published` newest first. Nothing here loads every
//! row to sort it in Rust; a caller that needs every match (to rank by popularity) asks for
//! an unbounded limit.
//!
//! A word search picks one of three plans ([`SearchPlan`]) from a cheap estimate: how many
//! entries the filters select, counted by index up to [`MAX_CANDIDATES`].
//!
//! - No filter on entries: the full-text index (`entries_fts`) alone finds and scores the
//!   matches; entries are read only for the rows printed.
//! - A selective filter (`--story`, `--feed`/`--tag` with `entries_by_feed_published`, a
//!   short `--since`/`--until` window): its entry ids are read by index first, and the
//!   full-text index is walked only between the lowest and highest of them, testing each
//!   match against that set. A search for a word in half the entries within one feed's
//!   month reads the feed's month, not the word's half million matches.
//! - A filter that selects more entries than that: the full-text index drives and each match
//!   is looked up by id and tested, as before.
//!
//! bm25 needs, per scored row, its size from the index (`entries_fts_docsize`), and once per
//! statement the number of rows holding each word: about half a microsecond a row, so exact
//! relevance over a word in half of a million entries takes a quarter of a second however
//! the rows are found. So **relevance ranks the [`RELEVANCE_BOUND`] newest matches** (the
//! highest entry ids: entries are stored as they are first seen) that pass the filters, and
//! older matches beyond them are not considered. Whenever fewer entries match, the order is
//! exactly bm25 over every match, whichever plan ran (tests compare the plans and the exact
//! ordering). Only the rows printed are joined to their entries: the scores of the hits are
//! sorted first, by the index alone, and ties at the last printed score are all read so
//! that `published_at DESC, id DESC` breaks them as before.
//!
//! The recent order with words is exact: with a selective filter it intersects as above,
//! otherwise the full-text index drives and every match is sorted by publish time.

use std::collections::{BinaryHeap, HashSet};

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params_from_iter};

use super::search::BM25_WEIGHTS;
use super::{EntryFilter, EntryOrder, EntryRow, Store, StoreError, StoryRow};
use crate::model::{EntryId, StoryId, Timestamp};

/// A statement under construction: its text and the values of its numbered parameters.
#[derive(Debug, Default)]
pub(super) struct Sql {
    /// The statement.
    pub text: String,
    /// `?1`, `?2`, … in order.
    pub args: Vec<Value>,
}

impl Sql {
    /// A new parameter with this value, as `?N` to splice into the text.
    pub(super) fn arg(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("?{}", self.args.len())
    }
}

/// How many of the newest matches the relevance order ranks (see the module docs): scoring
/// them costs about 5 ms with bm25 (10 ms for two frequent words), inside the 50 ms
/// that SPEC §10 allows a query.
pub(super) const RELEVANCE_BOUND: usize = 10_000;

/// Most entries a filter may select for a word search to start from them
/// ([`SearchPlan::Candidates`]); reading and testing one costs about a microsecond, a
/// little more than looking up one match by id.
pub(super) const MAX_CANDIDATES: usize = 50_000;

/// How a word search finds its entries; [`Store::search_plan`] chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SearchPlan {
    /// No filter on entries: the full-text index alone.
    Words,
    /// The entries the filters select, by index, then the full-text index over their ids.
    Candidates,
    /// The full-text index drives; each match is looked up by id and tested.
    Matches,
}

/// A limit as SQLite takes it.
fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// The conditions of `filter` on entries `e` of feeds `f`, each starting with ` AND `.
fn entry_conditions(sql: &mut Sql, filter: &EntryFilter, story: Option<StoryId>) -> String {
    let mut conditions = String::new();
    if !filter.feeds.is_empty() {
        let feeds = serde_json::to_string(&filter.feeds).unwrap_or_else(|_| "[]".into());
        let feeds = sql.arg(feeds);
        conditions.push_str(&format!(
            " AND f.name IN (SELECT value FROM json_each({feeds}))"
        ));
    }
    if let Some(since) = filter.since {
        let since = sql.arg(since.unix());
        conditions.push_str(&format!(" AND e.published_at >= {since}"));
    }
    if let Some(until) = filter.until {
        let until = sql.arg(until.unix());
        conditions.push_str(&format!(" AND e.published_at < {until}"));
    }
    if let Some(story) = story {
        let story = sql.arg(story.0);
        conditions.push_str(&format!(" AND e.story_id = {story}"));
    }
    conditions
}

/// Whether `filter` (with `story` resolved) restricts which entries qualify, apart from the
/// words.
fn filters_entries(filter: &EntryFilter, story: Option<StoryId>) -> bool {
    !filter.feeds.is_empty() || filter.since.is_some() || filter.until.is_some() || story.is_some()
}

/// The ids of the entries `filter` selects apart from its words, read by index only
/// (`entries_by_feed_published`, `entries_by_published` or `entries_for_ranking`).
fn candidates_sql(sql: &mut Sql, filter: &EntryFilter, story: Option<StoryId>) -> String {
    let mut conditions = vec!["1".to_string()];
    if !filter.feeds.is_empty() {
        let feeds = serde_json::to_string(&filter.feeds).unwrap_or_else(|_| "[]".into());
        let feeds = sql.arg(feeds);
        conditions.push(format!(
            "e.feed_id IN (SELECT f.id FROM feeds f
                 WHERE f.name IN (SELECT value FROM json_each({feeds})))"
        ));
    }
    if let Some(since) = filter.since {
        conditions.push(format!("e.published_at >= {}", sql.arg(since.unix())));
    }
    if let Some(until) = filter.until {
        conditions.push(format!("e.published_at < {}", sql.arg(until.unix())));
    }
    if let Some(story) = story {
        conditions.push(format!("e.story_id = {}", sql.arg(story.0)));
    }
    format!(
        "SELECT e.id FROM entries e WHERE {}",
        conditions.join(" AND ")
    )
}

/// The statement counting the entries `filter` selects apart from its words, up to `bound`
/// (a bounded probe: it reads at most `bound` index entries).
pub(super) fn candidate_count_sql(
    filter: &EntryFilter,
    story: Option<StoryId>,
    bound: usize,
) -> Sql {
    let mut sql = Sql::default();
    let candidates = candidates_sql(&mut sql, filter, story);
    let bound = sql.arg(sql_limit(bound));
    sql.text = format!("SELECT count(*) FROM ({candidates} LIMIT {bound})");
    sql
}

/// The `WITH` clause naming the candidates, and the conditions that keep the full-text
/// index's rows to them: between their lowest and highest id, then in the set.
fn candidate_restriction(
    sql: &mut Sql,
    filter: &EntryFilter,
    story: Option<StoryId>,
) -> (String, String) {
    let candidates = candidates_sql(sql, filter, story);
    (
        format!("candidates AS MATERIALIZED ({candidates}),"),
        // The `+` keeps the set test out of the full-text index's constraints: given it,
        // FTS5 would be queried once per candidate.
        " AND entries_fts.rowid BETWEEN (SELECT min(id) FROM candidates)
             AND (SELECT max(id) FROM candidates)
         AND +entries_fts.rowid IN candidates"
            .to_string(),
    )
}

/// The statement listing, best match first, the entries `filter` selects (it has words,
/// `story` is resolved), by `plan`, ranking the `bound` newest matches.
///
/// The matches are scored by the full-text index alone (`hits`); only those that can be
/// printed (a score no worse than the `limit`-th best) are joined to their entries.
pub(super) fn relevant_entries_sql(
    filter: &EntryFilter,
    words: &super::SearchQuery,
    story: Option<StoryId>,
    plan: SearchPlan,
    bound: usize,
) -> Sql {
    let mut sql = Sql::default();
    let expression = sql.arg(words.match_expression());
    let mut with = String::new();
    let mut source = "entries_fts".to_string();
    let mut conditions = format!("entries_fts MATCH {expression}");
    match plan {
        SearchPlan::Words => {}
        SearchPlan::Candidates => {
            let (candidates, restriction) = candidate_restriction(&mut sql, filter, story);
            with = candidates;
            conditions.push_str(&restriction);
        }
        SearchPlan::Matches => {
            source.push_str(
                " CROSS JOIN entries e ON e.id = entries_fts.rowid JOIN feeds f ON f.id = e.feed_id",
            );
            conditions.push_str(&entry_conditions(&mut sql, filter, story));
        }
    }
    let bound = sql.arg(sql_limit(bound));
    let last = sql.arg(sql_limit(filter.limit.saturating_sub(1)));
    let limit = sql.arg(sql_limit(filter.limit));
    // 9e999 is infinity: fewer hits than the limit are all printed.
    sql.text = format!(
        "WITH {with} hits AS MATERIALIZED (
             SELECT entries_fts.rowid AS id, bm25(entries_fts, {BM25_WEIGHTS}) AS score
             FROM {source}
             WHERE {conditions}
             ORDER BY entries_fts.rowid DESC
             LIMIT {bound}
         )
         SELECT {ENTRY_COLUMNS}
         FROM hits CROSS JOIN entries e ON e.id = hits.id JOIN feeds f ON f.id = e.feed_id
         WHERE hits.score <= coalesce(
             (SELECT score FROM hits ORDER BY score LIMIT 1 OFFSET {last}), 9e999)
         ORDER BY hits.score, e.published_at DESC, e.id DESC
         LIMIT {limit}"
    );
    sql
}

/// The statement listing, newest first, the entries `filter` selects (it has words, `story`
/// is resolved) among its candidates ([`SearchPlan::Candidates`]).
pub(super) fn recent_candidates_sql(
    filter: &EntryFilter,
    words: &super::SearchQuery,
    story: Option<StoryId>,
) -> Sql {
    let mut sql = Sql::default();
    let expression = sql.arg(words.match_expression());
    let (with, restriction) = candidate_restriction(&mut sql, filter, story);
    let limit = sql.arg(sql_limit(filter.limit));
    sql.text = format!(
        "WITH {with} hits AS MATERIALIZED (
             SELECT entries_fts.rowid AS id FROM entries_fts
             WHERE entries_fts MATCH {expression}{restriction}
         )
         SELECT {ENTRY_COLUMNS}
         FROM hits CROSS JOIN entries e ON e.id = hits.id JOIN feeds f ON f.id = e.feed_id
         ORDER BY e.published_at DESC, e.id DESC
         LIMIT {limit}"
    );
    sql
}

/// The statement of a word search by `plan`, ranking at most `bound` matches by
/// relevance.
pub(super) fn search_sql(
    filter: &EntryFilter,
    words: &super::SearchQuery,
    story: Option<StoryId>,
    plan: SearchPlan,
    bound: usize,
) -> Sql {
    match (filter.order, plan) {
        (EntryOrder::Relevance, plan) => relevant_entries_sql(filter, words, story, plan, bound),
        (EntryOrder::Recent, SearchPlan::Candidates) => recent_candidates_sql(filter, words, story),
        (EntryOrder::Recent, SearchPlan::Words | SearchPlan::Matches) => entries_sql(filter, story),
    }
}

/// The columns of an [`EntryRow`], from entries `e` and feeds `f`.
const ENTRY_COLUMNS: &str =
    "e.id, e.story_id, f.name, e.title, e.link, e.published_at, e.first_seen_at";

/// The statement listing the entries `filter` selects (`story` already resolved).
///
/// With words, the full-text index drives the query (`CROSS JOIN` keeps it the outer loop,
/// so entries are only ever looked up by id); without, `entries_by_published` does.
pub(super) fn entries_sql(filter: &EntryFilter, story: Option<StoryId>) -> Sql {
    let mut sql = Sql::default();
    let columns = ENTRY_COLUMNS;
    let (source, mut conditions) = match &filter.words {
        Some(words) => {
            let expression = sql.arg(words.match_expression());
            (
                "entries_fts CROSS JOIN entries e ON e.id = entries_fts.rowid",
                format!("entries_fts MATCH {expression}"),
            )
        }
        None => ("entries e", "1".to_string()),
    };
    conditions.push_str(&entry_conditions(&mut sql, filter, story));
    let order = match (&filter.words, filter.order) {
        (Some(_), EntryOrder::Relevance) => {
            format!("bm25(entries_fts, {BM25_WEIGHTS}), e.published_at DESC, e.id DESC")
        }
        _ => "e.published_at DESC, e.id DESC".to_string(),
    };
    let limit = sql.arg(sql_limit(filter.limit));
    sql.text = format!(
        "SELECT {columns}
         FROM {source} JOIN feeds f ON f.id = e.feed_id
         WHERE {conditions}
         ORDER BY {order}
         LIMIT {limit}"
    );
    sql
}

/// The statement listing, for a word search, each story with a matching entry among those
/// `filter` selects: its id, its best (lowest) bm25 score and its publish time (its earliest
/// entry in the selected feeds), filtered by that time, ordered and limited.
pub(super) fn story_hits_sql(filter: &EntryFilter, words: &super::SearchQuery) -> Sql {
    let mut sql = Sql::default();
    let expression = sql.arg(words.match_expression());
    let feeds = (!filter.feeds.is_empty()).then(|| {
        let feeds = serde_json::to_string(&filter.feeds).unwrap_or_else(|_| "[]".into());
        sql.arg(feeds)
    });
    let feed_condition = |table: &str| match &feeds {
        Some(feeds) => format!(" AND {table}.name IN (SELECT value FROM json_each({feeds}))"),
        None => String::new(),
    };
    let (in_f, in_g) = (feed_condition("f"), feed_condition("g"));
    let mut having = String::new();
    if let Some(since) = filter.since {
        let since = sql.arg(since.unix());
        having.push_str(&format!(" AND published >= {since}"));
    }
    if let Some(until) = filter.until {
        let until = sql.arg(until.unix());
        having.push_str(&format!(" AND published < {until}"));
    }
    let order = match filter.order {
        EntryOrder::Relevance => "best, published DESC, story_id DESC",
        EntryOrder::Recent => "published DESC, story_id DESC",
    };
    let limit = sql.arg(sql_limit(filter.limit));
    // bm25() cannot run inside an aggregate: the hits are scored first, by the index alone.
    sql.text = format!(
        "WITH hits AS MATERIALIZED (
             SELECT rowid AS id, bm25(entries_fts, {BM25_WEIGHTS}) AS score
             FROM entries_fts WHERE entries_fts MATCH {expression}
         )
         SELECT story_id, best, published FROM (
             SELECT e.story_id AS story_id, min(hits.score) AS best,
                 (SELECT min(x.published_at) FROM entries x JOIN feeds g ON g.id = x.feed_id
                  WHERE x.story_id = e.story_id{in_g}) AS published
             FROM hits CROSS JOIN entries e ON e.id = hits.id
                 JOIN feeds f ON f.id = e.feed_id
             WHERE e.story_id IS NOT NULL{in_f}
             GROUP BY e.story_id
         )
         WHERE 1{having}
         ORDER BY {order}
         LIMIT {limit}"
    );
    sql
}

/// The statement walking the entries `filter` selects newest first (by
/// `entries_by_published`), as (story, publish time), for [`Store::story_rows`] without
/// words.
pub(super) fn newest_entries_sql(filter: &EntryFilter) -> Sql {
    let mut sql = Sql::default();
    let conditions = entry_conditions(&mut sql, filter, None);
    sql.text = format!(
        "SELECT e.story_id, e.published_at
         FROM entries e JOIN feeds f ON f.id = e.feed_id
         WHERE e.story_id IS NOT NULL{conditions}
         ORDER BY e.published_at DESC, e.id DESC"
    );
    sql
}

impl Store {
    /// Stored entries matching `filter`, in its order: newest first (ties: higher id first),
    /// or, with words, best match first.
    pub fn entries(&self, filter: &EntryFilter) -> Result<Vec<EntryRow>, StoreError> {
        if filter.limit == 0 {
            return Ok(Vec::new());
        }
        let story = match filter.story {
            Some(story) => Some(self.resolve_story(story)?.unwrap_or(story)),
            None => None,
        };
        let sql = match &filter.words {
            Some(words) => {
                let plan = self.search_plan(filter, story, MAX_CANDIDATES)?;
                search_sql(filter, words, story, plan, RELEVANCE_BOUND)
            }
            None => entries_sql(filter, story),
        };
        self.entry_rows(&sql)
    }

    /// The plan of a word search for `filter` (`story` resolved): [`SearchPlan::Candidates`]
    /// when its filters select at most `max_candidates` entries (counted by index, stopping
    /// past the bound).
    pub(super) fn search_plan(
        &self,
        filter: &EntryFilter,
        story: Option<StoryId>,
        max_candidates: usize,
    ) -> Result<SearchPlan, StoreError> {
        if !filters_entries(filter, story) {
            return Ok(SearchPlan::Words);
        }
        let sql = candidate_count_sql(filter, story, max_candidates.saturating_add(1));
        let mut count = self.conn.prepare_cached(&sql.text)?;
        let candidates: i64 = count.query_row(params_from_iter(&sql.args), |row| row.get(0))?;
        Ok(
            if usize::try_from(candidates).unwrap_or(usize::MAX) <= max_candidates {
                SearchPlan::Candidates
            } else {
                SearchPlan::Matches
            },
        )
    }

    /// The entry rows `sql` lists.
    pub(super) fn entry_rows(&self, sql: &Sql) -> Result<Vec<EntryRow>, StoreError> {
        let mut select = self.conn.prepare_cached(&sql.text)?;
        let rows = select.query_map(params_from_iter(&sql.args), |row| {
            Ok(EntryRow {
                id: EntryId(row.get(0)?),
                story_id: StoryId(row.get(1)?),
                feed_name: row.get(2)?,
                title: row.get(3)?,
                link: row.get(4)?,
                published: Timestamp::from_unix(row.get(5)?),
                first_seen: Timestamp::from_unix(row.get(6)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One row per story among the entries matching `filter` (its `limit` counts stories),
    /// with the feeds that carry each. A story's publish time is its earliest entry's in the
    /// selected feeds, and `since`/`until` apply to it. Newest first, or, with words, by the
    /// best match among its entries when the order is relevance.
    pub fn story_rows(&self, filter: &EntryFilter) -> Result<Vec<StoryRow>, StoreError> {
        if filter.limit == 0 {
            return Ok(Vec::new());
        }
        let heads = match &filter.words {
            Some(words) => {
                let sql = story_hits_sql(filter, words);
                let mut select = self.conn.prepare_cached(&sql.text)?;
                select
                    .query_map(params_from_iter(&sql.args), |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(2)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?
            }
            None => self.newest_stories(filter)?,
        };
        let mut members = self.conn.prepare_cached(
            "SELECT e.title, e.link, f.name FROM entries e JOIN feeds f ON f.id = e.feed_id
             WHERE e.story_id = ?1 ORDER BY e.published_at, e.id",
        )?;
        let mut rows = Vec::with_capacity(heads.len());
        for (story_id, published) in heads {
            let entries = members
                .query_map([story_id], |row| {
                    Ok((
                        row.get::<_, Option<String>>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut feeds: Vec<String> = Vec::new();
            for (_, _, feed) in &entries {
                if !feeds.contains(feed) {
                    feeds.push(feed.clone());
                }
            }
            let first = entries.first();
            rows.push(StoryRow {
                id: StoryId(story_id),
                title: first.and_then(|(title, _, _)| title.clone()),
                link: first.and_then(|(_, link, _)| link.clone()),
                published: Timestamp::from_unix(published),
                feeds,
            });
        }
        Ok(rows)
    }

    /// The newest stories among the entries `filter` selects, as (story, publish time),
    /// newest first (ties: higher id first), at most `filter.limit`.
    ///
    /// A story's time is its earliest selected entry's, but the walk goes newest entry
    /// first: a story not met yet has no entry newer than the current one, so it cannot be
    /// newer either. The walk stops once `limit` stories are strictly newer than the current
    /// entry, having read only the newest entries.
    fn newest_stories(&self, filter: &EntryFilter) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = newest_entries_sql(filter);
        let mut walk = self.conn.prepare_cached(&sql.text)?;
        let feeds = serde_json::to_string(&filter.feeds).unwrap_or_else(|_| "[]".into());
        let mut earliest = self.conn.prepare_cached(
            "SELECT min(e.published_at) FROM entries e JOIN feeds f ON f.id = e.feed_id
             WHERE e.story_id = ?1
                 AND (?2 = '[]' OR f.name IN (SELECT value FROM json_each(?2)))",
        )?;
        let mut seen: HashSet<i64> = HashSet::new();
        let mut found: Vec<(i64, i64)> = Vec::new();
        // Publish times of found stories not yet known to be newer than the walk.
        let mut pending: BinaryHeap<i64> = BinaryHeap::new();
        let mut newer_than_walk = 0usize;
        let mut rows = walk.query(params_from_iter(&sql.args))?;
        while let Some(row) = rows.next()? {
            let story: i64 = row.get(0)?;
            let published: i64 = row.get(1)?;
            while pending.peek().is_some_and(|&time| time > published) {
                pending.pop();
                newer_than_walk += 1;
            }
            if newer_than_walk >= filter.limit {
                break;
            }
            if !seen.insert(story) {
                continue;
            }
            let Some(time) = earliest
                .query_row(rusqlite::params![story, feeds], |row| {
                    row.get::<_, Option<i64>>(0)
                })
                .optional()?
                .flatten()
            else {
                continue;
            };
            let in_window = filter.since.is_none_or(|since| time >= since.unix())
                && filter.until.is_none_or(|until| time < until.unix());
            if in_window {
                found.push((story, time));
                pending.push(time);
            }
        }
        found.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        found.truncate(filter.limit);
        Ok(found)
    }
}
