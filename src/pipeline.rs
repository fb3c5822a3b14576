//! One fetch run: due feeds → concurrent fetch → parse → store, and a report of the run.
//!
//! The network side runs on a single-threaded tokio runtime, many feeds at once, and does
//! everything about a feed that needs no database: parsing, and preparing each entry for storage
//! ([`PreparedFeed`]; for a feed stored before, only digesting it). The store side is one writer
//! thread that owns the database connection and stores whatever results have arrived in one
//! transaction (a [`Batch`] of at most 128 feeds or 4 MiB of text to index): when the network is
//! faster than the disk, results queue up and each commit carries many feeds; when it is slower,
//! each feed is committed as soon as it arrives. The two sides meet in a bounded channel, so no
//! transaction ever waits on the network and memory is bounded by what is in flight. A feed's
//! failure is data: it is stored on the feed and returned in the report, and never stops the other
//! feeds. Only a database failure ends the run early.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore, mpsc};
use url::Url;

use crate::config::{Config, Settings};
use crate::fetch::{FetchError, FetchSettings, Fetched, Fetcher};
use crate::model::{BodyDigest, FeedId, ParsedFeed, ServerHints, Timestamp, Validators};
use crate::parse::{self, ParseError};
use crate::schedule::{self, PollHints};
use crate::store::{
    Batch, ConfiguredFeed, EntryCounts, FeedReader, FeedRow, PreparedFeed, Store, StoreError,
};

/// Parsed feeds waiting for the writer; with the fetch concurrency, bounds memory in use.
///
/// 16 rather than 8: in three sessions' paired timings of a cold fetch of 1000 feeds on one
/// machine (8–10 pairs each, fresh databases) 16 slots took 4–9 % less wall time (medians of
/// the ratios 0.957, 0.908, 0.959) and about 5 % less CPU, for 4 MiB more at the peak; 32
/// slots were no faster and held 10 MiB more. The writer never waits long for a result (10
/// ms in all, `-vv` logs it), but a batch commits as soon as none is waiting, and a deeper
/// queue is empty less often: a cold fetch commits 37–40 times instead of 53–58, and each
/// commit writes a segment of the search index that is merged again later.
const CHANNEL_CAPACITY: usize = 16;

/// Bodies being parsed, or parsed and waiting for room in the channel, at most: the other
/// fetched bodies wait unparsed (a parsed feed with its prepared text is about twice the
/// size of its body: [`PreparedFeed::size`]).
const PARSE_SLOTS: usize = 4;

/// How much one transaction stores at most. A commit costs a write of the pages it changed
/// and a flush of the search index, so batching many feeds saves most of both; the caps
/// bound the memory a batch holds and the work a database error would undo.
#[derive(Debug, Clone, Copy)]
struct BatchLimits {
    /// Fetch results.
    feeds: usize,
    /// Bytes of plain text for the search index: the batch holds it until the commit, and
    /// FTS5 holds its words in memory until then too. Once a feed takes the batch past it,
    /// the batch commits, however few feeds it holds.
    text: usize,
}

/// The limits of a fetch run. 128 feeds of 1000 (30,000 entries) hold about 11 MiB of text
/// and FTS5 about 9 MiB of words for it: capped at 4 MiB of text, a batch holds about 50
/// such feeds, a cold fetch peaks 11 MiB lower (5000 feeds: 9 MiB) and takes no longer.
const BATCH_LIMITS: BatchLimits = BatchLimits {
    feeds: 128,
    text: 4 << 20,
};

/// The bytes that fetched feeds waiting for the writer may hold at once (a body until it is
/// parsed, then its parsed feed at [`PreparedFeed::size`]), with the fetches under way:
/// while they reach it, no fetch starts, but for a few while no feed waits. See [`Held`].
///
/// Measured while fetches under way were counted only while feeds waited (until 92afb33).
/// Cold fetches of 1000 feeds, 8 pairs against the counts alone (2026-12-07): the same wall
/// time (median ratio 1.015, pairs 0.87–1.04) and CPU time, and a peak of 50.9 MiB instead
/// of 59.8 (5000 feeds: 58.4–59.2 instead of 70.8), counting a parsed feed for its body's
/// size. At 2 MiB the peak was 47 MiB, with more transactions in two runs (54 and 59; at 4
/// MiB 30–66, it varies), each a search-index segment to merge later; at 8 MiB it was 59
/// MiB, hardly below the counts alone. Whatever the limit, the writer waited for work 10–40
/// ms in all. Counting a parsed feed for its own size instead (a prepared feed of the
/// benchmark's holds 1.7 to 2.1 times its body) took 5000 feeds to 55.7–56.3 MiB, and 1000
/// to 49.8 (median of 24 pairs against 51.0; wall and CPU time ratios 1.005 and 1.003). At 8
/// MiB of parsed size more waited than before: 58 MiB at 1000 feeds, 65 at 5000.
const HELD_BYTES: usize = 4 << 20;

/// What a fetch is counted for before its body arrives, while no fetch has ended yet; then
/// the mean of what the fetches so far brought (a 304 or a failure brings nothing).
const FIRST_GUESS: usize = 64 << 10;

/// The fetches that may be under way while no feed waits, whatever the bytes they are
/// guessed at, so that a slow network of big feeds is still fetched several at a time. It
/// matters only for guesses over a seventh of [`HELD_BYTES`] (585 KiB): then their bodies,
/// arriving together, may hold more than that limit, up to 8 such bodies.
const FETCHES_WHILE_NONE_WAITS: usize = 8;

/// The bytes of the fetched feeds waiting for the writer, and of the fetches under way
/// (counted for a guess of their body's size): while the two reach the limit
/// ([`HELD_BYTES`]), no fetch starts, unless no feed waits and fewer than
/// [`FETCHES_WHILE_NONE_WAITS`] are under way. A feed counts from its body's arrival until
/// the writer has stored it and the parsed feed is freed: for its body's size until it is
/// parsed, then for its parsed feed's (nothing when it was not parsed: a 304, a failure,
/// the body its entries were stored from).
///
/// The counts of feeds (the fetch concurrency, the parse slots, the writer's queue) bound
/// the pipeline too, but with a fast network and a busy writer every fetched body waits,
/// and what they hold depends on the sizes of the feeds that happen to be in flight: a
/// longer run meets more of the big ones at once. Counted in bytes, what waits stays near
/// the limit whatever the feeds; counted at their parsed size rather than their body's,
/// whatever share of them is parsed. The fetches under way are counted so that a fast
/// network cannot start a burst of them, all of whose bodies would wait, between one
/// arrival and the next, nor the moment the writer has taken all there was (see
/// docs/performance-log.md, 2026-12-07). While no feed waits, the `concurrency` requests
/// the network allows stay busy as long as the guess stays under about a `concurrency`th
/// of the limit (128 KiB at the default 32); since a 304 brings nothing, a run of mostly
/// unchanged feeds guesses little. The writer's open batch is not counted:
/// [`BatchLimits`] bounds it, and counting it too would make every batch end when the
/// queue behind it runs dry.
struct Held {
    /// Bytes of the feeds that arrived and wait for the writer (or for being freed): raw
    /// bodies and parsed feeds.
    waiting: AtomicUsize,
    /// Bytes guessed for the fetches under way.
    under_way_bytes: AtomicUsize,
    /// How many fetches are under way.
    fetches_under_way: AtomicUsize,
    /// While the bytes above reach this, no fetch starts (but see [`Held::has_room`]).
    limit: usize,
    /// The fetches that have ended, and the bytes of the bodies they brought, for the
    /// guess.
    ended: AtomicUsize,
    arrived_bytes: AtomicUsize,
    /// Told when bytes or fetches stop being counted.
    released: Notify,
}

