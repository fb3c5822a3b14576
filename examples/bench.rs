//! The performance benchmark of SPEC §10: `cargo run --release --example bench [-- FLAGS]`.
//!
//! **fetch** (`--feeds N[,N…]`, default `1000,5000`: once for each number, then a table that
//! compares their peak memory, which SPEC §10 asks to stay flat as the feeds grow; the time
//! targets are for 1000 feeds): generates a deterministic corpus — 60 % RSS 2.0, 30 % Atom,
//! 10 % RSS 1.0 feeds of 10–50 entries with 0.5–5 KB of HTML each, about 10 % of the stories
//! carried by 2–6 feeds under link variations (`http`/`https`, `www.`, a trailing slash,
//! `utm_*` parameters) — serves it from a loopback HTTP/1.1 server written here
//! (hyper, keep-alive, `ETag`, `Last-Modified`, gzip), and runs the real binary,
//! `frontpage run`, in a fresh folder three times: cold (empty database), warm (every feed
//! answers 304) and after 5 % of the feeds changed. Then `fetch --force` alone (warm) and
//! `publish` alone, to split a run into its two halves, and last `fetch --force` once the
//! server sends no validators (every feed downloaded whole, none changed: what a run costs
//! for feeds served without `ETag` or `Last-Modified`; a body the entries were stored from
//! is not parsed again). The fetch half of a cold
//! run is also run alone, into empty databases, `--cold-runs K` times (default 3): its row
//! is the median run, with the largest peak RSS, and with `-vv` so that the report shows
//! frontpage's line on its writer thread (transactions, SQLite steps, how long it was busy
//! and how long it waited for results). Every feed is on 127.0.0.1, so the
//! generated `feeds.toml` sets `concurrency = 64` and `per_host = 64`: real feeds are spread
//! over hundreds of hosts, and the default `per_host = 2` would only measure that politeness
//! limit on one host, not the pipeline.
//!
//! **store** (`--store-entries M`, default 1 000 000; 0 skips it): builds a database of M
//! entries from `--store-feeds F` feeds (default 1000) spread over a year (so a 7-day window
//! holds about 2 % of them), through the library's one write path, `Store::record_fetched`,
//! one call per feed per 30 days of its entries. Summaries are 0.2–1.5 KB of HTML here, to
//! keep a million of them near a gigabyte. Then it times `frontpage publish --format rss`
//! (top 50 by popularity) and `frontpage query` (words, a phrase, filters) as processes,
//! `--runs R` times each (default 20) after one untimed run: median and 95th percentile.
//! With `--keep DIR`, a database already built there with the same parameters is reused.
//!
//! **How it measures.** Each measured command is its own process of the release binary
//! (`target/release/frontpage`, built first with `cargo build --release --bin frontpage`),
//! so the numbers are what cron or a shell sees, process start and configuration included.
//! Wall time is taken here around the child. CPU time (user + system, all threads) and peak
//! RSS come from the kernel's rusage of the child, read through GNU `time` (`/usr/bin/time
//! -f "%e %U %S %M"`, the child's `ru_maxrss`); without GNU time, CPU time comes from this
//! process's `cutime`/`cstime` in `/proc/self/stat` (the waited-for children's) and peak RSS
//! from polling the child's `VmHWM` every 2 ms, which can miss growth in its last moments.
//! The server runs in this process on one thread; its CPU time is reported beside each
//! phase, since on a 2-core machine it competes with frontpage for the cores.
//!
//! The report is printed as a table and written as JSON to `target/bench/report.json` (and
//! to a copy named after the parameters). Flags: `--feeds N[,N…]`, `--store-entries M`,
//! `--store-feeds F`, `--runs R`, `--cold-runs K`, `--phase fetch|store|all|serve` (`serve`
//! generates and serves one corpus, 1000 feeds unless `--feeds` says otherwise), `--keep
//! DIR`, and `--frontpage BINARY` to measure another build (say, an older commit's) instead
//! of this tree's.

use std::collections::HashSet;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{Context as _, bail, ensure};
use flate2::Compression;
use flate2::write::GzEncoder;
use frontpage::model::{
    Engagement, EntryKey, FeedId, ParsedEntry, ParsedFeed, Timestamp, Validators,
};
use frontpage::store::{ConfiguredFeed, Store};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use serde::Serialize;
use url::Url;

const USAGE: &str = "usage: cargo run --release --example bench [-- --feeds N[,N…]] \
[--store-entries M] [--store-feeds F] [--runs R] [--cold-runs K] [--phase fetch|store|all|serve] \
[--keep DIR] [--frontpage BINARY]";

/// The clock of every run (`--now`): the corpus is dated relative to it, so runs are
/// reproducible.
const NOW: &str = "2026-11-28T12:00:00Z";

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

/// Seeds of the two corpora: the same flags always give the same bytes.
const FETCH_SEED: u64 = 0x6672_6f6e_7470_6167;
const STORE_SEED: u64 = 0x7374_6f72_6531_6d31;

/// The share of distinct stories carried by several feeds.
const SHARED_STORIES: f64 = 0.10;

/// The share of feeds that change between the warm run and the run after it.
const CHANGED_FEEDS: f64 = 0.05;

/// When the run after the change happens, after the cold run's `--now`.
const CHANGED_RUN_AFTER: i64 = 12 * HOUR;

/// How much of its history each `record_fetched` call of the store build carries.
const STORE_BATCH_SPAN: i64 = 30 * DAY;

/// Tags of the generated feeds (each feed gets one; each tag has pages of its own).
const TAGS: [&str; 3] = ["security", "programming", "science"];

/// Targets of SPEC §10 on a 2-core machine. The time targets are for a corpus of
/// [`TARGET_FEEDS`] feeds; the memory target holds at any size.
const TARGET_FEEDS: usize = 1000;
/// The corpus sizes measured unless `--feeds` says otherwise: the targets' size, and five
/// times it to show how memory grows with the number of feeds (issue 10 asks for both).
const DEFAULT_FEEDS: [usize; 2] = [TARGET_FEEDS, 5 * TARGET_FEEDS];
const TARGET_COLD_S: f64 = 3.0;
const TARGET_WARM_S: f64 = 0.5;
const TARGET_RSS_MIB: f64 = 100.0;
const TARGET_PUBLISH_MS: f64 = 100.0;
const TARGET_QUERY_MS: f64 = 50.0;

fn main() -> anyhow::Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let binary = match &args.frontpage {
        Some(binary) => binary.clone(),
        None => frontpage_binary()?,
    };
    let meter = Meter::detect();
    let workspace = match &args.keep {
        Some(folder) => {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
            Workspace::Kept(folder.clone())
        }
        None => Workspace::Temporary(tempfile::tempdir()?),
    };
    let now = Timestamp::parse_rfc3339(NOW).context("NOW is RFC 3339")?;
    let mut report = Report {
        machine: machine(),
        frontpage: match &args.frontpage {
            Some(binary) => binary.display().to_string(),
            None => frontpage_version(),
        },
        measured_with: meter.describe(),
        now: NOW.to_string(),
        fetch: Vec::new(),
        store: None,
    };
    if args.phase == Phase::Serve {
        return serve_corpus(&args, workspace.path(), now);
    }
    if args.phase != Phase::Store {
        for &n_feeds in &args.feeds {
            report.fetch.push(fetch_benchmark(
                &args,
                n_feeds,
                &binary,
                &meter,
                workspace.path(),
                now,
            )?);
        }
    }
    if args.phase != Phase::Fetch && args.store_entries > 0 {
        report.store = Some(store_benchmark(
            &args,
            &binary,
            &meter,
            workspace.path(),
            now,
        )?);
    }
    print!("{}", render_report(&report));
    let written = write_report(&args, &report)?;
    println!("\nreport written to {}", written.display());
    if let Workspace::Kept(folder) = &workspace {
        println!("kept the corpora and databases in {}", folder.display());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Arguments and workspace
// ---------------------------------------------------------------------------------------

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Fetch,
    Store,
    All,
    /// Generate the fetch corpus, serve it and wait (to profile a command by hand).
    Serve,
}

#[derive(Debug)]
struct Args {
    /// The fetch corpus's sizes: the fetch benchmark runs once for each, in this order.
    feeds: Vec<usize>,
    store_entries: usize,
    store_feeds: usize,
    runs: usize,
    /// How many cold fetches into empty databases the "cold, fetch only" row is the median of.
    cold_runs: usize,
    keep: Option<PathBuf>,
    /// A frontpage binary to measure instead of building this tree's (to compare builds).
    frontpage: Option<PathBuf>,
    phase: Phase,
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> anyhow::Result<Args> {
    // (the default depends on the phase: `serve` serves one corpus)
    let mut feeds: Option<Vec<usize>> = None;
    let mut args = Args {
        feeds: Vec::new(),
        store_entries: 1_000_000,
        store_feeds: 1000,
        runs: 20,
        cold_runs: 3,
        keep: None,
        frontpage: None,
        phase: Phase::All,
    };
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = match inline {
            Some(value) => value,
            None => raw
                .next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))?,
        };
        match flag.as_str() {
            "--feeds" => {
                feeds = Some(
                    value
                        .split(',')
                        .map(|number| count(&flag, number.trim()))
                        .collect::<anyhow::Result<_>>()?,
                );
            }
            "--store-entries" => args.store_entries = count(&flag, &value)?,
            "--store-feeds" => args.store_feeds = count(&flag, &value)?,
            "--runs" => args.runs = count(&flag, &value)?,
            "--cold-runs" => args.cold_runs = count(&flag, &value)?,
            "--keep" => args.keep = Some(PathBuf::from(value)),
            "--frontpage" => args.frontpage = Some(PathBuf::from(value)),
            "--phase" => {
                args.phase = match value.as_str() {
                    "fetch" => Phase::Fetch,
                    "store" => Phase::Store,
                    "all" => Phase::All,
                    "serve" => Phase::Serve,
                    other => {
                        bail!("--phase is fetch, store, all or serve, not {other:?}\n{USAGE}")
                    }
                }
            }
            other => bail!("unexpected argument {other:?}\n{USAGE}"),
        }
    }
    args.feeds = match feeds {
        Some(feeds) => feeds,
        None if args.phase == Phase::Serve => vec![TARGET_FEEDS],
        None => DEFAULT_FEEDS.to_vec(),
    };
    ensure!(
        args.feeds.iter().all(|&n_feeds| n_feeds >= 20),
        "--feeds must be at least 20"
    );
    ensure!(
        args.phase != Phase::Serve || args.feeds.len() == 1,
        "--phase serve serves one corpus: give --feeds one number"
    );
    ensure!(args.runs >= 1, "--runs must be at least 1");
    ensure!(args.cold_runs >= 1, "--cold-runs must be at least 1");
    ensure!(
        args.store_entries == 0 || args.store_feeds >= 20,
        "--store-feeds must be at least 20"
    );
    Ok(args)
}

/// A count like `1000` or `1_000_000`.
fn count(flag: &str, text: &str) -> anyhow::Result<usize> {
    text.replace('_', "")
        .parse()
        .with_context(|| format!("{flag} takes a whole number, not {text:?}"))
}

/// Where the corpora and databases live: a temporary folder, or the one given to `--keep`.
enum Workspace {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl Workspace {
    fn path(&self) -> &Path {
        match self {
            Workspace::Temporary(folder) => folder.path(),
            Workspace::Kept(folder) => folder,
        }
    }
}

/// `target/<profile>`, the folder of this example's own executable's parent.
fn profile_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the bench executable")?;
    // target/<profile>/examples/bench
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("the bench executable is not under target/<profile>/examples")
}

/// The frontpage binary of the same profile as this example, built (or brought up to date)
/// first: `cargo run --example` builds the library but not the binary.
fn frontpage_binary() -> anyhow::Result<PathBuf> {
    let profile = profile_dir()?;
    let binary = profile.join("frontpage");
    let release = profile.file_name().is_some_and(|name| name == "release");
    if !release || cfg!(debug_assertions) {
        eprintln!(
            "bench: WARNING: this is not a release build; the numbers mean nothing. \
             Use `cargo run --release --example bench`."
        );
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--bin", "frontpage"]);
    if release {
        build.arg("--release");
    }
    eprintln!(
        "bench: building {} (cargo build{} --bin frontpage)",
        binary.display(),
        if release { " --release" } else { "" }
    );
    let built = build.status().is_ok_and(|status| status.success());
    if !built {
        ensure!(
            binary.exists(),
            "cannot build {}; build it with `cargo build --release --bin frontpage`",
            binary.display()
        );
        eprintln!(
            "bench: WARNING: the build failed; measuring the existing {}, which may be stale",
            binary.display()
        );
    }
    Ok(binary)
}

/// What ran the benchmark.
#[derive(Debug, Serialize)]
struct Machine {
    cores: usize,
    cpu: String,
    memory_mib: u64,
    /// The 1-minute load average when the benchmark started.
    load_at_start: f64,
}

fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0);
    Machine {
        cores: std::thread::available_parallelism().map_or(0, usize::from),
        cpu,
        memory_mib: memory_kib / 1024,
        load_at_start: load_average(),
    }
}

