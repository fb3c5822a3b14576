//! `frontpage publish`: read the top stories and write the merged feed(s).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Context, Status, feed_weights, open_store, visible_feeds};
use crate::cli::{FeedFormat, Order, PublishArgs};
use crate::model::{Channel, Story, Timestamp};
use crate::publish::{self, Format};
use crate::rank;
use crate::store::StorySelection;

/// Writes one format to a file or stdout, or, without `--format`, every format into
/// `[publish].output_dir`.
pub fn publish(context: &Context, args: &PublishArgs) -> anyhow::Result<Status> {
    let limit = args.limit.map(|limit| limit as usize);
    let Some(format) = args.format else {
        publish_all(context, limit, args.order)?;
        return Ok(Status::Success);
    };
    let format = match format {
        FeedFormat::Rss => Format::Rss,
        FeedFormat::Atom => Format::Atom,
    };
    let stories = top_stories(context, limit, args.order)?;
    let bytes = publish::render(format, &channel(context, &stories), &stories);
    match args.output.as_deref() {
        None => write_stdout(&bytes)?,
        Some(path) if path == Path::new("-") => write_stdout(&bytes)?,
        Some(path) => write_atomically(path, &bytes)?,
    }
    Ok(Status::Success)
}

/// Writes every format into `[publish].output_dir` (what `run` publishes).
pub(super) fn publish_all(
    context: &Context,
    limit: Option<usize>,
    order: Order,
) -> anyhow::Result<()> {
    let output_dir = &context.config.publish.output_dir;
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create output folder {}", output_dir.display()))?;
    let stories = top_stories(context, limit, order)?;
    for &format in Format::all() {
        let bytes = publish::render(format, &channel(context, &stories), &stories);
        write_atomically(&output_dir.join(format.file_name()), &bytes)?;
    }
    Ok(())
}

/// The stories to publish: from unmuted configured feeds, within the window, by popularity
/// (or newest first), at most `limit` (default: the configured one).
fn top_stories(
    context: &Context,
    limit: Option<usize>,
    order: Order,
) -> anyhow::Result<Vec<Story>> {
    let config = &context.config;
    let feeds = visible_feeds(config);
    let limit = limit.unwrap_or(config.publish.limit);
    let store = open_store(config)?;
    let stories = store.stories(&StorySelection {
        feeds: &feeds,
        since: context.now.minus(config.publish.window),
        limit: match order {
            Order::Recent => limit,
            Order::Popular => usize::MAX,
        },
    })?;
    Ok(match order {
        Order::Recent => stories,
        Order::Popular => {
            let weights = feed_weights(config);
            let scored = stories
                .into_iter()
                .map(|story| {
                    let score = rank::score(&story, &config.rank, &weights, context.now);
                    (story, score)
                })
                .collect();
            rank::order(scored, limit)
                .into_iter()
                .map(|(story, _)| story)
                .collect()
        }
    })
}

/// The main page's channel. Its `updated` is the newest story update (the epoch when there
/// are none), so unchanged content gives byte-identical files.
fn channel(context: &Context, stories: &[Story]) -> Channel {
    let publish = &context.config.publish;
    Channel {
        title: publish.title.clone(),
        link: publish.link.clone(),
        description: publish.description.clone(),
        updated: stories
            .iter()
            .map(|story| story.updated.max(story.published))
            .max()
            .unwrap_or(Timestamp::from_unix(0)),
        now: context.now,
        tag: None,
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a reader
/// sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write = || -> std::io::Result<()> {
        let mut file = tempfile::Builder::new()
            .prefix(".frontpage-")
            .suffix(".tmp")
            .tempfile_in(&folder)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|error| error.error)?;
        Ok(())
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}