impl Held {
    fn new(limit: usize) -> Held {
        Held {
            waiting: AtomicUsize::new(0),
            under_way_bytes: AtomicUsize::new(0),
            fetches_under_way: AtomicUsize::new(0),
            limit,
            ended: AtomicUsize::new(0),
            arrived_bytes: AtomicUsize::new(0),
            released: Notify::new(),
        }
    }

    /// Waits until a fetch may start (see [`Held::has_room`]).
    async fn room(&self) {
        // (a release between the check and the wait leaves its notification stored)
        while !self.has_room() {
            self.released.notified().await;
        }
    }

    /// Whether a fetch may start: the bytes counted are under the limit, or no feed waits
    /// and fewer than [`FETCHES_WHILE_NONE_WAITS`] fetches are under way.
    fn has_room(&self) -> bool {
        let waiting = self.waiting.load(Ordering::Acquire);
        let under_way = self.fetches_under_way.load(Ordering::Acquire);
        (waiting == 0 && under_way < FETCHES_WHILE_NONE_WAITS)
            || waiting + self.under_way_bytes.load(Ordering::Acquire) < self.limit
    }

    /// Counts a fetch about to start for the guess of its body's size, and returns it.
    fn guess(&self) -> usize {
        let ended = self.ended.load(Ordering::Relaxed);
        let guess = match ended {
            0 => FIRST_GUESS,
            _ => self.arrived_bytes.load(Ordering::Relaxed) / ended,
        };
        self.under_way_bytes.fetch_add(guess, Ordering::AcqRel);
        self.fetches_under_way.fetch_add(1, Ordering::AcqRel);
        guess
    }

    /// Counts a fetch about to start until what it brings is known (see [`UnderWay`]).
    fn start(self: &Arc<Held>) -> UnderWay {
        UnderWay {
            guess: self.guess(),
            held: Arc::clone(self),
            body: 0,
        }
    }

    /// Counts a fetch that was counted for `guess` as a body of `body` bytes waiting (none
    /// for a 304 or a failure), and returns that.
    fn arrived(&self, guess: usize, body: usize) -> usize {
        self.ended.fetch_add(1, Ordering::Relaxed);
        self.arrived_bytes.fetch_add(body, Ordering::Relaxed);
        self.waiting.fetch_add(body, Ordering::AcqRel);
        self.under_way_bytes.fetch_sub(guess, Ordering::AcqRel);
        self.fetches_under_way.fetch_sub(1, Ordering::AcqRel);
        self.released.notify_one();
        body
    }

    /// Counts a body that was counted for `body` bytes as its parsed feed of `size` bytes
    /// (none when it was not parsed), and returns that.
    fn parsed(&self, body: usize, size: usize) -> usize {
        self.waiting.fetch_add(size, Ordering::AcqRel);
        self.waiting.fetch_sub(body, Ordering::AcqRel);
        if size < body {
            self.released.notify_one();
        }
        size
    }

    /// Stops counting `bytes` of bodies that waited.
    fn release(&self, bytes: usize) {
        self.waiting.fetch_sub(bytes, Ordering::AcqRel);
        self.released.notify_one();
    }
}

/// A fetch counted as under way in [`Held`]. Dropped, it is counted as ended with the body
/// [`UnderWay::arrived`] gave it, or none: a task that panicked mid-fetch must not leave a
/// fetch counted under way, which would keep others from starting.
struct UnderWay {
    held: Arc<Held>,
    guess: usize,
    body: usize,
}

impl UnderWay {
    /// Counts the fetch as ended with a body of `body` bytes waiting (none for a 304 or a
    /// failure), and returns that.
    fn arrived(mut self, body: usize) -> usize {
        self.body = body;
        body
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.held.arrived(self.guess, self.body);
    }
}

/// Which feeds a run fetches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Fetch every selected feed, due or not.
    pub force: bool,
    /// Only these feeds (by configured name); empty means all.
    pub only: Vec<String>,
}

/// What happened to one feed in a run.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedOutcome {
    /// The feed's configured name.
    pub name: String,
    /// The URL requested.
    pub url: Url,
    /// The result.
    pub result: FeedResult,
}

/// The result of fetching one feed.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedResult {
    /// A new body was parsed and stored.
    Updated(EntryCounts),
    /// The server said 304: nothing to store.
    NotModified,
    /// The fetch or the parse failed; the message is one line.
    Failed {
        /// Why, without the feed's name or URL.
        message: String,
    },
}

/// What a run did: counts over every fetched feed, and the feeds that failed.
///
/// A run keeps no record of each feed that succeeded (the progress callback sees every
/// outcome as it happens), so the memory it holds at the end does not grow with the number
/// of feeds that succeeded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Feeds fetched; feeds that were not due are not counted.
    pub n_fetched: usize,
    /// Feeds that returned a new body.
    pub n_updated: usize,
    /// Feeds that answered 304.
    pub n_not_modified: usize,
    /// Entries over the feeds updated.
    pub entries: EntryCounts,
    /// The feeds that failed, in configuration order.
    pub failures: Vec<FeedOutcome>,
}

impl RunReport {
    /// Feeds that failed.
    pub fn n_failed(&self) -> usize {
        self.failures.len()
    }

    /// Counts one feed's result (the caller keeps a failure).
    fn count(&mut self, result: &FeedResult) {
        self.n_fetched += 1;
        match result {
            FeedResult::Updated(counts) => {
                self.n_updated += 1;
                self.entries.new += counts.new;
                self.entries.changed += counts.changed;
                self.entries.unchanged += counts.unchanged;
            }
            FeedResult::NotModified => self.n_not_modified += 1,
            FeedResult::Failed { .. } => {}
        }
    }
}

/// Told about a run's progress as it goes (for a progress bar); called from the writer
/// thread, so it must be `Sync`.
pub trait Progress: Sync {
    /// The run will fetch `total` feeds.
    fn start(&self, total: usize);
    /// One feed is done.
    fn feed_done(&self, outcome: &FeedOutcome);
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: usize) {}
    fn feed_done(&self, _outcome: &FeedOutcome) {}
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The database failed; feeds already stored stay stored.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client or the async runtime could not be started.
    #[error("cannot start fetching: {message}")]
    Setup {
        /// Details.
        message: String,
    },
}

/// One URL to fetch, and the feeds that share it (the same URL configured twice is fetched
/// once, SPEC §3.7).
///
/// A job is made shortly before its fetch starts ([`Jobs`]) and goes once its result is
/// stored; a second feed of the same URL, which is rare, is the only reason for a list.
struct Job {
    first: Member,
    others: Vec<Member>,
    /// Whether to send the feeds' validators: only when they all hold the same ones.
    conditional: bool,
}

impl Job {
    /// A job of `members`, the first of them the one first configured; `None` without any.
    fn of(members: Vec<Member>) -> Option<Job> {
        let mut members = members.into_iter();
        let first = members.next()?;
        let others: Vec<Member> = members.collect();
        let conditional = others
            .iter()
            .all(|member| member.validators == first.validators);
        Some(Job {
            first,
            others,
            conditional,
        })
    }

    /// The URL to request.
    fn url(&self) -> &Url {
        &self.first.url
    }

    /// The validators to send.
    fn validators(&self) -> Validators {
        match &self.first.validators {
            Some(validators) if self.conditional => Validators::clone(validators),
            _ => Validators::default(),
        }
    }

    /// Whether every feed of the job has its entries stored from an earlier fetch: then
    /// most entries of a new body are stored already, and only digesting them ahead pays.
    fn fetched_before(&self) -> bool {
        self.members().all(|member| member.fetched_before)
    }

    /// The digest of the body every feed of the job has its entries stored from, when they
    /// all have the same: a body with this digest need not be parsed.
    fn body_digest(&self) -> Option<BodyDigest> {
        let digest = self.first.body_digest?;
        self.others
            .iter()
            .all(|member| member.body_digest == Some(digest))
            .then_some(digest)
    }

