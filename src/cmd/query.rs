//! `frontpage query`: search and list stored entries (or stories), as a table, JSON, JSON
//! lines or CSV.
//!
//! Turns the command line into a store filter: the typed words into a [`SearchQuery`] (the
//! store makes them a safe full-text query), `--tag` into the names of the feeds that carry
//! the tag (the store knows no tags), the default order (relevance with words, else recent).
//! Popularity is the only order computed here, with `rank`, over every match.

use anyhow::bail;
use serde::Serialize;

use std::collections::HashMap;

use super::output::{self, Column};
use super::{Context, Status, feed_weights, open_store, visible_feeds, write_stdout};
use crate::cli::{ListFormat, QueryArgs, QueryOrder};
use crate::model::{StoryId, Timestamp};
use crate::rank;
use crate::store::{EntryFilter, EntryOrder, EntryRow, SearchQuery, Store, StoryRow};

/// One entry as `query --format json` prints it; these field names are a stable interface.
#[derive(Debug, Serialize)]
struct EntryJson<'a> {
    id: i64,
    story: i64,
    feed: &'a str,
    title: Option<&'a str>,
    link: Option<&'a str>,
    published: String,
    first_seen: String,
}

/// One story as `query --stories --format json` prints it; a stable interface too.
#[derive(Debug, Serialize)]
struct StoryJson<'a> {
    story: i64,
    title: Option<&'a str>,
    link: Option<&'a str>,
    published: String,
    sources: usize,
    feeds: &'a [String],
}

/// Lists the stored entries (or, with `--stories`, stories) that match the words and the
/// filters: best match first when there are words, else newest first, or by popularity.
pub fn query(context: &Context, args: &QueryArgs) -> anyhow::Result<Status> {
    let config = &context.config;
    for name in &args.feeds {
        if !config.feeds.iter().any(|feed| &feed.name == name) {
            bail!("no feed named {name:?} in {}", config.path.display());
        }
    }
    for tag in &args.tags {
        if !config.feeds.iter().any(|feed| feed.tags.contains(tag)) {
            bail!("no feed is tagged {tag:?} in {}", config.path.display());
        }
    }
    let words = SearchQuery::parse(&args.words.join(" "))?;
    let order = match (args.order, &words) {
        (Some(QueryOrder::Relevance), None) => {
            bail!("--order relevance needs words to search for")
        }
        (Some(order), _) => order,
        (None, Some(_)) => QueryOrder::Relevance,
        (None, None) => QueryOrder::Recent,
    };
    let store = open_store(config)?;
    let story = match args.story {
        Some(id) => match store.resolve_story(StoryId(id))? {
            Some(story) => Some(story),
            None => bail!("no story {id} in the database"),
        },
        None => None,
    };
    let Some(feeds) = selected_feeds(context, args) else {
        // The --feed and --tag filters share no feed: nothing can match.
        return print_rows(args, &[], &[]);
    };
    let limit = args.limit as usize;
    let popular = order == QueryOrder::Popular;
    let filter = EntryFilter {
        feeds,
        since: args.since.map(|when| when.resolve(context.now)),
        until: args.until.map(|when| when.resolve(context.now)),
        story,
        words,
        order: match order {
            QueryOrder::Relevance => EntryOrder::Relevance,
            QueryOrder::Recent | QueryOrder::Popular => EntryOrder::Recent,
        },
        // Popularity is computed here, so every match is a candidate before the limit.
        limit: if popular { usize::MAX } else { limit },
    };
    let scores =
        |stories: &mut dyn Iterator<Item = StoryId>| story_scores(context, &store, stories);
    if args.stories {
        let mut rows = store.story_rows(&filter)?;
        if popular {
            let scores = scores(&mut rows.iter().map(|row| row.id))?;
            rows.sort_by(|a, b| by_score(&scores, a.id, b.id));
            rows.truncate(limit);
        }
        return print_rows(args, &[], &rows);
    }
    let mut rows = store.entries(&filter)?;
    if popular {
        let scores = scores(&mut rows.iter().map(|row| row.story_id))?;
        // A stable sort keeps newest first among the entries of equally popular stories.
        rows.sort_by(|a, b| by_score(&scores, a.story_id, b.story_id));
        rows.truncate(limit);
    }
    print_rows(args, &rows, &[])
}

