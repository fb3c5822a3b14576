//! Publishing (SPEC §7) through the real binary: every format, per-tag variants, stable files.

use std::time::{Duration, SystemTime};

use crate::support::{FeedServer, Project, Reply, assert_well_formed, texts_of};

/// Krebs (tagged security, news) and Schneier (tagged security, research) on one server.
fn tagged() -> (FeedServer, Project) {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    server.route("/schneier.atom", Reply::fixture("atom/schneier.xml"));
    let project = Project::with_config(&format!(
        "[publish]\ntitle = \"Tagged\"\nlink = \"https://news.example.org/\"\n\n\
         [[feed]]\nname = \"Krebs\"\nurl = \"{}\"\ntags = [\"security\", \"news\"]\n\n\
         [[feed]]\nname = \"Schneier\"\nurl = \"{}\"\ngroup = \"schneier\"\ntags = [\"security\", \"research\"]\n",
        server.url("/krebs.xml"),
        server.url("/schneier.atom")
    ));
    (server, project)
}

#[test]
fn run_writes_every_format_and_every_tag() {
    let (_server, project) = tagged();
    assert_eq!(project.run(&["run"]).code, 0);
    for path in ["feed.rss", "feed.atom", "feed.json", "index.html"] {
        assert!(project.file(&format!("public/{path}")).exists(), "{path}");
    }
    for tag in ["security", "news", "research"] {
        for extension in ["rss", "atom", "json", "html"] {
            let path = format!("public/tag/{tag}.{extension}");
            assert!(project.file(&path).exists(), "{path}");
        }
    }
    let research = project.read("public/tag/research.rss");
    assert_well_formed(research.as_bytes());
    assert!(
        research.contains("https://news.example.org/tag/research.rss"),
        "its own self link"
    );
    assert!(research.contains("Schneier</source>"));
    assert!(!research.contains("Krebs</source>"), "only the tag's feeds");
    let json: serde_json::Value = serde_json::from_str(&project.read("public/feed.json")).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    let html = project.read("public/index.html");
    assert!(html.contains("application/rss+xml") && html.contains("application/feed+json"));
    assert!(!html.contains("<script"));
}

#[test]
fn items_carry_their_feeds_tags_as_categories() {
    let (_server, project) = tagged();
    assert_eq!(project.run(&["run"]).code, 0);
    let rss = project.read("public/feed.rss");
    let categories = texts_of(&rss, "category");
    assert!(
        categories.iter().any(|category| category == "research"),
        "{categories:?}"
    );
    assert!(
        categories.iter().any(|category| category == "news"),
        "{categories:?}"
    );
}

#[test]
fn publish_can_write_one_tag_in_one_format() {
    let (_server, project) = tagged();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let run = project.run(&["publish", "--format", "json", "--tag", "news", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let items = json["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(json["feed_url"], "https://news.example.org/tag/news.json");

    let html = project.run(&["publish", "--format", "html", "--tag", "research"]);
    assert_eq!(html.code, 0);
    assert!(
        html.stdout.starts_with("<!DOCTYPE html>"),
        "{}",
        &html.stdout[..80.min(html.stdout.len())]
    );

    let unknown = project.run(&["publish", "--format", "rss", "--tag", "sports"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no feed is tagged \"sports\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn unchanged_outputs_are_not_rewritten() {
    let (_server, project) = tagged();
    assert_eq!(project.run(&["run"]).code, 0);
    let paths = [
        "public/feed.rss",
        "public/feed.atom",
        "public/feed.json",
        "public/tag/news.rss",
    ];
    let old = SystemTime::now() - Duration::from_secs(3600);
    for path in paths {
        std::fs::File::options()
            .write(true)
            .open(project.file(path))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let before: Vec<String> = paths.iter().map(|path| project.read(path)).collect();

    // Nothing new: a later publish writes the same bytes, so it leaves the files alone.
    assert_eq!(project.run_at("2026-11-28T12:10:00Z", &["publish"]).code, 0);

    for (path, text) in paths.iter().zip(&before) {
        assert_eq!(&project.read(path), text, "{path}");
        let modified = std::fs::metadata(project.file(path))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, old, "{path} was rewritten");
    }
    let leftovers: Vec<_> = std::fs::read_dir(project.file("public"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files left: {leftovers:?}"
    );
}

#[test]
fn publish_and_export_to_dev_null_leave_the_device_alone() {
    use std::os::unix::fs::FileTypeExt;
    let (_server, project) = tagged();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let run = project.run(&["publish", "--format", "rss", "-o", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = project.run(&["export", "-o", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null was replaced by a file");
}
