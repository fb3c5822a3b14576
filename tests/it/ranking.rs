//! Popularity (SPEC §6) through the real binary: the published order, `explain`, `query
//! --order popular` and flood control.

use crate::support::{FeedServer, Item, NOW, Project, Reply, rss, texts_of};

/// RFC 822 for `hours` before the test clock (2026-11-28T12:00:00Z).
fn hours_ago(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("the test clock");
    (now - chrono::Duration::hours(hours)).to_rfc2822()
}

/// An hnrss.org-style description.
fn hn_description(article: &str, discussion: &str, points: u32, comments: u32) -> String {
    format!(
        "<p>Article URL: <a href=\"{article}\">{article}</a></p>\
         <p>Comments URL: <a href=\"{discussion}\">{discussion}</a></p>\
         <p>Points: {points}</p><p># Comments: {comments}</p>"
    )
}

/// Feeds as (name, group, path, extra TOML lines).
fn project(server: &FeedServer, feeds: &[(&str, &str, &str, &str)], publish: &str) -> Project {
    let mut config = format!("[publish]\nlink = \"https://news.example.org/\"\n{publish}\n\n");
    for (name, group, path, extra) in feeds {
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\ngroup = \"{group}\"\nurl = \"{}\"\n{extra}\n\n",
            server.url(path)
        ));
    }
    Project::with_config(&config)
}

fn published_titles(project: &Project) -> Vec<String> {
    texts_of(&project.read("public/feed.rss"), "title")
        .into_iter()
        .skip(1) // the channel's own title
        .collect()
}

/// A realistic mix, with the order it must publish in and why.
fn scenario() -> (FeedServer, Project) {
    let server = FeedServer::start();
    let big = "https://www.bleepingcomputer.com/news/security/telegram-bot-tokens-leak/";
    for (index, outlet) in ["a", "b", "c", "d", "e"].iter().enumerate() {
        let link = match index {
            0 => big.to_string(),
            1 => format!("{big}?utm_source=rss"),
            _ => big.replace("https://www.", "http://"),
        };
        let date = hours_ago(10);
        let mut items = vec![Item {
            title: "Telegram bot tokens leak from Kaspersky-branded phishing kit",
            link: &link,
            guid: "",
            date: &date,
            ..Item::default()
        }];
        let old_link = "https://therecord.media/big-three-day-old-breach";
        let old_date = hours_ago(72);
        if index < 4 {
            items.push(Item {
                title: "Huge breach disclosed three days ago",
                link: old_link,
                date: &old_date,
                ..Item::default()
            });
        }
        let xml = rss(&format!("{outlet}.example"), &items);
        server.route(&format!("/{outlet}.xml"), Reply::ok(xml));
    }
    let blog_post = "https://blog.example.net/posts/sqlite-at-scale";
    let discussion = "https://news.ycombinator.com/item?id=43000001";
    server.route(
        "/blog.xml",
        Reply::ok(rss(
            "blog.example.net",
            &[
                Item {
                    title: "SQLite at scale: lessons from a year in production",
                    link: blog_post,
                    date: &hours_ago(6),
                    ..Item::default()
                },
                Item {
                    title: "A quiet note about our office plants",
                    link: "https://blog.example.net/posts/plants",
                    date: &hours_ago(2),
                    ..Item::default()
                },
            ],
        )),
    );
    let description = hn_description(blog_post, discussion, 300, 100);
    server.route(
        "/hn.xml",
        Reply::ok(rss(
            "news.ycombinator.com",
            &[Item {
                title: "SQLite at scale: lessons from a year in production",
                link: blog_post,
                comments: discussion,
                date: &hours_ago(5),
                description: &description,
                ..Item::default()
            }],
        )),
    );
    server.route(
        "/muted.xml",
        Reply::ok(rss(
            "muted.example",
            &[Item {
                title: "Sponsored: buy our appliance",
                link: "https://muted.example/ad",
                date: &hours_ago(1),
                ..Item::default()
            }],
        )),
    );
    let project = project(
        &server,
        &[
            ("A", "a.example", "/a.xml", ""),
            ("B", "b.example", "/b.xml", ""),
            ("C", "c.example", "/c.xml", ""),
            ("D", "d.example", "/d.xml", ""),
            ("E", "e.example", "/e.xml", ""),
            ("Blog", "blog.example.net", "/blog.xml", ""),
            (
                "Hacker News",
                "news.ycombinator.com",
                "/hn.xml",
                "ranked = true",
            ),
            ("Muted", "muted.example", "/muted.xml", "weight = 0"),
        ],
        "",
    );
    (server, project)
}

