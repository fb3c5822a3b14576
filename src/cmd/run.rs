//! `frontpage run`: the cron job — fetch the due feeds, then publish every output.

use anyhow::{Context as _, bail};

use super::fetch::{ConfiguredFeeds, fetch_locked, status_of};
use super::publish::publish_all;
use super::{Context, Status};
use crate::config;
use crate::pipeline::FetchOptions;

/// Fetches the due feeds and publishes every configured output. Feeds that fail make the exit
/// status 1 but do not stop publishing; another run holding the lock ends this one quietly.
///
/// The fetch lets go of the configured feeds, so the file is read again to publish: `feeds.toml`
/// as it is then, the one the next run would publish with anyway. A file that has turned
/// invalid in between, or that names another database, stops the run after the fetch, whose
/// results are stored. Reading it takes about 11 ms at 5000 feeds (2 ms at 1000), against
/// 0.25 s for a run with nothing new.
pub fn run(context: &mut Context) -> anyhow::Result<Status> {
    let Some(report) = fetch_locked(context, &FetchOptions::default(), ConfiguredFeeds::Release)?
    else {
        return Ok(Status::Success);
    };
    let path = &context.config.path;
    let config = config::load(path).with_context(|| {
        format!(
            "cannot read {} again to publish (what was fetched is stored)",
            path.display()
        )
    })?;
    let fetched_into = &context.config.settings.database;
    if config.settings.database != *fetched_into {
        bail!(
            "{} changed its database during the run (from {} to {}): not publishing; what was \
             fetched is stored in the first",
            path.display(),
            fetched_into.display(),
            config.settings.database.display()
        );
    }
    context.config = config;
    publish_all(context)?;
    Ok(status_of(&report))
}
