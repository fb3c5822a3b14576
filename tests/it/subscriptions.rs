//! Subscriptions: `export` and `import` move feeds in and out of `feeds.toml` as OPML 2.0, and
//! `add` subscribes to a feed by its URL or by a page that links it. Every edit keeps the
//! file's comments and order.

use crate::support::{FeedServer, Item, Project, Reply, assert_well_formed, rss};

/// A configuration written by hand: comments, odd spacing, three feeds with tags.
const HAND_WRITTEN: &str = r#"# my front page
[publish]
title = "Tom & Jerry's <security> page"   # escaped in OPML
link = "https://news.example.org/"

# --- blogs ---
[[feed]]
name = "Krebs on Security"
url = "https://krebsonsecurity.com/feed/"
tags = ["security", "news"]

[[feed]]
  name = 'Schneier "on" Security'   # quotes in a name
  url = "https://www.schneier.com/feed/atom/"
  weight = 2.0

[[feed]]
name = "Search & Find"
url = "https://search.example/rss?q=a&lang=en"
tags = ["Tech_2"]
"#;

/// The `[publish]` header of a project that starts without feeds.
const EMPTY: &str =
    "# imported feeds below\n[publish]\ntitle = \"Tom & Jerry's <security> page\"\n";

/// An OPML document with `body` as its outlines.
fn opml(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n\
         <head><title>From another reader</title></head>\n<body>\n{body}\n</body>\n</opml>\n"
    )
}

/// An HTML page whose `<head>` holds `head`.
fn page(head: &str) -> Reply {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>A blog</title>\n{head}\n\
         </head><body><p>Hello</p></body></html>\n"
    );
    Reply::ok(html).header("Content-Type", "text/html; charset=utf-8")
}

/// A small RSS feed titled `title`.
fn feed(title: &str) -> Reply {
    Reply::ok(rss(
        title,
        &[Item {
            title: "First post",
            link: "https://blog.example/first",
            guid: "https://blog.example/first",
            date: "Fri, 27 Nov 2026 09:00:00 GMT",
            ..Item::default()
        }],
    ))
}

