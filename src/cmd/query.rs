//! `frontpage query`: list stored entries, filtered, as a table or JSON.

use anyhow::bail;
use serde::Serialize;

use super::{Context, Status, open_store};
use crate::cli::{ListFormat, QueryArgs};
use crate::store::{EntryFilter, EntryRow};

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

/// Lists the stored entries that match the filters, newest first.
pub fn query(context: &Context, args: &QueryArgs) -> anyhow::Result<Status> {
    for name in &args.feeds {
        if !context.config.feeds.iter().any(|feed| &feed.name == name) {
            bail!(
                "no feed named {name:?} in {}",
                context.config.path.display()
            );
        }
    }
    let store = open_store(&context.config)?;
    let rows = store.entries(&EntryFilter {
        feeds: args.feeds.clone(),
        since: args.since.map(|when| when.resolve(context.now)),
        until: args.until.map(|when| when.resolve(context.now)),
        limit: args.limit as usize,
    })?;
    let text = match args.format {
        ListFormat::Json => to_json(&rows)?,
        ListFormat::Table => to_table(&rows),
    };
    print!("{text}");
    Ok(Status::Success)
}

fn to_json(rows: &[EntryRow]) -> anyhow::Result<String> {
    let items: Vec<EntryJson<'_>> = rows
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
    let mut text = serde_json::to_string_pretty(&items)?;
    text.push('\n');
    Ok(text)
}

fn to_table(rows: &[EntryRow]) -> String {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.published
                    .to_chrono()
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                row.feed_name.clone(),
                row.title.clone().unwrap_or_default(),
                row.link.clone().unwrap_or_default(),
            ]
        })
        .collect();
    super::feeds::render_table(&["PUBLISHED", "FEED", "TITLE", "LINK"], &table)
}
