//! Faults a user or a feed host can cause: each gets one clear message and the right exit
//! code, and nothing stored is lost.

use std::fs::OpenOptions;

use crate::support::{FeedServer, Project, Reply};

#[test]
fn a_failing_feed_is_recorded_and_never_stops_the_others() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    server.route("/broken.xml", Reply::status(500));
    server.route("/login", Reply::fixture("broken/html-page.html"));
    server.route("/truncated.xml", Reply::fixture("broken/truncated.xml"));
    let project = Project::with_feeds(&[
        ("Broken", &server.url("/broken.xml")),
        ("Krebs", &server.url("/krebs.xml")),
        ("Login page", &server.url("/login")),
        ("Truncated", &server.url("/truncated.xml")),
        ("Missing", &server.url("/missing.xml")),
    ]);

    let run = project.run(&["run"]);

    assert_eq!(run.code, 1, "some feeds failed: exit 1");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        5,
        "one line per failing feed and a summary:\n{}",
        run.stderr
    );
    assert!(
        lines[0].starts_with("frontpage: Broken (")
            && lines[0].ends_with("http 500 Internal Server Error"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("Login page") && lines[1].contains("not a feed"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("Truncated"), "{}", lines[2]);
    assert!(
        lines[3].contains("Missing") && lines[3].ends_with("http 404 Not Found"),
        "{}",
        lines[3]
    );
    assert!(lines[4].contains("4 failed"), "{}", lines[4]);

    let feeds = project.feeds();
    assert_eq!(feeds[0]["status"], "failing");
    assert_eq!(feeds[0]["consecutive_errors"], 1);
    assert_eq!(feeds[0]["http_status"], 500);
    assert_eq!(feeds[1]["status"], "ok");
    assert!(feeds[1]["entries"].as_u64().unwrap() > 0);
    assert!(
        project
            .read("public/feed.rss")
            .contains("Telegram Bot Tokens")
    );
}

#[test]
fn a_failure_after_success_keeps_entries_and_validators() {
    let server = FeedServer::start();
    server.route_sequence(
        "/krebs.xml",
        vec![
            Reply::fixture("rss2/krebs.xml").etag("\"k1\""),
            Reply::fixture("broken/truncated.xml").etag("\"k2\""),
            Reply::status(503),
            Reply::fixture("rss2/krebs.xml").etag("\"k1\""),
        ],
    );
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let stored = project.entries();

    assert_eq!(project.run(&["fetch", "--force"]).code, 1, "truncated body");
    assert_eq!(project.run(&["fetch", "--force"]).code, 1, "503");
    assert_eq!(project.entries(), stored);
    assert_eq!(project.feeds()[0]["consecutive_errors"], 2);

    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let requests = server.requests();
    assert_eq!(requests[1].header("If-None-Match"), Some("\"k1\""));
    assert_eq!(
        requests[3].header("If-None-Match"),
        Some("\"k1\""),
        "the truncated body's ETag was never saved"
    );
    assert_eq!(project.feeds()[0]["consecutive_errors"], 0);
}

#[test]
fn with_no_network_every_feed_fails_clearly_and_outputs_are_still_written() {
    // Nothing listens on a port just released, and `.invalid` never resolves (RFC 6761).
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let project = Project::with_feeds(&[
        (
            "Refused",
            &format!("http://127.0.0.1:{closed_port}/feed.xml"),
        ),
        ("Unresolvable", "https://feeds.frontpage.invalid/rss"),
    ]);

    let run = project.run(&["run"]);

    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(
        lines[0].starts_with("frontpage: Refused (") && lines[0].contains("cannot connect: "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("frontpage: Unresolvable (")
            && lines[1].contains("cannot resolve host feeds.frontpage.invalid: "),
        "{}",
        lines[1]
    );
    assert!(project.file("public/feed.rss").exists());
    assert!(project.file("public/feed.atom").exists());
}

#[test]
fn a_bad_config_names_file_line_and_column_and_exits_2() {
    let project = Project::with_config(
        "[[feed]]\nname = \"Krebs\"\nurl = \"https://krebsonsecurity.com/feed/\"\n\n\
         [[feed]]\nname = \"Krebs\"\nurl = \"https://example.org/feed/\"\n",
    );

    let run = project.run(&["run"]);

    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("frontpage: feeds.toml:6:8: duplicate feed name \"Krebs\""),
        "{}",
        run.stderr
    );
    assert!(
        !project.file("frontpage.db").exists(),
        "nothing was touched"
    );
}

#[test]
fn a_missing_config_file_exits_2() {
    let project = Project::with_config("");
    let run = project.run(&["-c", "nowhere.toml", "run"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read nowhere.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_database_that_is_not_frontpages_is_refused_untouched() {
    let project = Project::with_config("[settings]\ndatabase = \"notes.txt\"\n");
    std::fs::write(project.file("notes.txt"), "my notes\n".repeat(100)).unwrap();

    let run = project.run(&["run"]);

    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("notes.txt is not a frontpage database"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("notes.txt"), "my notes\n".repeat(100));
}

#[test]
fn a_second_run_while_one_is_running_steps_aside() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("Krebs", &server.url("/krebs.xml"))]);
    // Hold the run lock as a running `frontpage run` would.
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(project.file("frontpage.db.lock"))
        .unwrap();
    lock.lock().unwrap();

    for command in ["run", "fetch"] {
        let run = project.run(&[command]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains("another frontpage run is in progress"),
            "{}",
            run.stderr
        );
    }
    assert!(server.requests().is_empty());
    assert!(
        !project.file("frontpage.db").exists(),
        "the database was not touched"
    );

    lock.unlock().unwrap();
    assert_eq!(project.run(&["run"]).code, 0);
}

#[test]
fn unwritable_output_is_an_error_with_exit_2() {
    let project = Project::with_config("[publish]\noutput_dir = \"blocked/public\"\n");
    std::fs::write(project.file("blocked"), "a file where a folder should be").unwrap();
    let run = project.run(&["run"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot create output folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_body_over_max_feed_size_is_cut_off_and_recorded() {
    let server = FeedServer::start();
    server.route("/big.xml", Reply::fixture("rss2/krebs.xml").gzip());
    server.route("/small.xml", Reply::fixture("rss091/scripting.xml"));
    let project = Project::with_config(&format!(
        "[settings]\nmax_feed_size = \"2KiB\"\n\n\
         [[feed]]\nname = \"Big\"\nurl = \"{}\"\n\n\
         [[feed]]\nname = \"Small\"\nurl = \"{}\"\n",
        server.url("/big.xml"),
        server.url("/small.xml")
    ));

    let run = project.run(&["fetch"]);

    assert_eq!(run.code, 1);
    // The compressed body is under the cap; the decompressed one is not.
    assert!(
        run.stderr.contains("Big")
            && run
                .stderr
                .contains("feed is larger than the 2048-byte limit"),
        "{}",
        run.stderr
    );
    let feeds = project.feeds();
    assert_eq!(feeds[0]["entries"], 0);
    assert_eq!(feeds[1]["status"], "ok");
}

#[test]
fn a_server_slower_than_the_timeout_fails_that_feed_only() {
    let server = FeedServer::start();
    server.route(
        "/slow.xml",
        Reply::fixture("rss2/krebs.xml").delay(std::time::Duration::from_secs(4)),
    );
    server.route("/fast.xml", Reply::fixture("rss091/scripting.xml"));
    let project = Project::with_config(&format!(
        "[settings]\ntimeout = \"1s\"\n\n\
         [[feed]]\nname = \"Slow\"\nurl = \"{}\"\n\n\
         [[feed]]\nname = \"Fast\"\nurl = \"{}\"\n",
        server.url("/slow.xml"),
        server.url("/fast.xml")
    ));

    let run = project.run(&["fetch"]);

    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Slow") && run.stderr.contains("timed out after 1s"),
        "{}",
        run.stderr
    );
    assert_eq!(project.feeds()[1]["status"], "ok");
}