    fn members(&self) -> impl Iterator<Item = &Member> {
        std::iter::once(&self.first).chain(&self.others)
    }

    fn len(&self) -> usize {
        1 + self.others.len()
    }
}

/// A feed being fetched: its row, read shortly before its fetch starts (with the next
/// [`JOBS_READ_AT_ONCE`] jobs), and its interval.
struct Member {
    /// Its place in the configuration, for the order of the report.
    position: usize,
    id: FeedId,
    /// Its configured name (it seeds the jitter of its schedule).
    name: String,
    /// The URL to request: where it moved for good, else the configured one.
    url: Url,
    /// Minimum time between its fetches.
    interval: Duration,
    /// Validators from its last successful fetch, if it kept any.
    validators: Option<Box<Validators>>,
    /// Failures in a row so far.
    consecutive_errors: u32,
    /// Whether its entries are stored from an earlier fetch.
    fetched_before: bool,
    /// The digest of the body its entries were stored from.
    body_digest: Option<BodyDigest>,
    /// The `<ttl>` of that body: it still holds when the next answer is that nothing changed.
    ttl_minutes: Option<u32>,
}

impl Member {
    /// The member for `row`, the row of the feed `planned`.
    fn new(row: FeedRow, planned: &Planned) -> Member {
        let validators =
            (row.validators != Validators::default()).then(|| Box::new(row.validators));
        Member {
            position: planned.position as usize,
            id: row.id,
            name: row.name,
            url: row.url,
            interval: planned.interval,
            validators,
            consecutive_errors: row.consecutive_errors,
            fetched_before: row.fetched_before,
            body_digest: row.body_digest,
            ttl_minutes: row.ttl_minutes,
        }
    }
}

/// The due feeds of a run, in the order their fetches start, and what the configuration
/// says of each that the store does not: made by [`plan_fetch`] while the configuration is
/// at hand, so that [`fetch_planned`] can run without it.
///
/// It keeps 32 bytes a feed. Everything else about a feed (its name, its URL, its
/// validators) is read from the store shortly before its fetch starts and goes once its
/// result is stored, so a run holds that only for a few hundred feeds however many are due,
/// and the caller can let go of the configured feeds. Holding both for every feed took about
/// half a KiB a feed, the largest part of a run's memory that grew with the number of feeds:
/// without them, three cold fetches of 5000 feeds peaked at 54.0–54.8 MiB, against 55.4–56.0
/// (1000 feeds: the same, 49.3–50.9 against 49.4–51.0 in seven pairs).
///
/// The price is that each due feed's row is read twice, to plan and to fetch, on a
/// connection opened for each 256 jobs (about a third of the reading is
/// those connections' parsing of the schema): a `fetch --force` of feeds that all answer
/// 304 took 32 ms instead of 28 at 1000 feeds, and 0.173 s instead of 0.151 at 5000
/// (medians of 15 and 10 pairs), about 3.5 µs a feed.
#[derive(Debug)]
pub struct FetchPlan {
    /// The feeds of one URL are next to each other, the first first.
    feeds: Vec<Planned>,
}

impl FetchPlan {
    /// How many feeds are due.
    pub fn len(&self) -> usize {
        self.feeds.len()
    }

    /// Whether no feed is due.
    pub fn is_empty(&self) -> bool {
        self.feeds.is_empty()
    }
}

/// A due feed in a [`FetchPlan`].
#[derive(Debug, Clone, Copy)]
struct Planned {
    id: FeedId,
    /// Its place in the configuration (4 bytes, not 8: a plan holds one for every due feed).
    position: u32,
    /// Its configured interval.
    interval: Duration,
    /// Whether it requests the URL of the feed before it in the plan (one job for both).
    same_url: bool,
}

/// The jobs of a [`FetchPlan`], made from the feeds' rows [`JOBS_READ_AT_ONCE`] at a time.
struct Jobs {
    planned: std::iter::Peekable<std::vec::IntoIter<Planned>>,
    reader: FeedReader,
    /// Jobs read and not yet started: at most [`JOBS_READ_AT_ONCE`].
    ready: VecDeque<Job>,
}

/// How many jobs [`Jobs`] reads from the store at a time.
///
/// Reading each job's rows as its fetch started made a cold fetch of 5000 feeds peak 5 MiB
/// higher than reading them all at the start (60.7 and 61.0 MiB against 55.6 and 55.7):
/// the fetch thread's heap grew through the run, from 13 to 22 MB in use (glibc's
/// `malloc_stats`), while the writer's shrank from 15 to 8. Neither happened with every job
/// read at the start, nor with glibc's per-thread caches off (`GLIBC_TUNABLES=
/// glibc.malloc.tcache_count=0`), nor with 256 jobs read at a time, which this does (see
/// [`FetchPlan`] for its peaks). 256 jobs hold about 80 KB, and are about as many as the
/// fetches under way, the results waiting and a batch of the writer's.
const JOBS_READ_AT_ONCE: usize = 256;

impl Jobs {
    /// The jobs of `plan`, their rows read through `reader`.
    fn new(plan: FetchPlan, reader: FeedReader) -> Jobs {
        Jobs {
            planned: plan.feeds.into_iter().peekable(),
            reader,
            ready: VecDeque::new(),
        }
    }

    /// The next job, reading the next [`JOBS_READ_AT_ONCE`] when none is left.
    fn next(&mut self) -> Result<Option<Job>, StoreError> {
        if self.ready.is_empty() {
            self.read_ahead()?;
        }
        Ok(self.ready.pop_front())
    }

    /// Reads the next [`JOBS_READ_AT_ONCE`] jobs of the plan from the store. A feed whose row
    /// is gone is left out (rows are never deleted; the plan was made from them), and a job
    /// with none of its feeds left is passed over.
    fn read_ahead(&mut self) -> Result<(), StoreError> {
        let mut feeds: Vec<Planned> = Vec::new();
        let mut n_jobs = 0;
        while n_jobs < JOBS_READ_AT_ONCE {
            let Some(first) = self.planned.next() else {
                break;
            };
            feeds.push(first);
            feeds.extend(std::iter::from_fn(|| {
                self.planned.next_if(|next| next.same_url)
            }));
            n_jobs += 1;
        }
        let ids: Vec<FeedId> = feeds.iter().map(|feed| feed.id).collect();
        let rows = self.reader.feed_rows(&ids)?;
        let mut members: Vec<Member> = Vec::with_capacity(1);
        for (feed, row) in feeds.iter().zip(rows) {
            if !feed.same_url {
                self.ready.extend(Job::of(std::mem::take(&mut members)));
            }
            match row {
                Some(row) => members.push(Member::new(row, feed)),
                None => tracing::debug!("feed {} has no row any more: not fetched", feed.id.0),
            }
        }
        self.ready.extend(Job::of(members));
        Ok(())
    }
}

/// Where the writer receives the fetch results, and the count it releases their bytes from
/// once it has stored them.
struct Inbox {
    receiver: mpsc::Receiver<Done>,
    held: Arc<Held>,
}

/// Bytes [`Held`] counts until this is dropped: on the drop thread, after what it is sent
/// with.
struct Release {
    held: Arc<Held>,
    bytes: usize,
}

impl Drop for Release {
    fn drop(&mut self) {
        self.held.release(self.bytes);
    }
}

/// What a fetch task hands the writer.
struct Done {
    job: Job,
    result: Result<Success, Failure>,
    /// The bytes [`Held`] counts for it (its parsed feed's size) until the writer has stored
    /// it.
    held: usize,
}

enum Success {
    Modified {
        status: u16,
        moved_to: Option<Url>,
        validators: Validators,
        hints: ServerHints,
        feed: PreparedFeed,
    },
    /// Nothing to store: a 304, or a 2xx with the body the entries were stored from (not
    /// parsed again).
    NotModified {
        status: u16,
        moved_to: Option<Url>,
        validators: Validators,
        hints: ServerHints,
    },
}

