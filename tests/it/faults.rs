//! Hard faults (SPEC §5, issue "Hostile input and hard faults"): `kill -9` at any moment,
//! runs that overlap, a read-only database, a full disk, an unwritable output folder. Each
//! ends with a clear message and the right exit code, and nothing stored is lost or
//! corrupted.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{FeedServer, Item, NOW, Project, Reply, rss};

/// A server with `n_feeds` feeds of `per_feed` distinct entries each, every answer delayed a
/// little so that a fetch is in progress for a while, and a project subscribed to them.
fn many_feeds(n_feeds: usize, per_feed: usize) -> (FeedServer, Project) {
    let server = FeedServer::start();
    let mut config = String::from("[settings]\nper_host = 8\n\n");
    for feed in 0..n_feeds {
        let titles: Vec<String> = (0..per_feed)
            .map(|entry| format!("Feed {feed} reports finding number {entry}"))
            .collect();
        let links: Vec<String> = (0..per_feed)
            .map(|entry| format!("https://site{feed}.example/posts/{entry}"))
            .collect();
        let items: Vec<Item> = (0..per_feed)
            .map(|entry| Item {
                title: &titles[entry],
                link: &links[entry],
                guid: &links[entry],
                date: "Fri, 27 Nov 2026 10:00:00 GMT",
                ..Item::default()
            })
            .collect();
        let path = format!("/feed{feed}.xml");
        let delay = Duration::from_millis((feed as u64 * 7) % 40);
        server.route(
            &path,
            Reply::ok(rss(&format!("site{feed}.example"), &items)).delay(delay),
        );
        config.push_str(&format!(
            "[[feed]]\nname = \"Feed {feed}\"\nurl = \"{}\"\ngroup = \"g{feed}\"\n\n",
            server.url(&path)
        ));
    }
    (server, Project::with_config(&config))
}

/// `PRAGMA integrity_check` of the project's database, when there is one.
fn integrity(project: &Project) -> Option<String> {
    let path = project.file("frontpage.db");
    if !path.exists() {
        return None;
    }
    let conn = rusqlite::Connection::open(&path).expect("open the database");
    Some(
        conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity_check"),
    )
}

