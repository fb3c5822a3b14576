//! Tests of the store against real SQLite files in temporary folders.

use super::*;
use crate::model::{Engagement, EntryKey, ParsedEntry, ParsedFeed};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).unwrap()
}

fn entry(key: &str, title: &str, published: &str) -> ParsedEntry {
    ParsedEntry {
        key: EntryKey(key.to_string()),
        guid: Some(key.to_string()),
        link: Some(Url::parse(&format!("https://example.org/{key}")).unwrap()),
        title: Some(title.to_string()),
        summary: Some(format!("<p>{title}</p>")),
        content: None,
        author: None,
        published: Some(at(published)),
        updated: None,
        comments: None,
        categories: vec![],
        engagement: Engagement::default(),
    }
}

fn feed(entries: Vec<ParsedEntry>) -> ParsedFeed {
    ParsedFeed {
        title: Some("Example".to_string()),
        site_link: Some(Url::parse("https://example.org/").unwrap()),
        ttl_minutes: None,
        entries,
    }
}

fn configured<'a>(name: &'a str, url: &'a Url) -> ConfiguredFeed<'a> {
    ConfiguredFeed {
        name,
        url,
        group: url.host_str().unwrap(),
        ranked: false,
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
    feed_id: FeedId,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontpage.db");
    let mut store = Store::open(&path).unwrap();
    let url = Url::parse("https://example.org/feed.xml").unwrap();
    let rows = store
        .sync_feeds(&[configured("Example", &url)], at("2026-11-28T00:00:00Z"))
        .unwrap();
    let feed_id = rows[0].id;
    Fixture {
        _dir: dir,
        path,
        store,
        feed_id,
    }
}

impl Fixture {
    /// Configures `others` (name, URL) beside the fixture's own feed, each grouped by its
    /// URL's host; returns every feed's id, the fixture's first.
    fn add_feeds(&mut self, others: &[(&str, &str)]) -> Vec<FeedId> {
        let example = Url::parse("https://example.org/feed.xml").unwrap();
        let urls: Vec<Url> = others
            .iter()
            .map(|(_, url)| Url::parse(url).unwrap())
            .collect();
        let mut feeds = vec![configured("Example", &example)];
        feeds.extend(
            others
                .iter()
                .zip(&urls)
                .map(|((name, _), url)| configured(name, url)),
        );
        let rows = self.store.sync_feeds(&feeds, at(NOW)).unwrap();
        rows.into_iter().map(|row| row.id).collect()
    }
}

fn etag(value: &str) -> Validators {
    Validators {
        etag: Some(value.to_string()),
        last_modified: None,
    }
}

const NOW: &str = "2026-11-28T12:00:00Z";

#[test]
fn a_new_database_is_stamped_and_reopens() {
    let fixture = fixture();
    let id: i32 = fixture
        .store
        .conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .unwrap();
    assert_eq!(id, APPLICATION_ID);
    let mode: String = fixture
        .store
        .conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = fixture
        .store
        .conn
        .pragma_query_value(None, "foreign_keys", |row| row.get(0))
        .unwrap();
    assert_eq!(foreign_keys, 1);
    drop(fixture.store);
    Store::open(&fixture.path).unwrap();
}

/// Opening a current database to read takes no write lock, so `query` and `publish` open
/// it at once while a fetch holds its transaction (they would wait for it, up to the busy
/// timeout, if opening migrated under the lock every time).
#[test]
fn a_store_opens_and_reads_while_another_connection_writes() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry("a", "Kept title", "2026-11-27T10:00:00Z")],
        at(NOW),
    );
    let writer = Connection::open(&fixture.path).unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; UPDATE feeds SET title = 'Mid-write';")
        .unwrap();
    let reader = Store::open(&fixture.path).unwrap();
    assert_eq!(search(&reader, "kept"), ["Kept title"]);
    writer.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_run_of_batches_checkpoints_at_the_same_log_size_whatever_the_page_size() {
    let fixture = fixture();
    let (path, feed_id) = (fixture.path.clone(), fixture.feed_id);
    let mut store = fixture.store;
    assert_eq!(bulk_log_limit(&mut store), 64 << 20);
    drop(store);
    // The same database with 16 KiB pages (SQLite's default is 4 KiB).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA page_size = 16384; VACUUM;")
        .unwrap();
    drop(conn);

    let mut store = Store::open(&path).unwrap();
    assert_eq!(page_size(&store), 16 * 1024);
    assert_eq!(bulk_log_limit(&mut store), 64 << 20);
    let parsed = feed(vec![entry("a", "First", "2026-11-27T10:00:00Z")]);
    let now = at(NOW);
    store
        .record_fetched(feed_id, &parsed, &etag("\"1\""), 200, None, now, now)
        .unwrap();
    assert_eq!(store.entry_count().unwrap(), 1);
}

/// The database's page size, in bytes.
fn page_size(store: &Store) -> i64 {
    store
        .conn
        .pragma_query_value(None, "page_size", |row| row.get(0))
        .unwrap()
}

/// The log a run of batches lets grow before the writer checkpoints itself, in bytes.
fn bulk_log_limit(store: &mut Store) -> i64 {
    let checkpointer = store.begin_bulk_writes().unwrap();
    assert!(checkpointer.is_some());
    let pages: i64 = store
        .conn
        .pragma_query_value(None, "wal_autocheckpoint", |row| row.get(0))
        .unwrap();
    drop(checkpointer);
    store.end_bulk_writes().unwrap();
    pages * page_size(store)
}

#[test]
fn a_text_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    let text = b"these are my notes, not a database\n".repeat(200);
    std::fs::write(&path, &text).unwrap();
    let error = Store::open(&path).err().unwrap();
    assert!(matches!(error, StoreError::NotFrontpage { .. }), "{error}");
    assert!(error.to_string().contains("is not a frontpage database"));
    assert_eq!(std::fs::read(&path).unwrap(), text);
    assert!(!dir.path().join("notes.db-wal").exists());
}

#[test]
fn another_programs_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('a');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path).err().unwrap();
    assert!(matches!(error, StoreError::NotFrontpage { .. }), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("other.db-wal").exists());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontpage.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let error = Store::open(&path).err().unwrap();
    assert!(
        matches!(error, StoreError::TooNew { found: 999, .. }),
        "{error}"
    );
}

#[test]
fn refetching_the_same_entries_changes_nothing() {
    let mut fixture = fixture();
    let parsed = feed(vec![
        entry("a", "First", "2026-11-27T10:00:00Z"),
        entry("b", "Second", "2026-11-27T11:00:00Z"),
    ]);
    let now = at(NOW);
    let counts = fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &parsed,
            &etag("\"1\""),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    assert_eq!(
        counts,
        EntryCounts {
            new: 2,
            changed: 0,
            unchanged: 0
        }
    );
    let later = at("2026-11-28T13:00:00Z");
    let counts = fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &parsed,
            &etag("\"1\""),
            200,
            None,
            later,
            later,
        )
        .unwrap();
    assert_eq!(
        counts,
        EntryCounts {
            new: 0,
            changed: 0,
            unchanged: 2
        }
    );
    assert_eq!(fixture.store.entry_count().unwrap(), 2);
}

#[test]
fn an_edited_entry_is_updated_in_place_keeping_its_first_seen_time() {
    let mut fixture = fixture();
    let now = at(NOW);
    let original = feed(vec![entry("a", "Frist", "2026-11-27T10:00:00Z")]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &original,
            &etag("\"1\""),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let later = at("2026-11-28T15:00:00Z");
    let edited = feed(vec![entry("a", "First", "2026-11-27T10:00:00Z")]);
    let counts = fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &edited,
            &etag("\"2\""),
            200,
            None,
            later,
            later,
        )
        .unwrap();
    assert_eq!(counts.changed, 1);
    let rows = fixture
        .store
        .entries(&EntryFilter {
            limit: 10,
            ..EntryFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].title.as_deref(), Some("First"));
    assert_eq!(rows[0].first_seen, now);
}

