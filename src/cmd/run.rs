//! `frontpage run`: the cron job — fetch the due feeds, then publish every output.

use super::fetch::{fetch_locked, status_of};
use super::publish::publish_all;
use super::{Context, Status};
use crate::pipeline::FetchOptions;

/// Fetches the due feeds and publishes every configured output. Feeds that fail make the exit
/// status 1 but do not stop publishing; another run holding the lock ends this one quietly.
pub fn run(context: &Context) -> anyhow::Result<Status> {
    let Some(report) = fetch_locked(context, &FetchOptions::default())? else {
        return Ok(Status::Success);
    };
    publish_all(context)?;
    Ok(status_of(&report))
}
