//! `frontpage run`: the cron job — fetch the due feeds, then publish every output.

use super::fetch::{Planned, fetch_locked, status_of};
use super::publish::publish_all;
use super::{Context, Status};
use crate::config;
use crate::pipeline::FetchOptions;

/// Fetches the due feeds and publishes every configured output. Feeds that fail make the exit
/// status 1 but do not stop publishing; another run holding the lock ends this one quietly.
///
/// The fetch lets go of the configured feeds, so the file is read again to publish: `feeds.toml`
/// as it is then, the one the next run would publish with anyway. A file that has turned
/// invalid in between stops the run after the fetch, whose results are stored. Reading it
/// takes about 11 ms at 5000 feeds (2 ms at 1000), against 0.25 s for a run with nothing new.
pub fn run(context: &mut Context) -> anyhow::Result<Status> {
    let Some(report) = fetch_locked(context, &FetchOptions::default(), Planned::ReleaseFeeds)?
    else {
        return Ok(Status::Success);
    };
    context.config = config::load(&context.config.path)?;
    publish_all(context)?;
    Ok(status_of(&report))
}