#[test]
fn a_failure_keeps_entries_and_validators() {
    let mut fixture = fixture();
    let now = at(NOW);
    let parsed = feed(vec![entry("a", "First", "2026-11-27T10:00:00Z")]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &parsed,
            &etag("W/\"abc\""),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    fixture
        .store
        .record_failure(
            fixture.feed_id,
            "http 500 Internal Server Error",
            Some(500),
            now,
            now,
        )
        .unwrap();
    fixture
        .store
        .record_failure(fixture.feed_id, "timed out after 30s", None, now, now)
        .unwrap();
    let row = &fixture.store.feed_rows(&["Example"]).unwrap()[0];
    assert_eq!(row.validators.etag.as_deref(), Some("W/\"abc\""));
    assert_eq!(fixture.store.entry_count().unwrap(), 1);
    let url = Url::parse("https://example.org/feed.xml").unwrap();
    let status = &fixture.store.feed_statuses(&[("Example", &url)]).unwrap()[0];
    assert_eq!(status.consecutive_errors, 2);
    assert_eq!(status.failing_since, Some(now));
    assert_eq!(status.last_error.as_deref(), Some("timed out after 30s"));
}

#[test]
fn not_modified_keeps_validators_it_does_not_carry() {
    let mut fixture = fixture();
    let now = at(NOW);
    let both = Validators {
        etag: Some("\"1\"".to_string()),
        last_modified: Some("Fri, 27 Nov 2026 10:00:00 GMT".to_string()),
    };
    fixture
        .store
        .record_fetched(fixture.feed_id, &feed(vec![]), &both, 200, None, now, now)
        .unwrap();
    fixture
        .store
        .record_not_modified(fixture.feed_id, &etag("\"2\""), None, now, now)
        .unwrap();
    let row = &fixture.store.feed_rows(&["Example"]).unwrap()[0];
    assert_eq!(row.validators.etag.as_deref(), Some("\"2\""));
    assert_eq!(
        row.validators.last_modified.as_deref(),
        Some("Fri, 27 Nov 2026 10:00:00 GMT")
    );
}

#[test]
fn future_and_missing_dates_become_the_first_seen_time() {
    let mut fixture = fixture();
    let now = at(NOW);
    let undated = |key: &str| {
        let mut undated = entry(key, key, NOW);
        undated.published = None;
        undated
    };
    let first = feed(vec![
        entry("future", "Future", "2030-01-01T00:00:00Z"),
        undated("backlog"),
    ]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &first,
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let later = at("2026-11-28T14:00:00Z");
    let second = feed(vec![undated("fresh")]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &second,
            &Validators::default(),
            200,
            None,
            later,
            later,
        )
        .unwrap();
    let rows = fixture
        .store
        .entries(&EntryFilter {
            limit: 10,
            ..EntryFilter::default()
        })
        .unwrap();
    let published = |title: &str| {
        rows.iter()
            .find(|row| row.title.as_deref() == Some(title))
            .unwrap()
            .published
    };
    assert_eq!(
        published("Future"),
        now,
        "a future date is clamped to first seen"
    );
    assert_eq!(
        published("backlog"),
        now.minus(UNDATED_BACKLOG_AGE),
        "an undated entry of the first fetch counts as old"
    );
    assert_eq!(
        published("fresh"),
        later,
        "an undated new entry is dated when first seen"
    );
}

#[test]
fn a_changed_feed_url_forgets_the_old_validators() {
    let mut fixture = fixture();
    let now = at(NOW);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &feed(vec![]),
            &etag("\"1\""),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let moved = Url::parse("https://example.org/atom.xml").unwrap();
    let rows = fixture
        .store
        .sync_feeds(&[configured("Example", &moved)], now)
        .unwrap();
    assert_eq!(rows[0].url, moved);
    assert_eq!(rows[0].validators, Validators::default());
}

#[test]
fn stories_are_newest_first_within_the_window_and_carry_their_source() {
    let mut fixture = fixture();
    let now = at(NOW);
    let parsed = feed(vec![
        entry("old", "Old", "2026-11-01T00:00:00Z"),
        entry("a", "First", "2026-11-27T10:00:00Z"),
        entry("b", "Second", "2026-11-27T11:00:00Z"),
    ]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &parsed,
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let names = vec!["Example".to_string()];
    let stories = fixture
        .store
        .stories(&StorySelection {
            feeds: &names,
            since: at("2026-11-21T12:00:00Z"),
            limit: 10,
        })
        .unwrap();
    let titles: Vec<&str> = stories.iter().map(|story| story.title.as_str()).collect();
    assert_eq!(titles, ["Second", "First"]);
    assert_eq!(stories[0].sources[0].feed_name, "Example");
    assert_eq!(
        stories[0].sources[0].site_link.as_ref().map(Url::as_str),
        Some("https://example.org/")
    );
    let muted: Vec<String> = vec![];
    let none = fixture
        .store
        .stories(&StorySelection {
            feeds: &muted,
            since: at("2026-11-21T12:00:00Z"),
            limit: 10,
        })
        .unwrap();
    assert!(none.is_empty());
}

#[test]
fn a_permanent_move_is_requested_from_then_on_and_settled_by_the_config() {
    let mut fixture = fixture();
    let now = at(NOW);
    let moved = Url::parse("https://new.example.org/feed.xml").unwrap();
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &feed(vec![]),
            &etag("\"1\""),
            200,
            Some(&moved),
            now,
            now,
        )
        .unwrap();
    let row = &fixture.store.feed_rows(&["Example"]).unwrap()[0];
    assert_eq!(row.url, moved, "the moved-to URL is requested");
    let configured_url = Url::parse("https://example.org/feed.xml").unwrap();
    let status = &fixture
        .store
        .feed_statuses(&[("Example", &configured_url)])
        .unwrap()[0];
    assert_eq!(status.moved_to.as_deref(), Some(moved.as_str()));

    // feeds.toml now says the new URL: the move is settled, the validators stay.
    let rows = fixture
        .store
        .sync_feeds(&[configured("Example", &moved)], now)
        .unwrap();
    assert_eq!(rows[0].url, moved);
    assert_eq!(rows[0].validators.etag.as_deref(), Some("\"1\""));
    let status = &fixture.store.feed_statuses(&[("Example", &moved)]).unwrap()[0];
    assert_eq!(status.moved_to, None);
}

#[test]
fn a_gone_feed_is_marked_until_its_url_changes() {
    let mut fixture = fixture();
    let now = at(NOW);
    fixture
        .store
        .record_gone(fixture.feed_id, "http 410 Gone", now)
        .unwrap();
    let row = &fixture.store.feed_rows(&["Example"]).unwrap()[0];
    assert!(row.gone);
    let other = Url::parse("https://example.org/other.xml").unwrap();
    let rows = fixture
        .store
        .sync_feeds(&[configured("Example", &other)], now)
        .unwrap();
    assert!(!rows[0].gone);
}

/// The SQLite steps spent storing one new entry into a database that already holds `n_old`
/// entries of another feed, published two months earlier, whose headlines share its words,
/// with the store's headlines in memory or not (`eager`).
fn steps_to_store_one_entry_beside(n_old: usize, eager: bool) -> u64 {
    let mut fixture = fixture();
    let now = at(NOW);
    let old: Vec<ParsedEntry> = (0..n_old)
        .map(|index| {
            let mut old = entry(
                &format!("old-{index}"),
                &format!("Kaspersky warns Telegram users about phishing wave {index}"),
                "2026-09-28T12:00:00Z",
            );
            old.link = Some(Url::parse(&format!("https://old.example/{index}")).unwrap());
            old
        })
        .collect();
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &feed(old),
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let feeds = fixture.add_feeds(&[("Other", "https://other.example/feed.xml")]);
    fixture.store.headlines = if eager {
        eager_headlines()
    } else {
        headlines::HeadlineIndex::default()
    };
    let fresh = entry(
        "fresh",
        "Kaspersky warns Telegram users about new phishing wave",
        "2026-11-28T10:00:00Z",
    );
    fixture
        .store
        .record_fetched(
            feeds[1],
            &feed(vec![fresh]),
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    fixture.store.last_work().vm_steps
}

#[test]
fn storing_an_entry_costs_the_same_whatever_the_size_of_the_database() {
    for eager in [false, true] {
        let small = steps_to_store_one_entry_beside(10, eager);
        let large = steps_to_store_one_entry_beside(2000, eager);
        assert!(small > 0);
        assert_eq!(
            small, large,
            "rows examined must not grow with old entries (headlines in memory: {eager})"
        );
    }
}

/// One entry of a story-matching case: its feed's group, link, guid, title and date.
#[derive(Clone, Copy)]
struct Side {
    group: &'static str,
    link: &'static str,
    guid: &'static str,
    title: &'static str,
    published: &'static str,
}

const A: Side = Side {
    group: "a.example",
    link: "",
    guid: "",
    title: "",
    published: "2026-11-26T10:00:00Z",
};

/// How the second entry of a story-matching case finds the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Matching {
    /// Through the headlines the store keeps in memory, in step with its own writes.
    InMemory,
    /// Through a store opened afresh, which loads its headlines from the database.
    Reopened,
    /// Through `title_words` only: the store keeps no headline in memory (a cap of 0 moves
    /// the index's coverage past every entry), as for entries older than it covers.
    Uncovered,
    /// The first entry is written by another connection after this store loaded its
    /// headlines: the store must notice the other commit.
    OtherConnection,
    /// The index holds a couple of headlines and newer entries push the first one out of it.
    Capped,
    /// A store as opened by a command: the first few hundred headlines of a run are matched
    /// through `title_words`, before the index is worth loading.
    Deferred,
    /// Both sides stored in one run of batches, matched through `title_words` only, while
    /// the first side's rows still wait to be written.
    InARun,
    /// The first side stored by a run of batches that stopped before writing its
    /// `title_words` rows (its store dropped, as when the process is killed), the second
    /// matched through `title_words` only by a store opened afresh.
    AfterAKilledRun,
}

/// Headlines kept in memory from the first write on (a store defers loading them).
fn eager_headlines() -> headlines::HeadlineIndex {
    headlines::HeadlineIndex::with_max_entries(64 * 1024)
}

const MATCHINGS: [Matching; 8] = [
    Matching::Deferred,
    Matching::InARun,
    Matching::AfterAKilledRun,
    Matching::InMemory,
    Matching::Reopened,
    Matching::Uncovered,
    Matching::OtherConnection,
    Matching::Capped,
];

/// Records three unrelated headlines, newer than those a test matches: in these tests' index
/// capped at 20 (entries and words), they push the older headlines out.
fn record_newer_unrelated_headlines(store: &mut Store, feed: FeedId) {
    let newer = [
        "Kernel maintainers schedule the next long term release",
        "Browser vendors agree on a common extension format",
        "Database engine adds a faster write ahead log",
    ];
    for (index, title) in newer.into_iter().enumerate() {
        let filler = entry(&format!("k:filler{index}"), title, "2026-11-28T11:00:00Z");
        record(store, feed, vec![filler]);
    }
}

fn side_entry(key: &str, side: Side) -> ParsedEntry {
    ParsedEntry {
        key: EntryKey(key.to_string()),
        guid: Some(side.guid.to_string()).filter(|guid| !guid.is_empty()),
        link: Url::parse(side.link).ok(),
        title: Some(side.title.to_string()).filter(|title| !title.is_empty()),
        summary: None,
        content: None,
        author: None,
        published: Some(at(side.published)),
        updated: None,
        comments: None,
        categories: vec![],
        engagement: Engagement::default(),
    }
}

fn record(store: &mut Store, feed_id: FeedId, entries: Vec<ParsedEntry>) {
    let now = at(NOW);
    store
        .record_fetched(
            feed_id,
            &feed(entries),
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
}

fn story_of_key(store: &Store, key: &str) -> i64 {
    store
        .conn
        .query_row(
            "SELECT story_id FROM entries WHERE key = ?1",
            params![key],
            |row| row.get(0),
        )
        .unwrap()
}

/// Stores `first` in one feed, then `second` in another, and reports whether they ended up
/// in one story.
fn same_story_by(first: Side, second: Side, matching: Matching) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontpage.db");
    let mut store = Store::open(&path).unwrap();
    store.headlines = match matching {
        Matching::Uncovered | Matching::InARun | Matching::AfterAKilledRun => {
            headlines::HeadlineIndex::with_max_entries(0)
        }
        Matching::Capped => headlines::HeadlineIndex::with_max_entries(20),
        Matching::Deferred => headlines::HeadlineIndex::default(),
        _ => eager_headlines(),
    };
    let now = at(NOW);
    let url_one = Url::parse("https://one.example/feed").unwrap();
    let url_two = Url::parse("https://two.example/feed").unwrap();
    let rows = store
        .sync_feeds(
            &[
                ConfiguredFeed {
                    name: "One",
                    url: &url_one,
                    group: first.group,
                    ranked: false,
                },
                ConfiguredFeed {
                    name: "Two",
                    url: &url_two,
                    group: second.group,
                    ranked: false,
                },
            ],
            now,
        )
        .unwrap();
    let (one, two) = (rows[0].id, rows[1].id);
    let mut run = None;
    match matching {
        Matching::InMemory | Matching::Uncovered | Matching::Deferred => {
            record(&mut store, one, vec![side_entry("k:One", first)]);
        }
        Matching::Capped => {
            record(&mut store, one, vec![side_entry("k:One", first)]);
            record_newer_unrelated_headlines(&mut store, one);
        }
        Matching::Reopened => {
            record(&mut store, one, vec![side_entry("k:One", first)]);
            drop(store);
            store = Store::open(&path).unwrap();
            store.headlines = eager_headlines();
        }
        Matching::OtherConnection => {
            // This store loads its headlines with an unrelated entry, then another
            // connection writes the first side.
            let unrelated = Side {
                title: "Quarterly results of an unrelated company published today",
                link: "https://two.example/unrelated",
                ..second
            };
            record(&mut store, two, vec![side_entry("k:unrelated", unrelated)]);
            let mut other = Store::open(&path).unwrap();
            record(&mut other, one, vec![side_entry("k:One", first)]);
        }
        Matching::InARun => {
            run = store.begin_bulk_writes().unwrap();
            record(&mut store, one, vec![side_entry("k:One", first)]);
        }
        Matching::AfterAKilledRun => {
            let killed = store.begin_bulk_writes().unwrap();
            record(&mut store, one, vec![side_entry("k:One", first)]);
            drop(killed);
            drop(store);
            store = Store::open(&path).unwrap();
            store.headlines = headlines::HeadlineIndex::with_max_entries(0);
        }
    }
    record(&mut store, two, vec![side_entry("k:Two", second)]);
    if matching == Matching::InARun {
        drop(run);
        store.end_bulk_writes().unwrap();
    }
    story_of_key(&store, "k:One") == story_of_key(&store, "k:Two")
}

/// A headline whose 5-day window starts before the oldest headline the capped index holds is
/// matched in memory for the part the index holds and through `title_words` for the rest.
#[test]
fn a_window_partly_before_the_index_is_matched_in_both_parts() {
    let mut fixture = fixture();
    fixture.store.headlines = headlines::HeadlineIndex::with_max_entries(20);
    let urls = [
        "https://one.example/feed",
        "https://two.example/feed",
        "https://three.example/feed",
    ]
    .map(|url| Url::parse(url).unwrap());
    let rows = fixture
        .store
        .sync_feeds(
            &[
                configured("One", &urls[0]),
                configured("Two", &urls[1]),
                configured("Three", &urls[2]),
            ],
            at(NOW),
        )
        .unwrap();
    let (one, two, three) = (rows[0].id, rows[1].id, rows[2].id);
    // An old entry and three newer ones overflow the index: it keeps nothing older than the
    // newer ones' time.
    let old = Side {
        title: "Quarterly results of an unrelated company published today",
        ..patch_tuesday("", "https://one.example/old", "2026-11-26T10:00:00Z")
    };
    record(&mut fixture.store, one, vec![side_entry("k:old", old)]);
    record_newer_unrelated_headlines(&mut fixture.store, one);
    // Held in memory; the third's window reaches back past what the index holds.
    let second = patch_tuesday("", "https://two.example/b", "2026-11-28T11:30:00Z");
    record(&mut fixture.store, two, vec![side_entry("k:Two", second)]);
    let third = patch_tuesday("", "https://three.example/c", "2026-11-28T11:45:00Z");
    record(
        &mut fixture.store,
        three,
        vec![side_entry("k:Three", third)],
    );
    assert_eq!(
        story_of_key(&fixture.store, "k:Two"),
        story_of_key(&fixture.store, "k:Three")
    );
}

/// An old entry's publish time, 20 days before `NOW`.
const MONTH_OLD: &str = "2026-11-08T10:00:00Z";
/// A new entry's publish time, 2 hours before `NOW`.
const RECENT: &str = "2026-11-28T10:00:00Z";

/// Stores a month-old headline, then gives the store `index` for its headlines, edits the
/// old entry if `edit_old`, and stores a recent new headline: since when the index holds every
/// headline.
fn headlines_read_from(index: headlines::HeadlineIndex, edit_old: bool) -> Option<i64> {
    let mut fixture = fixture();
    let feeds = fixture.add_feeds(&[("Two", "https://two.example/feed")]);
    let old = "Quarterly results of an unrelated company published today";
    record(
        &mut fixture.store,
        feeds[0],
        vec![entry("k:old", old, MONTH_OLD)],
    );
    fixture.store.headlines = index;
    if edit_old {
        let edited = "Quarterly results of an unrelated company corrected today";
        record(
            &mut fixture.store,
            feeds[0],
            vec![entry("k:old", edited, MONTH_OLD)],
        );
    }
    let new = "Kernel maintainers schedule the next long term release";
    record(
        &mut fixture.store,
        feeds[1],
        vec![entry("k:new", new, RECENT)],
    );
    fixture.store.headlines.covers_from()
}

/// A run's new entries are recent: the headline index is read from a title window before the
/// earliest of them, not from a month back.
#[test]
fn the_headline_index_is_read_from_a_window_before_the_earliest_new_entry() {
    assert_eq!(
        headlines_read_from(eager_headlines(), false),
        Some(at(RECENT).unix() - headlines::TITLE_WINDOW)
    );
}

/// An edited entry, often an old one, does not take the reading back to its time: the new
/// entries matched before loading decide.
#[test]
fn an_edited_old_entry_does_not_take_the_headline_index_back() {
    // (the edit is matched without the index, the new entry loads it)
    let index = headlines::HeadlineIndex::loading_after(64 * 1024, 1);
    assert_eq!(
        headlines_read_from(index, true),
        Some(at(RECENT).unix() - headlines::TITLE_WINDOW)
    );
}

/// Once the index holds only the recent headlines, an old headline still joins the story of
/// an old one (matched through `title_words`).
#[test]
fn an_old_headline_matched_after_recent_ones_joins_its_story() {
    let mut fixture = fixture();
    let feeds = fixture.add_feeds(&[
        ("Two", "https://two.example/feed"),
        ("Three", "https://three.example/feed"),
    ]);
    let first = patch_tuesday("", "https://example.org/a", MONTH_OLD);
    record(
        &mut fixture.store,
        feeds[0],
        vec![side_entry("k:One", first)],
    );
    fixture.store.headlines = eager_headlines();
    let unrelated = "Kernel maintainers schedule the next long term release";
    record(
        &mut fixture.store,
        feeds[2],
        vec![entry("k:new", unrelated, RECENT)],
    );
    let second = patch_tuesday("", "https://two.example/b", "2026-11-08T12:00:00Z");
    record(
        &mut fixture.store,
        feeds[1],
        vec![side_entry("k:Two", second)],
    );
    assert!(fixture.store.headlines.covers_from() > Some(at(MONTH_OLD).unix()));
    assert_eq!(
        story_of_key(&fixture.store, "k:One"),
        story_of_key(&fixture.store, "k:Two")
    );
}

#[test]
fn which_entries_are_one_story() {
    let b = Side {
        group: "b.example",
        ..A
    };
    let article = "https://krebsonsecurity.com/2026/11/telegram-bot-tokens/";
    let patch_a = "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday";
    let patch_b = "November Patch Tuesday: Microsoft patches exploited Windows zero-day";
    // (first, second, same story?, why)
    let cases: Vec<(Side, Side, bool, &str)> = vec![
        (
            Side { link: article, ..A },
            Side { link: article, ..b },
            true,
            "the same link",
        ),
        (
            Side { link: article, ..A },
            Side {
                link: "http://www.krebsonsecurity.com/2026/11/telegram-bot-tokens?utm_source=rss#comments",
                ..b
            },
            true,
            "the same link once scheme, www, tracking and fragment are dropped",
        ),
        (
            Side { link: article, ..A },
            Side {
                link: article,
                published: "2026-10-20T10:00:00Z",
                ..b
            },
            false,
            "the same link 37 days apart",
        ),
        (
            Side { link: article, ..A },
            Side {
                link: article,
                published: "2026-11-01T10:00:00Z",
                ..b
            },
            true,
            "the same link 25 days apart",
        ),
        (
            Side {
                link: "https://example.org/",
                title: "Weekly notes",
                ..A
            },
            Side {
                link: "https://example.org/",
                title: "Changelog",
                ..b
            },
            false,
            "a homepage link is no merge key",
        ),
        (
            Side {
                link: "https://news.ycombinator.com/item?id=43000002",
                ..A
            },
            Side {
                link: "https://news.ycombinator.com/item?id=43000002",
                ..b
            },
            false,
            "a discussion page is no merge key",
        ),
        (
            Side {
                link: "https://www.reddit.com/r/netsec/comments/abc123/some_post/",
                ..A
            },
            Side {
                link: "https://www.reddit.com/r/netsec/comments/abc123/some_post/",
                ..b
            },
            false,
            "a Reddit comments page is no merge key",
        ),
        (
            Side {
                guid: "tag:blog.example.net,2026:post-42",
                link: "https://a.example/1",
                ..A
            },
            Side {
                guid: "tag:blog.example.net,2026:post-42",
                link: "https://b.example/2",
                ..b
            },
            true,
            "the same tag: guid",
        ),
        (
            Side {
                guid: "urn:uuid:0b4e7c9a-1d2f-4a5b-8c6d-7e8f9a0b1c2d",
                ..A
            },
            Side {
                guid: "urn:uuid:0b4e7c9a-1d2f-4a5b-8c6d-7e8f9a0b1c2d",
                ..b
            },
            true,
            "the same urn: guid",
        ),
        (
            Side {
                guid: "https://blog.example.net/posts/42",
                ..A
            },
            Side {
                guid: "http://blog.example.net/posts/42",
                ..b
            },
            true,
            "the same URL guid, http and https",
        ),
        (
            Side { guid: "N/A", ..A },
            Side { guid: "N/A", ..b },
            false,
            "N/A is not unique",
        ),
        (
            Side { guid: "42", ..A },
            Side { guid: "42", ..b },
            false,
            "a bare number is not unique",
        ),
        (
            Side {
                title: patch_a,
                link: "https://a.example/x",
                ..A
            },
            Side {
                title: patch_b,
                link: "https://b.example/y",
                ..b
            },
            true,
            "headlines of one event from different groups",
        ),
        (
            Side {
                title: patch_a,
                link: "https://a.example/x",
                ..A
            },
            Side {
                title: patch_b,
                link: "https://a.example/y",
                ..A
            },
            false,
            "headlines alone never merge within one group",
        ),
        (
            Side {
                title: patch_a,
                link: "https://a.example/x",
                ..A
            },
            Side {
                title: patch_b,
                link: "https://b.example/y",
                published: "2026-11-20T09:00:00Z",
                ..b
            },
            false,
            "headlines of one event more than 5 days apart",
        ),
        (
            Side {
                title: "Rust 1.80 released with LazyCell and LazyLock",
                link: "https://a.example/r",
                ..A
            },
            Side {
                title: "Rust 1.81 released with LazyCell and LazyLock",
                link: "https://b.example/r",
                ..b
            },
            false,
            "headlines whose numbers differ",
        ),
    ];
    for (first, second, expected, why) in cases {
        for matching in MATCHINGS {
            assert_eq!(
                same_story_by(first, second, matching),
                expected,
                "{why} ({matching:?})"
            );
        }
    }
}

/// Headlines of one event, from two groups, `hours` apart.
fn patch_tuesday(group: &'static str, link: &'static str, published: &'static str) -> Side {
    Side {
        group,
        link,
        guid: "",
        title: "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday",
        published,
    }
}

/// Every `title_words` row, and the id through which the database says they are written.
fn title_words_rows(store: &Store) -> (Vec<(String, i64, i64, i64)>, i64) {
    let rows = store
        .conn
        .prepare("SELECT word, published_at, entry_id, bits FROM title_words ORDER BY 1, 2, 3")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let through = store
        .conn
        .query_row("SELECT through FROM title_words_written", [], |row| {
            row.get(0)
        })
        .unwrap();
    (rows, through)
}

/// Three feeds' entries, recorded one feed a batch.
fn record_three_feeds(fixture: &mut Fixture) {
    let feeds = fixture.add_feeds(&[
        ("Two", "https://two.example/feed"),
        ("Three", "https://three.example/feed"),
    ]);
    let titles = [
        "Kernel maintainers schedule the next long term release",
        "Browser vendors agree on a common extension format",
        "Database engine adds a faster write ahead log",
    ];
    let regions = ["Europe", "Asia", "America"];
    for (index, (feed_id, title)) in feeds.into_iter().zip(titles).enumerate() {
        let mut entries: Vec<ParsedEntry> = regions
            .iter()
            .map(|region| {
                let title = format!("{title} in {region}");
                entry(
                    &format!("k:{index}{region}"),
                    &title,
                    "2026-11-27T10:00:00Z",
                )
            })
            .collect();
        entries.push(entry(&format!("k:{index}"), "", "2026-11-27T11:00:00Z"));
        record(&mut fixture.store, feed_id, entries);
    }
}

/// In a run of batches the new entries' `title_words` rows wait, and the run's end writes
/// the rows a batch would have written with each entry.
#[test]
fn a_run_of_batches_writes_the_headline_words_of_its_new_entries_at_its_end() {
    let mut by_batch = fixture();
    record_three_feeds(&mut by_batch);
    let (expected, through) = title_words_rows(&by_batch.store);
    assert_eq!(expected.len(), 63, "more than one insert's rows");
    assert_eq!(
        through, 12,
        "every entry's rows are written: the untitled ones have none"
    );

    let mut in_a_run = fixture();
    // (headlines matched in memory, as in a run past its first few hundred: matching through
    // `title_words` would write the rows that wait first)
    in_a_run.store.headlines = eager_headlines();
    let run = in_a_run.store.begin_bulk_writes().unwrap();
    record_three_feeds(&mut in_a_run);
    assert_eq!(title_words_rows(&in_a_run.store), (vec![], 0));
    drop(run);
    in_a_run.store.end_bulk_writes().unwrap();
    assert_eq!(title_words_rows(&in_a_run.store), (expected, through));
}

/// A run's new entries' rows are written at a commit once enough of them wait, so that
/// what waits in memory stays bounded however long the run.
#[test]
fn the_headline_words_of_a_run_are_written_once_enough_entries_wait() {
    let mut fixture = fixture();
    fixture.store.headlines = eager_headlines();
    fixture.store.titles = title_words::TitleWords::with_most_waiting(4);
    let _run = fixture.store.begin_bulk_writes().unwrap();
    record_three_feeds(&mut fixture);
    let (rows, through) = title_words_rows(&fixture.store);
    // (the second feed's commit finds six headlines waiting, the third's three)
    assert_eq!((rows.len(), through), (42, 8));
}

/// A run killed before writing its new entries' headline words leaves them to the next
/// batch, which reads those entries back a few at a time and writes the rows a batch would
/// have written with each entry.
#[test]
fn the_headline_words_a_killed_run_left_are_written_by_the_next_batch() {
    let mut by_batch = fixture();
    record_three_feeds(&mut by_batch);
    let expected = title_words_rows(&by_batch.store);

    let mut killed = fixture();
    killed.store.headlines = eager_headlines();
    let run = killed.store.begin_bulk_writes().unwrap();
    record_three_feeds(&mut killed);
    assert_eq!(title_words_rows(&killed.store), (vec![], 0));
    drop(run);
    // (the run's end never comes)
    drop(killed.store);
    let mut store = Store::open(&killed.path).unwrap();
    store.titles = title_words::TitleWords::with_most_waiting(2);
    store.batch().unwrap().commit().unwrap();
    assert_eq!(title_words_rows(&store), expected);
}

/// A batch that rolls back after writing the rows of entries that earlier batches committed
/// takes those rows back with it: they are written later all the same.
#[test]
fn headline_words_written_by_a_batch_that_rolls_back_are_written_again() {
    let mut fixture = fixture();
    fixture.store.headlines = headlines::HeadlineIndex::with_max_entries(0);
    let feeds = fixture.add_feeds(&[("Two", "https://two.example/feed")]);
    let (one, two) = (feeds[0], feeds[1]);
    let now = at(NOW);
    let run = fixture.store.begin_bulk_writes().unwrap();
    record(
        &mut fixture.store,
        one,
        vec![side_entry(
            "k:One",
            patch_tuesday("", "https://a.example/x", "2026-11-26T10:00:00Z"),
        )],
    );
    let second = PreparedFeed::new(feed(vec![side_entry(
        "k:Two",
        patch_tuesday("", "https://b.example/y", "2026-11-26T11:00:00Z"),
    )]));
    {
        let mut batch = fixture.store.batch().unwrap();
        // Matching it reads `title_words`, so the first entry's rows are written first.
        batch
            .record_fetched(two, &second, &etag("\"1\""), 200, None, now, now)
            .unwrap();
        assert!(
            batch.title_words_count() > 0,
            "the first entry's rows were written"
        );
        // Dropped without commit: rolled back.
    }
    assert_eq!(title_words_rows(&fixture.store), (vec![], 0));
    drop(run);
    fixture.store.end_bulk_writes().unwrap();
    let (rows, through) = title_words_rows(&fixture.store);
    assert_eq!(through, 1);
    let words = crate::dedup::Headline::new(patch_tuesday("", "", "").title)
        .words()
        .len();
    assert_eq!(rows.len(), words);
    assert!(rows.iter().all(|row| row.2 == 1), "{rows:?}");
}

/// An entry edited while the rows of its first version wait ends up with its new headline's
/// words only.
#[test]
fn an_entry_edited_while_its_headline_words_wait_keeps_only_its_new_words() {
    let mut fixture = fixture();
    fixture.store.headlines = eager_headlines();
    let feed_id = fixture.feed_id;
    let run = fixture.store.begin_bulk_writes().unwrap();
    let first = "Kernel maintainers schedule the next long term release";
    let edited = "Browser vendors agree on a common extension format";
    record(
        &mut fixture.store,
        feed_id,
        vec![entry("k:a", first, "2026-11-27T10:00:00Z")],
    );
    record(
        &mut fixture.store,
        feed_id,
        vec![entry("k:a", edited, "2026-11-27T10:00:00Z")],
    );
    drop(run);
    fixture.store.end_bulk_writes().unwrap();
    let words: Vec<String> = title_words_rows(&fixture.store)
        .0
        .into_iter()
        .map(|row| row.0)
        .collect();
    let mut expected = crate::dedup::Headline::new(edited).words().to_vec();
    expected.sort();
    assert_eq!(words, expected);
}

#[test]
fn a_batch_that_does_not_commit_stores_nothing_and_leaves_no_headline_behind() {
    let mut fixture = fixture();
    let feeds = fixture.add_feeds(&[
        ("Two", "https://two.example/feed"),
        ("Three", "https://three.example/feed"),
    ]);
    let (one, two, three) = (feeds[0], feeds[1], feeds[2]);
    let now = at(NOW);
    let first = PreparedFeed::new(feed(vec![side_entry(
        "k:One",
        patch_tuesday("", "https://a.example/x", "2026-11-26T10:00:00Z"),
    )]));
    {
        let mut batch = fixture.store.batch().unwrap();
        batch
            .record_fetched(one, &first, &etag("\"1\""), 200, None, now, now)
            .unwrap();
        // Dropped without commit: rolled back.
    }
    assert_eq!(fixture.store.entry_count().unwrap(), 0);
    let example = Url::parse("https://example.org/feed.xml").unwrap();
    let statuses = fixture
        .store
        .feed_statuses(&[("Example", &example)])
        .unwrap();
    assert_eq!(statuses[0].status, "new", "nor is its feed's fetch stored");
    // An unrelated entry now takes the id the rolled-back one had; a headline of the same
    // event as the rolled-back one must not join it.
    record(
        &mut fixture.store,
        two,
        vec![entry(
            "k:Unrelated",
            "Quarterly results of an unrelated company published today",
            "2026-11-26T10:30:00Z",
        )],
    );
    record(
        &mut fixture.store,
        three,
        vec![side_entry(
            "k:Three",
            patch_tuesday("", "https://c.example/z", "2026-11-26T11:00:00Z"),
        )],
    );
    assert_ne!(
        story_of_key(&fixture.store, "k:Unrelated"),
        story_of_key(&fixture.store, "k:Three")
    );
}

#[test]
fn one_batch_stores_several_feeds_and_their_cross_feed_stories_together() {
    let mut fixture = fixture();
    let feeds = fixture.add_feeds(&[("Two", "https://two.example/feed")]);
    let (one, two) = (feeds[0], feeds[1]);
    let first = PreparedFeed::new(feed(vec![side_entry(
        "k:One",
        patch_tuesday("a.example", "https://a.example/x", "2026-11-26T10:00:00Z"),
    )]));
    let second = PreparedFeed::new(feed(vec![
        side_entry(
            "k:Two",
            patch_tuesday("b.example", "https://b.example/y", "2026-11-26T11:00:00Z"),
        ),
        entry(
            "k:Other",
            "Something else entirely happened",
            "2026-11-26T12:00:00Z",
        ),
    ]));
    let now = at(NOW);
    let mut batch = fixture.store.batch().unwrap();
    let counts_one = batch
        .record_fetched(one, &first, &etag("\"a\""), 200, None, now, now)
        .unwrap();
    let counts_two = batch
        .record_fetched(two, &second, &etag("\"b\""), 200, None, now, now)
        .unwrap();
    batch.commit().unwrap();
    assert_eq!((counts_one.new, counts_two.new), (1, 2));
    assert_eq!(fixture.store.entry_count().unwrap(), 3);
    // Matched within the batch, before anything was committed.
    assert_eq!(
        story_of_key(&fixture.store, "k:One"),
        story_of_key(&fixture.store, "k:Two")
    );
    assert_ne!(
        story_of_key(&fixture.store, "k:One"),
        story_of_key(&fixture.store, "k:Other")
    );
    // Found by their words once committed (the index rows are written at commit).
    assert_eq!(
        search(&fixture.store, "entirely"),
        ["Something else entirely happened"]
    );
    assert_eq!(search(&fixture.store, "exploited").len(), 2);
}

#[test]
fn a_ranked_feed_keeps_the_positions_of_its_latest_fetch_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("frontpage.db")).unwrap();
    let url = Url::parse("https://news.ycombinator.com/rss").unwrap();
    let now = at(NOW);
    let rows = store
        .sync_feeds(
            &[ConfiguredFeed {
                name: "HN",
                url: &url,
                group: "news.ycombinator.com",
                ranked: true,
            }],
            now,
        )
        .unwrap();
    let feed_id = rows[0].id;
    let first = feed(vec![
        entry("a", "First story on the front page", NOW),
        entry("b", "Second story on the front page", NOW),
        entry("c", "Third story on the front page", NOW),
    ]);
    store
        .record_fetched(feed_id, &first, &Validators::default(), 200, None, now, now)
        .unwrap();
    // Later "c" rises to the top, "a" falls off the page.
    let second = feed(vec![
        entry("c", "Third story on the front page", NOW),
        entry("b", "Second story on the front page", NOW),
    ]);
    store
        .record_fetched(
            feed_id,
            &second,
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let names = vec!["HN".to_string()];
    let position = |key: &str| {
        let rows = store
            .entries(&EntryFilter {
                limit: 10,
                ..EntryFilter::default()
            })
            .unwrap();
        let row = rows
            .iter()
            .find(|row| row.link.as_deref() == Some(&format!("https://example.org/{key}")))
            .unwrap();
        let story = store.story(row.story_id, &names).unwrap().unwrap();
        story.members[0].position
    };
    assert_eq!(position("c"), Some((1, 2)));
    assert_eq!(position("b"), Some((2, 2)));
    assert_eq!(position("a"), None, "no longer in the feed: no place");
}

/// The titles of the entries `typed` finds, best match first.
fn search(store: &Store, typed: &str) -> Vec<String> {
    search_with(store, typed, EntryFilter::default())
}

/// The titles of the entries `typed` finds among those `filter` selects, best match first.
fn search_with(store: &Store, typed: &str, filter: EntryFilter) -> Vec<String> {
    let filter = EntryFilter {
        words: SearchQuery::parse(typed).unwrap(),
        order: EntryOrder::Relevance,
        limit: 100,
        ..filter
    };
    store
        .entries(&filter)
        .unwrap()
        .into_iter()
        .map(|row| row.title.unwrap_or_default())
        .collect()
}

/// An entry with this summary and content (HTML).
fn entry_with(key: &str, title: &str, summary: &str, content: &str) -> ParsedEntry {
    ParsedEntry {
        summary: Some(summary.to_string()).filter(|text| !text.is_empty()),
        content: Some(content.to_string()).filter(|text| !text.is_empty()),
        ..entry(key, title, "2026-11-27T10:00:00Z")
    }
}

/// Stores `entries` as one fetch of the fixture's feed.
fn store_entries(fixture: &mut Fixture, entries: Vec<ParsedEntry>, now: Timestamp) {
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &feed(entries),
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
}

#[test]
fn a_stored_entry_is_found_by_the_words_of_its_title_summary_and_content() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![
            entry_with("a", "Kernel update", "<p>A <em>scheduler</em> fix</p>", ""),
            entry_with(
                "b",
                "Browser news",
                "",
                "<div>Tabs <b>and</b> extensions</div>",
            ),
        ],
        at(NOW),
    );
    assert_eq!(search(&fixture.store, "kernel"), ["Kernel update"]);
    assert_eq!(search(&fixture.store, "scheduler"), ["Kernel update"]);
    assert_eq!(search(&fixture.store, "extensions"), ["Browser news"]);
    assert_eq!(search(&fixture.store, "KERNEL Fix"), ["Kernel update"]);
    assert!(search(&fixture.store, "kernel extensions").is_empty());
}