/// The commit measured (`git describe --always --dirty`), when git can tell.
fn frontpage_version() -> String {
    Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

// ---------------------------------------------------------------------------------------
// Deterministic randomness and text
// ---------------------------------------------------------------------------------------

/// xorshift64*: tiny, fast and good enough for test data; seeded through splitmix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix64(seed) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One seed from several numbers.
fn seed_of(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5eed_u64, |seed, part| {
        splitmix64(seed ^ splitmix64(*part))
    })
}

/// Content words of headlines, most frequent first (none is a stop word of `dedup`).
#[rustfmt::skip]
const COMMON_WORDS: &[&str] = &[
    "security", "linux", "google", "microsoft", "apple", "kernel", "rust", "python", "patch",
    "vulnerability", "attack", "ransomware", "browser", "chrome", "firefox", "android", "iphone",
    "windows", "server", "cloud", "database", "source", "release", "model", "privacy", "data",
    "breach", "hackers", "malware", "phishing", "exploit", "researchers", "study", "court",
    "government", "police", "startup", "funding", "chip", "intel", "nvidia", "quantum", "space",
    "nasa", "rocket", "climate", "energy", "battery", "electric", "tesla", "network", "internet",
    "router", "firmware", "compiler", "language", "programming", "developer", "github", "library",
    "framework", "performance", "memory", "crash", "outage", "users", "accounts", "passwords",
    "encryption", "backdoor", "spyware", "supply", "chain", "package", "crate", "container",
    "docker", "kubernetes", "service", "tool", "open", "critical", "flaw", "zero", "day", "bug",
    "bounty", "leak", "million", "billion", "fine", "regulators", "europe", "china", "russia",
    "ukraine", "election", "social", "media", "meta", "amazon", "openai", "anthropic", "chatbot",
    "training", "robot", "drone", "satellite", "telescope", "physics", "biology", "genome",
    "vaccine", "medical", "hospital", "school", "university", "students", "workers", "layoffs",
    "union", "strike", "market", "stock", "crypto", "bitcoin", "wallet", "exchange", "bank",
    "payment", "fraud", "scam", "identity", "authentication", "token", "certificate", "domain",
    "dns", "email", "spam", "botnet", "ddos", "firewall", "vpn", "proxy", "tor", "surveillance",
    "camera", "phone", "laptop", "desktop", "display", "keyboard", "storage", "disk", "backup",
    "filesystem", "terminal", "shell", "editor", "emacs", "vim", "git", "repository", "commit",
    "review", "testing", "fuzzing", "sandbox", "isolation", "virtual", "machine", "hypervisor",
    "webassembly", "javascript", "typescript", "golang", "java", "swift", "kotlin", "haskell",
    "postgres", "sqlite", "redis", "kafka", "search", "index", "query", "cache", "latency",
    "benchmark", "faster", "smaller", "release", "version", "support", "deprecated", "legacy",
    "migration", "upgrade", "standard", "protocol", "specification", "draft", "proposal",
];

/// Filler between content words in body text.
#[rustfmt::skip]
const FILLER: &[&str] = &[
    "the", "and", "of", "to", "in", "for", "with", "on", "that", "this", "from", "by", "is", "was",
    "as", "at", "it", "an", "be", "are",
];

/// Categories entries carry.
#[rustfmt::skip]
const CATEGORIES: &[&str] = &[
    "Security", "Linux", "Programming", "Rust", "Python", "AI", "Privacy", "Cloud", "Hardware",
    "Science", "Space", "Policy", "Business", "Open Source", "Web", "Mobile", "Databases",
    "Networking", "Crypto", "Research",
];

/// Syllables of the invented words that make up the long tail of the vocabulary.
#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "ka", "ro", "mi", "ten", "sol", "var", "bel", "dor", "fin", "gal", "hem", "lor", "mar", "nov",
    "pra", "qui", "ras", "tel", "ur", "vex", "wil", "xan", "yor", "zen", "bri", "cor", "del", "est",
    "fro", "gri", "hal", "ith", "jor", "kel", "lun", "mos", "nar", "ost", "pel", "rin", "sta",
    "tor", "ulm", "ven", "wor", "ys", "zal", "tra", "ple", "dra",
];

#[rustfmt::skip]
const MONTH_WORDS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "january",
    "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december",
];