#[test]
fn a_realistic_mix_publishes_in_the_expected_order() {
    let (_server, project) = scenario();
    assert_eq!(project.run(&["run"]).code, 0);

    let titles = published_titles(&project);
    let expected = [
        // 300 points and 100 comments on HN (E = log10(350) = 2.54), two groups (C = 0.5),
        // top of a ranked feed (P = 0.5), six hours old (A = 0.25): 3.29.
        "SQLite at scale: lessons from a year in production",
        // Five groups (C = 0.5 * log2 5 = 1.16), ten hours old (A = 0.42): 0.74.
        "Telegram bot tokens leak from Kaspersky-branded phishing kit",
        // One group, no signals, two hours old: -0.08.
        "A quiet note about our office plants",
        // Four groups (C = 1.0) but three days old (A = 3): -2.0.
        "Huge breach disclosed three days ago",
    ];
    assert_eq!(
        titles, expected,
        "the muted feed's fresh post never appears"
    );
}

#[test]
fn explain_prints_terms_that_sum_to_the_total() {
    let (_server, project) = scenario();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let run = project.run(&["query", "--stories", "--format", "json", "--limit", "50"]);
    let stories: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    let story = stories
        .iter()
        .find(|story| story["sources"] == 5)
        .expect("the five-group story");
    let id = story["story"].as_i64().unwrap().to_string();

    let text = project.run(&["explain", &id]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    let value = |line: &str| -> f64 {
        line.split_whitespace()
            .find(|word| word.starts_with('+') || word.starts_with('-'))
            .and_then(|word| word.parse().ok())
            .unwrap_or_else(|| panic!("no value in {line:?}"))
    };
    let terms: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| {
            ["E ", "C ", "P ", "F ", "A "]
                .iter()
                .any(|p| line.starts_with(p))
        })
        .collect();
    assert_eq!(terms.len(), 5, "{}", text.stdout);
    let total_line = lines
        .iter()
        .find(|line| line.starts_with('='))
        .expect("a total line");
    let sum: f64 = terms.iter().map(|line| value(line)).sum();
    assert!((sum - value(total_line)).abs() < 1e-9, "{}", text.stdout);
    let coverage = terms.iter().find(|line| line.starts_with("C ")).unwrap();
    assert!(coverage.contains("+1.16"), "{coverage}");
    assert!(coverage.contains("(5 groups: "), "{coverage}");
    for group in [
        "a.example",
        "b.example",
        "c.example",
        "d.example",
        "e.example",
    ] {
        assert!(coverage.contains(group), "{coverage}");
    }

    let json = project.run(&["explain", &id, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let terms = report["terms"].as_array().unwrap();
    assert_eq!(terms.len(), 5);
    let sum: f64 = terms
        .iter()
        .map(|term| term["value"].as_f64().unwrap())
        .sum();
    assert!((sum - report["score"].as_f64().unwrap()).abs() < 1e-9);

    let missing = project.run(&["explain", "999999"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no story 999999"),
        "{}",
        missing.stderr
    );
}

#[test]
fn recent_order_stays_available_and_query_can_order_by_popularity() {
    let (_server, project) = scenario();
    assert_eq!(project.run(&["fetch"]).code, 0);

    let recent = project.run(&["publish", "--format", "rss", "--order", "recent"]);
    let titles: Vec<String> = texts_of(&recent.stdout, "title")
        .into_iter()
        .skip(1)
        .collect();
    assert_eq!(
        titles[0], "A quiet note about our office plants",
        "newest first"
    );

    let popular = project.run(&[
        "query", "--order", "popular", "--format", "json", "--limit", "1",
    ]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&popular.stdout).unwrap();
    assert_eq!(
        entries[0]["title"],
        "SQLite at scale: lessons from a year in production"
    );
}

#[test]
fn the_published_order_honours_limit_and_window() {
    let (_server, project) = scenario();
    assert_eq!(project.run(&["fetch"]).code, 0);
    let run = project.run(&["publish", "--format", "rss", "--limit", "2"]);
    assert_eq!(texts_of(&run.stdout, "guid").len(), 2);

    let narrow = Project::with_config(
        &project
            .read("feeds.toml")
            .replace("[publish]\n", "[publish]\nwindow = \"48h\"\n"),
    );
    std::fs::copy(project.file("frontpage.db"), narrow.file("frontpage.db")).unwrap();
    let run = narrow.run(&["publish", "--format", "rss"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains("three days ago"),
        "outside a 48h window"
    );
}

#[test]
fn a_new_feed_with_a_large_backlog_cannot_take_over_the_front_page() {
    let server = FeedServer::start();
    let titles: Vec<String> = (0..200)
        .map(|index| format!("Archive post number {index}"))
        .collect();
    let links: Vec<String> = (0..200)
        .map(|index| format!("https://archive.example/{index}"))
        .collect();
    let dates: Vec<String> = (0..200).map(|index| hours_ago(1 + index % 40)).collect();
    let mut backlog: Vec<Item> = (0..200)
        .map(|index| Item {
            title: &titles[index],
            link: &links[index],
            date: &dates[index],
            ..Item::default()
        })
        .collect();
    // Undated archive entries count as old and never reach the front page.
    let undated_titles: Vec<String> = (0..50)
        .map(|index| format!("Undated archive {index}"))
        .collect();
    let undated_links: Vec<String> = (0..50)
        .map(|index| format!("https://archive.example/u{index}"))
        .collect();
    backlog.extend((0..50).map(|index| Item {
        title: &undated_titles[index],
        link: &undated_links[index],
        ..Item::default()
    }));
    server.route("/archive.xml", Reply::ok(rss("archive.example", &backlog)));
    let mut feeds = vec![("Archive", "archive.example", "/archive.xml", "")];
    let paths: Vec<String> = (0..4).map(|index| format!("/outlet{index}.xml")).collect();
    let names: Vec<String> = (0..4).map(|index| format!("Outlet {index}")).collect();
    let groups: Vec<String> = (0..4)
        .map(|index| format!("outlet{index}.example"))
        .collect();
    for index in 0..4 {
        let titles: Vec<String> = (0..3)
            .map(|n| format!("Outlet {index} story {n}"))
            .collect();
        let links: Vec<String> = (0..3)
            .map(|n| format!("https://outlet{index}.example/{n}"))
            .collect();
        let date = hours_ago(30);
        let items: Vec<Item> = (0..3)
            .map(|n| Item {
                title: &titles[n],
                link: &links[n],
                date: &date,
                ..Item::default()
            })
            .collect();
        server.route(&paths[index], Reply::ok(rss(&groups[index], &items)));
    }
    for index in 0..4 {
        feeds.push((&names[index], &groups[index], &paths[index], ""));
    }
    let project = project(&server, &feeds, "limit = 20");

    assert_eq!(project.run(&["run"]).code, 0);

    let titles = published_titles(&project);
    assert_eq!(titles.len(), 16, "{titles:#?}");
    let from_archive = titles
        .iter()
        .filter(|title| title.starts_with("Archive"))
        .count();
    assert_eq!(
        from_archive, 4,
        "at most limit / 5 stories from one group: {titles:#?}"
    );
    assert!(!titles.iter().any(|title| title.starts_with("Undated")));
}

/// The titles of an RSS page's items.
fn item_titles(rss: &str) -> Vec<String> {
    texts_of(rss, "title").into_iter().skip(1).collect()
}

#[test]
fn every_page_caps_a_group_among_its_own_stories() {
    let server = FeedServer::start();
    // (name, group, tags, how many stories, the first one's age in hours)
    let outlets = [
        ("Flood", "flood.example", "\"security\", \"news\"", 10, 1),
        ("Other", "other.example", "\"security\"", 4, 20),
        ("Third", "third.example", "\"research\"", 2, 5),
    ];
    let mut feeds = Vec::new();
    let mut extras = Vec::new();
    let mut paths = Vec::new();
    for (name, group, tags, count, first_age) in outlets {
        let titles: Vec<String> = (0..count).map(|n| format!("{name} story {n}")).collect();
        let links: Vec<String> = (0..count).map(|n| format!("https://{group}/{n}")).collect();
        let dates: Vec<String> = (0..count).map(|n| hours_ago(first_age + n)).collect();
        let items: Vec<Item> = (0..count as usize)
            .map(|n| Item {
                title: &titles[n],
                link: &links[n],
                date: &dates[n],
                ..Item::default()
            })
            .collect();
        server.route(&format!("/{name}.xml"), Reply::ok(rss(group, &items)));
        paths.push(format!("/{name}.xml"));
        extras.push(format!("tags = [{tags}]"));
    }
    for (index, (name, group, ..)) in outlets.iter().enumerate() {
        feeds.push((*name, *group, paths[index].as_str(), extras[index].as_str()));
    }
    // Five a page: at most three stories of a group (`max(3, 5 / 5)`).
    let project = project(&server, &feeds, "limit = 5");
    assert_eq!(project.run(&["run"]).code, 0);

    let flood = ["Flood story 0", "Flood story 1", "Flood story 2"];
    let pages: [(&str, Option<&str>, Vec<&str>); 4] = [
        (
            "feed",
            None,
            [&flood[..], &["Third story 0", "Third story 1"]].concat(),
        ),
        (
            "tag/security",
            Some("security"),
            [&flood[..], &["Other story 0", "Other story 1"]].concat(),
        ),
        // the flood alone fills only three places of five
        ("tag/news", Some("news"), flood.to_vec()),
        (
            "tag/research",
            Some("research"),
            vec!["Third story 0", "Third story 1"],
        ),
    ];
    for (path, tag, expected) in pages {
        let site = project.read(&format!("public/{path}.rss"));
        assert_eq!(item_titles(&site), expected, "{path}");
        // The page the site holds is the page published alone.
        let mut args = vec!["publish", "--format", "rss", "-o", "-"];
        args.extend(tag.map(|tag| ["--tag", tag]).into_iter().flatten());
        let alone = project.run(&args);
        assert_eq!(alone.code, 0, "{}", alone.stderr);
        assert_eq!(alone.stdout, site, "{path}");
    }
    // Newest first knows no cap.
    let recent = project.run(&[
        "publish", "--format", "rss", "--tag", "news", "--order", "recent", "-o", "-",
    ]);
    assert_eq!(item_titles(&recent.stdout).len(), 5);
}
