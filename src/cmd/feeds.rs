//! `frontpage feeds`: the health of every configured feed.

use serde::Serialize;
use url::Url;

use super::output::{self, Column};
use super::{Context, Status, open_store};
use crate::cli::{FeedsArgs, ListFormat};
use crate::config::{self, Config};
use crate::model::Timestamp;
use crate::pipeline;
use crate::store::{FeedStatus, Store};

/// One feed as `feeds --format json` prints it; these field names are a stable interface.
#[derive(Debug, Serialize)]
struct FeedJson<'a> {
    name: &'a str,
    url: &'a str,
    title: Option<&'a str>,
    status: &'a str,
    moved_to: Option<&'a str>,
    http_status: Option<u16>,
    last_fetch: Option<String>,
    last_success: Option<String>,
    next_due: Option<String>,
    entries: u64,
    consecutive_errors: u32,
    failing_since: Option<String>,
    last_error: Option<&'a str>,
}

/// Prints every configured feed's status; with `--apply-redirects`, first rewrites moved
/// feeds' URLs in the configuration file.
pub fn feeds(context: &Context, args: &FeedsArgs) -> anyhow::Result<Status> {
    let mut store = open_store(&context.config)?;
    let rewritten;
    let config = if args.apply_redirects {
        rewritten = apply_redirects(context, &mut store)?;
        &rewritten
    } else {
        &context.config
    };
    let statuses = store.feed_statuses(&configured(config))?;
    let records: Vec<FeedJson<'_>> = statuses.iter().map(to_json).collect();
    // People read relative times; CSV, for programs, gets absolute ones.
    let relative_times = args.format == ListFormat::Table;
    let cells = to_cells(&statuses, context.now, relative_times);
    let text = output::render(args.format, &COLUMNS, &cells, &records)?;
    print!("{text}");
    Ok(Status::Success)
}

/// Every configured feed as (name, URL).
fn configured(config: &Config) -> Vec<(&str, &Url)> {
    config
        .feeds
        .iter()
        .map(|feed| (feed.name.as_str(), &feed.url))
        .collect()
}

/// Writes each moved feed's new URL into the configuration file, then settles the moves in
/// the store (same feed, same validators). Returns the configuration as now written.
fn apply_redirects(context: &Context, store: &mut Store) -> anyhow::Result<Config> {
    let path = &context.config.path;
    let statuses = store.feed_statuses(&configured(&context.config))?;
    let moves: Vec<(&str, Url)> = statuses
        .iter()
        .filter_map(|status| {
            let target = Url::parse(status.moved_to.as_deref()?).ok()?;
            Some((status.name.as_str(), target))
        })
        .collect();
    let changes: Vec<(&str, &Url)> = moves.iter().map(|(name, url)| (*name, url)).collect();
    let n_rewritten = config::rewrite_feed_urls(path, &changes)?;
    if !context.output.quiet {
        let plural = if n_rewritten == 1 { "" } else { "s" };
        eprintln!(
            "rewrote {n_rewritten} feed URL{plural} in {}",
            path.display()
        );
    }
    let config = config::load(path)?;
    store.record_configuration(&pipeline::configured_feeds(&config), context.now)?;
    Ok(config)
}

fn to_json(status: &FeedStatus) -> FeedJson<'_> {
    FeedJson {
        name: &status.name,
        url: &status.url,
        title: status.title.as_deref(),
        status: &status.status,
        moved_to: status.moved_to.as_deref(),
        http_status: status.http_status,
        last_fetch: status.last_fetch_at.map(Timestamp::to_rfc3339),
        last_success: status.last_success_at.map(Timestamp::to_rfc3339),
        next_due: status.next_check_at.map(Timestamp::to_rfc3339),
        entries: status.entries,
        consecutive_errors: status.consecutive_errors,
        failing_since: status.failing_since.map(Timestamp::to_rfc3339),
        last_error: status.last_error.as_deref(),
    }
}

/// The columns of `feeds` as a table or CSV.
const COLUMNS: [Column; 7] = [
    Column {
        title: "FEED",
        shrinks: true,
    },
    Column {
        title: "STATUS",
        shrinks: true,
    },
    Column {
        title: "LAST FETCH",
        shrinks: false,
    },
    Column {
        title: "NEXT DUE",
        shrinks: false,
    },
    Column {
        title: "ENTRIES",
        shrinks: false,
    },
    Column {
        title: "ERRORS",
        shrinks: false,
    },
    Column {
        title: "LAST ERROR",
        shrinks: true,
    },
];

fn to_cells(statuses: &[FeedStatus], now: Timestamp, relative_times: bool) -> Vec<Vec<String>> {
    let when = |moment: Option<Timestamp>| match moment {
        None => "-".to_string(),
        Some(moment) if relative_times => relative(moment, now),
        Some(moment) => moment.to_rfc3339(),
    };
    statuses
        .iter()
        .map(|status| {
            let mut state = match status.failing_since {
                Some(since) if status.consecutive_errors > 0 && status.status != "gone" => {
                    format!("failing since {}", when(Some(since)))
                }
                _ => status.status.clone(),
            };
            if let Some(target) = &status.moved_to {
                state.push_str(&format!(", moved to {target}"));
            }
            vec![
                status.name.clone(),
                state,
                when(status.last_fetch_at),
                when(status.next_check_at),
                status.entries.to_string(),
                status.consecutive_errors.to_string(),
                status.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// `3h ago`, `in 40m`, or `now`, to the largest whole unit.
fn relative(moment: Timestamp, now: Timestamp) -> String {
    let delta = moment.unix() - now.unix();
    let magnitude = delta.unsigned_abs();
    let amount = match magnitude {
        0..60 => return "now".to_string(),
        60..3600 => format!("{}m", magnitude / 60),
        3600..86400 => format!("{}h", magnitude / 3600),
        _ => format!("{}d", magnitude / 86400),
    };
    if delta < 0 {
        format!("{amount} ago")
    } else {
        format!("in {amount}")
    }
}
