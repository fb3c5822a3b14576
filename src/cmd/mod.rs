//! The subcommands: each file wires configuration, store, fetcher and publisher together for
//! one command and prints its results.
//!
//! This is where errors become `anyhow` errors with context; the modules below return typed
//! errors. Nothing here parses feeds, speaks HTTP or writes SQL.

mod add;
mod explain;
mod feeds;
mod fetch;
mod opml;
mod output;
mod publish;
mod query;
mod run;
mod serve;

use std::io::IsTerminal;

use anyhow::Context as _;

use crate::cli::{Cli, Command};
use crate::config::{self, Config};
use crate::model::Timestamp;
use crate::store::Store;

/// How a command that did its job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything worked (exit code 0).
    Success,
    /// The command completed but some feeds failed (exit code 1).
    FeedsFailed,
}

impl Status {
    /// The process exit code (SPEC §1); errors that stop a command exit with 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::FeedsFailed => 1,
        }
    }
}

/// What every command gets: the configuration, the clock and how loud to be.
pub struct Context {
    /// The validated configuration.
    pub config: Config,
    /// The clock of this invocation (`--now` or the system's).
    pub now: Timestamp,
    /// Whether `--now` pinned the clock: long-running commands then keep it.
    pub clock_fixed: bool,
    /// How much to print.
    pub output: Output,
}

/// How much a command prints to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// `-q`: nothing but fatal errors.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// Whether stderr is a terminal (a person is watching).
    pub interactive: bool,
}

/// Runs the command `cli` asks for.
pub fn execute(cli: Cli) -> anyhow::Result<Status> {
    let output = Output {
        quiet: cli.quiet,
        verbose: cli.verbose,
        interactive: std::io::stderr().is_terminal(),
    };
    init_logging(output);
    // These describe the program itself: no configuration needed.
    match &cli.command {
        Command::Completions(args) => {
            write_stdout(&crate::cli::completions(args.shell))?;
            return Ok(Status::Success);
        }
        Command::Manpage => {
            write_stdout(&crate::cli::manpage().context("cannot render the manual page")?)?;
            return Ok(Status::Success);
        }
        _ => {}
    }
    let now = cli.now.unwrap_or_else(system_now);
    let config = config::load(&cli.config)?;
    let mut context = Context {
        config,
        now,
        clock_fixed: cli.now.is_some(),
        output,
    };
    match cli.command {
        Command::Run => run::run(&mut context),
        Command::Fetch(args) => fetch::fetch(&mut context, &args),
        Command::Publish(args) => publish::publish(&context, &args),
        Command::Query(args) => query::query(&context, &args),
        Command::Feeds(args) => feeds::feeds(&context, &args),
        Command::Explain(args) => explain::explain(&context, &args),
        Command::Serve(args) => serve::serve(context, &args),
        Command::Add(args) => add::add(&context, &args),
        Command::Import(args) => opml::import(&context, &args),
        Command::Export(args) => opml::export(&context, &args),
        // Answered above, before the configuration is read.
        Command::Completions(_) | Command::Manpage => Ok(Status::Success),
    }
}

/// Writes `bytes` to stdout and flushes.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")
}

/// Opens the configured database, creating it when missing.
fn open_store(config: &Config) -> anyhow::Result<Store> {
    let database = &config.settings.database;
    if let Some(folder) = database
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create the database folder {}", folder.display()))?;
    }
    Ok(Store::open(database)?)
}

/// The configured feeds whose entries may be published: all but the muted (weight 0).
fn visible_feeds(config: &Config) -> Vec<String> {
    config
        .feeds
        .iter()
        .filter(|feed| feed.weight > 0.0)
        .map(|feed| feed.name.clone())
        .collect()
}

/// Each configured feed's weight, by name, for ranking.
fn feed_weights(config: &Config) -> std::collections::HashMap<String, f64> {
    config
        .feeds
        .iter()
        .map(|feed| (feed.name.clone(), feed.weight))
        .collect()
}

fn system_now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default();
    Timestamp::from_unix(i64::try_from(seconds).unwrap_or(i64::MAX))
}

/// Logs go to stderr: warnings by default, each request with `-v`, everything with `-vv`.
fn init_logging(output: Output) {
    let level = match (output.quiet, output.verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, _) => tracing::Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(output.interactive)
        .without_time()
        .try_init();
}
