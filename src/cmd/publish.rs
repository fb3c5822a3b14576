//! `frontpage publish`: read the top stories and write the merged feed(s).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Context, Status, open_store};
use crate::cli::{FeedFormat, PublishArgs};
use crate::model::{Channel, Story};
use crate::publish::{self, Format};
use crate::store::StorySelection;

/// Writes one format to a file or stdout, or, without `--format`, every format into
/// `[publish].output_dir`.
pub fn publish(context: &Context, args: &PublishArgs) -> anyhow::Result<Status> {
    let limit = args.limit.map(|limit| limit as usize);
    let Some(format) = args.format else {
        publish_all(context, limit)?;
        return Ok(Status::Success);
    };
    let format = match format {
        FeedFormat::Rss => Format::Rss,
        FeedFormat::Atom => Format::Atom,
    };
    let stories = top_stories(context, limit)?;
    let bytes = publish::render(format, &channel(context, format), &stories);
    match args.output.as_deref() {
        None => write_stdout(&bytes)?,
        Some(path) if path == Path::new("-") => write_stdout(&bytes)?,
        Some(path) => write_atomically(path, &bytes)?,
    }
    Ok(Status::Success)
}

/// Writes every format into `[publish].output_dir` (what `run` publishes).
pub(super) fn publish_all(context: &Context, limit: Option<usize>) -> anyhow::Result<()> {
    let output_dir = &context.config.publish.output_dir;
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create output folder {}", output_dir.display()))?;
    let stories = top_stories(context, limit)?;
    for &format in Format::all() {
        let bytes = publish::render(format, &channel(context, format), &stories);
        write_atomically(&output_dir.join(format.file_name()), &bytes)?;
    }
    Ok(())
}

/// The stories to publish: newest first, from unmuted configured feeds, within the window.
fn top_stories(context: &Context, limit: Option<usize>) -> anyhow::Result<Vec<Story>> {
    let config = &context.config;
    let feeds: Vec<String> = config
        .feeds
        .iter()
        .filter(|feed| feed.weight > 0.0)
        .map(|feed| feed.name.clone())
        .collect();
    let store = open_store(config)?;
    let stories = store.stories(&StorySelection {
        feeds: &feeds,
        since: context.now.minus(config.publish.window),
        limit: limit.unwrap_or(config.publish.limit),
    })?;
    Ok(stories)
}

fn channel(context: &Context, format: Format) -> Channel {
    let publish = &context.config.publish;
    Channel {
        title: publish.title.clone(),
        link: publish.link.clone(),
        description: publish.description.clone(),
        self_url: publish
            .link
            .join(format.file_name())
            .unwrap_or_else(|_| publish.link.clone()),
        updated: context.now,
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