#[test]
fn an_edited_entry_is_found_by_its_new_words_only() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry_with("a", "Frist post", "<p>draft paragraph</p>", "")],
        at(NOW),
    );
    assert_eq!(search(&fixture.store, "draft"), ["Frist post"]);
    store_entries(
        &mut fixture,
        vec![entry_with("a", "First post", "<p>final paragraph</p>", "")],
        at("2026-11-28T13:00:00Z"),
    );
    assert_eq!(search(&fixture.store, "final"), ["First post"]);
    assert_eq!(search(&fixture.store, "first"), ["First post"]);
    assert!(
        search(&fixture.store, "draft").is_empty(),
        "old words are gone"
    );
    assert!(
        search(&fixture.store, "frist").is_empty(),
        "the old title is gone"
    );
    assert_eq!(search(&fixture.store, "paragraph").len(), 1, "indexed once");
}

/// Records `prepared` as a fetch of `feed_id` at [`NOW`] (200, no validators) in `batch`.
fn record_in(batch: &mut Batch<'_>, feed_id: FeedId, prepared: &PreparedFeed) {
    let now = at(NOW);
    batch
        .record_fetched(
            feed_id,
            prepared,
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
}

/// What a sequence of fetches leaves in the database when each feed is prepared by
/// `prepare`: every entry, story and headline row, and what four searches find.
fn stored_after_fetches(prepare: fn(ParsedFeed) -> PreparedFeed) -> Vec<String> {
    let mut fixture = fixture();
    let ids = fixture.add_feeds(&[("Other", "https://other.example/feed")]);
    let linked = |key: &str, title: &str, link: &str, content: &str| ParsedEntry {
        link: Some(Url::parse(link).unwrap()),
        ..entry_with(key, title, "", content)
    };
    let patch = "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday";
    let fetches = [
        (
            ids[0],
            vec![
                linked("a", patch, "https://news.example/patch", "<p>zero-day</p>"),
                entry_with("b", "Kernel update", "<p>draft</p>", ""),
            ],
        ),
        (
            ids[1],
            vec![linked(
                "c",
                patch,
                "https://news.example/patch?utm_source=feed",
                "<p>exploited</p>",
            )],
        ),
        (
            ids[0],
            vec![
                linked("a", patch, "https://news.example/patch", "<p>zero-day</p>"),
                entry_with("b", "Kernel update released", "<p>final</p>", ""),
                entry_with("d", "Browser news", "", "<div>tabs</div>"),
            ],
        ),
    ];
    for (feed_id, entries) in fetches {
        let mut batch = fixture.store.batch().unwrap();
        record_in(&mut batch, feed_id, &prepare(feed(entries)));
        batch.commit().unwrap();
    }
    let conn = &fixture.store.conn;
    let rows = |sql: &str| -> Vec<String> {
        let mut statement = conn.prepare(sql).unwrap();
        let width = statement.column_count();
        statement
            .query_map([], |row| {
                (0..width)
                    .map(|index| row.get::<_, rusqlite::types::Value>(index))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|values| format!("{values:?}"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mut stored = rows(
        "SELECT id, feed_id, key, story_id, canonical_link, global_guid, title, content_hash,
             published_at, updated_at FROM entries ORDER BY id",
    );
    stored.extend(rows("SELECT * FROM stories ORDER BY id"));
    stored.extend(rows(
        "SELECT * FROM title_words ORDER BY word, published_at, entry_id",
    ));
    stored.extend(rows(
        "SELECT 'one story', (SELECT story_id FROM entries WHERE key = 'a')
             = (SELECT story_id FROM entries WHERE key = 'c')",
    ));
    for words in ["kernel", "final", "draft", "exploited", "tabs"] {
        stored.push(format!("{words}: {:?}", search(&fixture.store, words)));
    }
    stored
}

/// A feed stored before has only its entries' digests worked out ahead; the writer derives
/// story keys and plain text for those new or changed. What is stored is the same.
#[test]
fn digesting_a_feed_ahead_stores_what_preparing_it_whole_stores() {
    let whole = stored_after_fetches(PreparedFeed::new);
    assert_eq!(stored_after_fetches(PreparedFeed::digested), whole);
    let line = |prefix: &str| whole.iter().find(|line| line.starts_with(prefix)).cloned();
    assert_eq!(
        line("final: "),
        Some(r#"final: ["Kernel update released"]"#.into())
    );
    assert_eq!(line("draft: "), Some("draft: []".into()));
    assert_eq!(line("tabs: "), Some(r#"tabs: ["Browser news"]"#.into()));
    assert_eq!(
        line("[Text(\"one story\")"),
        Some(r#"[Text("one story"), Integer(1)]"#.into()),
        "the second feed's copy of the patch story joined the first's"
    );
}

/// How many segments the search index is made of: FTS5 numbers a segment's pages by its id
/// shifted left 37 bits, and its tombstone pages (deleted entries) by its id plus 2^16.
fn search_segments(store: &Store) -> i64 {
    store
        .conn
        .query_row(
            "SELECT count(DISTINCT id >> 37) FROM entries_fts_data
             WHERE id >> 37 BETWEEN 1 AND 65535",
            [],
            |row| row.get(0),
        )
        .unwrap()
}

/// A batch that edits older entries after storing another feed's new ones writes the
/// search index as one segment at its commit, as a batch of new entries does: FTS5 buffers
/// words by ascending entry id, and one written out of order flushes the buffer.
#[test]
fn a_batch_of_edits_among_new_entries_writes_one_search_segment() {
    let mut fixture = fixture();
    let ids = fixture.add_feeds(&[("Other", "https://other.example/feed")]);
    let record = |batch: &mut Batch<'_>, feed_id: FeedId, entries: Vec<ParsedEntry>| {
        record_in(batch, feed_id, &PreparedFeed::new(feed(entries)));
    };
    let first_feed = |word: &str| {
        vec![
            entry_with("a", "Walrus census", &format!("<p>{word} tusks</p>"), ""),
            entry_with("b", "Puffin census", &format!("<p>{word} beaks</p>"), ""),
        ]
    };
    let mut batch = fixture.store.batch().unwrap();
    record(&mut batch, ids[0], first_feed("draft"));
    batch.commit().unwrap();
    assert_eq!(search_segments(&fixture.store), 1);

    let mut batch = fixture.store.batch().unwrap();
    record(
        &mut batch,
        ids[1],
        vec![
            entry_with("c", "Otter census", "<p>whiskers</p>", ""),
            entry_with("d", "Seal census", "<p>flippers</p>", ""),
        ],
    );
    record(&mut batch, ids[0], first_feed("final"));
    batch.commit().unwrap();
    assert_eq!(
        search_segments(&fixture.store),
        2,
        "one segment for each batch"
    );
    assert_eq!(search(&fixture.store, "census").len(), 4);
    assert_eq!(search(&fixture.store, "final").len(), 2);
    assert!(search(&fixture.store, "draft").is_empty());
    assert_eq!(search(&fixture.store, "whiskers"), ["Otter census"]);
}

#[test]
fn words_of_tags_attributes_scripts_and_styles_are_not_indexed() {
    let mut fixture = fixture();
    let summary = "<p class=\"klassname\" data-tracking=\"trackword\">\
        <a href=\"https://hiddenhost.example/hiddenpath\" title=\"tooltipword\">visible</a>\
        <img src=\"picture.png\" alt=\"alt > altword\"></p>\
        <script>var scriptword = 1;</script><style>.styleword { color: red }</style>";
    store_entries(
        &mut fixture,
        vec![entry_with(
            "a",
            "Markup",
            summary,
            "<span>also visible</span>",
        )],
        at(NOW),
    );
    assert_eq!(search(&fixture.store, "visible"), ["Markup"]);
    for hidden in [
        "klassname",
        "trackword",
        "hiddenhost",
        "hiddenpath",
        "https",
        "tooltipword",
        "picture",
        "altword",
        "scriptword",
        "styleword",
        "span",
        "href",
        "div",
    ] {
        assert!(
            search(&fixture.store, hidden).is_empty(),
            "{hidden} comes from markup"
        );
    }
}

#[test]
fn entities_are_decoded_before_indexing() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry_with(
            "a",
            "Entities",
            "<p>Caf&eacute; at AT&amp;T, &lt;code&gt; &#8220;quoted&#8221; na&#xEF;ve</p>",
            "",
        )],
        at(NOW),
    );
    for found in ["café", "cafe", "AT", "quoted", "naive", "naïve", "code"] {
        assert_eq!(search(&fixture.store, found), ["Entities"], "{found}");
    }
    for missing in ["eacute", "amp", "lt", "8220", "xEF"] {
        assert!(search(&fixture.store, missing).is_empty(), "{missing}");
    }
}

#[test]
fn phrases_exclusions_and_relevance() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![
            entry_with(
                "body",
                "Weekly notes",
                "<p>Some words on memory and, later, on safety.</p>",
                "",
            ),
            entry_with(
                "title",
                "Memory safety in Rust",
                "<p>Memory safety without a garbage collector.</p>",
                "",
            ),
            entry_with(
                "go",
                "Memory safety in Go",
                "<p>Memory safety with a garbage collector.</p>",
                "",
            ),
        ],
        at(NOW),
    );
    let store = &fixture.store;
    assert_eq!(
        search(store, "\"memory safety\" -go"),
        ["Memory safety in Rust"]
    );
    let ranked = search(store, "memory safety");
    assert_eq!(ranked.len(), 3);
    assert_eq!(
        ranked.last().map(String::as_str),
        Some("Weekly notes"),
        "words in the title rank above words in the body: {ranked:?}"
    );
    assert_eq!(
        search(store, "\"memory safety\"").len(),
        2,
        "a phrase needs its words in order"
    );
    assert_eq!(search(store, "rust -\"garbage collector\"").len(), 0);
    assert_eq!(search(store, "collector -rust"), ["Memory safety in Go"]);
}

#[test]
fn every_translated_search_is_valid_fts5() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry_with(
            "a",
            "near and or not",
            "<p>FTS5 syntax as text: NEAR(a b), col:word</p>",
            "",
        )],
        at(NOW),
    );
    for typed in [
        "NEAR(a b)",
        "col:word",
        "title:near",
        "^near",
        "near*",
        "a AND b OR c",
        "NOT near",
        "(near)",
        "{near}",
        "near + and",
        "'near'",
        "near -\"col word\"",
        "a\u{0}b",
        "near -*",
    ] {
        let words = SearchQuery::parse(typed).unwrap();
        let result = fixture.store.entries(&EntryFilter {
            words,
            limit: 10,
            ..EntryFilter::default()
        });
        assert!(result.is_ok(), "{typed:?}: {:?}", result.err());
    }
    assert_eq!(search(&fixture.store, "NEAR(a b)"), ["near and or not"]);
    assert_eq!(search(&fixture.store, "col:word"), ["near and or not"]);
}

