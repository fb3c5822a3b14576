//! The command line itself: flags, exit codes and the read-only commands.

use crate::support::{FeedServer, Project, Reply};

#[test]
fn an_unknown_flag_is_a_usage_error_with_exit_2() {
    let project = Project::with_config("");
    let run = project.run(&["fetch", "--frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--frobnicate"), "{}", run.stderr);
}

#[test]
fn a_bad_now_is_a_usage_error() {
    let project = Project::with_config("");
    let run = project.run_at("yesterday", &["feeds"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("RFC 3339"), "{}", run.stderr);
}

#[test]
fn an_unknown_feed_name_is_an_error() {
    let project = Project::with_config("");
    let run = project.run(&["fetch", "--feed", "Nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no feed named \"Nope\""),
        "{}",
        run.stderr
    );
}

#[test]
fn fetch_can_select_feeds_by_name() {
    let server = FeedServer::start();
    server.route("/a.xml", Reply::fixture("rss2/krebs.xml"));
    server.route("/b.xml", Reply::fixture("atom/schneier.xml"));
    let project =
        Project::with_feeds(&[("A", &server.url("/a.xml")), ("B", &server.url("/b.xml"))]);
    assert_eq!(project.run(&["fetch", "--feed", "B"]).code, 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/b.xml");
}

#[test]
fn feeds_shows_every_feed_with_its_status() {
    let server = FeedServer::start();
    server.route("/a.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[
        ("A", &server.url("/a.xml")),
        ("Never", &server.url("/never.xml")),
    ]);
    assert_eq!(project.run(&["fetch", "--feed", "A"]).code, 0);

    let feeds = project.feeds();
    assert_eq!(feeds.len(), 2);
    assert_eq!(feeds[0]["name"], "A");
    assert_eq!(feeds[0]["status"], "ok");
    assert_eq!(feeds[0]["last_fetch"], "2026-11-28T12:00:00Z");
    let jitter = frontpage::schedule::jitter(std::time::Duration::from_secs(3600), "A");
    let next_due = frontpage::model::Timestamp::parse_rfc3339("2026-11-28T13:00:00Z")
        .unwrap()
        .plus(jitter);
    assert_eq!(
        feeds[0]["next_due"],
        next_due.to_rfc3339(),
        "the interval plus the feed's jitter"
    );
    assert_eq!(feeds[0]["title"], "Krebs on Security");
    assert_eq!(feeds[1]["status"], "new");

    let table = project.run(&["feeds"]);
    assert_eq!(table.code, 0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("FEED"));
    assert!(
        lines[1].starts_with("A ") && lines[1].contains("ok") && lines[1].contains("in 1h"),
        "{}",
        lines[1]
    );
}

#[test]
fn the_root_feeds_toml_is_valid() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/feeds.toml");
    // `feeds` creates the configured database next to the file: use a copy, not the
    // repository's own folder.
    let project = Project::with_config("");
    let copy = project.file("feeds.toml");
    std::fs::copy(root, &copy).unwrap();
    let feeds = project.feeds();
    assert!((15..=30).contains(&feeds.len()), "{} feeds", feeds.len());
}

#[test]
fn completions_and_the_manual_page_come_from_the_cli_definition() {
    let project = Project::with_config("");
    for shell in ["bash", "zsh", "fish"] {
        let run = project.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in ["frontpage", "fetch", "publish", "explain", "--format"] {
            assert!(run.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let man = project.run(&["manpage"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH frontpage"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    // Neither needs a configuration file.
    let elsewhere = project.run(&["-c", "missing.toml", "completions", "bash"]);
    assert_eq!(elsewhere.code, 0);
}

#[test]
fn on_a_terminal_fetch_shows_a_progress_bar() {
    let server = FeedServer::start();
    server.route("/a.xml", Reply::fixture("rss2/krebs.xml"));
    let project = Project::with_feeds(&[("A", &server.url("/a.xml"))]);
    // `script` (util-linux) runs the command on a pseudo-terminal, as a person would.
    let command = format!(
        "{} --now {} fetch",
        env!("CARGO_BIN_EXE_frontpage"),
        crate::support::NOW
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(project.file("."))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    assert!(screen.contains("fetching"), "a progress bar: {screen:?}");
    assert!(
        screen.contains("fetched 1 feeds: 1 updated"),
        "and the summary line: {screen:?}"
    );
}
