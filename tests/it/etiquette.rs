//! HTTP etiquette (SPEC §3): validators, scheduling, backoff, redirects, request headers and
//! limits, asserted on the loopback server's request log and on `feeds --format json`, with
//! the clock set by `--now`.

use std::time::Duration;

use frontpage::model::Timestamp;
use frontpage::schedule::jitter;

use crate::support::{FeedServer, NOW, Project, Reply};

const HOUR: Duration = Duration::from_secs(3600);

/// The `next_due` `feeds` should show for a feed named `name` checked at `now` with `delay`.
fn due_after(now: &str, delay: Duration, name: &str) -> String {
    Timestamp::parse_rfc3339(now)
        .expect("an RFC 3339 clock")
        .plus(delay)
        .plus(jitter(delay, name))
        .to_rfc3339()
}

/// `now` moved forward by `delay`, as `--now` text.
fn later(now: &str, delay: Duration) -> String {
    Timestamp::parse_rfc3339(now)
        .expect("an RFC 3339 clock")
        .plus(delay)
        .to_rfc3339()
}

/// A minimal RSS 2.0 feed with one item and, optionally, a `<ttl>`.
fn rss(ttl: Option<u32>) -> String {
    let ttl = ttl
        .map(|minutes| format!("<ttl>{minutes}</ttl>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Tiny</title>
        <link>https://tiny.example.org/</link><description>d</description>{ttl}
        <item><title>Hello</title><link>https://tiny.example.org/hello</link>
        <guid>https://tiny.example.org/hello</guid>
        <pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"#
    )
}

/// A project with one feed named "Feed" at `/feed.xml` on `server`.
fn one_feed(server: &FeedServer) -> Project {
    Project::with_feeds(&[("Feed", &server.url("/feed.xml"))])
}

fn feed_state(project: &Project) -> serde_json::Value {
    project.feeds().remove(0)
}

// --- Validators -------------------------------------------------------------------------

#[test]
fn a_304_stores_the_new_validators_it_carries() {
    let server = FeedServer::start();
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss(None)).header("ETag", "\"v1\""),
            Reply::status(304).header("ETag", "\"v2\""),
            Reply::status(304),
        ],
    );
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let requests = server.requests();
    assert_eq!(requests[1].header("If-None-Match"), Some("\"v1\""));
    assert_eq!(requests[2].header("If-None-Match"), Some("\"v2\""));
    assert_eq!(feed_state(&project)["status"], "not modified");
}

#[test]
fn a_truncated_200_leaves_no_validator_behind() {
    let server = FeedServer::start();
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss(None)).header("ETag", "\"cut\"").truncated(60),
            Reply::fixture("broken/truncated.xml").header("ETag", "\"cut-xml\""),
            Reply::ok(rss(None)),
        ],
    );
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 1, "the body was cut short");
    assert_eq!(
        project.run(&["fetch", "--force"]).code,
        1,
        "the XML was cut short"
    );
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let requests = server.requests();
    assert_eq!(requests[1].header("If-None-Match"), None);
    assert_eq!(requests[2].header("If-None-Match"), None);
}