/// Headline words with Zipf-like frequencies: a few common words, a long tail.
struct Vocabulary {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

/// Zipf exponent and size of the vocabulary: the most frequent word is in about one headline
/// in ten, as "security" might be in a security feed; most words are rare.
const ZIPF_EXPONENT: f64 = 0.6;
const VOCABULARY_SIZE: usize = 4000;

impl Vocabulary {
    fn new() -> Vocabulary {
        let stop: HashSet<&str> = frontpage::dedup::STOP_WORDS
            .iter()
            .chain(MONTH_WORDS)
            .copied()
            .collect();
        let mut seen: HashSet<String> = HashSet::new();
        let mut words: Vec<String> = Vec::with_capacity(VOCABULARY_SIZE);
        for word in COMMON_WORDS {
            if !stop.contains(word) && seen.insert((*word).to_string()) {
                words.push((*word).to_string());
            }
        }
        let mut rng = Rng::new(0x766f_6361_6275_6c61);
        while words.len() < VOCABULARY_SIZE {
            let n_syllables = rng.range(2, 3);
            let word: String = (0..n_syllables).map(|_| *rng.pick(SYLLABLES)).collect();
            if word.len() >= 4 && !stop.contains(word.as_str()) && seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut cumulative = Vec::with_capacity(words.len());
        let mut total = 0.0;
        for rank in 1..=words.len() {
            total += 1.0 / (rank as f64).powf(ZIPF_EXPONENT);
            cumulative.push(total);
        }
        Vocabulary { words, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = rng.unit() * total;
        let rank = self
            .cumulative
            .partition_point(|&cumulative| cumulative < target)
            .min(self.words.len() - 1);
        &self.words[rank]
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A headline of 6–10 words, some of them numbers (versions, CVE ids, counts).
fn headline(rng: &mut Rng, vocabulary: &Vocabulary) -> String {
    let n_words = rng.range(6, 10);
    let mut words: Vec<String> = Vec::with_capacity(n_words as usize);
    for _ in 0..n_words {
        let word = if rng.chance(0.12) {
            match rng.below(3) {
                0 => format!("CVE-2026-{}", rng.range(1000, 99_999)),
                1 => format!("{}.{}", rng.range(1, 20), rng.range(0, 99)),
                _ => rng.range(2, 999).to_string(),
            }
        } else {
            vocabulary.word(rng).to_string()
        };
        words.push(word);
    }
    capitalize(&words.join(" "))
}

/// One sentence of body text.
fn sentence(rng: &mut Rng, vocabulary: &Vocabulary, out: &mut String) {
    let n_words = rng.range(8, 20);
    for position in 0..n_words {
        let word = if rng.chance(0.4) {
            *rng.pick(FILLER)
        } else {
            vocabulary.word(rng)
        };
        if position == 0 {
            out.push_str(&capitalize(word));
        } else {
            out.push(' ');
            out.push_str(word);
        }
    }
    out.push_str(". ");
}

/// About `size` bytes of article HTML: paragraphs with links and emphasis, lists, code,
/// quotes and images.
fn article_html(rng: &mut Rng, vocabulary: &Vocabulary, size: usize, site: &str) -> String {
    let mut html = String::with_capacity(size + 512);
    while html.len() < size {
        match rng.below(12) {
            0 => {
                html.push_str("<ul>");
                for _ in 0..rng.range(2, 5) {
                    html.push_str("<li>");
                    sentence(rng, vocabulary, &mut html);
                    html.push_str("</li>");
                }
                html.push_str("</ul>\n");
            }
            1 => {
                let _ = write!(
                    html,
                    "<pre><code>$ {} --{} {}\nfn {}() -&gt; Result&lt;(), Error&gt; {{ Ok(()) }}\n</code></pre>\n",
                    vocabulary.word(rng),
                    vocabulary.word(rng),
                    vocabulary.word(rng),
                    vocabulary.word(rng)
                );
            }
            2 => {
                html.push_str("<blockquote><p>");
                sentence(rng, vocabulary, &mut html);
                html.push_str("</p></blockquote>\n");
            }
            3 => {
                let _ = writeln!(
                    html,
                    "<figure><img src=\"https://cdn.{site}/img/{}.jpg\" alt=\"{}\" \
                     width=\"640\" height=\"360\"><figcaption>{}</figcaption></figure>",
                    rng.next_u64() % 1_000_000,
                    vocabulary.word(rng),
                    capitalize(vocabulary.word(rng))
                );
            }
            _ => {
                html.push_str("<p>");
                for _ in 0..rng.range(2, 5) {
                    sentence(rng, vocabulary, &mut html);
                }
                match rng.below(3) {
                    0 => {
                        let _ = write!(
                            html,
                            "See <a href=\"https://www.{site}/{}/{}\">{} {}</a>.",
                            vocabulary.word(rng),
                            rng.range(1, 99_999),
                            vocabulary.word(rng),
                            vocabulary.word(rng)
                        );
                    }
                    1 => {
                        let _ = write!(
                            html,
                            "<strong>{}</strong> <em>{}</em>.",
                            capitalize(vocabulary.word(rng)),
                            vocabulary.word(rng)
                        );
                    }
                    _ => {}
                }
                html.push_str("</p>\n");
            }
        }
    }
    html
}

/// Text with the five XML special characters escaped.
fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

// ---------------------------------------------------------------------------------------
// The corpus: which feed carries which story, when
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FeedKind {
    Rss2,
    Atom,
    Rdf,
}

/// Exactly 60 % RSS 2.0, 30 % Atom and 10 % RSS 1.0, interleaved.
fn feed_kind(index: usize) -> FeedKind {
    match (index * 7) % 10 {
        0..=5 => FeedKind::Rss2,
        6..=8 => FeedKind::Atom,
        _ => FeedKind::Rdf,
    }
}

/// A story: its text comes from `seed`, its link from the site that published it.
#[derive(Debug, Clone, Copy)]
struct StorySpec {
    seed: u64,
    /// A news site (`news0042.example`) for shared stories, else the carrying feed's site.
    publisher: u32,
    shared: bool,
    /// When it was first published: the date in its link.
    base_time: i64,
}

/// One entry of a feed.
#[derive(Debug, Clone, Copy)]
struct Slot {
    story: u32,
    published: i64,
    /// Which variation of the story's link this feed uses (0 = the canonical one).
    link_variant: u8,
    /// Whether the feed appends its own name to the headline ("… | Site").
    suffix: bool,
    /// Bumped when the feed edits the entry.
    revision: u8,
}

struct PlannedFeed {
    kind: FeedKind,
    /// Oldest first.
    slots: Vec<Slot>,
    /// Whether items carry `slash:comments` counts (and the feed's own order is a signal).
    engagement: bool,
    /// RSS and Atom: full HTML in `content:encoded`/`content` beside a short summary.
    full_content: bool,
    /// The feed's display name, one invented word ("Kavorine").
    display: String,
}

struct Plan {
    seed: u64,
    feeds: Vec<PlannedFeed>,
    stories: Vec<StorySpec>,
    /// Bytes of HTML per entry, low and high.
    html_size: (usize, usize),
}

impl Plan {
    /// `n_feeds` feeds of `per_feed` entries each (drawn per feed), dated in `[start, end)`;
    /// a tenth of the distinct stories are carried by 2–6 feeds within six hours.
    fn new(
        seed: u64,
        n_feeds: usize,
        per_feed: &dyn Fn(&mut Rng, usize) -> usize,
        (start, end): (i64, i64),
        html_size: (usize, usize),
        vocabulary: &Vocabulary,
    ) -> Plan {
        let mut rng = Rng::new(seed);
        let mut targets = Vec::with_capacity(n_feeds);
        let mut feeds = Vec::with_capacity(n_feeds);
        for index in 0..n_feeds {
            let mut feed_rng = Rng::new(seed_of(&[seed, 1, index as u64]));
            targets.push(per_feed(&mut feed_rng, index));
            let kind = feed_kind(index);
            feeds.push(PlannedFeed {
                kind,
                slots: Vec::new(),
                engagement: kind == FeedKind::Rss2 && index % 20 == 3,
                full_content: feed_rng.chance(0.5),
                display: capitalize(&vocabulary.words[300 + feed_rng.index(3000)]),
            });
        }
        let total: usize = targets.iter().sum();
        // distinct = unique + shared; entries = unique + 4 × shared (2–6 feeds, 4 on average);
        // shared = 10 % of distinct, so distinct = entries / 1.3.
        let n_shared = ((total as f64 / (1.0 + 3.0 * SHARED_STORIES)) * SHARED_STORIES) as usize;
        let mut stories: Vec<StorySpec> = Vec::with_capacity(total);
        let span = (end - start - 6 * HOUR).max(1) as u64;
        for _ in 0..n_shared {
            let story = stories.len() as u32;
            let base_time = start + rng.below(span) as i64;
            stories.push(StorySpec {
                seed: rng.next_u64(),
                publisher: rng.below(500) as u32,
                shared: true,
                base_time,
            });
            let n_carriers = (rng.range(2, 6) as usize).min(n_feeds);
            let mut carriers: Vec<usize> = Vec::with_capacity(n_carriers);
            while carriers.len() < n_carriers {
                let feed = rng.index(n_feeds);
                if !carriers.contains(&feed) {
                    carriers.push(feed);
                }
            }
            for (position, feed) in carriers.into_iter().enumerate() {
                let published = (base_time + rng.below(6 * HOUR as u64) as i64).min(end - 1);
                feeds[feed].slots.push(Slot {
                    story,
                    published,
                    link_variant: if position == 0 {
                        0
                    } else {
                        rng.range(1, 5) as u8
                    },
                    suffix: position > 0 && rng.chance(0.25),
                    revision: 0,
                });
            }
        }
        let span = (end - start).max(1) as u64;
        for (index, feed) in feeds.iter_mut().enumerate() {
            let missing = targets[index].saturating_sub(feed.slots.len());
            for _ in 0..missing {
                let story = stories.len() as u32;
                let published = start + rng.below(span) as i64;
                stories.push(StorySpec {
                    seed: rng.next_u64(),
                    publisher: index as u32,
                    shared: false,
                    base_time: published,
                });
                feed.slots.push(Slot {
                    story,
                    published,
                    link_variant: 0,
                    suffix: false,
                    revision: 0,
                });
            }
            feed.slots.sort_by_key(|slot| (slot.published, slot.story));
        }
        Plan {
            seed,
            feeds,
            stories,
            html_size,
        }
    }

    fn n_entries(&self) -> usize {
        self.feeds.iter().map(|feed| feed.slots.len()).sum()
    }

    fn n_shared_stories(&self) -> usize {
        self.stories.iter().filter(|story| story.shared).count()
    }

    fn n_shared_entries(&self) -> usize {
        self.feeds
            .iter()
            .flat_map(|feed| &feed.slots)
            .filter(|slot| self.stories[slot.story as usize].shared)
            .count()
    }

    /// Changes `share` of the feeds: each gains 1–3 new entries dated in `[from, to)` (its
    /// oldest ones drop out of the document) and edits its newest old entry. Returns the
    /// indexes of the changed feeds.
    fn change_feeds(&mut self, share: f64, (from, to): (i64, i64)) -> Vec<usize> {
        let mut rng = Rng::new(seed_of(&[self.seed, 2]));
        let n_changed = ((self.feeds.len() as f64 * share).round() as usize).max(1);
        let mut changed: Vec<usize> = Vec::with_capacity(n_changed);
        while changed.len() < n_changed {
            let feed = rng.index(self.feeds.len());
            if !changed.contains(&feed) {
                changed.push(feed);
            }
        }
        changed.sort_unstable();
        for &index in &changed {
            let n_new = rng.range(1, 3) as usize;
            let feed = &mut self.feeds[index];
            if let Some(newest) = feed.slots.last_mut() {
                newest.revision += 1;
            }
            let n_dropped = n_new.min(feed.slots.len().saturating_sub(1));
            feed.slots.drain(..n_dropped);
            for _ in 0..n_new {
                let story = self.stories.len() as u32;
                let published = from + rng.below((to - from).max(1) as u64) as i64;
                self.stories.push(StorySpec {
                    seed: rng.next_u64(),
                    publisher: index as u32,
                    shared: false,
                    base_time: published,
                });
                feed.slots.push(Slot {
                    story,
                    published,
                    link_variant: 0,
                    suffix: false,
                    revision: 0,
                });
            }
            feed.slots.sort_by_key(|slot| (slot.published, slot.story));
        }
        changed
    }

    /// The text of one entry as feed `index` carries it.
    fn entry(&self, vocabulary: &Vocabulary, index: usize, slot: &Slot) -> EntryText {
        let feed = &self.feeds[index];
        let story = &self.stories[slot.story as usize];
        let site = site_host(index);
        let mut title = headline(&mut Rng::new(story.seed), vocabulary);
        if slot.suffix {
            let _ = write!(title, " | {}", feed.display);
        }
        if slot.revision > 0 {
            let _ = write!(title, " (revised {})", slot.revision);
        }
        let mut rng = Rng::new(seed_of(&[
            story.seed,
            index as u64,
            u64::from(slot.revision),
        ]));
        let (low, high) = self.html_size;
        let size = rng.range(low as u64, high as u64) as usize;
        let html = article_html(&mut rng, vocabulary, size, &site);
        let link = story_link(
            story,
            slot.story,
            &title_slug(&title),
            slot.link_variant,
            &site,
        );
        let guid = match feed.kind {
            FeedKind::Rss2 if index.is_multiple_of(3) => Guid::Permalink,
            FeedKind::Rss2 => Guid::Opaque(format!("{}-{}", site_name(index), slot.story)),
            FeedKind::Atom => Guid::Opaque(format!("tag:{site},2026:{}", slot.story)),
            FeedKind::Rdf => Guid::None,
        };
        let n_categories = rng.range(1, 3);
        let categories = (0..n_categories)
            .map(|_| (*rng.pick(CATEGORIES)).to_string())
            .collect();
        let author = format!(
            "{} {}",
            capitalize(vocabulary.word(&mut rng)),
            capitalize(vocabulary.word(&mut rng))
        );
        let comments = feed.engagement.then(|| rng.below(500));
        EntryText {
            title,
            link,
            guid,
            html,
            author,
            categories,
            published: slot.published,
            comments,
        }
    }
}

enum Guid {
    /// The link is the guid.
    Permalink,
    /// A guid of the feed's own.
    Opaque(String),
    /// None at all (RSS 1.0 identifies items by their link).
    None,
}

struct EntryText {
    title: String,
    link: String,
    guid: Guid,
    html: String,
    author: String,
    categories: Vec<String>,
    published: i64,
    comments: Option<u64>,
}

fn site_name(index: usize) -> String {
    format!("site{index:05}")
}

fn site_host(index: usize) -> String {
    format!("site{index:05}.example")
}

/// The first words of a headline, for a link's path.
fn title_slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(6)
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

/// The story's link as one feed writes it: variant 0 is the publisher's canonical link; the
/// others differ in scheme, `www.`, a trailing slash or tracking parameters, which
/// `canon::canonical_link` removes.
fn story_link(story: &StorySpec, id: u32, slug: &str, variant: u8, carrier: &str) -> String {
    let host = if story.shared {
        format!("news{:04}.example", story.publisher)
    } else {
        site_host(story.publisher as usize)
    };
    let date = Timestamp::from_unix(story.base_time).to_chrono();
    let path = format!("{}/{}-{id}", date.format("%Y/%m"), slug);
    let campaign = format!("utm_source={carrier}&utm_medium=rss&utm_campaign=feed");
    match variant {
        1 => format!("http://www.{host}/{path}"),
        2 => format!("https://{host}/{path}"),
        3 => format!("https://www.{host}/{path}/"),
        4 => format!("https://www.{host}/{path}?{campaign}"),
        5 => format!("http://{host}/{path}/?{campaign}"),
        _ => format!("https://www.{host}/{path}"),
    }
}

fn rfc2822(time: i64) -> String {
    Timestamp::from_unix(time).to_chrono().to_rfc2822()
}

/// The first `limit` bytes of the text of `html` (tags removed), cut at a character boundary.
fn plain_summary(html: &str, limit: usize) -> String {
    let mut text = String::with_capacity(limit + 8);
    let mut in_tag = false;
    for character in html.chars() {
        match character {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '\n' => {}
            _ if !in_tag => text.push(character),
            _ => {}
        }
        if text.len() >= limit {
            text.push('…');
            break;
        }
    }
    text
}

/// Feed `index` of the plan as an XML document; `updated` is its last build time.
fn render_feed(
    plan: &Plan,
    vocabulary: &Vocabulary,
    index: usize,
    feed_url: &str,
    updated: i64,
) -> String {
    let feed = &plan.feeds[index];
    let site = site_host(index);
    let title = xml_escape(&format!("{} News", feed.display));
    let entries: Vec<EntryText> = feed
        .slots
        .iter()
        .rev()
        .map(|slot| plan.entry(vocabulary, index, slot))
        .collect();
    let size: usize = entries.iter().map(|entry| entry.html.len() + 800).sum();
    let mut xml = String::with_capacity(size + 1024);
    match feed.kind {
        FeedKind::Rss2 => {
            let _ = write!(
                xml,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
                 xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
                 xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
                 xmlns:slash=\"http://purl.org/rss/1.0/modules/slash/\">\n<channel>\n\
                 <title>{title}</title>\n<link>https://www.{site}/</link>\n\
                 <atom:link href=\"{feed_url}\" rel=\"self\" type=\"application/rss+xml\"/>\n\
                 <description>News from {title}</description>\n<language>en</language>\n\
                 <lastBuildDate>{}</lastBuildDate>\n<generator>frontpage bench</generator>\n",
                rfc2822(updated)
            );
            for entry in &entries {
                let link = xml_escape(&entry.link);
                let _ = write!(
                    xml,
                    "<item>\n<title>{}</title>\n<link>{link}</link>\n",
                    xml_escape(&entry.title)
                );
                match &entry.guid {
                    Guid::Permalink => {
                        let _ = writeln!(xml, "<guid>{link}</guid>");
                    }
                    Guid::Opaque(guid) => {
                        let _ = writeln!(
                            xml,
                            "<guid isPermaLink=\"false\">{}</guid>",
                            xml_escape(guid)
                        );
                    }
                    Guid::None => {}
                }
                let _ = write!(
                    xml,
                    "<pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n",
                    rfc2822(entry.published),
                    xml_escape(&entry.author)
                );
                for category in &entry.categories {
                    let _ = writeln!(xml, "<category>{}</category>", xml_escape(category));
                }
                if feed.full_content {
                    let _ = write!(
                        xml,
                        "<description>{}</description>\n\
                         <content:encoded><![CDATA[{}]]></content:encoded>\n",
                        xml_escape(&plain_summary(&entry.html, 240)),
                        entry.html
                    );
                } else {
                    let _ = writeln!(xml, "<description><![CDATA[{}]]></description>", entry.html);
                }
                if let Some(comments) = entry.comments {
                    let _ = write!(
                        xml,
                        "<comments>{link}#comments</comments>\n\
                         <slash:comments>{comments}</slash:comments>\n"
                    );
                }
                xml.push_str("</item>\n");
            }
            xml.push_str("</channel>\n</rss>\n");
        }
        FeedKind::Atom => {
            let _ = write!(
                xml,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                 <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">\n\
                 <title>{title}</title>\n<subtitle>News from {title}</subtitle>\n\
                 <link href=\"https://www.{site}/\" rel=\"alternate\" type=\"text/html\"/>\n\
                 <link href=\"{feed_url}\" rel=\"self\"/>\n<id>tag:{site},2026:feed</id>\n\
                 <updated>{}</updated>\n",
                Timestamp::from_unix(updated).to_rfc3339()
            );
            for entry in &entries {
                let id = match &entry.guid {
                    Guid::Opaque(guid) => xml_escape(guid),
                    Guid::Permalink | Guid::None => xml_escape(&entry.link),
                };
                let published = Timestamp::from_unix(entry.published).to_rfc3339();
                let _ = write!(
                    xml,
                    "<entry>\n<title type=\"text\">{}</title>\n\
                     <link href=\"{}\" rel=\"alternate\" type=\"text/html\"/>\n<id>{id}</id>\n\
                     <published>{published}</published>\n<updated>{published}</updated>\n\
                     <author><name>{}</name></author>\n",
                    xml_escape(&entry.title),
                    xml_escape(&entry.link),
                    xml_escape(&entry.author)
                );
                for category in &entry.categories {
                    let _ = writeln!(xml, "<category term=\"{}\"/>", xml_escape(category));
                }
                if feed.full_content {
                    let _ = write!(
                        xml,
                        "<summary type=\"text\">{}</summary>\n\
                         <content type=\"html\">{}</content>\n",
                        xml_escape(&plain_summary(&entry.html, 240)),
                        xml_escape(&entry.html)
                    );
                } else {
                    let _ = writeln!(
                        xml,
                        "<summary type=\"html\">{}</summary>",
                        xml_escape(&entry.html)
                    );
                }
                xml.push_str("</entry>\n");
            }
            xml.push_str("</feed>\n");
        }
        FeedKind::Rdf => {
            let _ = write!(
                xml,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                 xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
                 <channel rdf:about=\"{feed_url}\">\n<title>{title}</title>\n\
                 <link>https://www.{site}/</link>\n<description>News from {title}</description>\n\
                 <dc:date>{}</dc:date>\n<items>\n<rdf:Seq>\n",
                Timestamp::from_unix(updated).to_rfc3339()
            );
            for entry in &entries {
                let _ = writeln!(
                    xml,
                    "<rdf:li rdf:resource=\"{}\"/>",
                    xml_escape(&entry.link)
                );
            }
            xml.push_str("</rdf:Seq>\n</items>\n</channel>\n");
            for entry in &entries {
                let link = xml_escape(&entry.link);
                let _ = write!(
                    xml,
                    "<item rdf:about=\"{link}\">\n<title>{}</title>\n<link>{link}</link>\n\
                     <description>{}</description>\n<dc:date>{}</dc:date>\n\
                     <dc:creator>{}</dc:creator>\n",
                    xml_escape(&entry.title),
                    xml_escape(&entry.html),
                    Timestamp::from_unix(entry.published).to_rfc3339(),
                    xml_escape(&entry.author)
                );
                for category in &entry.categories {
                    let _ = writeln!(xml, "<dc:subject>{}</dc:subject>", xml_escape(category));
                }
                xml.push_str("</item>\n");
            }
            xml.push_str("</rdf:RDF>\n");
        }
    }
    xml
}

// ---------------------------------------------------------------------------------------
// The loopback feed server
// ---------------------------------------------------------------------------------------

/// One feed document as served: gzip-compressed once, with its validators.
struct Doc {
    gzip: Bytes,
    plain_len: u64,
    etag: HeaderValue,
    last_modified: HeaderValue,
    content_type: &'static str,
    entries: u64,
}

impl Doc {
    fn new(xml: &str, kind: FeedKind, version: u32, modified: i64, entries: usize) -> Doc {
        let mut encoder = GzEncoder::new(Vec::with_capacity(xml.len() / 3), Compression::default());
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(xml.as_bytes());
        let gzip = encoder.finish().unwrap_or_default();
        let mut hash = seed_of(&[xml.len() as u64, u64::from(version)]);
        for chunk in xml.as_bytes().chunks(4096).take(4) {
            hash = seed_of(&[hash, chunk.len() as u64, u64::from(chunk[chunk.len() / 2])]);
        }
        let etag = format!("\"{hash:016x}-v{version}\"");
        let last_modified =
            httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(modified.max(0) as u64));
        Doc {
            gzip: Bytes::from(gzip),
            plain_len: xml.len() as u64,
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"x\"")),
            last_modified: HeaderValue::from_str(&last_modified)
                .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
            content_type: match kind {
                FeedKind::Rss2 => "application/rss+xml; charset=utf-8",
                FeedKind::Atom => "application/atom+xml; charset=utf-8",
                FeedKind::Rdf => "application/rdf+xml; charset=utf-8",
            },
            entries: entries as u64,
        }
    }
}

/// What the server saw since the counters were last taken.
#[derive(Debug, Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
    ok: AtomicU64,
    not_modified: AtomicU64,
    other: AtomicU64,
    entries: AtomicU64,
    gzip_bytes: AtomicU64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Traffic {
    connections: u64,
    requests: u64,
    ok: u64,
    not_modified: u64,
    other: u64,
    entries: u64,
    gzip_bytes: u64,
}

impl Counters {
    /// The counts so far, resetting them to zero.
    fn take(&self) -> Traffic {
        let take = |counter: &AtomicU64| counter.swap(0, Ordering::Relaxed);
        Traffic {
            connections: take(&self.connections),
            requests: take(&self.requests),
            ok: take(&self.ok),
            not_modified: take(&self.not_modified),
            other: take(&self.other),
            entries: take(&self.entries),
            gzip_bytes: take(&self.gzip_bytes),
        }
    }
}

struct ServerState {
    docs: RwLock<Vec<Arc<Doc>>>,
    counters: Counters,
    /// Whether responses carry `ETag` and `Last-Modified` and conditional requests are
    /// answered 304; off, every request gets the whole document.
    validators: AtomicBool,
}

/// An HTTP/1.1 server on 127.0.0.1 for `/feeds/NNNNN.xml`, on its own thread and
/// single-threaded tokio runtime: keep-alive, conditional GET (`If-None-Match` first, then an
/// exact `If-Modified-Since`), gzip when asked. It keeps counters, not a log, so it costs the
/// same for 5000 feeds as for 50.
struct FeedServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FeedServer {
    fn start(docs: Vec<Arc<Doc>>) -> anyhow::Result<FeedServer> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state = Arc::new(ServerState {
            docs: RwLock::new(docs),
            counters: Counters::default(),
            validators: AtomicBool::new(true),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("bench-feed-server".to_string())
            .spawn({
                let state = Arc::clone(&state);
                move || {
                    runtime.block_on(async move {
                        match tokio::net::TcpListener::from_std(listener) {
                            Ok(listener) => accept_loop(listener, state, stopped).await,
                            Err(error) => eprintln!("bench: feed server cannot start: {error}"),
                        }
                    });
                }
            })?;
        Ok(FeedServer {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn url(&self, index: usize) -> String {
        format!("http://{}{}", self.addr, feed_path(index))
    }

    fn replace(&self, index: usize, doc: Doc) {
        let mut docs = self
            .state
            .docs
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        docs[index] = Arc::new(doc);
    }

    /// Turns `ETag`, `Last-Modified` and 304 answers on or off.
    fn set_validators(&self, on: bool) {
        self.state.validators.store(on, Ordering::Relaxed);
    }

    fn take_traffic(&self) -> Traffic {
        self.state.counters.take()
    }
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn feed_path(index: usize) -> String {
    format!("/feeds/{index:05}.xml")
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    state: Arc<ServerState>,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                state.counters.connections.fetch_add(1, Ordering::Relaxed);
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let response = answer(&state, &request);
                        async move { Ok::<_, Infallible>(response) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

fn answer(state: &ServerState, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let counters = &state.counters;
    counters.requests.fetch_add(1, Ordering::Relaxed);
    let doc = request
        .uri()
        .path()
        .strip_prefix("/feeds/")
        .and_then(|rest| rest.strip_suffix(".xml"))
        .and_then(|number| number.parse::<usize>().ok())
        .and_then(|index| {
            let docs = state.docs.read().unwrap_or_else(PoisonError::into_inner);
            docs.get(index).cloned()
        });
    let Some(doc) = doc else {
        counters.other.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Full::new(Bytes::from_static(b"not found\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let headers = request.headers();
    let validators = state.validators.load(Ordering::Relaxed);
    let not_modified = validators
        && match headers.get(header::IF_NONE_MATCH) {
            Some(tags) => tags.to_str().is_ok_and(|tags| {
                tags.split(',')
                    .any(|tag| tag.trim().as_bytes() == doc.etag.as_bytes())
            }),
            None => headers.get(header::IF_MODIFIED_SINCE) == Some(&doc.last_modified),
        };
    let mut response = if not_modified {
        counters.not_modified.fetch_add(1, Ordering::Relaxed);
        let mut response = Response::new(Full::default());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        counters.ok.fetch_add(1, Ordering::Relaxed);
        counters.entries.fetch_add(doc.entries, Ordering::Relaxed);
        let gzip = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.contains("gzip"));
        let body = if gzip {
            counters
                .gzip_bytes
                .fetch_add(doc.gzip.len() as u64, Ordering::Relaxed);
            doc.gzip.clone()
        } else {
            let mut plain = Vec::with_capacity(doc.plain_len as usize);
            let _ = std::io::copy(&mut flate2::read::GzDecoder::new(&doc.gzip[..]), &mut plain);
            Bytes::from(plain)
        };
        let mut response = Response::new(Full::new(body));
        let response_headers = response.headers_mut();
        response_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(doc.content_type),
        );
        response_headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if gzip {
            response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        response
    };
    if validators {
        let response_headers = response.headers_mut();
        response_headers.insert(header::ETAG, doc.etag.clone());
        response_headers.insert(header::LAST_MODIFIED, doc.last_modified.clone());
    }
    response
}

// ---------------------------------------------------------------------------------------
// Measuring a child process
// ---------------------------------------------------------------------------------------

/// How CPU time and peak RSS of a child are read.
enum Meter {
    /// GNU time: the child's own rusage (`ru_utime`, `ru_stime`, `ru_maxrss`).
    GnuTime(PathBuf),
    /// `/proc`: waited-for children's CPU time from `/proc/self/stat`, `VmHWM` polled.
    Proc,
}

/// What one run of a command cost.
#[derive(Debug, Clone)]
struct Measured {
    wall: f64,
    user: f64,
    sys: f64,
    peak_rss_kib: Option<u64>,
    exit_code: Option<i32>,
    stderr: String,
}

impl Meter {
    fn detect() -> Meter {
        let time = PathBuf::from("/usr/bin/time");
        let gnu = Command::new(&time)
            .arg("--version")
            .output()
            .is_ok_and(|output| {
                let text = [output.stdout, output.stderr].concat();
                String::from_utf8_lossy(&text).contains("GNU")
            });
        if gnu {
            Meter::GnuTime(time)
        } else {
            eprintln!(
                "bench: GNU time not found at /usr/bin/time; reading /proc instead \
                 (peak RSS is polled every 2 ms and may miss a last spike)"
            );
            Meter::Proc
        }
    }

    fn describe(&self) -> String {
        match self {
            Meter::GnuTime(_) => "wall: Instant around the child; CPU and peak RSS: the child's \
                                  rusage via GNU time (ru_utime + ru_stime, ru_maxrss)"
                .to_string(),
            Meter::Proc => "wall: Instant around the child; CPU: cutime + cstime of \
                            /proc/self/stat; peak RSS: VmHWM of /proc/PID/status polled \
                            every 2 ms"
                .to_string(),
        }
    }

    /// Runs `binary args…` in `dir`, stdout discarded, and measures it.
    ///
    /// The disk catches up first (`sync`): a cold fetch of 5000 feeds writes about 1 GB that
    /// the kernel would otherwise still be writing back during the phases after it (the run
    /// after 5 % of 5000 feeds changed, on fresh copies of one database: 1.6-3.4 s without,
    /// 1.7-1.9 s with).
    fn run(&self, binary: &Path, args: &[String], dir: &Path) -> anyhow::Result<Measured> {
        // (where there is no `sync`, the measurement goes on without it)
        let _ = Command::new("sync").status();
        let stderr_path = dir.join(".bench-stderr");
        let stderr = std::fs::File::create(&stderr_path)?;
        let measured = match self {
            Meter::GnuTime(time) => {
                let rusage_path = dir.join(".bench-rusage");
                let started = Instant::now();
                let status = Command::new(time)
                    .args(["-f", "%e %U %S %M", "-o"])
                    .arg(&rusage_path)
                    .arg(binary)
                    .args(args)
                    .current_dir(dir)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(stderr)
                    .status()
                    .with_context(|| format!("cannot run {}", time.display()))?;
                let wall = started.elapsed().as_secs_f64();
                let rusage = std::fs::read_to_string(&rusage_path)?;
                // GNU time writes "Command exited with non-zero status N" first when it did.
                let fields: Vec<f64> = rusage
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|field| field.parse().ok())
                    .collect();
                ensure!(fields.len() == 4, "unexpected GNU time output {rusage:?}");
                Measured {
                    wall,
                    user: fields[1],
                    sys: fields[2],
                    peak_rss_kib: Some(fields[3] as u64),
                    exit_code: status.code(),
                    stderr: String::new(),
                }
            }
            Meter::Proc => {
                let ticks = clock_ticks_per_second();
                let before = children_cpu_ticks()?;
                let started = Instant::now();
                let mut child = Command::new(binary)
                    .args(args)
                    .current_dir(dir)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(stderr)
                    .spawn()
                    .with_context(|| format!("cannot run {}", binary.display()))?;
                let status_path = format!("/proc/{}/status", child.id());
                let mut peak_kib = 0;
                let status = loop {
                    if let Some(kib) = vm_hwm_kib(&status_path) {
                        peak_kib = peak_kib.max(kib);
                    }
                    if let Some(status) = child.try_wait()? {
                        break status;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                };
                let wall = started.elapsed().as_secs_f64();
                let after = children_cpu_ticks()?;
                Measured {
                    wall,
                    user: (after.0 - before.0) as f64 / ticks,
                    sys: (after.1 - before.1) as f64 / ticks,
                    peak_rss_kib: (peak_kib > 0).then_some(peak_kib),
                    exit_code: status.code(),
                    stderr: String::new(),
                }
            }
        };
        Ok(Measured {
            stderr: std::fs::read_to_string(&stderr_path).unwrap_or_default(),
            ..measured
        })
    }
}

/// Wall time of `binary args…` alone, without a meter in between; stdout discarded.
fn wall_time(binary: &Path, args: &[String], dir: &Path) -> anyhow::Result<(f64, bool)> {
    let started = Instant::now();
    let status = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    Ok((started.elapsed().as_secs_f64(), status.success()))
}

/// `(utime + cutime, stime + cstime)`-style fields of `/proc/self/stat`: the CPU ticks of
/// waited-for children (`children == true`) or of this process.
fn stat_ticks(children: bool) -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces), starting at field 3 (state).
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(1)
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    // utime is field 14 and cutime 16; `fields[0]` is field 4.
    let (user, system) = if children { (12, 13) } else { (10, 11) };
    ensure!(fields.len() > system, "unexpected /proc/self/stat");
    Ok((fields[user], fields[system]))
}

fn children_cpu_ticks() -> anyhow::Result<(u64, u64)> {
    stat_ticks(true)
}

/// CPU seconds this process (the feed server, mostly) has used so far.
fn own_cpu_seconds() -> f64 {
    stat_ticks(false).map_or(0.0, |(user, system)| {
        (user + system) as f64 / clock_ticks_per_second()
    })
}

/// `sysconf(_SC_CLK_TCK)`, through `getconf` (std has no sysconf); 100 on every common Linux.
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The 1-minute load average (`/proc/loadavg`): above 0 means other work shares the cores.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

fn vm_hwm_kib(status_path: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_path).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------
// The fetch benchmark
// ---------------------------------------------------------------------------------------

#[derive(Debug, Default, Serialize)]
struct CorpusStats {
    feeds: usize,
    rss2: usize,
    atom: usize,
    rss1: usize,
    entries: usize,
    stories: usize,
    shared_stories: usize,
    entries_of_shared_stories: usize,
    xml_mib: f64,
    gzip_mib: f64,
    generated_in_s: f64,
}

#[derive(Debug, Default, Serialize)]
struct PhaseReport {
    phase: String,
    command: String,
    wall_s: f64,
    user_s: f64,
    sys_s: f64,
    cpu_s: f64,
    peak_rss_mib: Option<f64>,
    requests: u64,
    responses_200: u64,
    responses_304: u64,
    responses_other: u64,
    connections: u64,
    requests_per_s: f64,
    entries_served: u64,
    entries_per_s: f64,
    gzip_mib_served: f64,
    server_cpu_s: f64,
    /// The 1-minute load average when the phase started: other work on the machine.
    load_before: f64,
    exit_code: Option<i32>,
    /// For a phase run several times: every run's wall time, in the order run (the row
    /// shows the median run, and the largest peak RSS of all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    wall_runs_s: Vec<f64>,
    target: Option<String>,
    /// The phase's wall-time target, if it has one, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    time_target_s: Option<f64>,
    meets_target: Option<bool>,
    /// For a phase run with `-vv`: frontpage's line on its writer thread (transactions,
    /// SQLite steps, busy and waiting time), which tells whether the writer bounded the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    writer: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct FetchReport {
    corpus: CorpusStats,
    changed_feeds: usize,
    phases: Vec<PhaseReport>,
    entries_stored: u64,
    entries_expected: usize,
    stories_stored: usize,
    stories_expected: usize,
}

fn fetch_benchmark(
    args: &Args,
    n_feeds: usize,
    binary: &Path,
    meter: &Meter,
    workspace: &Path,
    now: Timestamp,
) -> anyhow::Result<FetchReport> {
    let t0 = now.unix();
    let folder = workspace.join(format!("fetch-{n_feeds}"));
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .with_context(|| format!("cannot empty {}", folder.display()))?;
    }
    std::fs::create_dir_all(&folder)?;
    let (plan, vocabulary, server, urls, corpus) = serve_fetch_corpus(n_feeds, t0)?;
    let mut plan = plan;

    let config_path = folder.join("feeds.toml");
    std::fs::write(&config_path, fetch_config(&urls))?;
    let config = config_path.display().to_string();
    let command_in = |config: &str, at: i64, words: &[&str]| -> Vec<String> {
        let mut argv = vec![
            "--config".to_string(),
            config.to_string(),
            "--now".to_string(),
            Timestamp::from_unix(at).to_rfc3339(),
        ];
        argv.extend(words.iter().map(|word| (*word).to_string()));
        argv
    };
    let command = |at: i64, words: &[&str]| command_in(&config, at, words);

    let mut phases = Vec::new();
    let cold = command(t0, &["run"]);
    phases.push(run_phase("cold", &cold, binary, meter, &folder, &server)?);
    // The fetch half of a cold run alone, `--cold-runs` times, each into an empty database
    // of its own: the median run is reported (one run on a shared 2-core machine varies by
    // a few tenths of a second), with the largest peak RSS of all of them.
    let mut cold_fetches = Vec::with_capacity(args.cold_runs);
    for run in 1..=args.cold_runs {
        let fetch_folder = folder.join(format!("cold-fetch-only-{run}"));
        std::fs::create_dir_all(&fetch_folder)?;
        let fetch_config_path = fetch_folder.join("feeds.toml");
        std::fs::write(&fetch_config_path, fetch_config(&urls))?;
        // (`-vv` for the writer's line: a few thousand lines of log, a few milliseconds)
        let cold_fetch = command_in(
            &fetch_config_path.display().to_string(),
            t0,
            &["fetch", "-vv"],
        );
        cold_fetches.push(run_phase(
            "cold, fetch only",
            &cold_fetch,
            binary,
            meter,
            &fetch_folder,
            &server,
        )?);
    }
    phases.push(median_phase(cold_fetches));
    let warm = command(t0 + 6 * HOUR, &["run"]);
    phases.push(run_phase(
        "warm (all 304)",
        &warm,
        binary,
        meter,
        &folder,
        &server,
    )?);

    let changed = change_corpus(&mut plan, &vocabulary, &server, &urls, t0);
    let label = format!("{:.0} % changed", CHANGED_FEEDS * 100.0);
    let after_change = command(t0 + CHANGED_RUN_AFTER, &["run"]);
    phases.push(run_phase(
        &label,
        &after_change,
        binary,
        meter,
        &folder,
        &server,
    )?);

    // The two halves of a run, measured apart.
    let fetch_only = command(t0 + 18 * HOUR, &["fetch", "--force"]);
    phases.push(run_phase(
        "warm, fetch --force only",
        &fetch_only,
        binary,
        meter,
        &folder,
        &server,
    )?);
    let publish_only = command(t0 + 18 * HOUR, &["publish"]);
    phases.push(run_phase(
        "publish only (all pages)",
        &publish_only,
        binary,
        meter,
        &folder,
        &server,
    )?);
    // Last: the database keeps no validators after it.
    server.set_validators(false);
    let unvalidated = command(t0 + 18 * HOUR, &["fetch", "--force"]);
    phases.push(run_phase(
        "unchanged, no validators",
        &unvalidated,
        binary,
        meter,
        &folder,
        &server,
    )?);
    for phase in &mut phases {
        phase.time_target_s = match phase.phase.as_str() {
            _ if n_feeds != TARGET_FEEDS => None,
            name if name == "cold" || name.starts_with("cold, fetch only") => Some(TARGET_COLD_S),
            "warm (all 304)" | "warm, fetch --force only" => Some(TARGET_WARM_S),
            _ => None,
        };
        let rss_ok = phase.peak_rss_mib.is_none_or(|rss| rss < TARGET_RSS_MIB);
        let time_ok = phase
            .time_target_s
            .is_none_or(|seconds| phase.wall_s < seconds);
        phase.meets_target = Some(time_ok && rss_ok);
        phase.target = Some(match phase.time_target_s {
            Some(seconds) => format!("< {seconds} s, < {TARGET_RSS_MIB} MiB"),
            None => format!("< {TARGET_RSS_MIB} MiB"),
        });
    }
    drop(server);

    // Check what the runs stored against what the corpus holds, through the binary: the
    // library this example was built with may be older than the binary (another schema).
    let (entries_stored, stories_stored) =
        stored_counts(binary, &config, &folder).unwrap_or_else(|error| {
            eprintln!("bench: WARNING: cannot count what was stored: {error:#}");
            (0, 0)
        });
    // Every story added by the change is one new entry.
    let entries_expected = corpus.entries + plan.stories.len() - corpus.stories;
    Ok(FetchReport {
        corpus,
        changed_feeds: changed.len(),
        phases,
        entries_stored,
        entries_expected,
        stories_stored,
        stories_expected: plan.stories.len(),
    })
}

/// Generates the fetch corpus of `n_feeds` feeds dated around `t0` and serves it.
fn serve_fetch_corpus(
    n_feeds: usize,
    t0: i64,
) -> anyhow::Result<(Plan, Vocabulary, FeedServer, Vec<String>, CorpusStats)> {
    eprintln!("bench: fetch: generating {n_feeds} feeds");
    let started = Instant::now();
    let vocabulary = Vocabulary::new();
    let per_feed = |rng: &mut Rng, _index: usize| rng.range(10, 50) as usize;
    let plan = Plan::new(
        FETCH_SEED,
        n_feeds,
        &per_feed,
        (t0 - 14 * DAY, t0 - HOUR),
        (500, 5000),
        &vocabulary,
    );
    // The server's port is only known once it runs, and documents name their own URL; start
    // it empty, then fill it.
    let server = FeedServer::start(Vec::new())?;
    let urls: Vec<String> = (0..n_feeds).map(|index| server.url(index)).collect();
    let indexes: Vec<usize> = (0..n_feeds).collect();
    let docs = render_docs(&plan, &vocabulary, &indexes, &urls, 1, t0 - HOUR);
    let xml_bytes: u64 = docs.iter().map(|doc| doc.plain_len).sum();
    let gzip_bytes: usize = docs.iter().map(|doc| doc.gzip.len()).sum();
    *server
        .state
        .docs
        .write()
        .unwrap_or_else(PoisonError::into_inner) = docs.into_iter().map(Arc::new).collect();
    let corpus = CorpusStats {
        feeds: n_feeds,
        rss2: (0..n_feeds)
            .filter(|&i| feed_kind(i) == FeedKind::Rss2)
            .count(),
        atom: (0..n_feeds)
            .filter(|&i| feed_kind(i) == FeedKind::Atom)
            .count(),
        rss1: (0..n_feeds)
            .filter(|&i| feed_kind(i) == FeedKind::Rdf)
            .count(),
        entries: plan.n_entries(),
        stories: plan.stories.len(),
        shared_stories: plan.n_shared_stories(),
        entries_of_shared_stories: plan.n_shared_entries(),
        xml_mib: mib(xml_bytes),
        gzip_mib: mib(gzip_bytes as u64),
        generated_in_s: started.elapsed().as_secs_f64(),
    };
    eprintln!(
        "bench: fetch: {} entries, {} stories ({} shared by {} entries), {:.1} MiB of XML \
         ({:.1} MiB gzip), in {:.1} s",
        corpus.entries,
        corpus.stories,
        corpus.shared_stories,
        corpus.entries_of_shared_stories,
        corpus.xml_mib,
        corpus.gzip_mib,
        corpus.generated_in_s
    );

    Ok((plan, vocabulary, server, urls, corpus))
}

/// `--phase serve`: serves the fetch corpus and writes its `feeds.toml` into the workspace,
/// then waits until standard input closes, so a command can be profiled by hand.
fn serve_corpus(args: &Args, workspace: &Path, now: Timestamp) -> anyhow::Result<()> {
    let t0 = now.unix();
    let (mut plan, vocabulary, server, urls, _corpus) = serve_fetch_corpus(args.feeds[0], t0)?;
    let config_path = workspace.join("feeds.toml");
    std::fs::write(&config_path, fetch_config(&urls))?;
    println!(
        "serving {} feeds; try: frontpage --config {} --now {NOW} run\n\
         (a line on standard input changes {:.0} % of the feeds as the benchmark does, for a \
         run at --now {}; closing it stops)",
        urls.len(),
        config_path.display(),
        CHANGED_FEEDS * 100.0,
        Timestamp::from_unix(t0 + CHANGED_RUN_AFTER).to_rfc3339()
    );
    std::io::stdout().flush()?;
    let mut lines = std::io::stdin().lines();
    if lines.next().transpose()?.is_some() {
        let changed = change_corpus(&mut plan, &vocabulary, &server, &urls, t0);
        println!("changed {} feeds", changed.len());
        std::io::stdout().flush()?;
        for line in lines {
            line?;
        }
    }
    drop(server);
    Ok(())
}

/// Changes `CHANGED_FEEDS` of the served feeds (each gains 1–3 entries dated up to 11 hours
/// after `t0` and edits one) and returns the indexes of those changed.
fn change_corpus(
    plan: &mut Plan,
    vocabulary: &Vocabulary,
    server: &FeedServer,
    urls: &[String],
    t0: i64,
) -> Vec<usize> {
    let changed = plan.change_feeds(CHANGED_FEEDS, (t0 + 7 * HOUR, t0 + 11 * HOUR));
    let changed_urls: Vec<String> = changed.iter().map(|&index| urls[index].clone()).collect();
    let changed_docs = render_docs(plan, vocabulary, &changed, &changed_urls, 2, t0 + 11 * HOUR);
    for (&index, doc) in changed.iter().zip(changed_docs) {
        server.replace(index, doc);
    }
    changed
}

/// How many entries (`feeds --format json`) and stories (`query --stories`) the database
/// holds, as the binary reports them.
fn stored_counts(binary: &Path, config: &str, folder: &Path) -> anyhow::Result<(u64, usize)> {
    let run = |words: &[&str]| -> anyhow::Result<Vec<u8>> {
        let output = Command::new(binary)
            .args(["--config", config, "--now", NOW])
            .args(words)
            .current_dir(folder)
            .stderr(Stdio::inherit())
            .output()?;
        ensure!(
            output.status.success(),
            "frontpage {} failed",
            words.join(" ")
        );
        Ok(output.stdout)
    };
    let feeds: Vec<serde_json::Value> =
        serde_json::from_slice(&run(&["feeds", "--format", "json"])?)?;
    let entries = feeds
        .iter()
        .filter_map(|feed| feed.get("entries").and_then(serde_json::Value::as_u64))
        .sum();
    let stories = run(&[
        "query",
        "--stories",
        "--limit",
        "4000000000",
        "--format",
        "jsonl",
    ])?
    .split(|&byte| byte == b'\n')
    .filter(|line| !line.is_empty())
    .count();
    Ok((entries, stories))
}

/// Renders and compresses the given feeds on every core.
fn render_docs(
    plan: &Plan,
    vocabulary: &Vocabulary,
    indexes: &[usize],
    urls: &[String],
    version: u32,
    modified: i64,
) -> Vec<Doc> {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = indexes.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = indexes
            .chunks(chunk)
            .zip(urls.chunks(chunk))
            .map(|(indexes, urls)| {
                scope.spawn(move || {
                    indexes
                        .iter()
                        .zip(urls)
                        .map(|(&index, url)| {
                            let xml = render_feed(plan, vocabulary, index, url, modified);
                            let feed = &plan.feeds[index];
                            Doc::new(&xml, feed.kind, version, modified, feed.slots.len())
                        })
                        .collect::<Vec<Doc>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap_or_default())
            .collect()
    })
}

/// The `feeds.toml` of the fetch benchmark. Every feed is on 127.0.0.1, so `per_host` is
/// raised to `concurrency`: the default of 2 would measure one host's politeness limit.
/// Each feed is its own group (its own site), as real feeds would be.
fn fetch_config(urls: &[String]) -> String {
    let mut config = String::from(
        "# written by `cargo run --example bench`\n\
         # Every feed is served from 127.0.0.1: per_host = concurrency so that the one-host\n\
         # politeness limit (default 2) does not stand in for hundreds of real hosts.\n\
         [settings]\ndatabase = \"frontpage.db\"\nconcurrency = 64\nper_host = 64\n\n\
         [publish]\ntitle = \"frontpage bench\"\nlink = \"https://bench.example/\"\n\
         output_dir = \"public\"\n\n",
    );
    for (index, url) in urls.iter().enumerate() {
        let _ = write!(
            config,
            "[[feed]]\nname = \"{}\"\nurl = \"{url}\"\ngroup = \"{}\"\ntags = [\"{}\"]\n",
            site_name(index),
            site_host(index),
            TAGS[index % TAGS.len()]
        );
        if feed_kind(index) == FeedKind::Rss2 && index % 20 == 3 {
            config.push_str("ranked = true\n");
        }
        config.push('\n');
    }
    config
}

fn run_phase(
    name: &str,
    args: &[String],
    binary: &Path,
    meter: &Meter,
    folder: &Path,
    server: &FeedServer,
) -> anyhow::Result<PhaseReport> {
    eprintln!("bench: fetch: {name}: frontpage {}", args[4..].join(" "));
    server.take_traffic();
    let load_before = load_average();
    let server_cpu_before = own_cpu_seconds();
    let measured = meter.run(binary, args, folder)?;
    let server_cpu = own_cpu_seconds() - server_cpu_before;
    let traffic = server.take_traffic();
    if measured.exit_code != Some(0) {
        eprintln!(
            "bench: WARNING: {name} exited with {:?}; its stderr begins:\n{}",
            measured.exit_code,
            measured
                .stderr
                .lines()
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(PhaseReport {
        phase: name.to_string(),
        command: format!("frontpage {}", args[4..].join(" ")),
        wall_s: measured.wall,
        user_s: measured.user,
        sys_s: measured.sys,
        cpu_s: measured.user + measured.sys,
        peak_rss_mib: measured.peak_rss_kib.map(|kib| kib as f64 / 1024.0),
        requests: traffic.requests,
        responses_200: traffic.ok,
        responses_304: traffic.not_modified,
        responses_other: traffic.other,
        connections: traffic.connections,
        requests_per_s: traffic.requests as f64 / measured.wall,
        entries_served: traffic.entries,
        entries_per_s: traffic.entries as f64 / measured.wall,
        gzip_mib_served: mib(traffic.gzip_bytes),
        server_cpu_s: server_cpu,
        load_before,
        exit_code: measured.exit_code,
        wall_runs_s: Vec::new(),
        target: None,
        time_target_s: None,
        meets_target: None,
        writer: measured
            .stderr
            .lines()
            .find_map(|line| line.split_once("writer: "))
            .map(|(_, writer)| writer.to_string()),
    })
}

/// One row for runs of the same phase: the median run by wall time (the upper middle one
/// of an even count), with every run's wall time and the largest peak RSS; a run that
/// failed is reported instead, so a failure is never hidden by the others.
fn median_phase(mut runs: Vec<PhaseReport>) -> PhaseReport {
    let walls: Vec<f64> = runs.iter().map(|run| run.wall_s).collect();
    let peak = runs
        .iter()
        .filter_map(|run| run.peak_rss_mib)
        .fold(None, |most: Option<f64>, rss| {
            Some(most.map_or(rss, |most| most.max(rss)))
        });
    let mut report = match runs.iter().position(|run| run.exit_code != Some(0)) {
        Some(failed) => runs.swap_remove(failed),
        None => {
            runs.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
            let middle = runs.len() / 2;
            runs.swap_remove(middle)
        }
    };
    if walls.len() > 1 {
        report.phase = format!("{} (median of {})", report.phase, walls.len());
    }
    report.wall_runs_s = walls;
    report.peak_rss_mib = peak;
    report
}

/// The phase of that name, whether run once or several times (then named "… (median of
/// K)").
fn named_phase<'a>(fetch: &'a FetchReport, name: &str) -> Option<&'a PhaseReport> {
    fetch
        .phases
        .iter()
        .find(|phase| phase.phase.split(" (median of").next() == Some(name))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

// ---------------------------------------------------------------------------------------
// The store benchmark
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct StoreReport {
    entries: u64,
    feeds: usize,
    stories_planned: usize,
    shared_stories_planned: usize,
    history_days: i64,
    database_mib: f64,
    /// None when a kept database was reused.
    build_s: Option<f64>,
    build_entries_per_s: Option<f64>,
    build_method: String,
    runs: usize,
    commands: Vec<LatencyReport>,
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct LatencyReport {
    name: String,
    command: String,
    runs: usize,
    median_ms: f64,
    p95_ms: f64,
    min_ms: f64,
    max_ms: f64,
    cpu_ms: f64,
    peak_rss_mib: Option<f64>,
    target: Option<String>,
    meets_target: Option<bool>,
    note: Option<String>,
}

/// What a kept store database was built with, to tell whether it can be reused.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
struct StoreMarker {
    entries: usize,
    feeds: usize,
    seed: u64,
    layout: u32,
}

/// Bumped when the store corpus changes, so an old kept database is rebuilt.
const STORE_LAYOUT: u32 = 1;

const HISTORY_DAYS: i64 = 365;

fn store_benchmark(
    args: &Args,
    binary: &Path,
    meter: &Meter,
    workspace: &Path,
    now: Timestamp,
) -> anyhow::Result<StoreReport> {
    let t0 = now.unix();
    let folder = workspace.join(format!("store-{}", args.store_entries));
    let database = folder.join("frontpage.db");
    let marker_path = folder.join("bench-store.json");
    let marker = StoreMarker {
        entries: args.store_entries,
        feeds: args.store_feeds,
        seed: STORE_SEED,
        layout: STORE_LAYOUT,
    };
    let vocabulary = Vocabulary::new();
    let n_feeds = args.store_feeds;
    let base = args.store_entries / n_feeds;
    let extra = args.store_entries % n_feeds;
    let per_feed = move |_rng: &mut Rng, index: usize| base + usize::from(index < extra);
    eprintln!(
        "bench: store: planning {} entries over {n_feeds} feeds and {HISTORY_DAYS} days",
        args.store_entries
    );
    let plan = Plan::new(
        STORE_SEED,
        n_feeds,
        &per_feed,
        (t0 - HISTORY_DAYS * DAY, t0 - HOUR),
        (200, 1500),
        &vocabulary,
    );
    let config_path = folder.join("feeds.toml");
    let reuse = std::fs::read_to_string(&marker_path)
        .ok()
        .and_then(|text| serde_json::from_str::<StoreMarker>(&text).ok())
        .is_some_and(|kept| kept == marker)
        && database.exists();
    let (build_s, build_rate) = if reuse {
        eprintln!("bench: store: reusing {}", database.display());
        (None, None)
    } else {
        if folder.exists() {
            std::fs::remove_dir_all(&folder)
                .with_context(|| format!("cannot empty {}", folder.display()))?;
        }
        std::fs::create_dir_all(&folder)?;
        std::fs::write(&config_path, store_config(n_feeds))?;
        let seconds = build_store(&plan, &vocabulary, &database, t0)?;
        std::fs::write(&marker_path, serde_json::to_string(&marker)?)?;
        (
            Some(seconds),
            Some(plan.n_entries() as f64 / seconds.max(1e-9)),
        )
    };
    let entries = stored_counts(binary, &config_path.display().to_string(), &folder)
        .map(|(entries, _)| entries)
        .unwrap_or_else(|error| {
            eprintln!("bench: WARNING: cannot count the stored entries: {error:#}");
            0
        });
    let database_bytes: u64 = std::fs::read_dir(&folder)?
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("frontpage.db")
        })
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();

    // Query words by rank in the vocabulary, which summaries draw from too: with a million
    // entries, rank 3 is in about half of them (a worst case), rank 13 in a third, rank 200
    // in a few percent, rank 2500 in about one percent; and a phrase from a real headline.
    let frequent = vocabulary.words[2].clone();
    let second = vocabulary.words[12].clone();
    let middling = vocabulary.words[200].clone();
    let rare = vocabulary.words[2500].clone();
    let phrase = phrase_from_headline(&plan, &vocabulary);
    let feed = site_name(42 % n_feeds);
    let config = config_path.display().to_string();
    let now_text = NOW.to_string();
    let argv = |words: &[&str]| -> Vec<String> {
        let mut argv = vec![
            "--config".to_string(),
            config.clone(),
            "--now".to_string(),
            now_text.clone(),
        ];
        argv.extend(words.iter().map(|word| (*word).to_string()));
        argv
    };
    let publish_target = Some(TARGET_PUBLISH_MS);
    let query_target = Some(TARGET_QUERY_MS);
    let phrase_quoted = format!("\"{phrase}\"");
    // (name, arguments, target, arguments the words or tags are checked against)
    let commands: Vec<TimedCommand> = vec![
        (
            "publish rss, top 50 by popularity".into(),
            argv(&["publish", "--format", "rss", "-o", "-"]),
            publish_target,
            None,
        ),
        (
            "publish rss, 50 newest".into(),
            argv(&["publish", "--format", "rss", "--order", "recent", "-o", "-"]),
            None,
            None,
        ),
        (
            "publish html, top 50".into(),
            argv(&["publish", "--format", "html", "-o", "-"]),
            None,
            None,
        ),
        (
            format!("query {frequent} (frequent word)"),
            argv(&["query", &frequent]),
            query_target,
            Some(argv(&["query"])),
        ),
        (
            format!("query {frequent} {second} (two words)"),
            argv(&["query", &frequent, &second]),
            query_target,
            Some(argv(&["query"])),
        ),
        (
            format!("query {middling} (middling word)"),
            argv(&["query", &middling]),
            query_target,
            Some(argv(&["query"])),
        ),
        (
            format!("query {rare} (rare word)"),
            argv(&["query", &rare]),
            query_target,
            Some(argv(&["query"])),
        ),
        (
            format!("query '{phrase_quoted}' (phrase)"),
            argv(&["query", &phrase_quoted]),
            query_target,
            Some(argv(&["query"])),
        ),
        (
            format!("query {frequent} --feed {feed} --since 30d"),
            argv(&["query", &frequent, "--feed", &feed, "--since", "30d"]),
            query_target,
            Some(argv(&["query", "--feed", &feed, "--since", "30d"])),
        ),
        (
            format!("query {frequent} --tag security --since 7d"),
            argv(&["query", &frequent, "--tag", "security", "--since", "7d"]),
            query_target,
            Some(argv(&["query", "--since", "7d"])),
        ),
        (
            format!("query --feed {feed} --since 30d"),
            argv(&["query", "--feed", &feed, "--since", "30d"]),
            None,
            None,
        ),
        (
            "query --since 1d --limit 50".into(),
            argv(&["query", "--since", "1d", "--limit", "50"]),
            None,
            None,
        ),
        (
            "query --stories --since 2d".into(),
            argv(&["query", "--stories", "--since", "2d"]),
            None,
            None,
        ),
    ];
    let mut notes = Vec::new();
    let mut reports = Vec::new();
    for (name, arguments, target, baseline) in commands {
        eprintln!("bench: store: {name}");
        reports.push(time_command(
            &name,
            &arguments,
            baseline.as_deref(),
            target,
            args.runs,
            binary,
            meter,
            &folder,
        )?);
    }
    if reports.iter().any(|report| {
        report
            .note
            .as_deref()
            .is_some_and(|note| note.contains("ignored"))
    }) {
        notes.push(
            "some query words or filters changed nothing in the output: this build does not \
             implement them yet, so those rows time a plain listing"
                .to_string(),
        );
    }
    Ok(StoreReport {
        entries,
        feeds: n_feeds,
        stories_planned: plan.stories.len(),
        shared_stories_planned: plan.n_shared_stories(),
        history_days: HISTORY_DAYS,
        database_mib: mib(database_bytes),
        build_s,
        build_entries_per_s: build_rate,
        build_method: format!(
            "Store::record_fetched, one call per feed per {} days of entries ({} entries per \
             call on average), in time order",
            STORE_BATCH_SPAN / DAY,
            plan.n_entries() / (n_feeds * (HISTORY_DAYS * DAY / STORE_BATCH_SPAN + 1) as usize)
        ),
        runs: args.runs,
        commands: reports,
        notes,
    })
}

/// A command of the store benchmark: its name, its arguments, its target in milliseconds,
/// and the arguments without its words or tag (to check that they change the output).
type TimedCommand = (String, Vec<String>, Option<f64>, Option<Vec<String>>);

/// Two adjacent words of a shared story's headline, neither a number.
fn phrase_from_headline(plan: &Plan, vocabulary: &Vocabulary) -> String {
    for story in plan.stories.iter().filter(|story| story.shared).take(1000) {
        let title = headline(&mut Rng::new(story.seed), vocabulary).to_lowercase();
        let words: Vec<&str> = title.split(' ').collect();
        for pair in words.windows(2) {
            let plain = |word: &str| word.len() >= 4 && word.chars().all(char::is_alphabetic);
            if plain(pair[0]) && plain(pair[1]) {
                return format!("{} {}", pair[0], pair[1]);
            }
        }
    }
    "security patch".to_string()
}

/// The `feeds.toml` of the store benchmark (the URLs are never fetched).
fn store_config(n_feeds: usize) -> String {
    let mut config = String::from(
        "# written by `cargo run --example bench` (store benchmark; nothing is fetched)\n\
         [settings]\ndatabase = \"frontpage.db\"\n\n\
         [publish]\ntitle = \"frontpage bench\"\nlink = \"https://bench.example/\"\n\
         output_dir = \"public\"\n\n",
    );
    for index in 0..n_feeds {
        let _ = write!(
            config,
            "[[feed]]\nname = \"{}\"\nurl = \"http://127.0.0.1:9{}\"\ngroup = \"{}\"\n\
             tags = [\"{}\"]\n",
            site_name(index),
            feed_path(index),
            site_host(index),
            TAGS[index % TAGS.len()]
        );
        if feed_kind(index) == FeedKind::Rss2 && index % 20 == 3 {
            config.push_str("ranked = true\n");
        }
        config.push('\n');
    }
    config
}

/// Writes the plan into a new database through `Store::record_fetched`: for each 30-day
/// window, oldest first, one call per feed with its entries of that window, newest first (as
/// a feed lists them), at the window's end. Returns the seconds it took.
fn build_store(
    plan: &Plan,
    vocabulary: &Vocabulary,
    database: &Path,
    t0: i64,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let start = t0 - HISTORY_DAYS * DAY;
    let mut store = Store::open(database)?;
    let names: Vec<String> = (0..plan.feeds.len()).map(site_name).collect();
    let groups: Vec<String> = (0..plan.feeds.len()).map(site_host).collect();
    let urls: Vec<Url> = (0..plan.feeds.len())
        .map(|index| Url::parse(&format!("http://127.0.0.1:9{}", feed_path(index))))
        .collect::<Result<_, _>>()?;
    let configured: Vec<ConfiguredFeed<'_>> = (0..plan.feeds.len())
        .map(|index| ConfiguredFeed {
            name: &names[index],
            url: &urls[index],
            group: &groups[index],
            ranked: plan.feeds[index].engagement,
        })
        .collect();
    let rows = store.sync_feeds(&configured, Timestamp::from_unix(start))?;
    let ids: Vec<FeedId> = rows.iter().map(|row| row.id).collect();
    ensure!(ids.len() == plan.feeds.len(), "sync_feeds lost feeds");

    let total = plan.n_entries();
    let mut cursors = vec![0usize; plan.feeds.len()];
    let mut written = 0usize;
    let mut last_report = Instant::now();
    let mut window_start = start;
    while window_start < t0 {
        let window_end = (window_start + STORE_BATCH_SPAN).min(t0);
        for (index, feed) in plan.feeds.iter().enumerate() {
            let first = cursors[index];
            let mut last = first;
            while last < feed.slots.len() && feed.slots[last].published < window_end {
                last += 1;
            }
            cursors[index] = last;
            if last == first {
                continue;
            }
            let entries: Vec<ParsedEntry> = feed.slots[first..last]
                .iter()
                .rev()
                .map(|slot| parsed_entry(plan, vocabulary, index, slot))
                .collect::<anyhow::Result<_>>()?;
            let parsed = ParsedFeed {
                title: Some(format!("{} News", feed.display)),
                site_link: Url::parse(&format!("https://www.{}/", site_host(index))).ok(),
                ttl_minutes: None,
                entries,
            };
            store.record_fetched(
                ids[index],
                &parsed,
                &Validators::default(),
                200,
                None,
                Timestamp::from_unix(window_end),
                Timestamp::from_unix(window_end + HOUR),
            )?;
            written += last - first;
            if last_report.elapsed() >= Duration::from_secs(10) {
                last_report = Instant::now();
                let elapsed = started.elapsed().as_secs_f64();
                let rate = written as f64 / elapsed;
                eprintln!(
                    "bench: store: {written} / {total} entries in {elapsed:.0} s \
                     ({rate:.0} entries/s, about {:.0} s to go)",
                    (total - written) as f64 / rate.max(1e-9)
                );
            }
        }
        window_start = window_end;
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "bench: store: {written} entries written in {seconds:.1} s ({:.0} entries/s)",
        written as f64 / seconds
    );
    Ok(seconds)
}

/// One planned entry as the parser would hand it to the store.
fn parsed_entry(
    plan: &Plan,
    vocabulary: &Vocabulary,
    index: usize,
    slot: &Slot,
) -> anyhow::Result<ParsedEntry> {
    let text = plan.entry(vocabulary, index, slot);
    let link = Url::parse(&text.link)?;
    let (guid, key) = match text.guid {
        Guid::Permalink => {
            let identity = text
                .link
                .split_once("://")
                .map_or(text.link.as_str(), |(_, rest)| rest)
                .to_string();
            (Some(text.link.clone()), format!("g:{identity}"))
        }
        Guid::Opaque(guid) => (Some(guid.clone()), format!("g:{guid}")),
        Guid::None => (
            None,
            format!("l:{}", frontpage::canon::canonical_link(&link)),
        ),
    };
    Ok(ParsedEntry {
        key: EntryKey(key),
        guid,
        link: Some(link),
        title: Some(text.title),
        summary: Some(text.html),
        content: None,
        author: Some(text.author),
        published: Some(Timestamp::from_unix(text.published)),
        updated: None,
        comments: None,
        categories: text.categories,
        engagement: Engagement {
            points: None,
            comments: text.comments,
            views: None,
        },
    })
}

/// Times one command: an untimed run to warm the page cache, `runs` timed runs (wall only),
/// then one run under the meter for CPU and peak RSS. With `baseline`, also checks whether
/// the words or filters the command adds change its JSON output at all.
#[allow(clippy::too_many_arguments)]
fn time_command(
    name: &str,
    arguments: &[String],
    baseline: Option<&[String]>,
    target: Option<f64>,
    runs: usize,
    binary: &Path,
    meter: &Meter,
    folder: &Path,
) -> anyhow::Result<LatencyReport> {
    let command = format!("frontpage {}", arguments[4..].join(" "));
    let warmup = meter.run(binary, arguments, folder)?;
    if warmup.exit_code != Some(0) {
        let message = warmup.stderr.lines().next().unwrap_or("").to_string();
        eprintln!("bench: store: {name} failed: {message}");
        return Ok(LatencyReport {
            name: name.to_string(),
            command,
            runs: 0,
            median_ms: f64::NAN,
            p95_ms: f64::NAN,
            min_ms: f64::NAN,
            max_ms: f64::NAN,
            cpu_ms: f64::NAN,
            peak_rss_mib: None,
            target: target.map(|ms| format!("< {ms} ms")),
            meets_target: None,
            note: Some(format!("exit {:?}: {message}", warmup.exit_code)),
        });
    }
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (seconds, _) = wall_time(binary, arguments, folder)?;
        samples.push(seconds * 1000.0);
    }
    let metered = meter.run(binary, arguments, folder)?;
    samples.sort_by(f64::total_cmp);
    let median = percentile(&samples, 0.5);
    let p95 = percentile(&samples, 0.95);
    let note = match baseline {
        Some(baseline) => {
            let with = json_output(binary, arguments, folder)?;
            let without = json_output(binary, baseline, folder)?;
            (with == without).then(|| {
                "ignored? the output equals the same command without its words/tag".to_string()
            })
        }
        None => None,
    };
    Ok(LatencyReport {
        name: name.to_string(),
        command,
        runs,
        median_ms: median,
        p95_ms: p95,
        min_ms: samples.first().copied().unwrap_or(f64::NAN),
        max_ms: samples.last().copied().unwrap_or(f64::NAN),
        cpu_ms: (metered.user + metered.sys) * 1000.0,
        peak_rss_mib: metered.peak_rss_kib.map(|kib| kib as f64 / 1024.0),
        target: target.map(|ms| format!("< {ms} ms")),
        meets_target: target.map(|ms| median < ms),
        note,
    })
}

/// The command's stdout with `--format json` added.
fn json_output(binary: &Path, arguments: &[String], folder: &Path) -> anyhow::Result<Vec<u8>> {
    let output = Command::new(binary)
        .args(arguments)
        .args(["--format", "json"])
        .current_dir(folder)
        .stderr(Stdio::null())
        .output()?;
    Ok(output.stdout)
}

/// Nearest-rank percentile of sorted samples (the median averages the middle two).
fn percentile(sorted: &[f64], quantile: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    if quantile == 0.5 && sorted.len().is_multiple_of(2) {
        let middle = sorted.len() / 2;
        return (sorted[middle - 1] + sorted[middle]) / 2.0;
    }
    let rank = (quantile * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct Report {
    machine: Machine,
    frontpage: String,
    measured_with: String,
    now: String,
    /// One per `--feeds` number, in that order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fetch: Vec<FetchReport>,
    store: Option<StoreReport>,
}

fn render_report(report: &Report) -> String {
    let mut out = String::new();
    let machine = &report.machine;
    let _ = writeln!(
        out,
        "\nfrontpage benchmark — {} ({} cores, {} MiB, load {:.1} at start), frontpage {}, \
         --now {}",
        machine.cpu,
        machine.cores,
        machine.memory_mib,
        machine.load_at_start,
        report.frontpage,
        report.now
    );
    let _ = writeln!(out, "measured: {}", report.measured_with);
    for fetch in &report.fetch {
        let corpus = &fetch.corpus;
        let _ = writeln!(
            out,
            "\nFETCH: {} feeds ({} RSS 2.0, {} Atom, {} RSS 1.0), {} entries, {} stories \
             ({} shared, in {} entries), {:.1} MiB XML / {:.1} MiB gzip; {} feeds changed \
             before the third run",
            corpus.feeds,
            corpus.rss2,
            corpus.atom,
            corpus.rss1,
            corpus.entries,
            corpus.stories,
            corpus.shared_stories,
            corpus.entries_of_shared_stories,
            corpus.xml_mib,
            corpus.gzip_mib,
            fetch.changed_feeds
        );
        let _ = writeln!(
            out,
            "{:<30} {:>7} {:>7} {:>7} {:>9} {:>6} {:>6} {:>5} {:>8} {:>9} {:>7} {:>5}  target",
            "phase",
            "wall s",
            "user s",
            "sys s",
            "peak MiB",
            "req",
            "304",
            "conn",
            "req/s",
            "entries/s",
            "srv cpu",
            "load"
        );
        for phase in &fetch.phases {
            let _ = writeln!(
                out,
                "{:<30} {:>7.3} {:>7.2} {:>7.2} {:>9} {:>6} {:>6} {:>5} {:>8.0} {:>9.0} {:>7.2} {:>5.1}  {}{}",
                phase.phase,
                phase.wall_s,
                phase.user_s,
                phase.sys_s,
                phase
                    .peak_rss_mib
                    .map_or("?".to_string(), |rss| format!("{rss:.1}")),
                phase.requests,
                phase.responses_304,
                phase.connections,
                phase.requests_per_s,
                phase.entries_per_s,
                phase.server_cpu_s,
                phase.load_before,
                phase.target.as_deref().unwrap_or(""),
                match phase.meets_target {
                    Some(true) => "  ok",
                    Some(false) => "  MISSED",
                    None => "",
                }
            );
        }
        // A missed time target: how much of it the machine's speed alone explains.
        for phase in &fetch.phases {
            let Some(target) = phase.time_target_s.filter(|&target| phase.wall_s >= target) else {
                continue;
            };
            let floor = phase.cpu_s / machine.cores.max(1) as f64;
            let _ = writeln!(
                out,
                "{}: {:.2} s of CPU on {} cores cannot finish in under {floor:.2} s, however \
                 it is spread over the threads{}",
                phase.phase,
                phase.cpu_s,
                machine.cores,
                if floor >= target {
                    ": this machine is too slow for the target, whatever the overlap"
                } else {
                    ""
                }
            );
        }
        for phase in &fetch.phases {
            if let Some(writer) = &phase.writer {
                let _ = writeln!(out, "{}: writer: {writer}", phase.phase);
            }
        }
        let _ = writeln!(
            out,
            "stored: {} entries (expected {}), {} stories (the corpus has {} distinct; fewer \
             means unrelated headlines merged, more means link variants failed to merge)",
            fetch.entries_stored,
            fetch.entries_expected,
            fetch.stories_stored,
            fetch.stories_expected
        );
    }
    render_growth(&mut out, &report.fetch);
    if let Some(store) = &report.store {
        let _ = writeln!(
            out,
            "\nSTORE: {} entries from {} feeds over {} days ({} stories planned, {} shared), \
             database {:.0} MiB",
            store.entries,
            store.feeds,
            store.history_days,
            store.stories_planned,
            store.shared_stories_planned,
            store.database_mib
        );
        match (store.build_s, store.build_entries_per_s) {
            (Some(seconds), Some(rate)) => {
                let _ = writeln!(
                    out,
                    "built in {seconds:.1} s ({rate:.0} entries/s) with {}",
                    store.build_method
                );
            }
            _ => {
                let _ = writeln!(out, "reused a kept database ({})", store.build_method);
            }
        }
        let _ = writeln!(
            out,
            "{:<52} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}  target",
            format!("command ({} runs each)", store.runs),
            "median",
            "p95",
            "min",
            "max",
            "cpu ms",
            "peak MiB"
        );
        for command in &store.commands {
            let _ = writeln!(
                out,
                "{:<52} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.0} {:>9}  {}{}{}",
                command.name,
                command.median_ms,
                command.p95_ms,
                command.min_ms,
                command.max_ms,
                command.cpu_ms,
                command
                    .peak_rss_mib
                    .map_or("?".to_string(), |rss| format!("{rss:.1}")),
                command.target.as_deref().unwrap_or(""),
                match command.meets_target {
                    Some(true) => "  ok",
                    Some(false) => "  MISSED",
                    None => "",
                },
                command
                    .note
                    .as_deref()
                    .map_or(String::new(), |note| format!("  [{note}]"))
            );
        }
        for note in &store.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    out
}

/// With several `--feeds` numbers: each corpus's peaks side by side, and how the cold
/// fetch's peak grows with each corpus after the first (SPEC §10: memory must not grow with
/// the number of feeds beyond what is in flight).
fn render_growth(out: &mut String, fetches: &[FetchReport]) {
    let [first, _, ..] = fetches else {
        return;
    };
    let peak_of = |fetch, name| named_phase(fetch, name).and_then(|phase| phase.peak_rss_mib);
    let peak =
        |fetch, name| peak_of(fetch, name).map_or("?".to_string(), |rss| format!("{rss:.1}"));
    let _ = writeln!(
        out,
        "\nMEMORY as the feeds grow (peak RSS, MiB; a phase run several times: its largest)"
    );
    let _ = writeln!(
        out,
        "{:>7} {:>9} {:>13} {:>10} {:>10} {:>11} {:>9}",
        "feeds", "entries", "cold fetch s", "entries/s", "cold run", "cold fetch", "warm run"
    );
    for fetch in fetches {
        let cold_fetch = named_phase(fetch, "cold, fetch only");
        let _ = writeln!(
            out,
            "{:>7} {:>9} {:>13} {:>10} {:>10} {:>11} {:>9}",
            fetch.corpus.feeds,
            fetch.corpus.entries,
            cold_fetch.map_or("?".to_string(), |phase| format!("{:.3}", phase.wall_s)),
            cold_fetch.map_or("?".to_string(), |phase| format!(
                "{:.0}",
                phase.entries_per_s
            )),
            peak(fetch, "cold"),
            peak(fetch, "cold, fetch only"),
            peak(fetch, "warm (all 304)")
        );
    }
    for fetch in &fetches[1..] {
        if fetch.corpus.feeds == first.corpus.feeds {
            continue;
        }
        let cold_peak = |fetch| peak_of(fetch, "cold, fetch only");
        let (Some(from), Some(to)) = (cold_peak(first), cold_peak(fetch)) else {
            continue;
        };
        let added = fetch.corpus.feeds as f64 - first.corpus.feeds as f64;
        let _ = writeln!(
            out,
            "{} -> {} feeds: the cold fetch's peak {:+.1} MiB ({:+.1} %), {:+.2} KiB per feed \
             added",
            first.corpus.feeds,
            fetch.corpus.feeds,
            to - from,
            (to / from - 1.0) * 100.0,
            (to - from) * 1024.0 / added
        );
    }
}

/// Writes the report to `target/bench/report.json` and a copy named after the parameters.
fn write_report(args: &Args, report: &Report) -> anyhow::Result<PathBuf> {
    let profile = profile_dir()?;
    let target = profile
        .parent()
        .context("the bench executable is not under target/<profile>")?;
    let folder = target.join("bench");
    std::fs::create_dir_all(&folder)?;
    let json = serde_json::to_string_pretty(report)?;
    let path = folder.join("report.json");
    std::fs::write(&path, &json)?;
    let phase = match args.phase {
        Phase::Fetch => "fetch",
        Phase::Store => "store",
        Phase::All => "all",
        Phase::Serve => "serve",
    };
    let feeds: Vec<String> = args.feeds.iter().map(usize::to_string).collect();
    let copy = folder.join(format!(
        "report-{phase}-feeds{}-store{}.json",
        feeds.join("-"),
        args.store_entries
    ));
    std::fs::write(copy, &json)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> anyhow::Result<Args> {
        parse_args(words.iter().map(|word| (*word).to_string()))
    }

    #[test]
    fn feeds_takes_one_number_or_several() {
        assert_eq!(args(&[]).unwrap().feeds, vec![1000, 5000]);
        assert_eq!(args(&["--feeds", "5_000"]).unwrap().feeds, vec![5000]);
        assert_eq!(
            args(&["--feeds=1000,5000"]).unwrap().feeds,
            vec![1000, 5000]
        );
        let too_small = args(&["--feeds", "1000,10"]).unwrap_err();
        assert!(too_small.to_string().contains("at least 20"), "{too_small}");
        let not_a_number = args(&["--feeds", "1000,"]).unwrap_err();
        assert!(
            not_a_number.to_string().contains("whole number"),
            "{not_a_number}"
        );
        assert_eq!(args(&["--phase", "serve"]).unwrap().feeds, vec![1000]);
        let serve_two = args(&["--phase", "serve", "--feeds", "1000,5000"]).unwrap_err();
        assert!(serve_two.to_string().contains("one corpus"), "{serve_two}");
    }

    /// A fetch report with the phases the growth table reads.
    fn fetch_report(feeds: usize, cold_run: f64, cold_fetch: f64, warm: f64) -> FetchReport {
        let phase = |name: &str, peak: f64| PhaseReport {
            phase: name.to_string(),
            wall_s: 2.5,
            entries_per_s: 12_000.0,
            peak_rss_mib: Some(peak),
            ..PhaseReport::default()
        };
        FetchReport {
            corpus: CorpusStats {
                feeds,
                entries: feeds * 30,
                ..CorpusStats::default()
            },
            phases: vec![
                phase("cold", cold_run),
                phase("cold, fetch only (median of 3)", cold_fetch),
                phase("warm (all 304)", warm),
            ],
            ..FetchReport::default()
        }
    }

    #[test]
    fn the_growth_table_compares_each_corpus_with_the_first() {
        let mut out = String::new();
        render_growth(
            &mut out,
            &[
                fetch_report(1000, 48.5, 48.0, 18.0),
                fetch_report(5000, 54.5, 54.0, 21.0),
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].starts_with("MEMORY as the feeds grow"), "{out}");
        let row: Vec<&str> = lines[4].split_whitespace().collect();
        assert_eq!(
            row,
            ["5000", "150000", "2.500", "12000", "54.5", "54.0", "21.0"]
        );
        // 6 MiB over 4000 feeds: 1.54 KiB a feed.
        assert_eq!(
            lines[5],
            "1000 -> 5000 feeds: the cold fetch's peak +6.0 MiB (+12.5 %), +1.54 KiB per feed \
             added"
        );
    }

    #[test]
    fn one_corpus_has_no_growth_table() {
        let mut out = String::new();
        render_growth(&mut out, &[fetch_report(1000, 48.5, 48.0, 18.0)]);
        assert_eq!(out, "");
    }
}