struct Failure {
    message: String,
    http_status: Option<u16>,
    hints: ServerHints,
    gone: bool,
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Failure {
        Failure {
            http_status: error.http_status(),
            hints: error.hints().copied().unwrap_or_default(),
            gone: matches!(error, FetchError::Gone),
            message: error.to_string(),
        }
    }
}

impl From<ParseError> for Failure {
    fn from(error: ParseError) -> Failure {
        Failure {
            http_status: None,
            hints: ServerHints::default(),
            gone: false,
            message: error.to_string(),
        }
    }
}

/// The configured feeds as the store records them.
pub fn configured_feeds(config: &Config) -> Vec<ConfiguredFeed<'_>> {
    config
        .feeds
        .iter()
        .map(|feed| ConfiguredFeed {
            name: &feed.name,
            url: &feed.url,
            group: &feed.group,
            ranked: feed.ranked,
        })
        .collect()
}

/// Records the configuration in the store and plans the run: the due feeds of `config` (all
/// selected feeds with `force`), grouped by the URL to request, in configuration order.
/// [`fetch_planned`] then fetches them; the configured feeds need not outlive the plan.
pub fn plan_fetch(
    store: &mut Store,
    config: &Config,
    options: &FetchOptions,
    now: Timestamp,
) -> Result<FetchPlan, PipelineError> {
    // (the list of configured feeds goes as soon as the store has them)
    store.record_configuration(&configured_feeds(config), now)?;
    // Each due feed with the number of its URL's job, numbered in order of first appearance;
    // each row goes as soon as it is read.
    let mut due: Vec<(usize, Planned)> = Vec::new();
    let mut job_of_url: HashMap<Url, usize> = HashMap::new();
    let names = config.feeds.iter().map(|feed| feed.name.as_str());
    store.visit_feed_rows(names, |position, row| {
        let spec = &config.feeds[position];
        let selected = options.only.is_empty() || options.only.contains(&spec.name);
        if selected && !row.gone && (options.force || row.next_check_at <= now) {
            let n_jobs = job_of_url.len();
            let job = *job_of_url.entry(row.url).or_insert(n_jobs);
            let planned = Planned {
                id: row.id,
                position: u32::try_from(position).unwrap_or(u32::MAX),
                interval: spec.interval,
                same_url: false,
            };
            due.push((job, planned));
        }
    })?;
    drop(job_of_url);
    // (stable: the feeds of a job stay in configuration order)
    due.sort_by_key(|(job, _)| *job);
    let mut previous_job = None;
    // (into a vector of its own: collected in place, the plan would keep the room of `due`,
    // whose elements are larger, and a doubling's spare room besides)
    let mut feeds = Vec::with_capacity(due.len());
    feeds.extend(due.into_iter().map(|(job, planned)| Planned {
        same_url: previous_job.replace(job) == Some(job),
        ..planned
    }));
    Ok(FetchPlan { feeds })
}

/// Fetches the feeds of `plan` with `settings`, stores what they return and reports what
/// happened. Each feed's row is read shortly before its fetch starts ([`FetchPlan`]).
pub fn fetch_planned(
    store: &mut Store,
    settings: &Settings,
    plan: FetchPlan,
    now: Timestamp,
    progress: &dyn Progress,
) -> Result<RunReport, PipelineError> {
    if plan.is_empty() {
        return Ok(RunReport::default());
    }
    let n_feeds = plan.len();
    let jobs = Jobs::new(plan, store.feed_reader());
    let fetcher = Fetcher::new(FetchSettings {
        user_agent: settings.user_agent.clone(),
        timeout: settings.timeout,
        max_body: settings.max_feed_size,
        concurrency: settings.concurrency,
        per_host: settings.per_host,
    })
    .map_err(|error| PipelineError::Setup {
        message: error.to_string(),
    })?;
    // One thread does the network and the parsing, the writer another: two busy threads
    // for two cores. A worker per core made a third and fourth allocating thread, whose
    // memory arenas added 13 MiB of fragmentation to a 5000-feed run and no speed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| PipelineError::Setup {
            message: error.to_string(),
        })?;

    progress.start(n_feeds);
    let checkpointer = store.begin_bulk_writes()?;
    let (sender, receiver) = mpsc::channel::<Done>(CHANNEL_CAPACITY);
    let in_flight = settings.concurrency.max(1) + CHANNEL_CAPACITY;
    let held = Arc::new(Held::new(HELD_BYTES));
    let (report, read) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let inbox = Inbox {
                receiver,
                held: Arc::clone(&held),
            };
            write_results(&mut *store, inbox, now, progress, BATCH_LIMITS)
        });
        let fetching = fetch_all(Arc::new(fetcher), jobs, sender, in_flight, &held);
        let read = runtime.block_on(fetching);
        match writer.join() {
            Ok(result) => (result, read),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    drop(checkpointer);
    // (writes the headline words that wait for the entries stored)
    let ended = store.end_bulk_writes();
    // A writer's failure stops the fetches, so it is the one to report when both failed.
    let outcome = match (report, read) {
        (Err(error), Err(read_error)) => {
            tracing::debug!("reading the feeds to fetch failed too: {read_error}");
            Err(error)
        }
        (report, read) => read.and(report),
    };
    match (outcome, ended) {
        (Err(error), Err(end_error)) => {
            tracing::debug!("ending the run's writes failed too: {end_error}");
            Err(error.into())
        }
        (outcome, ended) => {
            ended?;
            Ok(outcome?)
        }
    }
}

/// Fetches and parses every job concurrently, sending each result to the writer. At most
/// `in_flight` jobs hold a body at once, and none starts while `held` has no room.
async fn fetch_all(
    fetcher: Arc<Fetcher>,
    mut jobs: Jobs,
    sender: mpsc::Sender<Done>,
    in_flight: usize,
    held: &Arc<Held>,
) -> Result<(), StoreError> {
    let slots = Arc::new(Semaphore::new(in_flight));
    let parsing = Arc::new(Semaphore::new(PARSE_SLOTS));
    let mut tasks = tokio::task::JoinSet::new();
    let mut read = Ok(());
    loop {
        // A task exists only once it holds a slot, and a job shortly before, so the number
        // of feeds due barely shows in memory: a waiting feed is a few numbers in the plan.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            break;
        };
        // A writer that stopped on a database error releases nothing: the run is ending.
        tokio::select! {
            () = held.room() => {}
            () = sender.closed() => break,
        }
        let job = match jobs.next() {
            Ok(Some(job)) => job,
            Ok(None) => break,
            Err(error) => {
                // (the feeds under way are still stored)
                read = Err(error);
                break;
            }
        };
        let under_way = held.start();
        let held = Arc::clone(held);
        // Reap finished tasks as we go.
        while tasks.try_join_next().is_some() {}
        let fetcher = Arc::clone(&fetcher);
        let sender = sender.clone();
        let parsing = Arc::clone(&parsing);
        let url = job.url().clone();
        // A feed's first fetch has its entries prepared whole here, off the writer, which
        // is the busier; a feed stored before only digested, since most of its entries are
        // stored as they are and the writer derives the rest for the few that are not.
        let prepare_feed: fn(ParsedFeed) -> PreparedFeed = if job.fetched_before() {
            PreparedFeed::digested
        } else {
            PreparedFeed::new
        };
        let stored_from = job.body_digest();
        tasks.spawn(async move {
            let _slot = slot;
            let fetched = fetcher.fetch(&url, &job.validators()).await;
            let body = match &fetched {
                Ok(Fetched::Modified { body, .. }) => body.len(),
                _ => 0,
            };
            let counted = under_way.arrived(body);
            // A parsed feed takes about twice the memory of its body: parse only as many as
            // the writer can soon take, and hold the permit until it has one.
            let _parsing = parsing.acquire_owned().await.ok();
            let result = match fetched {
                Ok(fetched) => prepare(fetched, stored_from, prepare_feed),
                Err(error) => Err(error.into()),
            };
            let size = match &result {
                Ok(Success::Modified { feed, .. }) => feed.size(),
                _ => 0,
            };
            let held = held.parsed(counted, size);
            // A closed channel means the writer stopped on a database error; the run is
            // ending, so this result has nowhere to go.
            let _ = sender.send(Done { job, result, held }).await;
        });
    }
    drop(sender);
    while tasks.join_next().await.is_some() {}
    read
}

