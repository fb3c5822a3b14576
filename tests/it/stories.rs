//! One story, many feeds (SPEC §5): entries that are the same story merge into one published
//! item with stable ids, and entries that are not stay apart.

use std::collections::BTreeSet;

use crate::support::{FeedServer, Item, Project, Reply, rss, texts_of};

const DAY1: &str = "Thu, 26 Nov 2026 10:00:00 GMT";
const DAY2: &str = "Fri, 27 Nov 2026 09:00:00 GMT";

/// A project whose feeds (name, group, path) are served by `server`.
fn project(server: &FeedServer, feeds: &[(&str, &str, &str)]) -> Project {
    let mut config = String::from("[publish]\nlink = \"https://news.example.org/\"\n\n");
    for (name, group, path) in feeds {
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\ngroup = \"{group}\"\nurl = \"{}\"\n\n",
            server.url(path)
        ));
    }
    Project::with_config(&config)
}

/// `query --stories --format json`.
fn stories(project: &Project) -> Vec<serde_json::Value> {
    let run = project.run(&["query", "--stories", "--format", "json", "--limit", "100"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("query prints JSON")
}

fn story_of<'a>(stories: &'a [serde_json::Value], title_part: &str) -> &'a serde_json::Value {
    stories
        .iter()
        .find(|story| {
            story["title"]
                .as_str()
                .unwrap_or_default()
                .contains(title_part)
        })
        .unwrap_or_else(|| panic!("no story titled like {title_part:?} in {stories:#?}"))
}