#[test]
fn the_body_the_entries_came_from_is_not_parsed_again() {
    // A server that sends no validators answers 200 with the whole body every time: the
    // same body again leaves the entries as they are, as a 304 would, and the `<ttl>` it
    // gave still holds.
    let server = FeedServer::start();
    let edited = rss(Some(180)).replace("<title>Hello</title>", "<title>Hello again</title>");
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss(Some(180))),
            Reply::ok(rss(Some(180))),
            Reply::ok(edited),
        ],
    );
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(feed_state(&project)["status"], "ok");

    let second = later(NOW, 4 * HOUR);
    assert_eq!(project.run_at(&second, &["fetch"]).code, 0);
    let state = feed_state(&project);
    assert_eq!(state["status"], "not modified", "the same body: {state}");
    assert_eq!(state["http_status"], 200);
    assert_eq!(state["next_due"], due_after(&second, 3 * HOUR, "Feed"));

    let third = later(&second, 4 * HOUR);
    assert_eq!(project.run_at(&third, &["fetch"]).code, 0);
    assert_eq!(feed_state(&project)["status"], "ok", "a new body is parsed");
    let titles: Vec<_> = project
        .entries()
        .iter()
        .map(|e| e["title"].clone())
        .collect();
    assert_eq!(titles, ["Hello again"]);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn an_unchanged_200_replaces_the_validators_as_any_200_does() {
    // A server that ignores `If-None-Match`: the same body each time, with an ETag that
    // changes, then none. Unlike a 304's, a 200's validators are all the server has now.
    let server = FeedServer::start();
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss(None)).header("ETag", "\"v1\""),
            Reply::ok(rss(None)).header("ETag", "\"v2\""),
            Reply::ok(rss(None)),
            Reply::ok(rss(None)),
        ],
    );
    let project = one_feed(&server);
    for _ in 0..4 {
        assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    }
    let sent: Vec<_> = server
        .requests()
        .iter()
        .map(|request| request.header("If-None-Match").map(str::to_string))
        .collect();
    assert_eq!(
        sent,
        [
            None,
            Some("\"v1\"".to_string()),
            Some("\"v2\"".to_string()),
            None
        ]
    );
    assert_eq!(feed_state(&project)["status"], "not modified");
}

#[test]
fn a_feed_added_at_a_url_already_fetched_gets_the_entries_of_the_same_body() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::ok(rss(None)));
    let url = server.url("/feed.xml");
    let project = Project::with_feeds(&[("First", &url)]);
    assert_eq!(project.run(&["fetch"]).code, 0);

    // The second feed has stored nothing from this body: it is parsed for both.
    let toml = project.read("feeds.toml");
    let added = format!("{toml}[[feed]]\nname = \"Second\"\nurl = \"{url}\"\ngroup = \"Second\"\n");
    std::fs::write(project.file("feeds.toml"), added).expect("write feeds.toml");
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let feeds = project.feeds();
    assert_eq!(
        (feeds[1]["name"].as_str(), feeds[1]["entries"].as_u64()),
        (Some("Second"), Some(1))
    );
    assert_eq!(feeds[1]["status"], "ok");

    // Now both have: the same body again is parsed for neither.
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let feeds = project.feeds();
    assert_eq!(
        [&feeds[0]["status"], &feeds[1]["status"]],
        ["not modified", "not modified"]
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_304_keeps_the_ttl_of_the_body_it_stands_for() {
    let server = FeedServer::start();
    server.route_sequence(
        "/feed.xml",
        vec![Reply::ok(rss(Some(180))).etag("\"v1\""), Reply::status(304)],
    );
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let second = later(NOW, 4 * HOUR);
    assert_eq!(project.run_at(&second, &["fetch"]).code, 0);
    let state = feed_state(&project);
    assert_eq!(state["status"], "not modified");
    assert_eq!(
        state["next_due"],
        due_after(&second, 3 * HOUR, "Feed"),
        "the 3h ttl"
    );
}

// --- Scheduling -------------------------------------------------------------------------

#[test]
fn the_next_check_takes_the_largest_of_interval_ttl_max_age_and_expires() {
    // (reason, reply, expected delay from now)
    let skewed_date = "Fri, 27 Nov 2026 12:00:00 GMT"; // a day behind our clock
    let cases: Vec<(&str, Reply, Duration)> = vec![
        ("nothing said: the interval", Reply::ok(rss(None)), HOUR),
        ("a 3h ttl", Reply::ok(rss(Some(180))), 3 * HOUR),
        (
            "max-age of 2h",
            Reply::ok(rss(None)).header("Cache-Control", "public, max-age=7200"),
            2 * HOUR,
        ),
        (
            "Expires 5h after the server's own (skewed) Date",
            Reply::ok(rss(None))
                .header("Date", skewed_date)
                .header("Expires", "Fri, 27 Nov 2026 17:00:00 GMT"),
            5 * HOUR,
        ),
        (
            "no-cache never polls faster than the interval",
            Reply::ok(rss(None)).header("Cache-Control", "no-cache"),
            HOUR,
        ),
        (
            "max-age=0 never polls faster than the interval",
            Reply::ok(rss(None)).header("Cache-Control", "max-age=0"),
            HOUR,
        ),
        (
            "a week of max-age is capped at 24h",
            Reply::ok(rss(Some(600))).header("Cache-Control", "max-age=604800"),
            24 * HOUR,
        ),
    ];
    for (reason, reply, delay) in cases {
        let server = FeedServer::start();
        server.route("/feed.xml", reply);
        let project = one_feed(&server);
        assert_eq!(project.run(&["fetch"]).code, 0, "{reason}");
        assert_eq!(
            feed_state(&project)["next_due"],
            due_after(NOW, delay, "Feed"),
            "{reason}"
        );
    }
}

#[test]
fn a_feed_is_not_requested_again_before_its_next_check() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::ok(rss(Some(180))));
    let project = one_feed(&server);
    assert_eq!(project.run(&["run"]).code, 0);
    assert_eq!(project.run_at(&later(NOW, 2 * HOUR), &["run"]).code, 0);
    assert_eq!(server.requests().len(), 1, "the 3h ttl holds the feed back");
    let due = due_after(NOW, 3 * HOUR, "Feed");
    assert_eq!(project.run_at(&due, &["run"]).code, 0);
    assert_eq!(server.requests().len(), 2);
}