/// Parses a fetched body and prepares its entries for the writer with `prepare_feed`,
/// unless it is the body the entries were stored from (`stored_from`).
fn prepare(
    fetched: Fetched,
    stored_from: Option<BodyDigest>,
    prepare_feed: fn(ParsedFeed) -> PreparedFeed,
) -> Result<Success, Failure> {
    match fetched {
        Fetched::NotModified {
            moved_to,
            validators,
            hints,
        } => Ok(Success::NotModified {
            status: 304,
            moved_to,
            validators,
            hints,
        }),
        Fetched::Modified {
            status,
            final_url,
            moved_to,
            validators,
            hints,
            charset,
            body,
        } => {
            let digest = BodyDigest::of(final_url.as_str(), charset.as_deref(), &body);
            if stored_from == Some(digest) {
                return Ok(Success::NotModified {
                    status,
                    moved_to,
                    validators,
                    hints,
                });
            }
            let feed = parse::parse_with_charset(&body, &final_url, charset.as_deref())?;
            drop(body);
            let feed = prepare_feed(feed).with_body_digest(digest);
            Ok(Success::Modified {
                status,
                moved_to,
                validators,
                hints,
                feed,
            })
        }
    }
}

/// The single writer: stores results in batches within `limits`: a batch
/// takes every result that has arrived by the time it finishes the previous one, and commits
/// when none is waiting (or it is full). Each feed is reported once its batch is committed.
///
/// What it has stored is freed on a thread of its own ([`Garbage`]).
fn write_results(
    store: &mut Store,
    inbox: Inbox,
    now: Timestamp,
    progress: &dyn Progress,
    limits: BatchLimits,
) -> Result<RunReport, StoreError> {
    std::thread::scope(|scope| {
        let (garbage, collected) = std::sync::mpsc::sync_channel::<Garbage>(GARBAGE_CAPACITY);
        let spawned = std::thread::Builder::new()
            .name("drop".into())
            .spawn_scoped(scope, move || collected.into_iter().for_each(drop));
        if let Err(error) = spawned {
            // Without the thread nothing receives: what is sent comes back and is dropped
            // on the writer.
            tracing::debug!("no drop thread: {error}");
        }
        store_batches(store, inbox, now, progress, limits, &garbage)
    })
}

/// What the writer has stored (a fetch result, a batch's search text), for the drop thread
/// to free.
///
/// The parsed feeds and their text were allocated on the fetch thread, and glibc's
/// allocator frees a block under the lock of the arena it came from, which that thread
/// holds whenever it allocates: freeing them on the writer made it wait for that lock about
/// 7,300 times in a cold fetch of 1000 feeds (`perf record -e sched:sched_switch`), and the
/// writer bounds the run (it now waits about 800 times in all). Freed on a thread of their
/// own, a cold fetch took 2.6 to 5.3 % less time (medians of three sets of 8 pairs, fresh
/// databases), for the same CPU time and memory.
type Garbage = Box<dyn Send>;

/// What waits for the drop thread at most (fetch results and batches' text); the writer
/// frees what finds no room itself, so memory stays bounded however the threads are
/// scheduled. The queue rarely fills: the drop thread needs about 50 ms of a cold fetch.
const GARBAGE_CAPACITY: usize = 8;

/// [`write_results`], handing what it is done with to `garbage`.
fn store_batches(
    store: &mut Store,
    inbox: Inbox,
    now: Timestamp,
    progress: &dyn Progress,
    limits: BatchLimits,
    garbage: &std::sync::mpsc::SyncSender<Garbage>,
) -> Result<RunReport, StoreError> {
    let Inbox { mut receiver, held } = inbox;
    let mut report = RunReport::default();
    // (each with its feed's place in the configuration, to put them in its order)
    let mut failures: Vec<(usize, FeedOutcome)> = Vec::new();
    let mut stored: Vec<(Job, Vec<FeedResult>)> = Vec::with_capacity(limits.feeds);
    // Whether the writer or the network bounds a run shows in how long it waited for work.
    let started = Instant::now();
    let mut waited = Duration::ZERO;
    let mut batches = 0_usize;
    let mut steps = 0_u64;
    loop {
        let waiting = Instant::now();
        let received = receiver.blocking_recv();
        waited += waiting.elapsed();
        let Some(first) = received else {
            break;
        };
        batches += 1;
        let mut batch = store.batch()?;
        let mut next = Some(first);
        while let Some(Done {
            job,
            result,
            held: held_bytes,
        }) = next.take()
        {
            let mut results = Vec::with_capacity(job.len());
            for member in job.members() {
                results.push(store_result(&mut batch, member, &result, now)?);
            }
            // The parsed feed goes now; the batch keeps only what it writes at commit. (What
            // the drop thread has no room for is dropped here.)
            let released = Release {
                held: Arc::clone(&held),
                bytes: held_bytes,
            };
            let _ = garbage.try_send(Box::new((result, released)));
            stored.push((job, results));
            if stored.len() < limits.feeds && batch.search_bytes() < limits.text {
                next = receiver.try_recv().ok();
            }
        }
        let _ = garbage.try_send(Box::new(batch.commit()?));
        steps += store.last_work().vm_steps;
        let mut jobs = Vec::with_capacity(stored.len());
        for (job, results) in stored.drain(..) {
            for (member, result) in job.members().zip(results) {
                // (the URL requested: the feeds of a job share it)
                let outcome = FeedOutcome {
                    name: member.name.clone(),
                    url: job.url().clone(),
                    result,
                };
                progress.feed_done(&outcome);
                report.count(&outcome.result);
                if matches!(outcome.result, FeedResult::Failed { .. }) {
                    failures.push((member.position, outcome));
                }
            }
            jobs.push(job);
        }
        // Made on the fetch thread from the rows it read: freed on the drop thread too.
        let _ = garbage.try_send(Box::new(jobs));
    }
    let busy = started.elapsed().saturating_sub(waited);
    tracing::debug!(
        "writer: {batches} transactions, {steps} SQLite steps, busy {:.2} s, waited {:.2} s \
         for results",
        busy.as_secs_f64(),
        waited.as_secs_f64()
    );
    // Configuration order, whatever order the network finished in.
    failures.sort_by_key(|(position, _)| *position);
    report.failures = failures.into_iter().map(|(_, outcome)| outcome).collect();
    Ok(report)
}

