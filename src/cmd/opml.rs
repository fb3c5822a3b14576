//! `frontpage import` and `frontpage export`: OPML 2.0 in and out of `feeds.toml`.
//!
//! Export writes every configured feed (name, URL, tags) as one outline; import appends the
//! feeds a file lists that are not subscribed yet, keeping the file's comments and order, and
//! says on stderr what it added and skipped. The OPML itself is read and written by
//! [`crate::opml`], the file edited by [`crate::config::append_feeds`].

use anyhow::Context as _;

use super::publish::write_if_changed;
use super::{Context, Status, write_stdout};
use crate::cli::{ExportArgs, ImportArgs};
use crate::config::{self, Config, NewFeed};
use crate::opml::{self, Subscription};

/// Adds the feeds of an OPML file to feeds.toml.
pub fn import(context: &Context, args: &ImportArgs) -> anyhow::Result<Status> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let list =
        opml::read(&bytes).with_context(|| format!("cannot import {}", args.file.display()))?;
    let plan = plan_import(&context.config, list.subscriptions);
    let config_path = &context.config.path;
    if !plan.added.is_empty() {
        config::append_feeds(config_path, &plan.added).with_context(|| {
            format!(
                "cannot import {} into {}",
                args.file.display(),
                config_path.display()
            )
        })?;
    }
    if !context.output.quiet {
        eprint!("{}", report(&plan, &list.rejected));
    }
    Ok(Status::Success)
}

/// Writes every feed as OPML.
pub fn export(context: &Context, args: &ExportArgs) -> anyhow::Result<Status> {
    let document = opml::write(
        &context.config.publish.title,
        &subscriptions(&context.config),
    );
    match &args.output {
        Some(path) if path.as_os_str() != "-" => write_if_changed(path, document.as_bytes()),
        _ => write_stdout(document.as_bytes()),
    }?;
    Ok(Status::Success)
}

/// The configured feeds as OPML subscriptions, in file order.
///
/// The store knows each feed's site link, but `FeedStatus` does not carry it; until it
/// does, `htmlUrl` is left out rather than opening the database for it.
fn subscriptions(config: &Config) -> Vec<Subscription> {
    config
        .feeds
        .iter()
        .map(|feed| Subscription {
            name: Some(feed.name.clone()),
            url: feed.url.clone(),
            site: None,
            tags: feed.tags.clone(),
        })
        .collect()
}

/// What an import does.
#[derive(Debug, Default, PartialEq)]
struct ImportPlan {
    /// Feeds to append, in the file's order, with unique names.
    added: Vec<NewFeed>,
    /// (name in the file, the configured feed it matched) for feeds subscribed already.
    already_subscribed: Vec<(String, String)>,
}

/// Decides which `subscriptions` to add to `config`.
///
/// A feed whose URL is configured (or listed earlier in the file), or whose name from the
/// file is a configured feed's name, is skipped as already subscribed. A name repeated within
/// the file, or one made up from the URL's host that is taken, gets a number: "Name (2)".
fn plan_import(config: &Config, subscriptions: Vec<Subscription>) -> ImportPlan {
    let mut plan = ImportPlan::default();
    for subscription in subscriptions {
        let url_match = config::subscribed_feed(config, &subscription.url)
            .map(|feed| feed.name.clone())
            .or_else(|| {
                plan.added
                    .iter()
                    .find(|added| config::same_feed_url(&added.url, &subscription.url))
                    .map(|added| added.name.clone())
            });
        let name_match = subscription.name.as_ref().and_then(|name| {
            config
                .feeds
                .iter()
                .find(|feed| feed.name == *name)
                .map(|feed| feed.name.clone())
        });
        let written_name = subscription
            .name
            .clone()
            .unwrap_or_else(|| host_name(&subscription.url));
        if let Some(existing) = url_match.or(name_match) {
            plan.already_subscribed.push((written_name, existing));
            continue;
        }
        let taken = |candidate: &str| {
            config.feeds.iter().any(|feed| feed.name == candidate)
                || plan.added.iter().any(|added| added.name == candidate)
        };
        let name = unique_name(&written_name, taken);
        plan.added.push(NewFeed {
            name,
            url: subscription.url,
            tags: subscription.tags,
        });
    }
    plan
}

/// `name`, or `name (2)`, `name (3)`, … : the first that is not `taken`.
pub(super) fn unique_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    (2..)
        .map(|number| format!("{name} ({number})"))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| name.to_string())
}

/// A name for a feed that has none: its URL's host without `www.`.
pub(super) fn host_name(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("feed");
    host.strip_prefix("www.").unwrap_or(host).to_string()
}

/// What an import did, for stderr: one line for what was added, one per kind of skip.
fn report(plan: &ImportPlan, rejected: &[opml::Rejected]) -> String {
    let mut text = format!("added {}", count(plan.added.len(), "feed"));
    if !plan.added.is_empty() {
        let names: Vec<String> = plan
            .added
            .iter()
            .map(|feed| format!("{:?}", feed.name))
            .collect();
        text.push_str(&format!(": {}", names.join(", ")));
    }
    text.push('\n');
    if !plan.already_subscribed.is_empty() {
        let names: Vec<String> = plan
            .already_subscribed
            .iter()
            .map(|(name, existing)| {
                if name == existing {
                    format!("{name:?}")
                } else {
                    format!("{name:?} (as {existing:?})")
                }
            })
            .collect();
        text.push_str(&format!(
            "skipped {} already subscribed: {}\n",
            plan.already_subscribed.len(),
            names.join(", ")
        ));
    }
    if !rejected.is_empty() {
        let entries: Vec<String> = rejected
            .iter()
            .map(|rejected| {
                let name = rejected.name.as_deref().unwrap_or("(no name)");
                format!("{name:?} ({:?}: {})", rejected.xml_url, rejected.reason)
            })
            .collect();
        text.push_str(&format!(
            "skipped {} without a usable URL: {}\n",
            rejected.len(),
            entries.join(", ")
        ));
    }
    text
}

/// `1 feed`, `3 feeds`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