// --- Backoff ----------------------------------------------------------------------------

#[test]
fn retry_after_is_honoured_in_seconds_and_as_a_date() {
    let cases: Vec<(&str, Reply, Duration)> = vec![
        (
            "429 with Retry-After in seconds",
            Reply::status(429).header("Retry-After", "7200"),
            2 * HOUR,
        ),
        (
            "503 with Retry-After as a date, read against the skewed Date",
            Reply::status(503)
                .header("Date", "Fri, 27 Nov 2026 12:00:00 GMT")
                .header("Retry-After", "Fri, 27 Nov 2026 18:00:00 GMT"),
            6 * HOUR,
        ),
        (
            "429 without Retry-After: the default backoff (interval x 2)",
            Reply::status(429),
            2 * HOUR,
        ),
    ];
    for (reason, reply, delay) in cases {
        let server = FeedServer::start();
        server.route("/feed.xml", reply);
        let project = one_feed(&server);
        assert_eq!(project.run(&["fetch"]).code, 1, "{reason}");
        let state = feed_state(&project);
        assert_eq!(state["next_due"], due_after(NOW, delay, "Feed"), "{reason}");
        assert_eq!(
            server.requests().len(),
            1,
            "{reason}: one attempt per run, no retries"
        );
    }
}

#[test]
fn server_errors_back_off_exponentially() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::status(500));
    let project = one_feed(&server);
    let mut now = NOW.to_string();
    for (failures, delay) in [
        (1, 2 * HOUR),
        (2, 4 * HOUR),
        (3, 8 * HOUR),
        (4, 16 * HOUR),
        (5, 24 * HOUR),
        (6, 24 * HOUR),
    ] {
        assert_eq!(project.run_at(&now, &["run"]).code, 1);
        let state = feed_state(&project);
        assert_eq!(state["consecutive_errors"], failures);
        let due = due_after(&now, delay, "Feed");
        assert_eq!(state["next_due"], due, "after {failures} failures");
        // Just before it is due, nothing is requested.
        let before = Timestamp::parse_rfc3339(&due)
            .unwrap()
            .minus(Duration::from_secs(1));
        assert_eq!(project.run_at(&before.to_rfc3339(), &["run"]).code, 0);
        assert_eq!(server.requests().len(), failures);
        now = due;
    }
}

#[test]
fn network_failures_back_off_too() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let server = FeedServer::start();
    server.route(
        "/slow.xml",
        Reply::ok(rss(None)).delay(Duration::from_secs(3)),
    );
    let project = Project::with_config(&format!(
        "[settings]\ntimeout = \"1s\"\n\n\
         [[feed]]\nname = \"Refused\"\nurl = \"http://127.0.0.1:{closed_port}/x\"\n\n\
         [[feed]]\nname = \"Unresolvable\"\nurl = \"https://feeds.frontpage.invalid/rss\"\n\n\
         [[feed]]\nname = \"Slow\"\nurl = \"{}\"\n",
        server.url("/slow.xml")
    ));
    assert_eq!(project.run(&["fetch"]).code, 1);
    for feed in project.feeds() {
        let name = feed["name"].as_str().unwrap();
        assert_eq!(feed["consecutive_errors"], 1, "{name}");
        assert_eq!(feed["next_due"], due_after(NOW, 2 * HOUR, name), "{name}");
    }
}

