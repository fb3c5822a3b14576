//! `frontpage publish`: choose and order the stories, render every page of the site, and write
//! the files (or one of them to stdout).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::{Context, Status, feed_weights, open_store, visible_feeds, write_stdout};
use crate::cli::{FeedFormat, Order, PublishArgs};
use std::collections::HashMap;

use crate::model::{Channel, Story, StoryId, Timestamp};
use crate::publish::{self, Format};
use crate::rank::{self, Score};
use crate::store::Store;

/// One rendered file of the site.
pub(super) struct Output {
    /// Where it goes, relative to the output folder (and to the site's base URL).
    pub path: String,
    /// Its format.
    pub format: Format,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// When its content last changed.
    pub updated: Timestamp,
}

/// Writes one format to a file or stdout, or, without `--format`, every page of the site
/// (only the tag's, with `--tag`) into `[publish].output_dir`.
pub fn publish(context: &Context, args: &PublishArgs) -> anyhow::Result<Status> {
    let limit = args.limit.map(|limit| limit as usize);
    let tags = all_tags(context);
    if let Some(tag) = &args.tag
        && !tags.contains(tag)
    {
        bail!(
            "no feed is tagged {tag:?} in {}",
            context.config.path.display()
        );
    }
    let Some(format) = args.format else {
        let pages: Vec<Option<&str>> = match &args.tag {
            Some(tag) => vec![Some(tag.as_str())],
            None => std::iter::once(None)
                .chain(tags.iter().map(|tag| Some(tag.as_str())))
                .collect(),
        };
        write_site(context, &render(context, &pages, limit, args.order)?)?;
        return Ok(Status::Success);
    };
    let format = match format {
        FeedFormat::Rss => Format::Rss,
        FeedFormat::Atom => Format::Atom,
        FeedFormat::Json => Format::Json,
        FeedFormat::Html => Format::Html,
    };
    let outputs = render(context, &[args.tag.as_deref()], limit, args.order)?;
    let Some(output) = outputs.into_iter().find(|output| output.format == format) else {
        bail!("format {format} was not rendered");
    };
    match args.output.as_deref() {
        None => write_stdout(&output.bytes)?,
        Some(path) if path == Path::new("-") => write_stdout(&output.bytes)?,
        Some(path) => write_if_changed(path, &output.bytes)?,
    }
    Ok(Status::Success)
}

/// Writes every page of the site into `[publish].output_dir` (what `run` publishes).
pub(super) fn publish_all(context: &Context) -> anyhow::Result<()> {
    write_site(context, &render_site(context)?)
}

/// Every page of the site: each format for the main page and for every tag, by popularity.
pub(super) fn render_site(context: &Context) -> anyhow::Result<Vec<Output>> {
    let tags = all_tags(context);
    let pages: Vec<Option<&str>> = std::iter::once(None)
        .chain(tags.iter().map(|tag| Some(tag.as_str())))
        .collect();
    render(context, &pages, None, Order::Popular)
}

/// Every format of each page (`None`: the main page, `Some(tag)`: a tag's page).
fn render(
    context: &Context,
    pages: &[Option<&str>],
    limit: Option<usize>,
    order: Order,
) -> anyhow::Result<Vec<Output>> {
    let store = open_store(&context.config)?;
    // Rank every candidate once from its light-weight members; each page then takes its
    // share, and only the stories shown are read in full.
    let candidates = candidate_stories(context, &store)?;
    let tag_pages = all_tags(context);
    let limit = limit.unwrap_or(context.config.publish.limit);
    let visible = visible_feeds(&context.config);
    let mut full: HashMap<StoryId, Story> = HashMap::new();
    let mut outputs = Vec::with_capacity(pages.len() * Format::all().len());
    for &tag in pages {
        let mut stories = Vec::new();
        for id in page_stories(context, &candidates, tag, limit, order) {
            if !full.contains_key(&id)
                && let Some(story) = store.story(id, &visible)?
            {
                full.insert(id, with_tags(context, story));
            }
            stories.extend(full.get(&id).cloned());
        }
        let channel = channel(context, &stories, tag, &tag_pages);
        for &format in Format::all() {
            outputs.push(Output {
                path: publish::output_path(format, tag),
                format,
                bytes: publish::render(format, &channel, &stories),
                updated: channel.updated,
            });
        }
    }
    Ok(outputs)
}