#[test]
fn a_search_combines_with_feed_time_and_story_filters() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![
            ParsedEntry {
                summary: Some("<p>sqlite news</p>".into()),
                ..entry("old", "Old sqlite", "2026-11-01T10:00:00Z")
            },
            ParsedEntry {
                summary: Some("<p>sqlite news</p>".into()),
                ..entry("new", "New sqlite", "2026-11-27T10:00:00Z")
            },
        ],
        at(NOW),
    );
    let feeds = fixture.add_feeds(&[("Other", "https://other.example/feed.xml")]);
    fixture
        .store
        .record_fetched(
            feeds[1],
            &feed(vec![ParsedEntry {
                link: Some(Url::parse("https://other.example/sqlite").unwrap()),
                ..entry("other", "Other sqlite", "2026-11-27T11:00:00Z")
            }]),
            &Validators::default(),
            200,
            None,
            at(NOW),
            at(NOW),
        )
        .unwrap();
    let store = &fixture.store;
    assert_eq!(search(store, "sqlite").len(), 3);
    let example = EntryFilter {
        feeds: vec!["Example".into()],
        ..EntryFilter::default()
    };
    let mut found = search_with(store, "sqlite", example);
    found.sort();
    assert_eq!(found, ["New sqlite", "Old sqlite"]);
    let recent = EntryFilter {
        since: Some(at("2026-11-20T00:00:00Z")),
        ..EntryFilter::default()
    };
    let mut found = search_with(store, "sqlite", recent);
    found.sort();
    assert_eq!(found, ["New sqlite", "Other sqlite"]);
    let before = EntryFilter {
        until: Some(at("2026-11-20T00:00:00Z")),
        ..EntryFilter::default()
    };
    assert_eq!(search_with(store, "sqlite", before), ["Old sqlite"]);

    // Newest first when asked, whatever the relevance.
    let newest = store
        .entries(&EntryFilter {
            words: SearchQuery::parse("sqlite").unwrap(),
            order: EntryOrder::Recent,
            limit: 2,
            ..EntryFilter::default()
        })
        .unwrap();
    let titles: Vec<_> = newest.iter().filter_map(|row| row.title.clone()).collect();
    assert_eq!(titles, ["Other sqlite", "New sqlite"]);
    let story = EntryFilter {
        story: Some(newest[0].story_id),
        ..EntryFilter::default()
    };
    assert_eq!(search_with(store, "sqlite", story), ["Other sqlite"]);
}