/// What `export` prints for `project`.
fn export(project: &Project) -> String {
    let run = project.run(&["export"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

#[test]
fn export_writes_every_feed_as_well_formed_opml() {
    let project = Project::with_config(HAND_WRITTEN);
    let exported = export(&project);
    assert_well_formed(exported.as_bytes());
    assert!(
        exported.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">")
    );
    assert!(
        exported.contains("<title>Tom &amp; Jerry's &lt;security&gt; page</title>"),
        "{exported}"
    );
    let outlines: Vec<&str> = exported
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("<outline"))
        .collect();
    assert_eq!(
        outlines,
        [
            "<outline type=\"rss\" text=\"Krebs on Security\" title=\"Krebs on Security\" \
             xmlUrl=\"https://krebsonsecurity.com/feed/\" category=\"security,news\"/>",
            "<outline type=\"rss\" text=\"Schneier &quot;on&quot; Security\" \
             title=\"Schneier &quot;on&quot; Security\" \
             xmlUrl=\"https://www.schneier.com/feed/atom/\"/>",
            "<outline type=\"rss\" text=\"Search &amp; Find\" title=\"Search &amp; Find\" \
             xmlUrl=\"https://search.example/rss?q=a&amp;lang=en\" category=\"Tech_2\"/>",
        ]
    );
    // the same configuration exports the same bytes, to stdout or to a file
    assert_eq!(export(&project), exported);
    // Like publish, export creates the folder it is asked to write into.
    let run = project.run(&["export", "-o", "out/feeds.opml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.read("out/feeds.opml"), exported);
    let run = project.run(&["export", "-o", "feeds.opml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.read("feeds.opml"), exported);
}

#[test]
fn export_then_import_into_an_empty_config_gives_the_same_feeds() {
    let source = Project::with_config(HAND_WRITTEN);
    let exported = export(&source);

    let target = Project::with_config(EMPTY);
    std::fs::write(target.file("feeds.opml"), &exported).expect("write the OPML file");
    let run = target.run(&["import", "feeds.opml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "added 3 feeds: \"Krebs on Security\", \"Schneier \\\"on\\\" Security\", \
         \"Search & Find\"\n"
    );

    // Same names, URLs and tags, in the same order: the export is byte for byte the same.
    assert_eq!(export(&target), exported);
    let config = target.read("feeds.toml");
    assert!(config.starts_with(EMPTY), "{config}");
    assert!(
        config.contains("[[feed]]\nname = \"Krebs on Security\"\nurl = \"https://krebsonsecurity.com/feed/\"\ntags = [\"security\", \"news\"]\n"),
        "{config}"
    );

    // Importing again adds nothing and says so.
    let run = target.run(&["import", "feeds.opml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "added 0 feeds\nskipped 3 already subscribed: \"Krebs on Security\", \
         \"Schneier \\\"on\\\" Security\", \"Search & Find\"\n"
    );
    assert_eq!(target.read("feeds.toml"), config);
}

#[test]
fn import_skips_what_is_subscribed_and_reports_it() {
    let project = Project::with_config(HAND_WRITTEN);
    let document = opml(
        r#"<outline text="Krebs" xmlUrl="http://www.krebsonsecurity.com/feed"/>
        <outline text="Security Blogs">
          <outline text="Search &amp; Find" xmlUrl="https://elsewhere.example/rss"/>
          <outline text="Graham Cluley" xmlUrl="https://grahamcluley.com/feed/" category="news"/>
          <outline text="Vendor news">
            <outline text="Securelist" type="rss" xmlUrl="https://securelist.com/feed/"/>
          </outline>
        </outline>
        <outline text="Graham Cluley" xmlUrl="https://grahamcluley.com/comments/feed/"/>
        <outline text="Securelist again" xmlUrl="https://securelist.com/feed"/>
        <outline text="Mail" xmlUrl="mailto:tips@example.org"/>
        <outline xmlUrl="https://untitled.example/feed.xml"/>"#,
    );
    std::fs::write(project.file("subs.opml"), document).expect("write the OPML file");

    let run = project.run(&["import", "subs.opml"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "added 4 feeds: \"Graham Cluley\", \"Securelist\", \"Graham Cluley (2)\", \
         \"untitled.example\"\n\
         skipped 3 already subscribed: \"Krebs\" (as \"Krebs on Security\"), \"Search & Find\", \
         \"Securelist again\" (as \"Securelist\")\n\
         skipped 1 without a usable URL: \"Mail\" (\"mailto:tips@example.org\": the scheme must \
         be http or https, not \"mailto\")\n"
    );
    let expected = format!(
        "{HAND_WRITTEN}\n\
         [[feed]]\nname = \"Graham Cluley\"\nurl = \"https://grahamcluley.com/feed/\"\n\
         tags = [\"Security-Blogs\", \"news\"]\n\n\
         [[feed]]\nname = \"Securelist\"\nurl = \"https://securelist.com/feed/\"\n\
         tags = [\"Security-Blogs\", \"Vendor-news\"]\n\n\
         [[feed]]\nname = \"Graham Cluley (2)\"\nurl = \"https://grahamcluley.com/comments/feed/\"\n\n\
         [[feed]]\nname = \"untitled.example\"\nurl = \"https://untitled.example/feed.xml\"\n"
    );
    assert_eq!(project.read("feeds.toml"), expected);
    // The result is a valid configuration.
    assert_eq!(project.feeds().len(), 7);
}

#[test]
fn import_keeps_the_files_comments_and_order() {
    let project = Project::with_config(HAND_WRITTEN);
    std::fs::write(
        project.file("one.opml"),
        opml(r#"<outline text="Lobsters" xmlUrl="https://lobste.rs/rss"/>"#),
    )
    .expect("write the OPML file");

    let run = project.run(&["-q", "import", "one.opml"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "", "quiet");
    assert_eq!(
        project.read("feeds.toml"),
        format!("{HAND_WRITTEN}\n[[feed]]\nname = \"Lobsters\"\nurl = \"https://lobste.rs/rss\"\n")
    );
}

#[test]
fn a_malformed_opml_file_is_an_error_and_changes_nothing() {
    let project = Project::with_config(HAND_WRITTEN);
    let rows = [
        (
            "<opml><body><outline text=\"A\" xmlUrl=\"https://a.example/\"></body></opml>",
            "malformed XML at line 1, column 59",
        ),
        (
            "<rss version=\"2.0\"><channel/></rss>",
            "not an OPML document: the root element is <rss>, not <opml>",
        ),
    ];
    for (document, message) in rows {
        std::fs::write(project.file("bad.opml"), document).expect("write the OPML file");
        let run = project.run(&["import", "bad.opml"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains("cannot import bad.opml: ") && run.stderr.contains(message),
            "{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert_eq!(project.read("feeds.toml"), HAND_WRITTEN);
    }
    let run = project.run(&["import", "missing.opml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read missing.opml"),
        "{}",
        run.stderr
    );
}

#[test]
fn add_subscribes_to_a_feed_url() {
    let server = FeedServer::start();
    server.route("/feed.xml", feed("Example News"));
    let project = Project::with_config(HAND_WRITTEN);
    let feed_url = server.url("/feed.xml");

    let run = project.run(&["add", &feed_url, "--tag", "news", "--tag", "tech"]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("added \"Example News\" ({feed_url}) to feeds.toml\n")
    );
    assert_eq!(
        project.read("feeds.toml"),
        format!(
            "{HAND_WRITTEN}\n[[feed]]\nname = \"Example News\"\nurl = \"{feed_url}\"\n\
             tags = [\"news\", \"tech\"]\n"
        )
    );
    assert_eq!(server.requests().len(), 1, "one GET");
    assert_eq!(server.requests()[0].method, "GET");

    // The new feed is fetched like any other.
    let run = project.run(&["fetch", "--feed", "Example News"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(project.entries().len(), 1);
}

#[test]
fn add_takes_a_name_and_numbers_a_taken_title() {
    let server = FeedServer::start();
    server.route("/a.xml", feed("Krebs on Security"));
    server.route("/b.xml", feed("Whatever"));
    let project = Project::with_config(HAND_WRITTEN);

    let run = project.run(&["add", &server.url("/a.xml")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("added \"Krebs on Security (2)\""),
        "{}",
        run.stderr
    );

    let run = project.run(&["add", &server.url("/b.xml"), "--name", "My pick"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("added \"My pick\""),
        "{}",
        run.stderr
    );

    let names: Vec<String> = project
        .feeds()
        .iter()
        .map(|feed| feed["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "Krebs on Security",
            "Schneier \"on\" Security",
            "Search & Find",
            "Krebs on Security (2)",
            "My pick"
        ]
    );
}

#[test]
fn add_finds_the_one_feed_a_page_links() {
    let server = FeedServer::start();
    server.route(
        "/blog/",
        page(
            r#"<link href="../feed.xml" type="application/rss+xml" rel="alternate" title="Posts">"#,
        ),
    );
    server.route("/feed.xml", feed("The Blog"));
    let project = Project::with_config(EMPTY);

    let run = project.run(&["add", &server.url("/blog/")]);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let feed_url = server.url("/feed.xml");
    assert_eq!(
        run.stderr,
        format!("added \"The Blog\" ({feed_url}) to feeds.toml\n")
    );
    assert_eq!(
        project.read("feeds.toml"),
        format!("{EMPTY}\n[[feed]]\nname = \"The Blog\"\nurl = \"{feed_url}\"\n")
    );
    let paths: Vec<String> = server
        .requests()
        .into_iter()
        .map(|request| request.path)
        .collect();
    assert_eq!(paths, ["/blog/", "/feed.xml"]);
}

#[test]
fn add_lists_the_feeds_of_a_page_that_links_several() {
    let server = FeedServer::start();
    server.route(
        "/",
        page(
            "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Posts\" href=\"/feed.xml\">\n\
             <LINK REL=alternate TYPE=application/atom+xml HREF='/comments.atom' TITLE='Comments'>\n\
             <link rel=\"alternate\" type=\"application/feed+json\" href=\"https://other.example/feed.json\">",
        ),
    );
    let project = Project::with_config(EMPTY);
    let page_url = server.url("/");

    let run = project.run(&["add", &page_url]);

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "frontpage: {page_url} links 3 feeds; run `frontpage add` with one of them:\n  \
             Posts (RSS): {}\n  Comments (Atom): {}\n  JSON Feed feed: https://other.example/feed.json\n",
            server.url("/feed.xml"),
            server.url("/comments.atom"),
        )
    );
    assert_eq!(project.read("feeds.toml"), EMPTY);
    assert_eq!(server.requests().len(), 1, "only the page was fetched");
}

#[test]
fn add_of_a_page_without_feeds_is_an_error() {
    let server = FeedServer::start();
    server.route(
        "/about",
        page("<link rel=\"stylesheet\" href=\"/s.css\"><link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\">"),
    );
    let project = Project::with_config(EMPTY);
    let page_url = server.url("/about");

    let run = project.run(&["add", &page_url]);

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("frontpage: no feed found at {page_url}\n")
    );
    assert_eq!(project.read("feeds.toml"), EMPTY);
}

#[test]
fn add_of_a_subscribed_feed_is_refused() {
    let server = FeedServer::start();
    let feed_url = server.url("/feed.xml");
    server.route("/feed.xml", feed("Krebs"));
    server.route(
        "/",
        page("<link rel=alternate type=application/rss+xml href=/feed.xml>"),
    );
    let config = format!("{EMPTY}\n[[feed]]\nname = \"Krebs\"\nurl = \"{feed_url}\"\n");
    let project = Project::with_config(&config);

    // by its URL: refused before any request
    let run = project.run(&["add", &feed_url]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("frontpage: {feed_url} is already subscribed as \"Krebs\"\n")
    );
    assert!(server.requests().is_empty());

    // through a page that links it
    let run = project.run(&["add", &server.url("/")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!("frontpage: {feed_url} is already subscribed as \"Krebs\"\n")
    );
    assert_eq!(project.read("feeds.toml"), config);
}

#[test]
fn add_refuses_a_bad_tag_or_a_taken_name_and_writes_nothing() {
    let server = FeedServer::start();
    server.route("/feed.xml", feed("Example"));
    let project = Project::with_config(HAND_WRITTEN);
    let feed_url = server.url("/feed.xml");

    let run = project.run(&["add", &feed_url, "--tag", "two words"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "frontpage: cannot add feed \"Example\": invalid tag \"two words\": a tag is letters, \
         digits, \"-\" and \"_\"\n"
    );

    let run = project.run(&["add", &feed_url, "--name", "Search & Find"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "frontpage: there is already a feed named \"Search & Find\" \
         (https://search.example/rss?q=a&lang=en); choose another --name\n"
    );

    assert_eq!(project.read("feeds.toml"), HAND_WRITTEN);
    let leftovers = std::fs::read_dir(project.file("."))
        .expect("list the project")
        .count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}

#[test]
fn add_of_something_that_is_neither_feed_nor_page_is_an_error() {
    let server = FeedServer::start();
    server.route(
        "/broken.xml",
        Reply::ok("<rss version=\"2.0\"><channel><title>cut"),
    );
    server.route("/missing.xml", Reply::status(404));
    let project = Project::with_config(EMPTY);

    let run = project.run(&["add", &server.url("/broken.xml")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "frontpage: {} is not a readable feed: malformed feed",
            server.url("/broken.xml")
        )),
        "{}",
        run.stderr
    );

    let run = project.run(&["add", &server.url("/missing.xml")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "frontpage: cannot fetch {}: http 404 Not Found\n",
            server.url("/missing.xml")
        )
    );
    assert_eq!(project.read("feeds.toml"), EMPTY);
}
