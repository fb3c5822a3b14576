//! `frontpage add` (being written).

use super::{Context, Status};
use crate::cli::AddArgs;

/// Adds a feed to feeds.toml.
pub fn add(_context: &Context, args: &AddArgs) -> anyhow::Result<Status> {
    anyhow::bail!("adding {} is not available in this build yet", args.url)
}
