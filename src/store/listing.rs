//! What `query` lists: stored entries, or one row per story, filtered by feed, time, story
//! and search words, in recent or relevance order.
//!
//! Every listing is driven by an index and stops at its limit inside SQLite: a word search
//! starts from the full-text index (`entries_fts`) and joins entries by id; the recent order
//! without words walks `entries_by_published` newest first. Nothing here loads every row to
//! sort it in Rust; a caller that needs every match (to rank by popularity) asks for an
//! unbounded limit.

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

/// The statement listing the entries `filter` selects (`story` already resolved).
///
/// With words, the full-text index drives the query (`CROSS JOIN` keeps it the outer loop,
/// so entries are only ever looked up by id); without, `entries_by_published` does.
pub(super) fn entries_sql(filter: &EntryFilter, story: Option<StoryId>) -> Sql {
    let mut sql = Sql::default();
    let columns = "e.id, e.story_id, f.name, e.title, e.link, e.published_at, e.first_seen_at";
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
        let sql = entries_sql(filter, story);
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