/// The feeds `--feed` and `--tag` select, by name (both given: the named feeds that carry one
/// of the tags). Empty when neither is given (every feed); `None` when they share no feed.
fn selected_feeds(context: &Context, args: &QueryArgs) -> Option<Vec<String>> {
    if args.tags.is_empty() {
        return Some(args.feeds.clone());
    }
    let tagged: Vec<String> = context
        .config
        .feeds
        .iter()
        .filter(|feed| feed.tags.iter().any(|tag| args.tags.contains(tag)))
        .filter(|feed| args.feeds.is_empty() || args.feeds.contains(&feed.name))
        .map(|feed| feed.name.clone())
        .collect();
    (!tagged.is_empty()).then_some(tagged)
}

/// Prints the entry rows, or with `--stories` the story rows, in the chosen format.
fn print_rows(
    args: &QueryArgs,
    entries: &[EntryRow],
    stories: &[StoryRow],
) -> anyhow::Result<Status> {
    let text = if args.stories {
        render_stories(args.format, stories)?
    } else {
        render_entries(args.format, entries)?
    };
    write_stdout(text.as_bytes())?;
    Ok(Status::Success)
}

/// The popularity score of each distinct story, as `publish` computes it.
fn story_scores(
    context: &Context,
    store: &Store,
    stories: &mut dyn Iterator<Item = StoryId>,
) -> anyhow::Result<HashMap<StoryId, f64>> {
    let config = &context.config;
    let feeds = visible_feeds(config);
    let weights = feed_weights(config);
    let mut scores = HashMap::new();
    for id in stories {
        if scores.contains_key(&id) {
            continue;
        }
        // A story only muted feeds carry ranks below every other.
        let score = match store.story(id, &feeds)? {
            Some(story) => rank::score(&story, &config.rank, &weights, context.now).total,
            None => f64::NEG_INFINITY,
        };
        scores.insert(id, score);
    }
    Ok(scores)
}

/// Higher score first.
fn by_score(scores: &HashMap<StoryId, f64>, a: StoryId, b: StoryId) -> std::cmp::Ordering {
    let score = |id| scores.get(&id).copied().unwrap_or(f64::NEG_INFINITY);
    score(b).total_cmp(&score(a))
}

/// The entry columns of a table or CSV.
const ENTRY_COLUMNS: [Column; 4] = [
    Column {
        title: "PUBLISHED",
        shrinks: false,
    },
    Column {
        title: "FEED",
        shrinks: true,
    },
    Column {
        title: "TITLE",
        shrinks: true,
    },
    Column {
        title: "LINK",
        shrinks: true,
    },
];

/// The story columns of a table or CSV.
const STORY_COLUMNS: [Column; 5] = [
    Column {
        title: "STORY",
        shrinks: false,
    },
    Column {
        title: "PUBLISHED",
        shrinks: false,
    },
    Column {
        title: "SOURCES",
        shrinks: false,
    },
    Column {
        title: "TITLE",
        shrinks: true,
    },
    Column {
        title: "FEEDS",
        shrinks: true,
    },
];

fn render_entries(format: ListFormat, rows: &[EntryRow]) -> anyhow::Result<String> {
    let records: Vec<EntryJson<'_>> = rows
        .iter()
        .map(|row| EntryJson {
            id: row.id.0,
            story: row.story_id.0,
            feed: &row.feed_name,
            title: row.title.as_deref(),
            link: row.link.as_deref(),
            published: row.published.to_rfc3339(),
            first_seen: row.first_seen.to_rfc3339(),
        })
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                published_cell(format, row.published),
                row.feed_name.clone(),
                row.title.clone().unwrap_or_default(),
                row.link.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::render(format, &ENTRY_COLUMNS, &cells, &records)
}

fn render_stories(format: ListFormat, rows: &[StoryRow]) -> anyhow::Result<String> {
    let records: Vec<StoryJson<'_>> = rows
        .iter()
        .map(|row| StoryJson {
            story: row.id.0,
            title: row.title.as_deref(),
            link: row.link.as_deref(),
            published: row.published.to_rfc3339(),
            sources: row.feeds.len(),
            feeds: &row.feeds,
        })
        .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.id.to_string(),
                published_cell(format, row.published),
                row.feeds.len().to_string(),
                row.title.clone().unwrap_or_default(),
                row.feeds.join(", "),
            ]
        })
        .collect();
    output::render(format, &STORY_COLUMNS, &cells, &records)
}

/// A time as a table shows it (`2026-11-28 12:00`) or as CSV carries it (RFC 3339).
fn published_cell(format: ListFormat, moment: Timestamp) -> String {
    if format == ListFormat::Table {
        moment.to_chrono().format("%Y-%m-%d %H:%M").to_string()
    } else {
        moment.to_rfc3339()
    }
}