#[test]
fn story_rows_of_a_search_are_one_per_story() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("frontpage.db")).unwrap();
    let now = at(NOW);
    let url_one = Url::parse("https://one.example/feed").unwrap();
    let url_two = Url::parse("https://two.example/feed").unwrap();
    let rows = store
        .sync_feeds(
            &[configured("One", &url_one), configured("Two", &url_two)],
            now,
        )
        .unwrap();
    let shared = |key: &str, title: &str, published: &str| ParsedEntry {
        link: Some(Url::parse("https://article.example/zeppelin").unwrap()),
        ..entry(key, title, published)
    };
    let first = feed(vec![
        shared("one-a", "Zeppelin returns", "2026-11-27T08:00:00Z"),
        entry("one-b", "Airships and a zeppelin", "2026-11-27T09:00:00Z"),
    ]);
    let second = feed(vec![shared(
        "two-a",
        "The zeppelin is back",
        "2026-11-27T10:00:00Z",
    )]);
    for (row, parsed) in rows.iter().zip([first, second]) {
        store
            .record_fetched(row.id, &parsed, &Validators::default(), 200, None, now, now)
            .unwrap();
    }
    let filter = EntryFilter {
        words: SearchQuery::parse("zeppelin").unwrap(),
        limit: 10,
        ..EntryFilter::default()
    };
    let stories = store.story_rows(&filter).unwrap();
    assert_eq!(stories.len(), 2, "{stories:?}");
    assert_eq!(stories[0].title.as_deref(), Some("Airships and a zeppelin"));
    assert_eq!(stories[1].title.as_deref(), Some("Zeppelin returns"));
    assert_eq!(stories[1].feeds, ["One", "Two"]);
    assert_eq!(stories[1].published, at("2026-11-27T08:00:00Z"));

    let only_two = EntryFilter {
        feeds: vec!["Two".into()],
        ..filter.clone()
    };
    let stories = store.story_rows(&only_two).unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(
        stories[0].published,
        at("2026-11-27T10:00:00Z"),
        "dated by its earliest entry in the selected feeds"
    );
    let relevance = EntryFilter {
        words: SearchQuery::parse("airships").unwrap(),
        order: EntryOrder::Relevance,
        ..filter
    };
    let stories = store.story_rows(&relevance).unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0].title.as_deref(), Some("Airships and a zeppelin"));
}

