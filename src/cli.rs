//! The command line: clap types and the parsing of flag values.
//!
//! The only module that knows clap. It turns arguments into plain typed values (paths,
//! `Timestamp`s, enums); it reads no files and does no work — `cmd` does.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Timestamp;

/// Fetches RSS/Atom feeds into SQLite, merges entries that are the same story, and publishes
/// one merged feed.
#[derive(Debug, Parser)]
#[command(name = "frontpage", version, about, propagate_version = true)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        short,
        long,
        global = true,
        env = "FRONTPAGE_CONFIG",
        default_value = "feeds.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,

    /// Print nothing but errors that stop the command.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log more to stderr (-v: each request, -vv: debugging detail).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// The clock to use instead of the system's, as RFC 3339 (for tests and replays).
    #[arg(long, global = true, hide = true, value_parser = parse_now, value_name = "RFC3339")]
    pub now: Option<Timestamp>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The main job: fetch the due feeds, then publish every output configured in feeds.toml.
    Run,
    /// Fetch the due feeds (or all of them) and store new and changed entries.
    Fetch(FetchArgs),
    /// Write the merged feed.
    Publish(PublishArgs),
    /// Search and list stored entries.
    Query(QueryArgs),
    /// Show the health of every feed.
    Feeds(FeedsArgs),
    /// Show why a story ranks where it does: one line per term of its score.
    Explain(ExplainArgs),
    /// Serve the front page and its feeds over HTTP (and, with --refresh, fetch on a schedule).
    Serve(ServeArgs),
    /// Add a feed to feeds.toml (given a web page, find its feeds).
    Add(AddArgs),
    /// Add the feeds of an OPML file to feeds.toml.
    Import(ImportArgs),
    /// Write every feed as OPML 2.0.
    Export(ExportArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    Manpage,
}

/// `frontpage add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A feed's URL, or a web page that links its feeds.
    #[arg(value_name = "URL")]
    pub url: url::Url,

    /// The feed's name (default: the feed's own title).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// A tag for the feed; repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

/// `frontpage import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The OPML file.
    #[arg(value_name = "FILE.opml")]
    pub file: PathBuf,
}

/// `frontpage export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write (default: stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `frontpage completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Shells with completion scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
}

/// `frontpage serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; anything but loopback is logged with a warning.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,

    /// Also fetch the due feeds on this schedule (like `run`), e.g. `10m`; the pages are
    /// republished after each fetch.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub refresh: Option<Duration>,
}

/// `frontpage fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Fetch every selected feed, even those not due yet.
    #[arg(long)]
    pub force: bool,

    /// Only this feed (by name); repeatable.
    #[arg(long = "feed", value_name = "NAME")]
    pub feeds: Vec<String>,
}

/// `frontpage publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Only this format; without it, every format is written into the configured output_dir.
    #[arg(long, value_enum)]
    pub format: Option<FeedFormat>,

    /// Where to write (`-` for stdout); needs --format. Without it, --format writes to stdout.
    #[arg(short, long, value_name = "FILE", requires = "format")]
    pub output: Option<PathBuf>,

    /// Only the stories of feeds with this tag (the tag's own page and feeds).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,

    /// Most stories to publish (default: the configured limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,

    /// Story order.
    #[arg(long, value_enum, default_value_t = Order::Popular)]
    pub order: Order,
}

/// `frontpage explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The story's id (the number at the end of its published guid).
    #[arg(value_name = "STORY")]
    pub story: i64,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// How stories are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// By popularity score (ties: newer first).
    Popular,
    /// Newest first.
    Recent,
}

/// How a single report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people.
    Text,
    /// One JSON object for scripts.
    Json,
}