#[test]
fn kill_9_at_any_moment_leaves_a_sound_database_and_the_next_run_completes() {
    let (_server, project) = many_feeds(30, 15);
    for attempt in 0..24u64 {
        let mut child = project
            .command(NOW, &["fetch", "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a fetch");
        // Varied moments: from before the database exists to the last transactions.
        std::thread::sleep(Duration::from_millis((attempt * 37) % 260));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        if let Some(result) = integrity(&project) {
            assert_eq!(result, "ok", "after kill {attempt}");
        }
    }

    let run = project.run(&["fetch", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(integrity(&project).as_deref(), Some("ok"));
    let entries = project.entries_all();
    assert_eq!(entries.len(), 30 * 15, "every entry is present");
    let distinct: BTreeSet<(String, String)> = entries
        .iter()
        .map(|entry| {
            (
                entry["feed"].as_str().unwrap().to_string(),
                entry["link"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(distinct.len(), entries.len(), "and present exactly once");
}

#[test]
fn two_runs_started_together_one_works_the_other_steps_aside() {
    let (server, project) = many_feeds(12, 5);
    let start = || {
        project
            .command(NOW, &["run"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a run")
    };
    let first = start();
    let second = start();
    let first = first.wait_with_output().expect("first run");
    let second = second.wait_with_output().expect("second run");
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(second.status.code(), Some(0));
    let messages: Vec<String> = [&first, &second]
        .iter()
        .map(|output| String::from_utf8_lossy(&output.stderr).into_owned())
        .collect();
    let stepped_aside = messages
        .iter()
        .filter(|stderr| stderr.contains("another frontpage run is in progress"))
        .count();
    assert!(stepped_aside <= 1, "{messages:?}");
    // Whether or not they overlapped, each feed was fetched exactly once.
    if stepped_aside == 1 {
        assert_eq!(server.requests().len(), 12);
    }
    assert_eq!(project.entries_all().len(), 12 * 5);
}

#[test]
fn readers_see_a_consistent_store_and_whole_files_during_a_fetch() {
    let (_server, project) = many_feeds(20, 10);
    assert_eq!(project.run(&["run"]).code, 0);
    let before = project.read("public/feed.rss");
    let mut fetch = project
        .command(NOW, &["fetch", "--force"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a fetch");
    for _ in 0..5 {
        let query = project.run(&["query", "--format", "json", "--limit", "1000"]);
        assert_eq!(query.code, 0, "{}", query.stderr);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&query.stdout).unwrap();
        assert_eq!(rows.len(), 200, "every stored entry, never half a feed");
        let publish = project.run(&["publish"]);
        assert_eq!(publish.code, 0, "{}", publish.stderr);
        let text = project.read("public/feed.rss");
        assert!(
            text.ends_with("</rss>") || text.ends_with("</rss>\n"),
            "a whole file"
        );
        assert_eq!(text, before, "same stories, same bytes");
    }
    assert_eq!(fetch.wait().expect("fetch").code(), Some(0));
}

/// Runs `script` with `sh -c`, where `$FRONTPAGE` is the binary and the working folder is the
/// project's; returns (exit code, stderr).
fn shell(project: &Project, script: &str) -> (i32, String) {
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(project.file("."))
        .env("FRONTPAGE", env!("CARGO_BIN_EXE_frontpage"))
        .env("NOW", NOW)
        .output()
        .expect("run sh");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Whether this process may make a private mount namespace (root, as in CI).
fn can_mount() -> bool {
    Command::new("unshare")
        .args(["-m", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn a_read_only_database_is_a_clear_error_and_stays_intact() {
    let (_server, project) = many_feeds(3, 4);
    assert_eq!(project.run(&["run"]).code, 0);
    let entries = project.entries_all();
    let here = project.file(".");
    let here = here.display();
    // A read-only file system where a private mount namespace is allowed (it is for root,
    // whom file modes do not stop); file modes otherwise.
    let script = if can_mount() {
        format!(
            "unshare -m sh -c 'mount --bind {here} {here} && mount -o remount,ro,bind {here} && \
             cd {here} && \"$FRONTPAGE\" --now \"$NOW\" fetch --force'"
        )
    } else {
        "chmod a-w frontpage.db frontpage.db-wal frontpage.db-shm . 2>/dev/null; \
         \"$FRONTPAGE\" --now \"$NOW\" fetch --force; code=$?; chmod u+w . frontpage.db*; exit $code"
            .to_string()
    };
    let (code, stderr) = shell(&project, &script);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.starts_with("frontpage: "), "{stderr}");
    let lowercase = stderr.to_lowercase();
    assert!(
        lowercase.contains("read-only") || lowercase.contains("readonly"),
        "{stderr}"
    );
    assert_eq!(integrity(&project).as_deref(), Some("ok"));
    assert_eq!(project.entries_all(), entries);
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_database_stays_sound() {
    let (_server, project) = many_feeds(30, 40);
    let here = project.file(".");
    let here = here.display();
    // A tiny file system for the database where mounts are allowed; otherwise a file size
    // limit, whose signal is ignored so writes fail with an error instead.
    let script = if can_mount() {
        format!(
            "mkdir -p small && unshare -m sh -c 'mount -t tmpfs -o size=160k tmpfs {here}/small && \
             cp feeds.toml small/ && \"$FRONTPAGE\" --config small/feeds.toml --now \"$NOW\" fetch; \
             code=$?; cp small/frontpage.db* . 2>/dev/null; exit $code'"
        )
    } else {
        "trap '' XFSZ; ulimit -f 160; \"$FRONTPAGE\" --now \"$NOW\" fetch".to_string()
    };
    let (code, stderr) = shell(&project, &script);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.starts_with("frontpage: "), "{stderr}");
    assert!(
        stderr.contains("full") || stderr.contains("space") || stderr.contains("too large"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    if let Some(result) = integrity(&project) {
        assert_eq!(result, "ok");
    }
    // With room again, a run completes.
    let run = project.run(&["fetch", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.entries_all().len(), 30 * 40);
}

#[test]
fn an_unwritable_output_folder_is_a_clear_error() {
    let (_server, project) = many_feeds(2, 3);
    assert_eq!(project.run(&["fetch"]).code, 0);
    std::fs::create_dir_all(project.file("public")).unwrap();
    let here = project.file("public");
    let here = here.display();
    let script = if can_mount() {
        format!(
            "unshare -m sh -c 'mount --bind {here} {here} && mount -o remount,ro,bind {here} && \
             \"$FRONTPAGE\" --now \"$NOW\" publish'"
        )
    } else {
        "chmod a-w public; \"$FRONTPAGE\" --now \"$NOW\" publish; code=$?; chmod u+w public; exit $code"
            .to_string()
    };
    let (code, stderr) = shell(&project, &script);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains("public"),
        "{stderr}"
    );
    let leftovers = std::fs::read_dir(project.file("public")).unwrap().count();
    assert_eq!(leftovers, 0, "nothing half-written");
}