// --- Redirects --------------------------------------------------------------------------

#[test]
fn a_permanent_redirect_to_a_feed_moves_it_for_good() {
    for status in [301, 308] {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::redirect(status, "/new/feed.xml"));
        server.route("/new/feed.xml", Reply::ok(rss(None)));
        let project = one_feed(&server);
        assert_eq!(project.run(&["fetch"]).code, 0);
        let state = feed_state(&project);
        assert_eq!(state["moved_to"], server.url("/new/feed.xml"), "{status}");

        assert_eq!(project.run(&["fetch", "--force"]).code, 0);
        assert_eq!(
            server.requests_to("/feed.xml").len(),
            1,
            "{status}: the old URL is left alone"
        );
        assert_eq!(server.requests_to("/new/feed.xml").len(), 2);
        let table = project.run(&["feeds"]).stdout;
        assert!(
            table.contains(&format!("moved to {}", server.url("/new/feed.xml"))),
            "{table}"
        );
    }
}

#[test]
fn a_permanent_redirect_to_a_login_page_changes_nothing() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::redirect(301, "/login"));
    server.route("/login", Reply::fixture("broken/html-page.html"));
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 1);
    assert_eq!(feed_state(&project)["moved_to"], serde_json::Value::Null);
    assert_eq!(project.run(&["fetch", "--force"]).code, 1);
    assert_eq!(
        server.requests_to("/feed.xml").len(),
        2,
        "still the configured URL"
    );
}

#[test]
fn temporary_redirects_are_followed_without_moving_the_feed() {
    for status in [302, 303, 307] {
        let server = FeedServer::start();
        server.route("/feed.xml", Reply::redirect(status, "/today.xml"));
        server.route("/today.xml", Reply::ok(rss(None)));
        let project = one_feed(&server);
        assert_eq!(project.run(&["fetch"]).code, 0, "{status}");
        assert_eq!(feed_state(&project)["moved_to"], serde_json::Value::Null);
        assert_eq!(project.run(&["fetch", "--force"]).code, 0);
        assert_eq!(server.requests_to("/feed.xml").len(), 2, "{status}");
    }
}

#[test]
fn a_permanent_redirect_after_a_temporary_one_does_not_move_the_feed() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::redirect(302, "/step.xml"));
    server.route("/step.xml", Reply::redirect(301, "/final.xml"));
    server.route("/final.xml", Reply::ok(rss(None)));
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(feed_state(&project)["moved_to"], serde_json::Value::Null);
}

#[test]
fn gone_feeds_are_never_requested_again() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::status(410));
    let project = one_feed(&server);
    let run = project.run(&["fetch"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("410 Gone"), "{}", run.stderr);
    assert_eq!(feed_state(&project)["status"], "gone");
    assert_eq!(
        project
            .run_at(&later(NOW, 30 * 24 * HOUR), &["fetch", "--force"])
            .code,
        0
    );
    assert_eq!(server.requests().len(), 1);
    assert!(project.run(&["feeds"]).stdout.contains(" gone "));
}