/// `frontpage query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Words to search for in titles, summaries and content: `word`, `"a phrase"`, `-excluded`
    /// (put excluded words after `--` or quote the search: `query -- rust -go`).
    #[arg(value_name = "WORDS")]
    pub words: Vec<String>,

    /// Only entries of feeds with this tag; repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Only entries of this feed (by name); repeatable.
    #[arg(long = "feed", value_name = "NAME")]
    pub feeds: Vec<String>,

    /// Only entries published since then: a duration ago (`2d`, `12h`) or a date
    /// (`2026-11-01`, RFC 3339).
    #[arg(long, value_parser = parse_when, value_name = "WHEN")]
    pub since: Option<When>,

    /// Only entries published before then (same forms as --since).
    #[arg(long, value_parser = parse_when, value_name = "WHEN")]
    pub until: Option<When>,

    /// Only the entries of this story (the id published as its item's guid).
    #[arg(long, value_name = "ID")]
    pub story: Option<i64>,

    /// One row per story, with the feeds that carry it, instead of one per entry.
    #[arg(long, conflicts_with = "story")]
    pub stories: bool,

    /// Most rows to list.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: u32,

    /// Row order: newest first, by the story's popularity score, or by how well the entry
    /// matches the words (default: relevance when words are given, else recent).
    #[arg(long, value_enum, value_name = "ORDER")]
    pub order: Option<QueryOrder>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// How `query` orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryOrder {
    /// Newest first.
    Recent,
    /// By the story's popularity score.
    Popular,
    /// By full-text relevance (bm25); needs words.
    Relevance,
}

/// `frontpage feeds`.
#[derive(Debug, Args)]
pub struct FeedsArgs {
    /// Rewrite the URL of every feed that moved for good (301/308) in the configuration
    /// file, keeping its comments and order.
    #[arg(long)]
    pub apply_redirects: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// A published feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeedFormat {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
    /// The HTML front page.
    Html,
}

/// How lists are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// An aligned table for people, fitted to the terminal.
    Table,
    /// One JSON array for scripts.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// A point in time given on the command line: relative to the clock, or absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// That long before now.
    Ago(Duration),
    /// That moment.
    At(Timestamp),
}

impl When {
    /// The moment meant, given the clock.
    pub fn resolve(self, now: Timestamp) -> Timestamp {
        match self {
            When::Ago(duration) => now.minus(duration),
            When::At(moment) => moment,
        }
    }
}

/// Parses the process's arguments; on a usage error, prints it and exits with code 2.
pub fn parse_args() -> Cli {
    Cli::parse()
}

/// Parses `args` (the first being the program name) as the binary would, exiting with code 2
/// on a usage error.
pub fn parse_from<I, T>(args: I) -> Cli
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::parse_from(args)
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let mut script = Vec::new();
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "frontpage", &mut script);
    script
}

/// The manual page, in roff.
pub fn manpage() -> std::io::Result<Vec<u8>> {
    use clap::CommandFactory;
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(page)
}

fn parse_now(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).ok_or_else(|| {
        format!("expected an RFC 3339 date-time like 2026-11-28T12:00:00Z, got {text:?}")
    })
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("expected a duration like 10m or 1h, got {text:?}")),
    }
}

/// Parses `2d`, `12h 30m`, `2026-11-01` (midnight UTC) or an RFC 3339 date-time.
fn parse_when(text: &str) -> Result<When, String> {
    if let Some(moment) = Timestamp::parse_rfc3339(text) {
        return Ok(When::At(moment));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
        return Ok(When::At(Timestamp::from_unix(midnight.timestamp())));
    }
    humantime::parse_duration(text.trim())
        .map(When::Ago)
        .map_err(|_| {
            format!("expected a duration like 2d or 12h, or a date like 2026-11-01, got {text:?}")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_accepts_durations_dates_and_datetimes() {
        let now = Timestamp::parse_rfc3339("2026-11-28T12:00:00Z").unwrap();
        let check = |text: &str, expected: &str| {
            let when = parse_when(text).unwrap();
            assert_eq!(
                when.resolve(now),
                Timestamp::parse_rfc3339(expected).unwrap(),
                "{text}"
            );
        };
        check("2d", "2026-11-26T12:00:00Z");
        check("12h", "2026-11-28T00:00:00Z");
        check("2026-11-01", "2026-11-01T00:00:00Z");
        check("2026-11-01T08:30:00+01:00", "2026-11-01T07:30:00Z");
        assert!(parse_when("yesterday-ish").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
