//! `frontpage import` and `frontpage export` (being written).

use super::{Context, Status};
use crate::cli::{ExportArgs, ImportArgs};

/// Adds the feeds of an OPML file to feeds.toml.
pub fn import(_context: &Context, args: &ImportArgs) -> anyhow::Result<Status> {
    anyhow::bail!(
        "importing {} is not available in this build yet",
        args.file.display()
    )
}

/// Writes every feed as OPML.
pub fn export(_context: &Context, _args: &ExportArgs) -> anyhow::Result<Status> {
    anyhow::bail!("export is not available in this build yet")
}
