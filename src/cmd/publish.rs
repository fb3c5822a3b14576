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
use crate::rank::{self, Entrant, Leaders};
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
    let limit = limit.unwrap_or(context.config.publish.limit);
    let visible = visible_feeds(&context.config);
    let tags_of: HashMap<&str, &[String]> = context
        .config
        .feeds
        .iter()
        .map(|feed| (feed.name.as_str(), feed.tags.as_slice()))
        .collect();
    let chosen = choose_stories(context, &store, &visible, &tags_of, pages, limit, order)?;
    let tag_pages = all_tags(context);
    // Only the stories shown are read in full, each once however many pages show it.
    let mut full: HashMap<StoryId, Story> = HashMap::new();
    let mut outputs = Vec::with_capacity(pages.len() * Format::all().len());
    for (&tag, ids) in pages.iter().zip(chosen) {
        let mut stories = Vec::with_capacity(ids.len());
        for id in ids {
            if !full.contains_key(&id)
                && let Some(story) = store.story(id, &visible)?
            {
                full.insert(id, with_tags(&tags_of, story));
            }
            stories.extend(full.get(&id).cloned());
        }
        let channel = channel(context, &stories, tag, &tag_pages);
        for (format, bytes) in publish::render_every_format(&channel, &stories) {
            outputs.push(Output {
                path: publish::output_path(format, tag),
                format,
                bytes,
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

/// The stories of each page, in publishing order (`tag`: only stories that a feed with the
/// tag carries; `tags_of` gives each feed's tags by name), by popularity or newest first, at
/// most `limit` a page.
///
/// Every story that may be published (carried by `visible` feeds, within the window) streams
/// past once and is scored once (a story ranks the same on every page); each page keeps only
/// the stories it would still publish ([`rank::Leaders`]), so the memory follows the pages
/// and `limit`, not the window or the number of feeds.
fn choose_stories(
    context: &Context,
    store: &Store,
    visible: &[String],
    tags_of: &HashMap<&str, &[String]>,
    pages: &[Option<&str>],
    limit: usize,
    order: Order,
) -> anyhow::Result<Vec<Vec<StoryId>>> {
    let config = &context.config;
    let weights_by_name = feed_weights(config);
    // By index in `visible`: each feed's weight, and the tag pages its stories appear on.
    let weights: Vec<f64> = visible
        .iter()
        .map(|name| weights_by_name.get(name).copied().unwrap_or(1.0))
        .collect();
    let tag_pages_of: Vec<Vec<usize>> = visible
        .iter()
        .map(|name| {
            let tags = tags_of.get(name.as_str()).copied().unwrap_or_default();
            pages
                .iter()
                .enumerate()
                .filter(|(_, page)| page.is_some_and(|tag| tags.iter().any(|own| own == tag)))
                .map(|(index, _)| index)
                .collect()
        })
        .collect();
    let main_pages: Vec<usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, page)| page.is_none())
        .map(|(index, _)| index)
        .collect();
    let mut leaders: Vec<Leaders> = pages
        .iter()
        .map(|_| match order {
            Order::Popular => Leaders::by_score(limit),
            Order::Recent => Leaders::newest(limit),
        })
        .collect();
    // The last story offered to each page: a story with two feeds of a tag is offered once.
    let mut offered: Vec<Option<StoryId>> = vec![None; pages.len()];
    store.ranking_candidates(
        visible,
        context.now.minus(config.publish.window),
        |candidate| {
            let total = match order {
                Order::Popular => rank::total(candidate, &config.rank, &weights, context.now),
                Order::Recent => 0.0,
            };
            let group = candidate.members.first().map(|member| member.group);
            let entrant = Entrant::new(candidate.id, candidate.published, total, group);
            for &index in &main_pages {
                leaders[index].offer(entrant);
            }
            for member in &candidate.members {
                for &index in tag_pages_of.get(member.feed).map_or(&[][..], Vec::as_slice) {
                    if offered[index] != Some(candidate.id) {
                        offered[index] = Some(candidate.id);
                        leaders[index].offer(entrant);
                    }
                }
            }
        },
    )?;
    Ok(leaders
        .into_iter()
        .map(|page| {
            page.into_vec()
                .into_iter()
                .map(|entrant| entrant.id)
                .collect()
        })
        .collect())
}

/// A story with its feeds' tags among its categories.
fn with_tags(tags_of: &HashMap<&str, &[String]>, mut story: Story) -> Story {
    for member in &story.members {
        if let Some(tags) = tags_of.get(member.feed_name.as_str()) {
            story.categories.extend(tags.iter().cloned());
        }
    }
    story
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
