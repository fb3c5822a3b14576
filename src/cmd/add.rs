//! `frontpage add URL`: subscribe to a feed, given its URL or a web page that links it.
//!
//! The URL is fetched once (with the fetcher `[settings]` describe, on a small
//! current-thread runtime). A feed is appended to `feeds.toml` under `--name`, else its own
//! title, else its host; an HTML page is searched for `<link rel="alternate">` feeds
//! ([`crate::discover`]): one is fetched and added, several are listed for the user to choose
//! from. Nothing is written unless the new entry passes the configuration's own checks, and
//! then atomically, keeping the file's comments ([`crate::config::append_feeds`]). Nothing
//! touches the database: the next `run` fetches the new feed like any other.

use anyhow::{Context as _, anyhow, bail};
use url::Url;

use super::opml::{host_name, unique_name};
use super::{Context, Status};
use crate::cli::AddArgs;
use crate::config::{self, Config, NewFeed};
use crate::discover::{self, FoundFeed};
use crate::fetch::{FetchSettings, Fetched, Fetcher};
use crate::model::{ParsedFeed, Validators};
use crate::parse::{self, ParseError};

/// Adds a feed to feeds.toml.
pub fn add(context: &Context, args: &AddArgs) -> anyhow::Result<Status> {
    let config = &context.config;
    if !matches!(args.url.scheme(), "http" | "https") {
        bail!(
            "cannot add {}: the scheme must be http or https, not {:?}",
            args.url,
            args.url.scheme()
        );
    }
    refuse_subscribed(config, &args.url)?;
    if let Some(name) = &args.name
        && let Some(feed) = config.feeds.iter().find(|feed| feed.name == *name)
    {
        bail!(
            "there is already a feed named {name:?} ({}); choose another --name",
            feed.url
        );
    }

    let fetcher = Fetcher::new(FetchSettings {
        user_agent: config.settings.user_agent.clone(),
        timeout: config.settings.timeout,
        max_body: config.settings.max_feed_size,
        concurrency: 1,
        per_host: 1,
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let page = runtime.block_on(fetch(&fetcher, &args.url))?;
    let (feed_url, feed) = match parse::parse(&page.body, &page.final_url) {
        Ok(feed) => (page.moved_to.unwrap_or_else(|| args.url.clone()), feed),
        Err(ParseError::NotAFeed(_)) => {
            let html = String::from_utf8_lossy(&page.body);
            let linked = discover::feed_links(&html, &page.final_url);
            let found = match linked.as_slice() {
                [] => bail!("no feed found at {}", args.url),
                [found] => found,
                several => bail!("{}", several_feeds(config, &args.url, several)),
            };
            refuse_subscribed(config, &found.url)?;
            let linked_page = runtime.block_on(fetch(&fetcher, &found.url))?;
            let feed = parse::parse(&linked_page.body, &linked_page.final_url)
                .map_err(|error| anyhow!(error))
                .with_context(|| {
                    format!(
                        "{} links the feed {}, but it cannot be read",
                        args.url, found.url
                    )
                })?;
            (
                linked_page.moved_to.unwrap_or_else(|| found.url.clone()),
                feed,
            )
        }
        Err(error) => {
            return Err(anyhow!(error).context(format!("{} is not a readable feed", args.url)));
        }
    };
    // A permanent redirect may lead to a feed that is configured under its new address.
    refuse_subscribed(config, &feed_url)?;

    let name = match &args.name {
        Some(name) => name.clone(),
        None => {
            let taken = |candidate: &str| config.feeds.iter().any(|feed| feed.name == candidate);
            unique_name(&default_name(&feed, &feed_url), taken)
        }
    };
    let new_feed = NewFeed {
        name,
        url: feed_url,
        tags: args.tags.clone(),
    };
    config::append_feeds(&config.path, std::slice::from_ref(&new_feed))?;
    if !context.output.quiet {
        eprintln!(
            "added {:?} ({}) to {}",
            new_feed.name,
            new_feed.url,
            config.path.display()
        );
    }
    Ok(Status::Success)
}

/// A fetched document.
struct Page {
    /// Where the body came from, after redirects: relative links resolve against it.
    final_url: Url,
    /// Where a leading run of permanent redirects led, if anywhere.
    moved_to: Option<Url>,
    body: Vec<u8>,
}

/// One unconditional GET of `url`.
async fn fetch(fetcher: &Fetcher, url: &Url) -> anyhow::Result<Page> {
    match fetcher.fetch(url, &Validators::default()).await {
        Ok(Fetched::Modified {
            final_url,
            moved_to,
            body,
            ..
        }) => Ok(Page {
            final_url,
            moved_to,
            body,
        }),
        // Only a request with validators can be answered with 304.
        Ok(Fetched::NotModified { .. }) => {
            bail!("cannot fetch {url}: the server answered 304 Not Modified to a plain GET")
        }
        Err(error) => Err(anyhow!(error).context(format!("cannot fetch {url}"))),
    }
}

/// An error when `url` is a configured feed's.
fn refuse_subscribed(config: &Config, url: &Url) -> anyhow::Result<()> {
    match config::subscribed_feed(config, url) {
        Some(feed) => bail!("{url} is already subscribed as {:?}", feed.name),
        None => Ok(()),
    }
}

/// The name a feed gets without `--name`: its own title, else its URL's host.
fn default_name(feed: &ParsedFeed, feed_url: &Url) -> String {
    let title = feed
        .title
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        host_name(feed_url)
    } else {
        title
    }
}

/// The message for a page that links several feeds: one line per feed, title and URL.
fn several_feeds(config: &Config, page_url: &Url, feeds: &[FoundFeed]) -> String {
    let mut message = format!(
        "{page_url} links {} feeds; run `frontpage add` with one of them:",
        feeds.len()
    );
    for feed in feeds {
        let title = match &feed.title {
            Some(title) => format!("{title} ({})", feed.kind.label()),
            None => format!("{} feed", feed.kind.label()),
        };
        message.push_str(&format!("\n  {title}: {}", feed.url));
        if let Some(subscribed) = config::subscribed_feed(config, &feed.url) {
            message.push_str(&format!(" (already subscribed as {:?})", subscribed.name));
        }
    }
    message
}