#[test]
fn bad_redirects_are_errors() {
    // (reason, routes, expected message)
    let mut chain: Vec<(String, Reply)> = (0..11)
        .map(|hop| {
            (
                format!("/hop{hop}"),
                Reply::redirect(302, &format!("/hop{}", hop + 1)),
            )
        })
        .collect();
    chain.insert(0, ("/feed.xml".to_string(), Reply::redirect(302, "/hop0")));
    chain.push(("/hop11".to_string(), Reply::ok(rss(None))));
    type Case = (&'static str, Vec<(String, Reply)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "a loop",
            vec![
                ("/feed.xml".to_string(), Reply::redirect(301, "/b.xml")),
                ("/b.xml".to_string(), Reply::redirect(302, "/feed.xml")),
            ],
            "redirect loop",
        ),
        ("a chain of 12 hops", chain, "more than 10 redirects"),
        (
            "a non-http(s) target",
            vec![(
                "/feed.xml".to_string(),
                Reply::redirect(301, "ftp://example.org/feed.xml"),
            )],
            "non-http(s) URL",
        ),
    ];
    for (reason, routes, message) in cases {
        let server = FeedServer::start();
        for (path, reply) in routes {
            server.route(&path, reply);
        }
        let project = one_feed(&server);
        let run = project.run(&["fetch"]);
        assert_eq!(run.code, 1, "{reason}");
        assert!(run.stderr.contains(message), "{reason}: {}", run.stderr);
        assert_eq!(feed_state(&project)["moved_to"], serde_json::Value::Null);
    }
}

#[test]
fn apply_redirects_rewrites_feeds_toml_keeping_comments() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::redirect(301, "/new/feed.xml"));
    server.route("/new/feed.xml", Reply::ok(rss(None)).etag("\"n1\""));
    let original = format!(
        "# My feeds\n\n[[feed]]\nname = \"Feed\"   # the one\nurl = \"{}\"   # old home\ntags = [\"x\"]\n",
        server.url("/feed.xml")
    );
    let project = Project::with_config(&original);
    assert_eq!(project.run(&["fetch"]).code, 0);

    let run = project.run(&["feeds", "--apply-redirects"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        project.read("feeds.toml"),
        original.replace(&server.url("/feed.xml"), &server.url("/new/feed.xml"))
    );
    assert!(run.stderr.contains("1 feed"), "{}", run.stderr);
    let state = feed_state(&project);
    assert_eq!(state["url"], server.url("/new/feed.xml"));
    assert_eq!(state["moved_to"], serde_json::Value::Null);
    // The move is settled: same feed, same validators, requested at its new home.
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let last = server.requests().pop().unwrap();
    assert_eq!(last.path, "/new/feed.xml");
    assert_eq!(last.header("If-None-Match"), Some("\"n1\""));
}

// --- Requests ---------------------------------------------------------------------------

#[test]
fn no_cookie_and_no_referer_are_ever_sent() {
    let server = FeedServer::start();
    server.route(
        "/feed.xml",
        Reply::redirect(302, "/real.xml").set_cookie("session=abc; Path=/"),
    );
    server.route(
        "/real.xml",
        Reply::ok(rss(None)).set_cookie("tracker=1; Path=/"),
    );
    let project = one_feed(&server);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.header("Cookie"), None, "{}", request.path);
        assert_eq!(request.header("Referer"), None, "{}", request.path);
        assert!(
            !request.path.contains('?'),
            "no cache-busting query: {}",
            request.path
        );
    }
}

#[test]
fn the_same_url_configured_twice_is_fetched_once() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::ok(rss(None)));
    let project = Project::with_feeds(&[
        ("First", &server.url("/feed.xml")),
        ("Second", &server.url("/feed.xml")),
    ]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(server.requests().len(), 1);
    let feeds = project.feeds();
    assert_eq!(feeds[0]["entries"], 1);
    assert_eq!(feeds[1]["entries"], 1);
}

// --- Limits -----------------------------------------------------------------------------