#[test]
fn newest_story_rows_stop_at_the_limit_and_respect_the_window() {
    let mut fixture = fixture();
    // The story of Day 0 has an old first entry and the newest one; it is dated by the old.
    let mut entries: Vec<ParsedEntry> = (0..30)
        .map(|day| {
            entry(
                &format!("day-{day}"),
                &format!("Day {day}"),
                &format!("2026-10-{:02}T10:00:00Z", day + 1),
            )
        })
        .collect();
    // Newer than every other entry, and 29 days after Day 0, whose link it shares.
    entries.push(ParsedEntry {
        link: Some(Url::parse("https://example.org/day-0").unwrap()),
        guid: Some("late".into()),
        ..entry("late", "Day 0 revisited", "2026-10-30T12:00:00Z")
    });
    store_entries(&mut fixture, entries, at(NOW));
    let titles = |filter: EntryFilter| -> Vec<String> {
        fixture
            .store
            .story_rows(&filter)
            .unwrap()
            .into_iter()
            .map(|row| row.title.unwrap_or_default())
            .collect()
    };
    assert_eq!(
        titles(EntryFilter {
            limit: 3,
            ..EntryFilter::default()
        }),
        ["Day 29", "Day 28", "Day 27"]
    );
    assert_eq!(
        titles(EntryFilter {
            since: Some(at("2026-10-29T00:00:00Z")),
            limit: 10,
            ..EntryFilter::default()
        }),
        ["Day 29", "Day 28"],
        "the story of Day 0 is older than the window, though one entry is new"
    );
    assert_eq!(
        titles(EntryFilter {
            until: Some(at("2026-10-02T12:00:00Z")),
            limit: 10,
            ..EntryFilter::default()
        }),
        ["Day 1", "Day 0"]
    );
    assert_eq!(
        titles(EntryFilter {
            limit: 100,
            ..EntryFilter::default()
        })
        .len(),
        30
    );
}

/// SQLite's plan for `sql`, one step per line.
fn plan(store: &Store, sql: &listing::Sql) -> String {
    let mut explain = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text))
        .unwrap();
    let steps = explain
        .query_map(rusqlite::params_from_iter(&sql.args), |row| {
            row.get::<_, String>(3)
        })
        .unwrap();
    steps
        .map(|step| step.unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn searches_use_the_full_text_index_and_recent_lists_the_publish_index() {
    let fixture = fixture();
    let store = &fixture.store;
    let words = SearchQuery::parse("sqlite \"write ahead\" -oracle").unwrap();
    for filter in [
        EntryFilter {
            words: words.clone(),
            order: EntryOrder::Relevance,
            limit: 20,
            ..EntryFilter::default()
        },
        EntryFilter {
            words: words.clone(),
            order: EntryOrder::Recent,
            since: Some(at("2026-11-01T00:00:00Z")),
            feeds: vec!["Example".into()],
            limit: 20,
            ..EntryFilter::default()
        },
    ] {
        let plan = plan(store, &listing::entries_sql(&filter, None));
        let first = plan.lines().next().unwrap_or_default();
        assert!(
            first.contains("entries_fts VIRTUAL TABLE INDEX"),
            "the index drives the search:\n{plan}"
        );
        assert!(
            plan.contains("SEARCH e USING INTEGER PRIMARY KEY"),
            "entries are looked up by id:\n{plan}"
        );
        assert!(!scans_entries(&plan), "no scan of entries:\n{plan}");
        let stories_plan = plan_of_story_hits(store, &filter);
        assert!(
            stories_plan
                .lines()
                .any(|step| step.contains("entries_fts VIRTUAL TABLE INDEX")),
            "{stories_plan}"
        );
        assert!(!scans_entries(&stories_plan), "{stories_plan}");
    }
    for filter in [
        EntryFilter {
            limit: 20,
            ..EntryFilter::default()
        },
        EntryFilter {
            since: Some(at("2026-11-01T00:00:00Z")),
            until: Some(at("2026-11-20T00:00:00Z")),
            limit: 20,
            ..EntryFilter::default()
        },
    ] {
        for plan in [
            plan(store, &listing::entries_sql(&filter, None)),
            plan(store, &listing::newest_entries_sql(&filter)),
        ] {
            assert!(
                plan.contains("SCAN e USING INDEX entries_by_published")
                    || plan.contains("SEARCH e USING INDEX entries_by_published"),
                "newest first by the publish index:\n{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "no sort:\n{plan}");
        }
    }
}

/// Whether a plan reads the entries table (as `e` or `x`) from end to end.
fn scans_entries(plan: &str) -> bool {
    plan.lines().any(|step| {
        ["SCAN e", "SCAN x"]
            .iter()
            .any(|scan| step == *scan || step.starts_with(&format!("{scan} ")))
    })
}

fn plan_of_story_hits(store: &Store, filter: &EntryFilter) -> String {
    let words = filter.words.as_ref().unwrap();
    plan(store, &listing::story_hits_sql(filter, words))
}

#[test]
fn migration_5_indexes_the_entries_stored_before_it() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry_with(
            "a",
            "Before search",
            "<p>ancient <b>words</b></p>",
            "",
        )],
        at(NOW),
    );
    // Take the database back to version 4, as an older frontpage left it.
    fixture
        .store
        .conn
        .execute_batch(
            "DROP INDEX stories_by_published; DROP INDEX entries_for_ranking;
             CREATE INDEX entries_by_story ON entries (story_id);
             ALTER TABLE stories DROP COLUMN published_at;
             ALTER TABLE stories DROP COLUMN updated_at;
             DROP TRIGGER entries_fts_forget; DROP TABLE entries_fts;
             ALTER TABLE fetch_state DROP COLUMN body_digest;
             ALTER TABLE fetch_state DROP COLUMN ttl_minutes;
             DROP TABLE title_words_written;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    drop(fixture.store);
    let store = Store::open(&fixture.path).unwrap();
    assert_eq!(search(&store, "ancient words"), ["Before search"]);
    assert_eq!(search(&store, "before"), ["Before search"]);
}

#[test]
fn migration_11_keeps_every_headline_word_without_the_index_by_entry() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![
            entry(
                "a",
                "Kernel scheduler patch lands in mainline",
                "2026-11-27T10:00:00Z",
            ),
            entry(
                "b",
                "Browser vendors agree on storage quotas",
                "2026-11-27T11:00:00Z",
            ),
        ],
        at(NOW),
    );
    let rows = |conn: &rusqlite::Connection| -> Vec<(String, i64, i64)> {
        conn.prepare("SELECT word, published_at, entry_id FROM title_words ORDER BY 1, 2, 3")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let before = rows(&fixture.store.conn);
    assert_eq!(before.len(), 10);
    // Take the table back to version 10's: a foreign key and an index by entry.
    fixture
        .store
        .conn
        .execute_batch(
            "CREATE TABLE title_words_10 (
                 word TEXT NOT NULL,
                 published_at INTEGER NOT NULL,
                 entry_id INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
                 PRIMARY KEY (word, published_at, entry_id)
             ) WITHOUT ROWID;
             INSERT INTO title_words_10 SELECT word, published_at, entry_id FROM title_words;
             DROP TABLE title_words;
             ALTER TABLE title_words_10 RENAME TO title_words;
             CREATE INDEX title_words_by_entry ON title_words (entry_id);
             ALTER TABLE fetch_state DROP COLUMN body_digest;
             ALTER TABLE fetch_state DROP COLUMN ttl_minutes;
             DROP TABLE title_words_written;
             PRAGMA user_version = 10;",
        )
        .unwrap();
    drop(fixture.store);
    let store = Store::open(&fixture.path).unwrap();
    assert_eq!(rows(&store.conn), before);
    let (indexes, foreign_keys): (i64, i64) = store
        .conn
        .query_row(
            "SELECT (SELECT count(*) FROM pragma_index_list('title_words')
                     WHERE origin = 'c'),
                 (SELECT count(*) FROM pragma_foreign_key_list('title_words'))",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((indexes, foreign_keys), (0, 0));
}

/// A store whose headlines in memory all have "Patch Tuesday" (the commonest words it knows),
/// with two more feeds, `One` and `Two`, of other groups. Entries published in October lie
/// before what the index holds: their headlines are matched through `title_words`.
fn store_knowing_patch_tuesday() -> (Fixture, FeedId, FeedId) {
    let mut fixture = fixture();
    fixture.store.headlines = eager_headlines();
    let feeds = fixture.add_feeds(&[
        ("One", "https://one.example/feed"),
        ("Two", "https://two.example/feed"),
    ]);
    let recent = [
        "Patch Tuesday brings kernel driver fixes",
        "Patch Tuesday delayed for printer vendors",
        "Patch Tuesday adds browser sandbox updates",
    ];
    let recent = recent
        .iter()
        .enumerate()
        .map(|(index, title)| entry(&format!("recent-{index}"), title, "2026-11-27T10:00:00Z"))
        .collect();
    record(&mut fixture.store, feeds[0], recent);
    (fixture, feeds[1], feeds[2])
}

/// The SQLite steps spent storing a Patch Tuesday headline published in October beside `n_old`
/// October headlines of another group that share only "Patch Tuesday" with it.
fn steps_to_match_beside_old_headlines_sharing_the_commonest_words(n_old: usize) -> u64 {
    let (mut fixture, one, two) = store_knowing_patch_tuesday();
    let old = (0..n_old)
        .map(|index| {
            entry(
                &format!("old-{index}"),
                &format!("Patch Tuesday recap volume {index}"),
                "2026-10-10T10:00:00Z",
            )
        })
        .collect();
    record(&mut fixture.store, one, old);
    let probe = side_entry("k:probe", patch_tuesday("", "", "2026-10-11T10:00:00Z"));
    record(&mut fixture.store, two, vec![probe]);
    fixture.store.last_work().vm_steps
}

/// Matching through `title_words` reads no rows of the headline's commonest words (by the
/// headlines in memory): a match must share another word too.
#[test]
fn matching_through_title_words_skips_the_rows_of_the_commonest_words() {
    let few = steps_to_match_beside_old_headlines_sharing_the_commonest_words(10);
    let many = steps_to_match_beside_old_headlines_sharing_the_commonest_words(400);
    assert!(few > 0);
    assert_eq!(few, many, "rows of \"patch\" and \"tuesday\" were read");
}