/// Stores one feed's share of a fetch result and schedules its next check.
fn store_result(
    store: &mut Batch<'_>,
    member: &Member,
    result: &Result<Success, Failure>,
    now: Timestamp,
) -> Result<FeedResult, StoreError> {
    let feed_id = member.id;
    // Jitter is seeded by the feed's name: stable for the feed, different between feeds.
    let seed = member.name.as_str();
    Ok(match result {
        Ok(Success::Modified {
            status,
            moved_to,
            validators,
            hints,
            feed,
        }) => {
            let poll = PollHints::new(hints, feed.feed().ttl_minutes, now);
            let next_check_at = schedule::after_success(now, member.interval, &poll, seed);
            let counts = store.record_fetched(
                feed_id,
                feed,
                validators,
                *status,
                moved_to.as_ref(),
                now,
                next_check_at,
            )?;
            FeedResult::Updated(counts)
        }
        Ok(Success::NotModified {
            status,
            moved_to,
            validators,
            hints,
        }) => {
            // (the `<ttl>` of the body the entries were stored from still holds)
            let poll = PollHints::new(hints, member.ttl_minutes, now);
            let next_check_at = schedule::after_success(now, member.interval, &poll, seed);
            store.record_not_modified(
                feed_id,
                validators,
                *status,
                moved_to.as_ref(),
                now,
                next_check_at,
            )?;
            FeedResult::NotModified
        }
        Err(failure) if failure.gone => {
            store.record_gone(feed_id, &failure.message, now)?;
            FeedResult::Failed {
                message: failure.message.clone(),
            }
        }
        Err(failure) => {
            let failures = member.consecutive_errors.saturating_add(1);
            let retry_after = schedule::retry_after(&failure.hints, now);
            let next_check_at =
                schedule::after_failure(now, member.interval, failures, retry_after, seed);
            store.record_failure(
                feed_id,
                &failure.message,
                failure.http_status,
                now,
                next_check_at,
            )?;
            FeedResult::Failed {
                message: failure.message.clone(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::config::FeedSpec;
    use crate::model::{Engagement, EntryKey, ParsedEntry, ParsedFeed};

    /// Records, as each feed is reported, how many entries another connection sees
    /// committed: the feeds reported with one count were stored by one transaction.
    struct Commits {
        reader: Mutex<Store>,
        seen: Mutex<Vec<u64>>,
    }

    impl Progress for Commits {
        fn start(&self, _total: usize) {}
        fn feed_done(&self, _outcome: &FeedOutcome) {
            let reader = self.reader.lock().unwrap();
            let committed = reader.entry_count().unwrap();
            self.seen.lock().unwrap().push(committed);
        }
    }

    impl Commits {
        /// How many feeds each transaction stored, in order.
        fn batch_sizes(&self) -> Vec<usize> {
            let seen = self.seen.lock().unwrap();
            seen.chunk_by(|a, b| a == b).map(<[u64]>::len).collect()
        }
    }

    /// A feed of one entry whose summary is `text_bytes` of text.
    fn feed_of(index: usize, text_bytes: usize) -> PreparedFeed {
        let summary = "word ".repeat(text_bytes / 5);
        PreparedFeed::new(ParsedFeed {
            title: Some(format!("Feed {index}")),
            site_link: None,
            ttl_minutes: None,
            entries: vec![ParsedEntry {
                key: EntryKey(format!("entry-{index}")),
                guid: Some(format!("entry-{index}")),
                link: None,
                title: Some(format!("Entry {index}")),
                summary: Some(format!("<p>{summary}</p>")),
                content: None,
                author: None,
                published: None,
                updated: None,
                comments: None,
                categories: vec![],
                engagement: Engagement::default(),
            }],
        })
    }

    /// A feed configured as `name`, at `url`.
    fn spec(name: &str, url: &str) -> FeedSpec {
        FeedSpec {
            name: name.to_string(),
            url: Url::parse(url).unwrap(),
            group: name.to_string(),
            weight: 1.0,
            tags: vec![],
            interval: Duration::from_secs(3600),
            ranked: false,
        }
    }

    /// A database in a temporary folder with `n_feeds` feeds configured: `feed0`, `feed1`…
    /// Returns the configured feeds and their rows.
    fn store_with_feeds(n_feeds: usize) -> (tempfile::TempDir, Store, Vec<FeedSpec>, Vec<FeedRow>) {
        store_with_feeds_at(n_feeds, "https://example.org")
    }

    /// [`store_with_feeds`], the feeds at `{base}/0.xml`, `{base}/1.xml`…
    fn store_with_feeds_at(
        n_feeds: usize,
        base: &str,
    ) -> (tempfile::TempDir, Store, Vec<FeedSpec>, Vec<FeedRow>) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("frontpage.db")).unwrap();
        let feeds: Vec<FeedSpec> = (0..n_feeds)
            .map(|index| spec(&format!("feed{index}"), &format!("{base}/{index}.xml")))
            .collect();
        let configured: Vec<ConfiguredFeed<'_>> = feeds
            .iter()
            .map(|feed| ConfiguredFeed {
                name: &feed.name,
                url: &feed.url,
                group: &feed.group,
                ranked: false,
            })
            .collect();
        let rows = store.sync_feeds(&configured, now()).unwrap();
        (dir, store, feeds, rows)
    }

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
    }

    /// The feed configured at `position` in `feeds`, with its `row`, as a plan has it.
    fn planned(row: &FeedRow, position: usize, feeds: &[FeedSpec]) -> Planned {
        Planned {
            id: row.id,
            position: u32::try_from(position).unwrap(),
            interval: feeds[position].interval,
            same_url: false,
        }
    }

    /// The result of the feed configured at `position` in `feeds`.
    fn done(
        row: FeedRow,
        position: usize,
        feeds: &[FeedSpec],
        result: Result<Success, Failure>,
    ) -> Done {
        let planned = planned(&row, position, feeds);
        Done {
            job: Job::of(vec![Member::new(row, &planned)]).unwrap(),
            result,
            held: 0,
        }
    }

    /// Stores `n_feeds` results, every one already waiting, within `limits`: returns how
    /// many feeds each transaction held. Each result counts its text's size as [`Held`]
    /// bytes: every one must be released.
    fn batches(n_feeds: usize, text_bytes: usize, limits: BatchLimits) -> Vec<usize> {
        let (dir, mut store, feeds, rows) = store_with_feeds(n_feeds);
        let (sender, receiver) = mpsc::channel::<Done>(n_feeds);
        let held = Arc::new(Held::new(HELD_BYTES));
        for (index, row) in rows.into_iter().enumerate() {
            let result = Ok(Success::Modified {
                status: 200,
                moved_to: None,
                validators: Validators::default(),
                hints: ServerHints::default(),
                feed: feed_of(index, text_bytes),
            });
            let counted = held.arrived(held.guess(), text_bytes);
            let done = Done {
                held: counted,
                ..done(row, index, &feeds, result)
            };
            sender.blocking_send(done).unwrap();
        }
        drop(sender);
        let commits = Commits {
            reader: Mutex::new(Store::open(&dir.path().join("frontpage.db")).unwrap()),
            seen: Mutex::new(Vec::new()),
        };
        let inbox = Inbox {
            receiver,
            held: Arc::clone(&held),
        };
        let report = write_results(&mut store, inbox, now(), &commits, limits).unwrap();
        assert_eq!(report.n_updated, n_feeds);
        assert_eq!(held.waiting.load(Ordering::SeqCst), 0);
        commits.batch_sizes()
    }

    #[test]
    fn a_report_counts_every_feed_and_lists_the_failures_in_configuration_order() {
        let (_dir, mut store, feeds, rows) = store_with_feeds(5);
        let failure = |message: &str| {
            Err(Failure {
                message: message.to_string(),
                http_status: None,
                hints: ServerHints::default(),
                gone: false,
            })
        };
        let not_modified = || {
            Ok(Success::NotModified {
                status: 304,
                moved_to: None,
                validators: Validators::default(),
                hints: ServerHints::default(),
            })
        };
        let mut results: Vec<Option<Result<Success, Failure>>> = vec![
            Some(not_modified()),
            Some(failure("first")),
            Some(Ok(Success::Modified {
                status: 200,
                moved_to: None,
                validators: Validators::default(),
                hints: ServerHints::default(),
                feed: feed_of(2, 100),
            })),
            Some(failure("second")),
            Some(failure("third")),
        ];
        let (sender, receiver) = mpsc::channel::<Done>(5);
        // (the network finishes in another order than the configuration's)
        let mut rows: Vec<Option<FeedRow>> = rows.into_iter().map(Some).collect();
        for position in [4, 3, 0, 2, 1] {
            let (row, result) = (rows[position].take(), results[position].take());
            sender
                .blocking_send(done(row.unwrap(), position, &feeds, result.unwrap()))
                .unwrap();
        }
        drop(sender);
        let inbox = Inbox {
            receiver,
            held: Arc::new(Held::new(HELD_BYTES)),
        };
        let report = write_results(&mut store, inbox, now(), &NoProgress, BATCH_LIMITS).unwrap();
        assert_eq!(
            (report.n_fetched, report.n_updated, report.n_not_modified),
            (5, 1, 1)
        );
        assert_eq!(report.entries.new, 1);
        let failures: Vec<(&str, &FeedResult)> = report
            .failures
            .iter()
            .map(|outcome| (outcome.name.as_str(), &outcome.result))
            .collect();
        let failed = |message: &str| FeedResult::Failed {
            message: message.to_string(),
        };
        assert_eq!(
            failures,
            [
                ("feed1", &failed("first")),
                ("feed3", &failed("second")),
                ("feed4", &failed("third")),
            ]
        );
    }

    /// Every job of `jobs`, read as the run would start them.
    fn every_job(mut jobs: Jobs) -> Vec<Job> {
        std::iter::from_fn(|| jobs.next().unwrap()).collect()
    }

    /// `feeds.toml` in `dir` with one feed per `(name, url)`.
    fn config_of(dir: &std::path::Path, feeds: &[(&str, &str)]) -> Config {
        let mut text = "[settings]\ndatabase = \"frontpage.db\"\n".to_string();
        for (name, url) in feeds {
            text.push_str(&format!("[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\n"));
        }
        crate::config::parse(&text, &dir.join("feeds.toml")).unwrap()
    }

    /// The jobs of the plan for `config` in `store`, with their URL, their feeds' names and
    /// the validators they send.
    fn planned_jobs(store: &mut Store, config: &Config) -> Vec<(String, Vec<String>, Validators)> {
        let plan = plan_fetch(store, config, &FetchOptions::default(), now()).unwrap();
        let jobs = Jobs::new(plan, store.feed_reader());
        every_job(jobs)
            .iter()
            .map(|job| {
                let names = job.members().map(|member| member.name.clone()).collect();
                (job.url().to_string(), names, job.validators())
            })
            .collect()
    }

    /// Records that the feed `name` answered with `etag`, due again now.
    fn answered(store: &mut Store, name: &str, etag: &str) {
        let id = store.feed_rows(&[name]).unwrap()[0].id;
        let validators = Validators {
            etag: Some(etag.to_string()),
            last_modified: None,
        };
        store
            .record_not_modified(id, &validators, None, now(), now())
            .unwrap();
    }

    #[test]
    fn feeds_of_one_url_are_one_job_that_sends_validators_only_if_they_all_hold_them() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_of(
            dir.path(),
            &[
                ("a1", "https://a.example/feed"),
                ("b1", "https://b.example/feed"),
                ("a2", "https://a.example/feed"),
                ("b2", "https://b.example/feed"),
                ("c", "https://c.example/feed"),
            ],
        );
        let mut store = Store::open(&config.settings.database).unwrap();
        plan_fetch(&mut store, &config, &FetchOptions::default(), now()).unwrap();
        for (name, etag) in [("a1", "x"), ("b1", "b"), ("a2", "y"), ("b2", "b")] {
            answered(&mut store, name, etag);
        }
        let etag = |value: &str| Validators {
            etag: Some(value.to_string()),
            last_modified: None,
        };
        let names = |names: &[&str]| names.iter().map(|name| name.to_string()).collect();
        assert_eq!(
            planned_jobs(&mut store, &config),
            [
                (
                    "https://a.example/feed".to_string(),
                    names(&["a1", "a2"]),
                    Validators::default()
                ),
                (
                    "https://b.example/feed".to_string(),
                    names(&["b1", "b2"]),
                    etag("b")
                ),
                (
                    "https://c.example/feed".to_string(),
                    names(&["c"]),
                    Validators::default()
                ),
            ]
        );
    }

    #[test]
    fn a_plan_holds_no_row_and_its_jobs_read_the_rows_a_few_hundred_at_a_time() {
        // What a plan keeps of a due feed, however many are due.
        assert!(std::mem::size_of::<Planned>() <= 32);
        let dir = tempfile::tempdir().unwrap();
        let n_feeds = JOBS_READ_AT_ONCE + 2;
        let feeds: Vec<(String, String)> = (0..n_feeds)
            .map(|index| {
                (
                    format!("feed{index}"),
                    format!("https://example.org/{index}.xml"),
                )
            })
            .collect();
        let feeds: Vec<(&str, &str)> = feeds
            .iter()
            .map(|(name, url)| (name.as_str(), url.as_str()))
            .collect();
        let config = config_of(dir.path(), &feeds);
        let mut store = Store::open(&config.settings.database).unwrap();
        let plan = plan_fetch(&mut store, &config, &FetchOptions::default(), now()).unwrap();
        assert_eq!(plan.len(), n_feeds);
        // (and no spare room: 5000 feeds' plan held twice its size)
        assert_eq!(plan.feeds.capacity(), n_feeds);
        // The rows change while the run goes on (the writer stores the feeds before): a job
        // has its feeds' rows as they were when it was read, not when the plan was made.
        answered(&mut store, "feed0", "before");
        let mut jobs = Jobs::new(plan, store.feed_reader());
        let first = jobs.next().unwrap().unwrap();
        assert_eq!(first.validators().etag.as_deref(), Some("before"));
        answered(&mut store, "feed1", "after");
        answered(&mut store, &format!("feed{}", n_feeds - 1), "after");
        let rest = every_job(jobs);
        assert_eq!(rest.len(), n_feeds - 1);
        // The second was read with the first; the last one was read once those had started.
        assert_eq!(rest[0].validators(), Validators::default());
        let last = &rest[n_feeds - 2];
        assert_eq!(last.validators().etag.as_deref(), Some("after"));
        assert_eq!(last.first.position, n_feeds - 1);
    }

    #[test]
    fn a_job_has_the_interval_its_feed_is_configured_with() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[settings]\ndatabase = \"frontpage.db\"\ninterval = \"2h\"\n\
                    [[feed]]\nname = \"default\"\nurl = \"https://a.example/feed\"\n\
                    [[feed]]\nname = \"own\"\nurl = \"https://b.example/feed\"\n\
                    interval = \"6h\"\n";
        let config = crate::config::parse(text, &dir.path().join("feeds.toml")).unwrap();
        let mut store = Store::open(&config.settings.database).unwrap();
        let plan = plan_fetch(&mut store, &config, &FetchOptions::default(), now()).unwrap();
        let intervals: Vec<(String, Duration)> = every_job(Jobs::new(plan, store.feed_reader()))
            .into_iter()
            .map(|job| (job.first.name, job.first.interval))
            .collect();
        let hours = |n: u64| Duration::from_secs(n * 3600);
        assert_eq!(
            intervals,
            [
                ("default".to_string(), hours(2)),
                ("own".to_string(), hours(6))
            ]
        );
    }

    #[test]
    fn jobs_whose_database_is_gone_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_of(dir.path(), &[("one", "https://one.example/feed")]);
        let mut store = Store::open(&config.settings.database).unwrap();
        let plan = plan_fetch(&mut store, &config, &FetchOptions::default(), now()).unwrap();
        let reader = store.feed_reader();
        drop(store);
        std::fs::remove_file(&config.settings.database).unwrap();
        let mut jobs = Jobs::new(plan, reader);
        assert!(matches!(jobs.next(), Err(StoreError::Open { .. })));
    }

    #[test]
    fn a_batch_takes_every_waiting_result_up_to_its_feed_limit() {
        let limits = BatchLimits {
            feeds: 3,
            text: 4 << 20,
        };
        assert_eq!(batches(7, 1000, limits), [3, 3, 1]);
        assert_eq!(batches(7, 1000, BATCH_LIMITS), [7]);
    }

    #[test]
    fn a_batch_commits_once_a_feed_takes_its_text_past_the_limit() {
        let limits = BatchLimits {
            feeds: 128,
            text: 2500,
        };
        // 1000 bytes a feed: the third takes the batch to 3000.
        assert_eq!(batches(7, 1000, limits), [3, 3, 1]);
        // A feed bigger than the limit is a batch of its own.
        assert_eq!(batches(3, 5000, limits), [1, 1, 1]);
        // The real limit, 4 MiB: the fourth feed of a little over 1 MiB passes it.
        assert_eq!(batches(7, (1 << 20) + 20_000, BATCH_LIMITS), [4, 3]);
    }

    #[test]
    fn no_fetch_starts_while_the_bodies_waiting_for_the_writer_fill_the_limit() {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::AtomicUsize;

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (_dir, store, feeds, rows) = store_with_feeds_at(4, &base);
        // The bodies the writer has stored, which the server notes as each request comes.
        let stored = Arc::new(AtomicUsize::new(0));
        let server = std::thread::spawn({
            let stored = Arc::clone(&stored);
            move || {
                let mut stored_before = Vec::new();
                for stream in listener.incoming().take(4) {
                    let mut request = BufReader::new(stream.unwrap());
                    let mut line = String::new();
                    while request.read_line(&mut line).unwrap() > 2 {
                        line.clear();
                    }
                    stored_before.push(stored.load(Ordering::SeqCst));
                    let body = "<rss version=\"2.0\"><channel><title>Feed</title><item>\
                                <guid>1</guid><title>Story</title></item></channel></rss>";
                    write!(
                        request.get_mut(),
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .unwrap();
                }
                stored_before
            }
        });
        let plan = rows.iter().enumerate();
        let feeds = plan
            .map(|(index, row)| planned(row, index, &feeds))
            .collect();
        let jobs = Jobs::new(FetchPlan { feeds }, store.feed_reader());
        let fetcher = Fetcher::new(FetchSettings {
            user_agent: "frontpage-test".to_string(),
            timeout: Duration::from_secs(30),
            max_body: 1 << 20,
            concurrency: 4,
            per_host: 4,
        })
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Less than any body; two fetches at a time.
        let held = Arc::new(Held::new(1));
        let (sender, mut receiver) = mpsc::channel::<Done>(CHANNEL_CAPACITY);
        std::thread::scope(|scope| {
            let fetching = fetch_all(Arc::new(fetcher), jobs, sender, 2, &held);
            scope.spawn(|| runtime.block_on(fetching).unwrap());
            // The writer's part, without a writer, two bodies at a time. (The pause gives a
            // fetch that would start too early the time to reach the server: it decides
            // nothing when none does.)
            while let Some(first) = receiver.blocking_recv() {
                let second = receiver.blocking_recv().unwrap();
                std::thread::sleep(Duration::from_millis(50));
                for done in [first, second] {
                    assert!(done.result.is_ok());
                    stored.fetch_add(1, Ordering::SeqCst);
                    held.release(done.held);
                }
            }
        });
        // No body waits at first, so two fetches start; then both bodies wait, and though
        // their slots are free no other fetch starts until the writer has stored them.
        assert_eq!(server.join().unwrap(), [0, 0, 2, 2]);
    }

    #[test]
    fn fetches_stop_starting_once_the_bytes_counted_reach_the_limit_but_for_a_few() {
        on_runtime(async {
            let held = Arc::new(Held::new(200 << 10));
            // No body waits: a few fetches start whatever their bytes (7 at 64 KiB)...
            let mut guesses: Vec<usize> = (1..FETCHES_WHILE_NONE_WAITS)
                .map(|_| held.guess())
                .collect();
            assert!(guesses.iter().all(|&guess| guess == FIRST_GUESS));
            assert!(held.has_room());
            // ...but no more: with a fast network their bodies would all wait at once.
            guesses.push(held.guess());
            assert!(!held.has_room());
            let room = waiting_for_room(&held).await;
            // A 304 counts for nothing once it is known, and leaves one fewer under way.
            assert_eq!(held.arrived(guesses.pop().unwrap(), 0), 0);
            room.await.unwrap();
            // A body waits: 100 KiB, and six fetches under way at 64 KiB, too many now.
            let body = held.arrived(guesses.pop().unwrap(), 100 << 10);
            assert!(!held.has_room());
            let room = waiting_for_room(&held).await;
            assert_eq!(held.arrived(guesses.pop().unwrap(), 0), 0);
            tokio::task::yield_now().await;
            assert!(!room.is_finished());
            // The writer has stored the body: none waits, and five are under way.
            held.release(body);
            room.await.unwrap();
            // The next guess is the mean of what the fetches so far brought: one body of
            // 100 KiB and two 304s.
            assert_eq!(held.guess(), (100 << 10) / 3);
        });
    }

    #[test]
    fn more_than_a_few_fetches_start_while_their_bytes_are_under_the_limit() {
        // (not only the few allowed whatever their bytes: a slow network is fetched as
        // many at a time as `concurrency` allows while their bytes fit)
        let held = Held::new(HELD_BYTES);
        let fetches = HELD_BYTES.div_ceil(FIRST_GUESS) - 1;
        assert!(fetches > FETCHES_WHILE_NONE_WAITS);
        for _ in 0..fetches {
            held.guess();
        }
        assert!(held.has_room());
        held.guess();
        assert!(!held.has_room());
    }

    #[test]
    fn a_fetch_dropped_before_it_ends_is_counted_as_ended_with_nothing() {
        let held = Arc::new(Held::new(200 << 10));
        let fetches: Vec<UnderWay> = (0..FETCHES_WHILE_NONE_WAITS)
            .map(|_| held.start())
            .collect();
        assert!(!held.has_room());
        // As when the tasks fetching them panicked.
        drop(fetches);
        assert!(held.has_room());
        assert_eq!(held.fetches_under_way.load(Ordering::Acquire), 0);
        assert_eq!(held.under_way_bytes.load(Ordering::Acquire), 0);
        assert_eq!(held.waiting.load(Ordering::Acquire), 0);
        // One that ends counts what it brought.
        assert_eq!(held.start().arrived(1 << 10), 1 << 10);
        assert_eq!(held.waiting.load(Ordering::Acquire), 1 << 10);
        assert_eq!(held.fetches_under_way.load(Ordering::Acquire), 0);
    }

    /// Runs `test` on a runtime like the fetch's.
    fn on_runtime(test: impl std::future::Future<Output = ()>) {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(test);
    }

    /// A task waiting for room in `held`, checked to be waiting.
    async fn waiting_for_room(held: &Arc<Held>) -> tokio::task::JoinHandle<()> {
        let room = tokio::spawn({
            let held = Arc::clone(held);
            async move { held.room().await }
        });
        tokio::task::yield_now().await;
        assert!(!room.is_finished());
        room
    }

    #[test]
    fn a_parsed_body_counts_for_its_parsed_feed_and_one_not_parsed_for_nothing() {
        on_runtime(async {
            let held = Arc::new(Held::new(200 << 10));
            let guesses = [held.guess(), held.guess()];
            // Two bodies of 60 KiB wait: room for more.
            let first = held.arrived(guesses[0], 60 << 10);
            let second = held.arrived(guesses[1], 60 << 10);
            assert!(held.has_room());
            // Parsed, the first takes 150 KiB: 210 KiB in all is too many.
            let first = held.parsed(first, 150 << 10);
            assert_eq!(first, 150 << 10);
            assert!(!held.has_room());
            let room = waiting_for_room(&held).await;
            // The second is the body its entries were stored from: not parsed, it is freed
            // at once and counts for nothing.
            assert_eq!(held.parsed(second, 0), 0);
            room.await.unwrap();
            held.release(first);
            assert_eq!(held.waiting.load(Ordering::Acquire), 0);
        });
    }
}