#[test]
fn link_variants_in_two_outlets_are_one_story_with_two_sources() {
    let server = FeedServer::start();
    server.route(
        "/a.xml",
        Reply::ok(rss(
            "outlet-a.example",
            &[Item {
                title: "Telegram bot tokens leak from phishing kit",
                link: "https://krebsonsecurity.com/2026/11/telegram-bot-tokens/",
                guid: "a-1",
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/b.xml",
        Reply::ok(rss(
            "outlet-b.example",
            &[Item {
                title: "Krebs: phishing kit leaks its own Telegram token",
                link: "http://www.krebsonsecurity.com/2026/11/telegram-bot-tokens?utm_source=rss&utm_medium=feed#comments",
                guid: "b-1",
                date: DAY2,
                ..Item::default()
            }],
        )),
    );
    let project = project(&server, &[("A", "a", "/a.xml"), ("B", "b", "/b.xml")]);
    assert_eq!(project.run(&["run"]).code, 0);

    let stories = stories(&project);
    assert_eq!(stories.len(), 1, "{stories:#?}");
    assert_eq!(stories[0]["sources"], 2);
    assert_eq!(stories[0]["feeds"], serde_json::json!(["A", "B"]));
    let rss = project.read("public/feed.rss");
    assert_eq!(texts_of(&rss, "guid").len(), 1);
    assert!(
        rss.contains(">A</a>") && rss.contains(">B</a>"),
        "both sources listed: {rss}"
    );
}

#[test]
fn an_aggregator_item_joins_the_article_and_keeps_its_discussion_link() {
    let server = FeedServer::start();
    let article = "https://blog.example.net/posts/why-sqlite";
    let discussion = "https://news.ycombinator.com/item?id=43000001";
    server.route(
        "/blog.xml",
        Reply::ok(rss(
            "blog.example.net",
            &[Item {
                title: "Why we moved to SQLite",
                link: article,
                guid: article,
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/hn.xml",
        Reply::ok(rss(
            "news.ycombinator.com",
            &[
                Item {
                    title: "Why we moved to SQLite",
                    link: article,
                    comments: discussion,
                    date: DAY2,
                    ..Item::default()
                },
                // An Ask HN post links to its own discussion page: never a merge key.
                Item {
                    title: "Ask HN: What do you self-host?",
                    link: "https://news.ycombinator.com/item?id=43000002",
                    comments: "https://news.ycombinator.com/item?id=43000002",
                    date: DAY2,
                    ..Item::default()
                },
            ],
        )),
    );
    server.route(
        "/hn-best.xml",
        Reply::ok(rss(
            "hn-best.example",
            &[Item {
                title: "Ask HN: Self-hosting in 2026",
                link: "https://news.ycombinator.com/item?id=43000002",
                date: DAY2,
                ..Item::default()
            }],
        )),
    );
    let project = project(
        &server,
        &[
            ("Blog", "blog", "/blog.xml"),
            ("HN", "hn", "/hn.xml"),
            ("HN best", "hn-best", "/hn-best.xml"),
        ],
    );
    assert_eq!(project.run(&["run"]).code, 0);

    let stories = stories(&project);
    assert_eq!(stories.len(), 3, "{stories:#?}");
    assert_eq!(story_of(&stories, "SQLite")["sources"], 2);
    let rss = project.read("public/feed.rss");
    assert!(
        rss.contains(&format!("<comments>{discussion}</comments>")),
        "{rss}"
    );
}

#[test]
fn homepage_links_never_merge() {
    let server = FeedServer::start();
    for (path, title) in [
        ("/a.xml", "Site A weekly notes"),
        ("/b.xml", "Site B changelog"),
    ] {
        server.route(
            path,
            Reply::ok(rss(
                "example.org",
                &[Item {
                    title,
                    link: "https://example.org/",
                    date: DAY1,
                    ..Item::default()
                }],
            )),
        );
    }
    let project = project(&server, &[("A", "a", "/a.xml"), ("B", "b", "/b.xml")]);
    assert_eq!(project.run(&["run"]).code, 0);
    assert_eq!(stories(&project).len(), 2);
}

#[test]
fn the_same_link_months_apart_is_two_stories() {
    let server = FeedServer::start();
    let link = "https://example.org/weekly-roundup";
    server.route(
        "/a.xml",
        Reply::ok(rss(
            "a.example",
            &[Item {
                title: "Weekly roundup",
                link,
                guid: "a-1",
                date: "Mon, 14 Sep 2026 10:00:00 GMT",
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/b.xml",
        Reply::ok(rss(
            "b.example",
            &[Item {
                title: "Weekly roundup",
                link,
                guid: "b-1",
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    let project = project(&server, &[("A", "a", "/a.xml"), ("B", "b", "/b.xml")]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let stories: BTreeSet<i64> = project
        .entries()
        .iter()
        .map(|entry| entry["story"].as_i64().unwrap())
        .collect();
    assert_eq!(stories.len(), 2, "more than 30 days apart");
}

#[test]
fn a_shared_global_guid_merges_an_rss_and_an_atom_feed_of_one_blog() {
    let server = FeedServer::start();
    let guid = "tag:blog.example.net,2026:post-42";
    server.route(
        "/rss.xml",
        Reply::ok(rss(
            "blog.example.net",
            &[Item {
                title: "Release notes for 4.2",
                link: "https://blog.example.net/p/42",
                guid,
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/mirror.xml",
        Reply::ok(rss(
            "mirror.example",
            &[Item {
                title: "Release notes for 4.2",
                link: "https://mirror.example/blog.example.net/p/42",
                guid,
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    let project = project(
        &server,
        &[
            ("RSS", "blog", "/rss.xml"),
            ("Mirror", "mirror", "/mirror.xml"),
        ],
    );
    assert_eq!(project.run(&["fetch"]).code, 0);
    assert_eq!(stories(&project).len(), 1);
}

#[test]
fn headlines_of_one_event_from_different_groups_join_but_not_within_a_group() {
    let server = FeedServer::start();
    let item = |title, link| Item {
        title,
        link,
        date: DAY1,
        ..Item::default()
    };
    server.route(
        "/a.xml",
        Reply::ok(rss(
            "a.example",
            &[item(
                "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday",
                "https://a.example/ms-patch-tuesday",
            )],
        )),
    );
    server.route(
        "/b.xml",
        Reply::ok(rss(
            "b.example",
            &[item(
                "November Patch Tuesday: Microsoft patches exploited Windows zero-day",
                "https://b.example/news/patch-tuesday-november",
            )],
        )),
    );
    server.route(
        "/b2.xml",
        Reply::ok(rss(
            "b.example",
            &[item(
                "Microsoft November Patch Tuesday fixes exploited Windows zero-day flaw",
                "https://b.example/other/patch-tuesday",
            )],
        )),
    );
    // Groups: A and B differ; B2 shares B's group, so it joins only through A.
    let project = project(
        &server,
        &[
            ("A", "a", "/a.xml"),
            ("B", "b", "/b.xml"),
            ("B2", "b", "/b2.xml"),
        ],
    );
    assert_eq!(
        project.run(&["fetch", "--feed", "B", "--feed", "B2"]).code,
        0
    );
    assert_eq!(
        stories(&project).len(),
        2,
        "one group: headlines alone do not merge"
    );
    assert_eq!(project.run(&["fetch", "--feed", "A"]).code, 0);
    let stories = stories(&project);
    assert_eq!(stories.len(), 1, "{stories:#?}");
    assert_eq!(stories[0]["sources"], 3);
}

#[test]
fn a_merge_keeps_the_older_id_and_publishes_no_new_item() {
    let server = FeedServer::start();
    let first = "https://one.example/2026/11/first-report";
    let second = "tag:two.example,2026:report";
    server.route(
        "/one.xml",
        Reply::ok(rss(
            "one.example",
            &[Item {
                title: "Outage at a large CDN",
                link: first,
                guid: first,
                date: DAY1,
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/two.xml",
        Reply::ok(rss(
            "two.example",
            &[Item {
                title: "Root cause published for CDN incident",
                link: "https://two.example/r",
                guid: second,
                date: DAY2,
                ..Item::default()
            }],
        )),
    );
    // Later, a third feed carries an entry that is both: the first link, the second guid.
    server.route(
        "/three.xml",
        Reply::ok(rss(
            "three.example",
            &[Item {
                title: "CDN outage explained",
                link: first,
                guid: second,
                date: DAY2,
                ..Item::default()
            }],
        )),
    );
    let project = project(
        &server,
        &[
            ("One", "one", "/one.xml"),
            ("Two", "two", "/two.xml"),
            ("Three", "three", "/three.xml"),
        ],
    );
    assert_eq!(
        project
            .run(&["fetch", "--feed", "One", "--feed", "Two"])
            .code,
        0
    );
    assert_eq!(project.run(&["publish"]).code, 0);
    let before: BTreeSet<String> = texts_of(&project.read("public/feed.rss"), "guid")
        .into_iter()
        .collect();
    assert_eq!(before.len(), 2);

    assert_eq!(project.run(&["fetch", "--feed", "Three"]).code, 0);
    assert_eq!(project.run(&["publish"]).code, 0);

    let after: BTreeSet<String> = texts_of(&project.read("public/feed.rss"), "guid")
        .into_iter()
        .collect();
    assert_eq!(after.len(), 1, "the two stories merged");
    assert!(
        after.is_subset(&before),
        "no new item id appeared: {after:?} vs {before:?}"
    );
    let stories = stories(&project);
    let survivor = stories[0]["story"].as_i64().unwrap();
    assert!(
        after.contains(&format!("https://news.example.org/story/{survivor}")),
        "{after:?}"
    );
    // The absorbed id still finds the story.
    let absorbed: i64 = before
        .iter()
        .map(|guid| guid.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .find(|id| *id != survivor)
        .unwrap();
    assert!(absorbed > survivor, "the older id wins");
    let run = project.run(&[
        "query",
        "--story",
        &absorbed.to_string(),
        "--format",
        "json",
    ]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|entry| entry["story"] == survivor));
}

#[test]
fn a_guid_moving_from_http_to_https_is_the_same_entry() {
    let server = FeedServer::start();
    let item = |guid| Item {
        title: "Moving to HTTPS",
        link: "https://site.example/https",
        guid,
        date: DAY1,
        ..Item::default()
    };
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss("site.example", &[item("http://site.example/?p=7")])),
            Reply::ok(rss("site.example", &[item("https://site.example/?p=7")])),
        ],
    );
    let project = project(&server, &[("Site", "site", "/feed.xml")]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let first = project.entries();
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    let second = project.entries();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["id"], first[0]["id"]);
}

#[test]
fn an_edited_entry_is_updated_in_place_keeping_its_first_seen_time() {
    let server = FeedServer::start();
    let item = |title| Item {
        title,
        link: "https://site.example/post",
        guid: "https://site.example/post",
        date: DAY1,
        ..Item::default()
    };
    server.route_sequence(
        "/feed.xml",
        vec![
            Reply::ok(rss("site.example", &[item("Frist post")])),
            Reply::ok(rss("site.example", &[item("First post")])),
        ],
    );
    let project = project(&server, &[("Site", "site", "/feed.xml")]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let first = project.entries();
    assert_eq!(
        project
            .run_at("2026-11-28T15:00:00Z", &["fetch", "--force"])
            .code,
        0
    );
    let second = project.entries();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0]["title"], "First post");
    assert_eq!(second[0]["id"], first[0]["id"]);
    assert_eq!(second[0]["first_seen"], first[0]["first_seen"]);
}

#[test]
fn query_lists_a_storys_entries_and_one_row_per_story() {
    let server = FeedServer::start();
    server.route("/krebs.xml", Reply::fixture("rss2/krebs.xml"));
    server.route("/feed.json", Reply::fixture("json/feed.json"));
    let project = project(
        &server,
        &[
            ("Krebs", "krebsonsecurity.com", "/krebs.xml"),
            ("JSON", "example-json.org", "/feed.json"),
        ],
    );
    assert_eq!(project.run(&["fetch"]).code, 0);
    let stories = stories(&project);
    let shared = story_of(&stories, "Telegram Bot Tokens Leak");
    assert_eq!(shared["sources"], 2);
    let id = shared["story"].as_i64().unwrap().to_string();

    let run = project.run(&["query", "--story", &id]);
    assert_eq!(run.code, 0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header and the two entries:\n{}",
        run.stdout
    );
    assert!(lines.iter().any(|line| line.contains("Krebs ")));
    assert!(lines.iter().any(|line| line.contains("JSON ")));

    let table = project.run(&["query", "--stories"]).stdout;
    assert!(table.starts_with("STORY"), "{table}");
    assert!(table.contains("Krebs, JSON"), "{table}");

    let missing = project.run(&["query", "--story", "99999"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no story 99999"),
        "{}",
        missing.stderr
    );
}

#[test]
fn items_without_guids_sharing_one_link_stay_distinct_across_fetches() {
    let server = FeedServer::start();
    let item = |title, date| Item {
        title,
        link: "https://radio.example/show",
        date,
        ..Item::default()
    };
    let body = rss(
        "radio.example",
        &[
            item("Episode notes: the Kaspersky interview", DAY2),
            item("Episode notes: Telegram and privacy", DAY1),
            item(
                "Episode notes: listener questions",
                "Wed, 25 Nov 2026 09:00:00 GMT",
            ),
        ],
    );
    // (the second answer a byte apart, so that it is parsed again)
    server.route_sequence(
        "/feed.xml",
        vec![Reply::ok(body.clone()), Reply::ok(body).regenerated()],
    );
    let project = project(&server, &[("Radio", "radio", "/feed.xml")]);
    assert_eq!(project.run(&["fetch"]).code, 0);
    let first = project.entries();
    assert_eq!(first.len(), 3, "a shared link is no identity");
    assert_eq!(project.run(&["fetch", "--force"]).code, 0);
    assert_eq!(project.entries(), first, "no duplicates, nothing lost");
}