/// Two October headlines that share three words, two of them the commonest ("Patch
/// Tuesday"), join through `title_words`: the word bits of the first one's rows say it may
/// have the skipped words, whether written now or before migration 12 gave rows their bits.
#[test]
fn a_match_through_title_words_may_share_the_skipped_words() {
    for migrated in [false, true] {
        let (mut fixture, one, two) = store_knowing_patch_tuesday();
        let first = Side {
            group: "one.example",
            title: "Patch Tuesday fixes Exchange server",
            published: "2026-10-10T10:00:00Z",
            ..A
        };
        record(&mut fixture.store, one, vec![side_entry("k:first", first)]);
        if migrated {
            // Take `title_words` back to version 11's, without bits.
            fixture
                .store
                .conn
                .execute_batch(
                    "ALTER TABLE title_words DROP COLUMN bits;
                     ALTER TABLE fetch_state DROP COLUMN body_digest;
                     ALTER TABLE fetch_state DROP COLUMN ttl_minutes;
                     DROP TABLE title_words_written;
                     PRAGMA user_version = 11;",
                )
                .unwrap();
            drop(fixture.store);
            fixture.store = Store::open(&fixture.path).unwrap();
            fixture.store.headlines = eager_headlines();
        }
        let second = Side {
            group: "two.example",
            title: "Patch Tuesday: Exchange emergency mitigation released",
            published: "2026-10-11T10:00:00Z",
            ..A
        };
        record(
            &mut fixture.store,
            two,
            vec![side_entry("k:second", second)],
        );
        assert_eq!(
            story_of_key(&fixture.store, "k:first"),
            story_of_key(&fixture.store, "k:second"),
            "rows written before migration 12: {migrated}"
        );
    }
}

#[test]
fn a_deleted_entry_leaves_the_index() {
    let mut fixture = fixture();
    store_entries(
        &mut fixture,
        vec![entry_with("a", "Doomed entry", "<p>ephemeral</p>", "")],
        at(NOW),
    );
    assert_eq!(search(&fixture.store, "ephemeral").len(), 1);
    fixture
        .store
        .conn
        .execute_batch("DELETE FROM title_words; DELETE FROM entries;")
        .unwrap();
    assert!(search(&fixture.store, "ephemeral").is_empty());
}

#[test]
fn ranking_candidates_are_the_window_s_stories_with_their_visible_members() {
    let mut fixture = fixture();
    let now = at(NOW);
    let parsed = feed(vec![
        entry("old", "Old", "2026-11-01T00:00:00Z"),
        entry("a", "First", "2026-11-27T10:00:00Z"),
        entry("b", "Second", "2026-11-27T11:00:00Z"),
    ]);
    fixture
        .store
        .record_fetched(
            fixture.feed_id,
            &parsed,
            &Validators::default(),
            200,
            None,
            now,
            now,
        )
        .unwrap();
    let names = vec!["Example".to_string()];
    let since = at("2026-11-21T12:00:00Z");
    let candidates = ranking_candidates(&fixture.store, &names, since);
    let mut published: Vec<Timestamp> = candidates.iter().map(|story| story.published).collect();
    published.sort();
    assert_eq!(
        published,
        [at("2026-11-27T10:00:00Z"), at("2026-11-27T11:00:00Z")]
    );
    assert!(candidates.iter().all(|story| story.members.len() == 1));
    assert_eq!(names[candidates[0].members[0].feed], "Example");
    // The same stories as the full read, by id.
    let full: Vec<StoryId> = fixture
        .store
        .stories(&StorySelection {
            feeds: &names,
            since,
            limit: 10,
        })
        .unwrap()
        .iter()
        .map(|story| story.id)
        .collect();
    let mut ids: Vec<StoryId> = candidates.iter().map(|story| story.id).collect();
    ids.sort();
    let mut full_sorted = full.clone();
    full_sorted.sort();
    assert_eq!(ids, full_sorted);
    assert!(ranking_candidates(&fixture.store, &[], since).is_empty());
}

/// Every candidate `Store::ranking_candidates` visits, in the order it visits them.
fn ranking_candidates(
    store: &Store,
    feeds: &[String],
    since: Timestamp,
) -> Vec<crate::model::Candidate> {
    let mut candidates = Vec::new();
    store
        .ranking_candidates(feeds, since, |candidate| {
            candidates.push(candidate.clone());
        })
        .unwrap();
    candidates
}

/// An entry of `key` with popularity counts and a discussion page.
fn counted_entry(key: &str, published: &str, points: u64, discussion: &str) -> ParsedEntry {
    ParsedEntry {
        comments: Url::parse(discussion).ok(),
        engagement: Engagement {
            points: Some(points),
            comments: Some(points / 2),
            views: None,
        },
        ..entry(key, &format!("Story {key}"), published)
    }
}

#[test]
fn ranking_candidates_carry_what_the_full_stories_carry() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("frontpage.db")).unwrap();
    let now = at(NOW);
    let urls: Vec<Url> = ["hn", "lobsters", "mirror", "muted"]
        .iter()
        .map(|name| Url::parse(&format!("https://{name}.example/feed")).unwrap())
        .collect();
    // (name, group, ranked): Mirror shares HN's group; Muted is not among the names read.
    let feeds = [
        ("HN", "hn", true),
        ("Lobsters", "lobsters", false),
        ("Mirror", "hn", false),
        ("Muted", "muted", false),
    ];
    let configured: Vec<ConfiguredFeed<'_>> = feeds
        .iter()
        .zip(&urls)
        .map(|(&(name, group, ranked), url)| ConfiguredFeed {
            name,
            url,
            group,
            ranked,
        })
        .collect();
    let rows = store.sync_feeds(&configured, now).unwrap();
    // The same links in several feeds make stories of several members, some of them
    // muted; one story is the muted feed's alone, one is older than the window.
    let fetches: [(usize, Vec<ParsedEntry>); 4] = [
        (
            0,
            vec![
                counted_entry(
                    "a",
                    "2026-11-27T10:00:00Z",
                    120,
                    "https://hn.example/item?id=1",
                ),
                counted_entry(
                    "b",
                    "2026-11-27T09:00:00Z",
                    40,
                    "https://hn.example/item?id=2",
                ),
                counted_entry(
                    "c",
                    "2026-11-26T09:00:00Z",
                    3,
                    "https://hn.example/item?id=3",
                ),
                entry("old", "Old story", "2026-11-01T00:00:00Z"),
            ],
        ),
        (
            1,
            vec![
                counted_entry(
                    "a",
                    "2026-11-27T08:00:00Z",
                    9,
                    "https://lobsters.example/s/a",
                ),
                entry("d", "Story d", "2026-11-27T07:00:00Z"),
            ],
        ),
        (
            2,
            vec![
                // The same discussion as HN's, written differently.
                counted_entry(
                    "a",
                    "2026-11-27T11:00:00Z",
                    130,
                    "HTTPS://HN.example/item?id=1",
                ),
                entry("d", "Story d", "2026-11-27T07:00:00Z"),
                entry("e", "Story e", "2026-11-25T07:00:00Z"),
            ],
        ),
        (
            3,
            vec![
                entry("b", "Story b", "2026-11-27T06:00:00Z"),
                entry("hidden", "Muted only", "2026-11-27T05:00:00Z"),
            ],
        ),
    ];
    for (index, entries) in fetches {
        store
            .record_fetched(
                rows[index].id,
                &feed(entries),
                &Validators::default(),
                200,
                None,
                now,
                now,
            )
            .unwrap();
    }
    let names: Vec<String> = ["HN", "Lobsters", "Mirror"].map(String::from).to_vec();
    let since = at("2026-11-21T12:00:00Z");
    let candidates = ranking_candidates(&store, &names, since);
    // The window's stories with a member in the names, as the full read finds them.
    let mut expected: Vec<StoryId> = store
        .stories(&StorySelection {
            feeds: &names,
            since,
            limit: 100,
        })
        .unwrap()
        .iter()
        .map(|story| story.id)
        .collect();
    expected.sort();
    let mut ids: Vec<StoryId> = candidates.iter().map(|candidate| candidate.id).collect();
    ids.sort();
    assert_eq!(ids, expected);
    assert_eq!(ids.len(), 5, "a, b, c, d and e; not old nor hidden");
    let members = || candidates.iter().flat_map(|candidate| &candidate.members);
    assert!(
        candidates
            .iter()
            .any(|candidate| candidate.members.len() == 3)
    );
    assert!(
        members().any(|member| member.position.is_some()),
        "HN is ranked"
    );
    assert!(
        candidates
            .iter()
            .any(|candidate| candidate.members.iter().any(|one| candidate
                .members
                .iter()
                .any(|other| one.feed != other.feed && one.group == other.group))),
        "HN and Mirror share a group"
    );
    for candidate in &candidates {
        let story = store.story(candidate.id, &names).unwrap().unwrap();
        assert_eq!(candidate.published, story.published, "{}", story.title);
        assert_eq!(candidate.updated, story.updated, "{}", story.title);
        assert_eq!(
            candidate.members.len(),
            story.members.len(),
            "{}",
            story.title
        );
        for (signals, member) in candidate.members.iter().zip(&story.members) {
            assert_eq!(names[signals.feed], member.feed_name);
            assert_eq!(signals.engagement, member.engagement);
            assert_eq!(signals.position, member.position);
            assert_eq!(
                signals
                    .discussion
                    .as_deref()
                    .and_then(|link| Url::parse(link).ok()),
                member.discussion
            );
        }
        for (one, one_member) in candidate.members.iter().zip(&story.members) {
            for (other, other_member) in candidate.members.iter().zip(&story.members) {
                assert_eq!(
                    one.group == other.group,
                    one_member.group == other_member.group
                );
            }
        }
    }
    // Sorting the ids a few at a time reads the same candidates.
    for chunk in [1, 2, 3, 100] {
        let mut by_chunks = Vec::new();
        store
            .ranking_candidates_by(chunk, &names, since, |candidate| {
                by_chunks.push(candidate.clone());
            })
            .unwrap();
        by_chunks.sort_by_key(|candidate| candidate.id);
        let mut sorted = candidates.clone();
        sorted.sort_by_key(|candidate| candidate.id);
        assert_eq!(by_chunks, sorted, "chunks of {chunk}");
    }
}

/// An entry whose headline is edited is matched by its new headline only, whether headlines
/// are matched in memory or through `title_words`.
#[test]
fn an_edited_headline_no_longer_matches_by_its_old_words() {
    for max_entries in [64 * 1024, 0] {
        let mut fixture = fixture();
        fixture.store.headlines = headlines::HeadlineIndex::with_max_entries(max_entries);
        // (with_max_entries loads on first use: the index is exercised from the start)
        let feeds = fixture.add_feeds(&[("Two", "https://two.example/feed")]);
        let (one, two) = (feeds[0], feeds[1]);
        let original = patch_tuesday("", "https://a.example/x", "2026-11-26T10:00:00Z");
        record(&mut fixture.store, one, vec![side_entry("k:One", original)]);
        // (the feed moves its date too: the old words are stored under the old date)
        let edited = Side {
            title: "Quarterly results of an unrelated company published today",
            published: "2026-11-26T09:00:00Z",
            ..original
        };
        record(&mut fixture.store, one, vec![side_entry("k:One", edited)]);
        let rows: Vec<(String, i64)> = {
            let mut select = fixture
                .store
                .conn
                .prepare("SELECT word, published_at FROM title_words ORDER BY word")
                .unwrap();
            select
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let expected: Vec<(String, i64)> = crate::dedup::Headline::new(edited.title)
            .words()
            .iter()
            .map(|word| (word.clone(), at(edited.published).unix()))
            .collect();
        assert_eq!(rows, expected, "only the new headline's words are kept");
        let other = patch_tuesday("", "https://b.example/y", "2026-11-26T11:00:00Z");
        record(&mut fixture.store, two, vec![side_entry("k:Two", other)]);
        assert_ne!(
            story_of_key(&fixture.store, "k:One"),
            story_of_key(&fixture.store, "k:Two"),
            "max_entries {max_entries}"
        );
    }
}

/// An entry stored and edited within one batch keeps only its new headline's words: the
/// first ones are found by key within the same transaction.
#[test]
fn an_entry_edited_within_its_batch_keeps_only_its_new_headline_words() {
    let mut fixture = fixture();
    // matched in memory: nothing but the edit reads `title_words`
    fixture.store.headlines = headlines::HeadlineIndex::with_max_entries(64 * 1024);
    let original = patch_tuesday("", "https://a.example/x", "2026-11-26T10:00:00Z");
    let edited = Side {
        title: "Quarterly results of an unrelated company published today",
        ..original
    };
    let now = at(NOW);
    let mut batch = fixture.store.batch().unwrap();
    for side in [original, edited] {
        let prepared = PreparedFeed::new(feed(vec![side_entry("k:One", side)]));
        batch
            .record_fetched(
                fixture.feed_id,
                &prepared,
                &etag("\"a\""),
                200,
                None,
                now,
                now,
            )
            .unwrap();
    }
    batch.commit().unwrap();
    let words: Vec<String> = fixture
        .store
        .conn
        .prepare("SELECT word FROM title_words ORDER BY word")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(words, crate::dedup::Headline::new(edited.title).words());
}

/// Two feeds, "One" and "Two", with 48 entries over 48 days, stored out of date order (so
/// entry ids do not follow publish times): most hold `zebra` a varying number of times
/// among other words, some the phrase `zebra crossing` or the word `lion`, and three have
/// the same words (equal scores, told apart by date and id).
fn zebra_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("frontpage.db")).unwrap();
    let now = at(NOW);
    let url_one = Url::parse("https://one.example/feed").unwrap();
    let url_two = Url::parse("https://two.example/feed").unwrap();
    let rows = store
        .sync_feeds(
            &[configured("One", &url_one), configured("Two", &url_two)],
            now,
        )
        .unwrap();
    let fillers = ["savanna", "river", "acacia", "dust", "herd"];
    let mut by_feed: [Vec<ParsedEntry>; 2] = [Vec::new(), Vec::new()];
    for step in 0..48usize {
        // 0, 29, 10, 39, …: every day once, in an order unlike the dates.
        let day = step * 29 % 48;
        let mut words: Vec<String> = vec!["zebra".to_string(); day % 4];
        words.extend(fillers.iter().take(day % 6).map(|word| word.to_string()));
        if day % 7 == 0 {
            words.push("zebra crossing".into());
        }
        if day % 5 == 0 {
            words.push("lion".into());
        }
        let title = match day {
            40..=42 => "Zebra tie".to_string(),
            _ if day % 3 == 0 => format!("Zebra number {day}"),
            _ => format!("Entry number {day}"),
        };
        let summary = match day {
            40..=42 => "<p>zebra savanna</p>".to_string(),
            _ => format!("<p>{}</p>", words.join(" ")),
        };
        let published = (at("2026-10-01T00:00:00Z").to_chrono()
            + chrono::Duration::days(day as i64))
        .to_rfc3339();
        by_feed[day % 2].push(ParsedEntry {
            summary: Some(summary),
            ..entry(&format!("day-{day}"), &title, &published)
        });
    }
    for (row, entries) in rows.iter().zip(by_feed) {
        store
            .record_fetched(
                row.id,
                &feed(entries),
                &Validators::default(),
                200,
                None,
                now,
                now,
            )
            .unwrap();
    }
    (dir, store)
}