/// Every tag of the configured feeds, sorted.
fn all_tags(context: &Context) -> Vec<String> {
    let mut tags: Vec<String> = context
        .config
        .feeds
        .iter()
        .flat_map(|feed| feed.tags.iter().cloned())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Every story that may be published (carried by unmuted configured feeds, within the
/// window) with its popularity score: a story ranks the same on every page.
fn candidate_stories(context: &Context, store: &Store) -> anyhow::Result<Vec<(Story, Score)>> {
    let config = &context.config;
    let stories = store.ranking_candidates(
        &visible_feeds(config),
        context.now.minus(config.publish.window),
    )?;
    let weights = feed_weights(config);
    Ok(stories
        .into_iter()
        .map(|story| {
            let score = rank::score(&story, &config.rank, &weights, context.now);
            (story, score)
        })
        .collect())
}

/// A story with its feeds' tags among its categories.
fn with_tags(context: &Context, mut story: Story) -> Story {
    for member in &story.members {
        if let Some(feed) = context
            .config
            .feeds
            .iter()
            .find(|feed| feed.name == member.feed_name)
        {
            story.categories.extend(feed.tags.iter().cloned());
        }
    }
    story
}

/// The stories of one page (`tag`: only stories that a feed with the tag carries), by
/// popularity or newest first, at most `limit`.
fn page_stories(
    context: &Context,
    candidates: &[(Story, Score)],
    tag: Option<&str>,
    limit: usize,
    order: Order,
) -> Vec<StoryId> {
    let config = &context.config;
    let on_page = |story: &Story| match tag {
        None => true,
        Some(tag) => story.members.iter().any(|member| {
            config
                .feeds
                .iter()
                .any(|feed| feed.name == member.feed_name && feed.tags.iter().any(|own| own == tag))
        }),
    };
    let chosen: Vec<(Story, Score)> = candidates
        .iter()
        .filter(|(story, _)| on_page(story))
        .cloned()
        .collect();
    match order {
        Order::Popular => rank::order(chosen, limit)
            .into_iter()
            .map(|(story, _)| story.id)
            .collect(),
        Order::Recent => {
            let mut stories: Vec<Story> = chosen.into_iter().map(|(story, _)| story).collect();
            stories.sort_by(|a, b| b.published.cmp(&a.published).then(b.id.cmp(&a.id)));
            stories.truncate(limit);
            stories.into_iter().map(|story| story.id).collect()
        }
    }
}

/// The page's metadata. `updated` is the newest story update (the epoch when there are no
/// stories), never the clock, so a page whose stories did not change renders the same bytes
/// and is not rewritten.
fn channel(
    context: &Context,
    stories: &[Story],
    tag: Option<&str>,
    tag_pages: &[String],
) -> Channel {
    let publish = &context.config.publish;
    Channel {
        title: publish.title.clone(),
        link: publish.link.clone(),
        description: publish.description.clone(),
        updated: stories
            .iter()
            .map(|story| story.updated)
            .max()
            .unwrap_or(Timestamp::from_unix(0)),
        now: context.now,
        tag: tag.map(str::to_owned),
        tag_pages: tag_pages.to_vec(),
    }
}

/// Writes the outputs into `[publish].output_dir`, skipping files whose bytes are unchanged.
fn write_site(context: &Context, outputs: &[Output]) -> anyhow::Result<()> {
    let output_dir = &context.config.publish.output_dir;
    std::fs::create_dir_all(output_dir)
        .with_context(|| format!("cannot create output folder {}", output_dir.display()))?;
    for output in outputs {
        write_if_changed(&output_dir.join(&output.path), &output.bytes)?;
    }
    Ok(())
}

/// Replaces `path` with `bytes` unless it already holds exactly them: a file whose content did
/// not change keeps its modification time, so web servers keep their ETags.
pub(super) fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is written into, never replaced:
    // renaming a file over it would destroy it.
    if let Ok(metadata) = std::fs::metadata(path)
        && !metadata.is_file()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut file| file.write_all(bytes))
            .with_context(|| format!("cannot write {}", path.display()));
    }
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    write_atomically(path, bytes)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`, so a reader
/// sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&folder)?;
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
