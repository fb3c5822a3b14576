//! `frontpage fetch`: fetch the due feeds under the run lock, and report.

use anyhow::bail;

use super::{Context, Status, open_store};
use crate::cli::FetchArgs;
use crate::pipeline::{self, FeedOutcome, FeedResult, FetchOptions, NoProgress, RunReport};
use crate::store::{LockError, RunLock};

/// Fetches the due (or, with `--force`, all) selected feeds.
pub fn fetch(context: &mut Context, args: &FetchArgs) -> anyhow::Result<Status> {
    for name in &args.feeds {
        if !context.config.feeds.iter().any(|feed| &feed.name == name) {
            bail!(
                "no feed named {name:?} in {}",
                context.config.path.display()
            );
        }
    }
    let options = FetchOptions {
        force: args.force,
        only: args.feeds.clone(),
    };
    match fetch_locked(context, &options, ConfiguredFeeds::Release)? {
        Some(report) => Ok(status_of(&report)),
        None => Ok(Status::Success),
    }
}

/// What a fetch does with the configured feeds once it has planned the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConfiguredFeeds {
    /// Lets go of them: `context.config` is left without feeds, and the fetch keeps 32 bytes
    /// of each due feed and reads the rest a few hundred feeds at a time
    /// ([`pipeline::FetchPlan`]). A caller that needs them afterwards reads the file again.
    Release,
    /// Keeps them, for a process that holds them anyway (`serve`).
    Keep,
}

/// Takes the run lock, fetches and reports. `None` when another run holds the lock: that run
/// is doing the work, so this one steps aside without touching the database.
pub(super) fn fetch_locked(
    context: &mut Context,
    options: &FetchOptions,
    then: ConfiguredFeeds,
) -> anyhow::Result<Option<RunReport>> {
    let database = &context.config.settings.database;
    let _lock = match RunLock::acquire(database) {
        Ok(lock) => lock,
        Err(busy @ LockError::Busy { .. }) => {
            if !context.output.quiet {
                eprintln!("frontpage: {busy}; not starting another");
            }
            return Ok(None);
        }
        Err(other) => return Err(other.into()),
    };
    let mut store = open_store(&context.config)?;
    let plan = pipeline::plan_fetch(&mut store, &context.config, options, context.now)?;
    if then == ConfiguredFeeds::Release {
        context.config.feeds = Vec::new();
    }
    let (settings, now, output) = (&context.config.settings, context.now, context.output);
    let report = if output.interactive && !output.quiet {
        let bar = ProgressBar::new();
        let report = pipeline::fetch_planned(&mut store, settings, plan, now, &bar);
        bar.finish();
        report?
    } else {
        pipeline::fetch_planned(&mut store, settings, plan, now, &NoProgress)?
    };
    print_report(context, &report);
    Ok(Some(report))
}

/// The exit status a report calls for.
pub(super) fn status_of(report: &RunReport) -> Status {
    if report.n_failed() > 0 {
        Status::FeedsFailed
    } else {
        Status::Success
    }
}

/// One line per failing feed, then a summary when someone is watching or something failed;
/// nothing at all with `-q`, and nothing on success from cron.
fn print_report(context: &Context, report: &RunReport) {
    let output = context.output;
    if output.quiet {
        return;
    }
    for outcome in &report.failures {
        if let FeedResult::Failed { message } = &outcome.result {
            eprintln!("frontpage: {} ({}): {message}", outcome.name, outcome.url);
        }
    }
    if output.interactive || output.verbose > 0 || report.n_failed() > 0 {
        eprintln!(
            "fetched {} feeds: {} updated ({} new entries, {} changed), {} not modified, {} failed",
            report.n_fetched,
            report.n_updated,
            report.entries.new,
            report.entries.changed,
            report.n_not_modified,
            report.n_failed(),
        );
    }
}

/// A progress bar on stderr (a terminal): feeds done of total, failures so far.
struct ProgressBar {
    bar: indicatif::ProgressBar,
    failures: std::sync::atomic::AtomicUsize,
}

impl ProgressBar {
    fn new() -> ProgressBar {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        let style =
            indicatif::ProgressStyle::with_template("fetching {bar:30} {pos}/{len} feeds  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        ProgressBar {
            bar,
            failures: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl pipeline::Progress for ProgressBar {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    fn feed_done(&self, outcome: &FeedOutcome) {
        if matches!(outcome.result, FeedResult::Failed { .. }) {
            let failures = self
                .failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            self.bar.set_message(format!("{failures} failed"));
        }
        self.bar.inc(1);
    }
}