/// The filters the plan tests try with each search: none, a feed, a time window, both, a
/// story, and two feeds.
fn zebra_filters(store: &Store) -> Vec<EntryFilter> {
    let story = store
        .entries(&EntryFilter {
            words: SearchQuery::parse("\"zebra crossing\"").unwrap(),
            limit: 1,
            ..EntryFilter::default()
        })
        .unwrap()[0]
        .story_id;
    vec![
        EntryFilter::default(),
        EntryFilter {
            feeds: vec!["One".into()],
            ..EntryFilter::default()
        },
        EntryFilter {
            since: Some(at("2026-10-20T00:00:00Z")),
            until: Some(at("2026-11-10T00:00:00Z")),
            ..EntryFilter::default()
        },
        EntryFilter {
            feeds: vec!["Two".into()],
            since: Some(at("2026-10-15T00:00:00Z")),
            ..EntryFilter::default()
        },
        EntryFilter {
            story: Some(story),
            ..EntryFilter::default()
        },
        EntryFilter {
            feeds: vec!["One".into(), "Two".into()],
            until: Some(at("2026-11-01T00:00:00Z")),
            ..EntryFilter::default()
        },
    ]
}

/// The ids `sql` lists.
fn listed_ids(store: &Store, sql: &listing::Sql) -> Vec<EntryId> {
    store
        .entry_rows(sql)
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect()
}

/// The plans that can serve `filter`.
fn plans_for(filter: &EntryFilter) -> Vec<listing::SearchPlan> {
    let filtered = !filter.feeds.is_empty()
        || filter.since.is_some()
        || filter.until.is_some()
        || filter.story.is_some();
    if filtered {
        vec![
            listing::SearchPlan::Candidates,
            listing::SearchPlan::Matches,
        ]
    } else {
        vec![listing::SearchPlan::Words]
    }
}

#[test]
fn every_search_plan_lists_what_the_exact_search_lists() {
    let (_dir, store) = zebra_store();
    let mut compared = 0;
    for base in zebra_filters(&store) {
        for typed in [
            "zebra",
            "zebra -lion",
            "\"zebra crossing\"",
            "savanna zebra",
        ] {
            for order in [EntryOrder::Relevance, EntryOrder::Recent] {
                for limit in [1, 4, 100] {
                    let filter = EntryFilter {
                        words: SearchQuery::parse(typed).unwrap(),
                        order,
                        limit,
                        ..base.clone()
                    };
                    let words = filter.words.as_ref().unwrap();
                    // The full-text index drives and every match is sorted: exact.
                    let exact = listed_ids(&store, &listing::entries_sql(&filter, filter.story));
                    let listed: Vec<EntryId> = store
                        .entries(&filter)
                        .unwrap()
                        .into_iter()
                        .map(|row| row.id)
                        .collect();
                    assert_eq!(listed, exact, "{filter:?}");
                    for plan in plans_for(&filter) {
                        let sql = listing::search_sql(&filter, words, filter.story, plan, 1000);
                        assert_eq!(listed_ids(&store, &sql), exact, "{plan:?} {filter:?}");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 100);
    // The comparisons saw ties and more matches than the limit.
    let zebra = |limit| EntryFilter {
        words: SearchQuery::parse("zebra").unwrap(),
        order: EntryOrder::Relevance,
        limit,
        ..EntryFilter::default()
    };
    let titles: Vec<String> = store
        .entries(&zebra(100))
        .unwrap()
        .into_iter()
        .filter_map(|row| row.title)
        .collect();
    assert!(titles.len() > 30, "{titles:?}");
    assert_eq!(
        titles.iter().filter(|title| *title == "Zebra tie").count(),
        3
    );
}

#[test]
fn relevance_ranks_only_the_newest_matches_past_the_bound() {
    let (_dir, store) = zebra_store();
    let bound = 5;
    for base in zebra_filters(&store) {
        let filter = EntryFilter {
            words: SearchQuery::parse("zebra").unwrap(),
            order: EntryOrder::Relevance,
            limit: 3,
            ..base
        };
        let words = filter.words.as_ref().unwrap();
        let every_match = listed_ids(
            &store,
            &listing::entries_sql(
                &EntryFilter {
                    limit: 1000,
                    ..filter.clone()
                },
                filter.story,
            ),
        );
        // The exact order, among the `bound` newest (highest id) matches only.
        let mut newest = every_match.clone();
        newest.sort_by(|a, b| b.cmp(a));
        newest.truncate(bound);
        let mut expected: Vec<EntryId> = every_match
            .iter()
            .copied()
            .filter(|id| newest.contains(id))
            .collect();
        expected.truncate(filter.limit);
        for plan in plans_for(&filter) {
            let sql = listing::search_sql(&filter, words, filter.story, plan, bound);
            assert_eq!(listed_ids(&store, &sql), expected, "{plan:?} {filter:?}");
        }
        if every_match.len() > bound {
            let exact: Vec<EntryId> = every_match.iter().take(filter.limit).copied().collect();
            assert_ne!(
                expected, exact,
                "the zebra store makes the bound change the order: {filter:?}"
            );
        }
    }
}

#[test]
fn a_word_search_starts_from_the_entries_of_a_selective_filter() {
    let (_dir, store) = zebra_store();
    let words = SearchQuery::parse("zebra").unwrap().unwrap();
    let search = |filter: EntryFilter| EntryFilter {
        words: Some(words.clone()),
        order: EntryOrder::Relevance,
        limit: 10,
        ..filter
    };
    let unfiltered = search(EntryFilter::default());
    assert_eq!(
        store.search_plan(&unfiltered, None, 100).unwrap(),
        listing::SearchPlan::Words
    );
    let one_feed = search(EntryFilter {
        feeds: vec!["One".into()],
        since: Some(at("2026-10-20T00:00:00Z")),
        ..EntryFilter::default()
    });
    // Feed One has 24 entries, 14 of them since 20 October.
    assert_eq!(
        store.search_plan(&one_feed, None, 14).unwrap(),
        listing::SearchPlan::Candidates
    );
    assert_eq!(
        store.search_plan(&one_feed, None, 13).unwrap(),
        listing::SearchPlan::Matches
    );
    // The candidates come from an index, one range per feed, and only the full-text index's
    // rows are read in full; entries are only looked up by id.
    let sql = listing::search_sql(&one_feed, &words, None, listing::SearchPlan::Candidates, 10);
    let steps = plan(&store, &sql);
    assert!(
        steps.contains(
            "USING COVERING INDEX entries_by_feed_published (feed_id=? AND published_at>?)"
        ),
        "{steps}"
    );
    assert!(!scans_entries(&steps), "{steps}");
    let without_filter =
        listing::search_sql(&unfiltered, &words, None, listing::SearchPlan::Words, 10);
    let steps = plan(&store, &without_filter);
    assert!(!scans_entries(&steps), "{steps}");
    assert!(
        steps.contains("SEARCH e USING INTEGER PRIMARY KEY"),
        "entries by id only: {steps}"
    );
}

#[test]
fn the_newest_matches_come_from_the_full_text_index_without_a_sort() {
    let fixture = fixture();
    let words = SearchQuery::parse("sqlite").unwrap().unwrap();
    for (plan_kind, filter) in [
        (listing::SearchPlan::Words, EntryFilter::default()),
        (
            listing::SearchPlan::Matches,
            EntryFilter {
                feeds: vec!["Example".into()],
                since: Some(at("2026-11-01T00:00:00Z")),
                ..EntryFilter::default()
            },
        ),
    ] {
        let filter = EntryFilter {
            words: Some(words.clone()),
            order: EntryOrder::Relevance,
            limit: 20,
            ..filter
        };
        let sql = listing::search_sql(&filter, &words, None, plan_kind, 1000);
        let steps = plan(&fixture.store, &sql);
        // The hits are the index's rows newest first, cut at the bound: no sort of every
        // match before the cut (the only sort is of the bounded hits).
        let hits: Vec<&str> = steps
            .lines()
            .skip_while(|step| !step.contains("MATERIALIZE hits"))
            .take_while(|step| !step.starts_with("SCAN hits"))
            .collect();
        assert!(
            hits.iter()
                .any(|step| step.contains("entries_fts VIRTUAL TABLE INDEX")),
            "{steps}"
        );
        assert!(
            !hits.iter().any(|step| step.contains("TEMP B-TREE")),
            "{steps}"
        );
        assert!(!scans_entries(&steps), "{steps}");
    }
}

#[test]
fn a_prepared_feed_counts_its_text_and_what_is_derived_from_it() {
    let mut long = entry(
        "long",
        "A long story about the harbour",
        "2026-11-27T10:00:00Z",
    );
    long.content = Some(format!("<p>{}</p>", "word ".repeat(2000)));
    let short = entry("short", "A short one", "2026-11-27T11:00:00Z");
    let parsed = feed(vec![long, short]);
    let parsed_size = parsed.size();
    // (the content alone is 10,007 bytes)
    assert!(parsed_size > 10_007, "{parsed_size}");
    let digested = PreparedFeed::digested(parsed.clone()).size();
    let derived = PreparedFeed::new(parsed).size();
    // Digests add a little; the plain text for the search index about the content again.
    assert!(digested > parsed_size, "{digested} vs {parsed_size}");
    assert!(derived > digested + 10_000, "{derived} vs {digested}");
}

#[test]
fn feed_rows_are_visited_with_the_place_of_their_name() {
    let mut fixture = fixture();
    let ids = fixture.add_feeds(&[("Other", "https://other.example/feed.xml")]);
    let mut visited = Vec::new();
    fixture
        .store
        .visit_feed_rows(["Other", "Unknown", "Example"], |index, row| {
            visited.push((index, row.name, row.id));
        })
        .unwrap();
    // A name without a row is skipped, and the names after it keep their own places.
    assert_eq!(
        visited,
        [
            (0, "Other".to_string(), ids[1]),
            (2, "Example".to_string(), ids[0])
        ]
    );
}