/// A project with a good feed and one whose second answer is `bad`; returns the stderr of
/// the second fetch after checking the bad feed kept its entries and validators.
fn second_answer_fails(bad: Reply, settings: &str) -> String {
    let server = FeedServer::start();
    server.route_sequence(
        "/bad.xml",
        vec![Reply::ok(rss(None)).header("ETag", "\"good\""), bad],
    );
    server.route("/other.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_config(&format!(
        "[settings]\n{settings}\n\n[[feed]]\nname = \"Bad\"\nurl = \"{}\"\n\n[[feed]]\nname = \"Other\"\nurl = \"{}\"\n",
        server.url("/bad.xml"),
        server.url("/other.xml")
    ));
    assert_eq!(project.run(&["fetch"]).code, 0);
    let entries = project.entries();

    let run = project.run(&["fetch", "--force"]);

    assert_eq!(run.code, 1);
    assert_eq!(project.entries(), entries, "stored entries unchanged");
    let feeds = project.feeds();
    assert_eq!(
        feeds[1]["status"], "not modified",
        "the other feed completed (with the body it had before)"
    );
    assert_eq!(server.requests_to("/other.xml").len(), 2);
    // The good validator is still the one sent.
    assert_eq!(project.run(&["fetch", "--force", "--feed", "Bad"]).code, 1);
    assert_eq!(
        server.requests_to("/bad.xml")[2].header("If-None-Match"),
        Some("\"good\"")
    );
    run.stderr
}

#[test]
fn a_gzip_bomb_is_cut_off_at_the_size_cap() {
    let stderr = second_answer_fails(Reply::gzip_bomb(200 << 20), "max_feed_size = \"1MiB\"");
    assert!(
        stderr.contains("larger than the 1048576-byte limit"),
        "{stderr}"
    );
}

#[test]
fn a_server_trickling_one_byte_a_second_is_stopped_by_the_timeout() {
    let stderr = second_answer_fails(
        Reply::ok(rss(None)).trickle(Duration::from_secs(1)),
        "timeout = \"2s\"",
    );
    assert!(stderr.contains("timed out after 2s"), "{stderr}");
}

#[test]
fn gzip_encoding_on_a_plain_body_is_a_clear_error() {
    let stderr = second_answer_fails(Reply::ok(rss(None)).raw_gzip_header(), "");
    assert!(
        stderr.contains("cannot decode the response body"),
        "{stderr}"
    );
}

// --- Output -----------------------------------------------------------------------------

#[test]
fn quiet_silences_failures_and_verbose_logs_each_request() {
    let server = FeedServer::start();
    server.route("/feed.xml", Reply::redirect(302, "/real.xml"));
    server.route("/real.xml", Reply::ok(rss(None)));
    server.route("/broken.xml", Reply::status(500));
    let project = Project::with_feeds(&[
        ("Feed", &server.url("/feed.xml")),
        ("Broken", &server.url("/broken.xml")),
    ]);

    let verbose = project.run(&["-v", "fetch"]);
    assert_eq!(verbose.code, 1);
    assert!(
        verbose
            .stderr
            .contains(&format!("GET {}: 302", server.url("/feed.xml"))),
        "{}",
        verbose.stderr
    );
    assert!(
        verbose
            .stderr
            .contains(&format!("GET {}: 200", server.url("/real.xml"))),
        "{}",
        verbose.stderr
    );
    assert!(
        verbose.stderr.contains(
            "fetched 2 feeds: 1 updated (1 new entries, 0 changed), 0 not modified, 1 failed"
        ),
        "{}",
        verbose.stderr
    );

    let quiet = project.run(&["-q", "fetch", "--force"]);
    assert_eq!(quiet.code, 1, "the exit code still tells");
    assert_eq!(quiet.stderr, "");
}

#[test]
fn debugging_output_tells_how_busy_the_writer_was() {
    let server = FeedServer::start();
    server.route("/a.xml", Reply::ok(rss(None)));
    server.route("/b.xml", Reply::ok(rss(None)));
    let project =
        Project::with_feeds(&[("A", &server.url("/a.xml")), ("B", &server.url("/b.xml"))]);

    let debugging = project.run(&["-vv", "fetch"]);
    assert_eq!(debugging.code, 0, "{}", debugging.stderr);
    let line = debugging
        .stderr
        .lines()
        .find(|line| line.contains("writer: "))
        .unwrap_or_else(|| panic!("no writer line in {}", debugging.stderr));
    // (how the two results were batched depends on when they arrived)
    assert!(
        line.contains(" transactions, ")
            && line.contains(" SQLite steps, busy ")
            && line.ends_with(" s for results"),
        "{line}"
    );

    let verbose = project.run(&["-v", "fetch", "--force"]);
    assert!(!verbose.stderr.contains("writer: "), "{}", verbose.stderr);
}
