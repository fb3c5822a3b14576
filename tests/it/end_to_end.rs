//! The whole pipeline through the real binary: feeds.toml → fetch → SQLite → RSS/Atom.

use crate::support::{FeedServer, Project, Reply, assert_well_formed, texts_of};

/// One server carrying every fixture format, and a project subscribed to all of them.
fn every_format() -> (FeedServer, Project) {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    server.route("/schneier.atom", Reply::fixture("atom/schneier.xml"));
    server.route("/slashdot.rdf", Reply::fixture("rdf/slashdot.xml"));
    server.route("/scripting.xml", Reply::fixture("rss091/scripting.xml"));
    server.route("/feed.json", Reply::fixture("json/feed.json"));
    let project = Project::with_feeds(&[
        ("Krebs on Security", &server.url("/krebs.xml")),
        ("Schneier on Security", &server.url("/schneier.atom")),
        ("Slashdot", &server.url("/slashdot.rdf")),
        ("Scripting News", &server.url("/scripting.xml")),
        ("JSON Example", &server.url("/feed.json")),
    ]);
    (server, project)
}

fn count_by_feed(entries: &[serde_json::Value], feed: &str) -> usize {
    entries.iter().filter(|entry| entry["feed"] == feed).count()
}

#[test]
fn run_stores_every_format_and_publishes_rss_and_atom() {
    let (_server, project) = every_format();

    let run = project.run(&["run"]);

    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stderr, "", "a successful run from cron prints nothing");
    let entries = project.entries();
    for feed in [
        "Krebs on Security",
        "Schneier on Security",
        "Slashdot",
        "Scripting News",
        "JSON Example",
    ] {
        assert!(count_by_feed(&entries, feed) > 0, "no entries from {feed}");
    }

    let rss = project.read("public/feed.rss");
    assert_well_formed(rss.as_bytes());
    assert!(rss.contains(r#"rel="self""#) && rss.contains("https://news.example.org/feed.rss"));
    let atom = project.read("public/feed.atom");
    assert_well_formed(atom.as_bytes());
    assert!(atom.contains("https://news.example.org/feed.atom"));

    // One item per stored story within the 7-day window, each naming its source feed.
    let in_window: std::collections::BTreeSet<i64> = entries
        .iter()
        .filter(|entry| entry["published"].as_str().unwrap() >= "2026-11-21T12:00:00Z")
        .map(|entry| entry["story"].as_i64().unwrap())
        .collect();
    let in_window = in_window.len();
    assert!(
        in_window < entries.len() - 1,
        "the fixtures include an entry older than the window and a story in two feeds"
    );
    let guids = texts_of(&rss, "guid");
    assert_eq!(guids.len(), in_window, "{rss}");
    assert!(
        guids
            .iter()
            .all(|guid| guid.starts_with("https://news.example.org/story/"))
    );
    assert!(rss.contains("Krebs on Security</source>"));
    assert!(rss.contains("Telegram Bot Tokens Leak From Kaspersky-Branded Phishing Kit"));
    assert_eq!(
        texts_of(&atom, "id").len(),
        2 * in_window + 1,
        "the feed id, then each entry's and its source's"
    );
}

#[test]
fn published_items_keep_their_ids_and_order_between_runs() {
    let (_server, project) = every_format();
    assert_eq!(project.run(&["run"]).code, 0);
    let first = project.read("public/feed.rss");

    let run = project.run(&["fetch", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.run(&["publish"]).code, 0);

    assert_eq!(
        project.read("public/feed.rss"),
        first,
        "same store, same clock, same bytes"
    );
}

#[test]
fn recent_order_is_newest_first() {
    let (_server, project) = every_format();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let rss = project
        .run(&["publish", "--format", "rss", "--order", "recent"])
        .stdout;
    let dates: Vec<i64> = texts_of(&rss, "pubDate")
        .iter()
        .map(|date| {
            chrono::DateTime::parse_from_rfc2822(date)
                .unwrap_or_else(|error| panic!("{date}: {error}"))
                .timestamp()
        })
        .collect();
    assert!(dates.len() > 5);
    assert!(dates.windows(2).all(|pair| pair[0] >= pair[1]), "{dates:?}");
}

#[test]
fn a_second_fetch_of_unchanged_feeds_adds_and_changes_nothing() {
    let server = FeedServer::start();
    // One feed answers 200 with the whole feed generated anew (the same entries, a byte
    // apart, so it is parsed again), the other supports ETags.
    server.route_sequence(
        "/plain.xml",
        vec![
            Reply::fixture("rss2/krebs.xml"),
            Reply::fixture("rss2/krebs.xml").regenerated(),
        ],
    );
    server.route(
        "/tagged.atom",
        Reply::fixture("atom/schneier.xml").etag("W/\"s-1\""),
    );
    let project = Project::with_feeds(&[
        ("Plain", &server.url("/plain.xml")),
        ("Tagged", &server.url("/tagged.atom")),
    ]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let before = project.entries();

    let run = project.run(&["-v", "fetch", "--force"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "fetched 2 feeds: 1 updated (0 new entries, 0 changed), 1 not modified, 0 failed"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(project.entries(), before);
    let second = server.requests_to("/tagged.atom");
    assert_eq!(second.len(), 2);
    assert_eq!(second[1].header("If-None-Match"), Some("W/\"s-1\""));
}

#[test]
fn entries_without_guid_link_or_title_are_not_duplicated_on_refetch() {
    let server = FeedServer::start();
    server.route_sequence(
        "/no-guids.xml",
        vec![
            Reply::fixture("rss2/no-guids.xml"),
            Reply::fixture("rss2/no-guids.xml").regenerated(),
        ],
    );
    let project = Project::with_feeds(&[("No guids", &server.url("/no-guids.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let first = project.entries();
    assert_eq!(first.len(), 5, "every item is kept, even two with guid N/A");

    assert_eq!(project.run(&["fetch", "--force"]).code, 0);

    assert_eq!(project.entries(), first);
}

#[test]
fn feeds_are_fetched_only_when_due() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    assert_eq!(project.run_at("2026-11-28T12:00:00Z", &["run"]).code, 0);
    assert_eq!(project.run_at("2026-11-28T12:05:00Z", &["run"]).code, 0);
    assert_eq!(
        server.requests().len(),
        1,
        "five minutes later nothing is due"
    );
    // The interval is 1h, plus a jitter of at most 5 % (3 minutes).
    assert_eq!(project.run_at("2026-11-28T13:03:00Z", &["run"]).code, 0);
    assert_eq!(
        server.requests().len(),
        2,
        "after the 1h interval and its jitter it is"
    );
}

#[test]
fn requests_identify_frontpage_and_ask_for_feeds() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    let agent = request.header("User-Agent").expect("a User-Agent");
    assert!(
        agent.starts_with(&format!("frontpage/{} (+http", env!("CARGO_PKG_VERSION"))),
        "{agent}"
    );
    assert!(
        request
            .header("Accept")
            .is_some_and(|accept| accept.contains("application/rss+xml"))
    );
    let encodings = request.header("Accept-Encoding").unwrap_or_default();
    assert!(
        encodings.contains("gzip") && encodings.contains("br"),
        "{encodings}"
    );
    assert_eq!(
        request.header("If-None-Match"),
        None,
        "no validator is invented"
    );
    assert_eq!(
        request.header("If-Modified-Since"),
        None,
        "no validator is invented"
    );
}

#[test]
fn validators_are_echoed_byte_for_byte() {
    let server = FeedServer::start();
    let last_modified = "Thu, 26 Nov 2026 14:05:11 GMT";
    server.route(
        "/krebs.xml",
        Reply::fixture("rss2/krebs.xml")
            .etag("W/\"5f2-\\\"x\\\"\"")
            .last_modified(last_modified),
    );
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let second = &server.requests()[1];
    assert_eq!(second.header("If-None-Match"), Some("W/\"5f2-\\\"x\\\"\""));
    assert_eq!(second.header("If-Modified-Since"), Some(last_modified));
}

#[test]
fn gzip_bodies_are_decompressed() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml").gzip());
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    let run = project.run(&["fetch"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!project.entries().is_empty());
}

#[test]
fn publish_writes_one_format_to_stdout_or_a_file() {
    let (_server, project) = every_format();
    assert_eq!(project.run(&["fetch"]).code, 0);

    let atom = project.run(&["publish", "--format", "atom", "-o", "-"]);
    assert_eq!(atom.code, 0, "{}", atom.stderr);
    assert_well_formed(atom.stdout.as_bytes());
    assert!(atom.stdout.contains("<feed"));

    let rss = project.run(&[
        "publish", "--format", "rss", "--limit", "2", "-o", "top.rss",
    ]);
    assert_eq!(rss.code, 0, "{}", rss.stderr);
    let text = project.read("top.rss");
    assert_well_formed(text.as_bytes());
    assert_eq!(texts_of(&text, "guid").len(), 2);
    assert!(
        !project.file("public").exists(),
        "only the file asked for is written"
    );
}

#[test]
fn query_filters_by_feed_time_and_limit() {
    let (_server, project) = every_format();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let all = project.entries();

    let run = project.run(&["query", "--feed", "Slashdot", "--format", "json"]);
    let slashdot: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(slashdot.len(), count_by_feed(&all, "Slashdot"));
    assert!(slashdot.iter().all(|entry| entry["feed"] == "Slashdot"));

    let run = project.run(&["query", "--since", "2d", "--format", "json"]);
    let recent: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert!(!recent.is_empty() && recent.len() < all.len());
    assert!(
        recent
            .iter()
            .all(|entry| entry["published"].as_str().unwrap() >= "2026-11-26T12:00:00Z")
    );

    let run = project.run(&["query", "--limit", "3"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout.lines().count(),
        4,
        "a header and three rows:\n{}",
        run.stdout
    );
    assert!(run.stdout.starts_with("PUBLISHED"));
}

#[test]
fn requests_are_concurrent_but_bounded_per_host() {
    let server = FeedServer::start();
    let delay = std::time::Duration::from_millis(300);
    let mut config = String::from("[settings]\nper_host = 3\n\n");
    for index in 0..9 {
        let path = format!("/feed-{index}.xml");
        server.route(&path, Reply::fixture("rss2/krebs.xml").delay(delay));
        config.push_str(&format!(
            "[[feed]]\nname = \"Feed {index}\"\nurl = \"{}\"\n\n",
            server.url(&path)
        ));
    }
    let project = Project::with_config(&config);

    let run = project.run(&["fetch"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests().len(), 9);
    // Every feed is on 127.0.0.1, one host: never more than per_host at once, and (with each
    // answer delayed) more than one, so the fetches did overlap.
    assert_eq!(server.max_in_flight(), 3);
}

#[test]
fn the_http_charset_decodes_an_undeclared_body() {
    let server = FeedServer::start();
    // "кафе" in KOI8-R, with no encoding in the XML declaration: only the header says (the
    // windows-1252 fallback would read "ËÁÆÅ").
    let koi8 = [0xCB, 0xC1, 0xC6, 0xC5];
    let mut body = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>".to_vec();
    body.extend_from_slice(&koi8);
    body.extend_from_slice(
        b"</title><link>https://cafe.example/</link><description>d</description>\
          <item><title>",
    );
    body.extend_from_slice(&koi8);
    body.extend_from_slice(
        b" opens</title><link>https://cafe.example/1</link>\
          <pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>",
    );
    server.route(
        "/feed.xml",
        Reply::ok(body).header("Content-Type", "application/rss+xml; charset=KOI8-R"),
    );
    let project = Project::with_feeds(&[("Cafe", &server.url("/feed.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(project.entries()[0]["title"], "кафе opens");
}
