//! Full-text search (SPEC §9) through the real binary: words, phrases and exclusions,
//! combined with the feed, tag and time filters, in relevance or recent order, printed as
//! JSON, JSON lines and CSV; malformed searches are one clear error.

use crate::support::{FeedServer, Item, NOW, Project, Reply, Run, rss};

/// RFC 822 for `hours` before the test clock.
fn hours_ago(hours: i64) -> String {
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("the test clock");
    (now - chrono::Duration::hours(hours)).to_rfc2822()
}

/// Two feeds: "Lwn" (tagged linux, news) and "Blog" (tagged programming), fetched.
fn searchable() -> (FeedServer, Project) {
    let server = FeedServer::start();
    let lwn = [
        (
            "Rust in the Linux kernel",
            "https://lwn.example/rust",
            3,
            "<p>The <a href=\"https://hiddenhost.example/a\">memory safety</a> story goes on.</p>",
        ),
        (
            "Kernel scheduler rework",
            "https://lwn.example/eevdf",
            80,
            "<p>EEVDF lands; <code>sched_ext</code> follows.</p>",
        ),
    ];
    let blog = [
        (
            "Memory safety without garbage collection",
            "https://blog.example/ownership",
            5,
            "<p>Ownership gives <em>memory safety</em> at compile time.</p>",
        ),
        (
            "Why Go has a garbage collector",
            "https://blog.example/go-gc",
            6,
            "<p>Go chose a garbage collector for memory safety too.</p>",
        ),
        (
            "A note on safety and memory, \"briefly\"",
            "https://blog.example/note",
            10,
            "<p>Some words on memory and, much later, on safety.</p>",
        ),
    ];
    for (path, site, items) in [
        ("/lwn.xml", "lwn.example", &lwn[..]),
        ("/blog.xml", "blog.example", &blog[..]),
    ] {
        let dates: Vec<String> = items.iter().map(|item| hours_ago(item.2)).collect();
        let items: Vec<Item<'_>> = items
            .iter()
            .zip(&dates)
            .map(|((title, link, _, description), date)| Item {
                title,
                link,
                date,
                description,
                ..Item::default()
            })
            .collect();
        server.route(path, Reply::ok(rss(site, &items)));
    }
    let project = Project::with_config(&format!(
        "[publish]\ntitle = \"Search\"\nlink = \"https://news.example.org/\"\n\n\
         [[feed]]\nname = \"Lwn\"\nurl = \"{}\"\ngroup = \"lwn\"\ntags = [\"linux\", \"news\"]\n\n\
         [[feed]]\nname = \"Blog\"\nurl = \"{}\"\ngroup = \"blog\"\ntags = [\"programming\"]\n",
        server.url("/lwn.xml"),
        server.url("/blog.xml")
    ));
    let fetch = project.run(&["fetch"]);
    assert_eq!(fetch.code, 0, "{}", fetch.stderr);
    (server, project)
}

/// `query --format json ARGS`, as the titles found, in order.
fn titles(project: &Project, args: &[&str]) -> Vec<String> {
    let rows = json_rows(project, args);
    rows.iter()
        .map(|row| row["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `query --format json ARGS`, parsed.
fn json_rows(project: &Project, args: &[&str]) -> Vec<serde_json::Value> {
    let mut command = vec!["query", "--format", "json"];
    command.extend_from_slice(args);
    let run = project.run(&command);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("query prints a JSON array")
}

fn sorted(mut titles: Vec<String>) -> Vec<String> {
    titles.sort();
    titles
}

const RUST: &str = "Rust in the Linux kernel";
const SCHEDULER: &str = "Kernel scheduler rework";
const OWNERSHIP: &str = "Memory safety without garbage collection";
const GO: &str = "Why Go has a garbage collector";
const NOTE: &str = "A note on safety and memory, \"briefly\"";

#[test]
fn every_word_must_match() {
    let (_server, project) = searchable();
    assert_eq!(
        sorted(titles(&project, &["memory", "safety"])),
        sorted(vec![RUST.into(), OWNERSHIP.into(), GO.into(), NOTE.into()])
    );
    assert_eq!(titles(&project, &["rust", "kernel"]), [RUST]);
    assert_eq!(titles(&project, &["KERNEL", "Scheduler"]), [SCHEDULER]);
    assert_eq!(
        titles(&project, &["sched_ext"]),
        [SCHEDULER],
        "words in <code>"
    );
    assert!(titles(&project, &["memory", "eevdf"]).is_empty());
}

#[test]
fn words_of_links_and_markup_are_not_found() {
    let (_server, project) = searchable();
    for markup in ["hiddenhost", "href", "https", "em", "code"] {
        assert!(titles(&project, &[markup]).is_empty(), "{markup}");
    }
}

#[test]
fn a_phrase_matches_its_words_in_order() {
    let (_server, project) = searchable();
    assert_eq!(
        sorted(titles(&project, &["\"memory safety\""])),
        sorted(vec![RUST.into(), OWNERSHIP.into(), GO.into()]),
        "the note has both words, apart"
    );
    assert_eq!(
        titles(&project, &["\"garbage collection\""]),
        [OWNERSHIP],
        "one phrase"
    );
}

#[test]
fn an_excluded_word_or_phrase_removes_its_entries() {
    let (_server, project) = searchable();
    assert_eq!(
        sorted(titles(
            &project,
            &["--", "memory", "safety", "-go", "-kernel"]
        )),
        sorted(vec![OWNERSHIP.into(), NOTE.into()])
    );
    assert_eq!(
        sorted(titles(&project, &["memory safety -\"garbage collector\""])),
        sorted(vec![RUST.into(), OWNERSHIP.into(), NOTE.into()]),
        "the words in one argument, as typed into a search box"
    );
}

#[test]
fn a_search_combines_with_feed_tag_and_time_filters() {
    let (_server, project) = searchable();
    assert_eq!(
        sorted(titles(&project, &["--feed", "Blog", "memory"])),
        sorted(vec![OWNERSHIP.into(), GO.into(), NOTE.into()])
    );
    assert_eq!(titles(&project, &["--tag", "linux", "memory"]), [RUST]);
    assert_eq!(
        sorted(titles(
            &project,
            &["--tag", "programming", "--tag", "news", "kernel"]
        )),
        sorted(vec![RUST.into(), SCHEDULER.into()]),
        "tags add up"
    );
    assert!(
        titles(
            &project,
            &["--tag", "programming", "--feed", "Lwn", "memory"]
        )
        .is_empty(),
        "--feed and --tag both apply"
    );
    assert_eq!(
        sorted(titles(&project, &["--since", "5h30m", "memory"])),
        sorted(vec![RUST.into(), OWNERSHIP.into()])
    );
    assert_eq!(
        titles(
            &project,
            &["--until", "2026-11-28T05:30:00Z", "memory", "safety"]
        ),
        [NOTE]
    );
    assert_eq!(
        titles(&project, &["--since", "2d", "--tag", "linux", "kernel"]),
        [RUST],
        "the scheduler story is older"
    );

    let unknown = project.run(&["query", "--tag", "nosuch", "memory"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("nosuch"), "{}", unknown.stderr);
}

#[test]
fn relevance_puts_the_better_match_first_and_recent_the_newest() {
    let (_server, project) = searchable();
    let ranked = titles(&project, &["garbage", "collection"]);
    assert_eq!(
        ranked,
        [OWNERSHIP],
        "collection and collector are different words"
    );
    let ranked = titles(&project, &["memory", "safety"]);
    let place = |title: &str| ranked.iter().position(|found| found == title);
    assert_eq!(
        ranked.first().map(String::as_str),
        Some(OWNERSHIP),
        "both words in the title and the body: {ranked:?}"
    );
    assert!(
        place(NOTE) < place(GO) && place(NOTE) < place(RUST),
        "words in the title count more than words in the body: {ranked:?}"
    );
    let explicit = titles(&project, &["--order", "relevance", "memory", "safety"]);
    assert_eq!(explicit, ranked, "relevance is the default with words");

    let recent = titles(&project, &["--order", "recent", "memory", "safety"]);
    assert_eq!(recent, [RUST, OWNERSHIP, GO, NOTE]);
    let popular = project.run(&["query", "--order", "popular", "memory"]);
    assert_eq!(popular.code, 0, "{}", popular.stderr);
    assert_eq!(popular.stdout.lines().count(), 5, "{}", popular.stdout);
    let limited = titles(&project, &["--limit", "2", "memory", "safety"]);
    assert_eq!(limited, ranked[..2]);
}

#[test]
fn stories_of_a_search_have_the_story_fields() {
    let (_server, project) = searchable();
    let stories = json_rows(&project, &["--stories", "garbage"]);
    assert_eq!(stories.len(), 2);
    for story in &stories {
        for field in ["story", "title", "link", "published", "sources", "feeds"] {
            assert!(story.get(field).is_some(), "{field} in {story}");
        }
        assert_eq!(story["feeds"], serde_json::json!(["Blog"]));
    }
}

#[test]
fn jsonl_and_csv_outputs_parse() {
    let (_server, project) = searchable();
    let run = project.run(&["query", "--format", "jsonl", "memory"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        for field in [
            "id",
            "story",
            "feed",
            "title",
            "link",
            "published",
            "first_seen",
        ] {
            assert!(line.get(field).is_some(), "{field} in {line}");
        }
    }

    let run = project.run(&["query", "--format", "csv", "--order", "recent", "memory"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let records = parse_csv(&run.stdout);
    assert_eq!(records[0], ["PUBLISHED", "FEED", "TITLE", "LINK"]);
    assert_eq!(records.len(), 5, "a header and four rows:\n{}", run.stdout);
    assert!(records[1..].iter().all(|record| record.len() == 4));
    assert_eq!(records[1][1], "Lwn");
    assert_eq!(records[1][2], RUST);
    assert_eq!(records[1][3], "https://lwn.example/rust");
    assert_eq!(
        records[4][2], NOTE,
        "a title with a comma and quotes survives"
    );
    assert!(
        records[1][0].starts_with("2026-11-28T09:00:00"),
        "{}",
        records[1][0]
    );
}

/// Parses RFC 4180 CSV (CRLF line ends, quoted fields with doubled quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "a last line without CRLF"
    );
    records
}

/// Fails unless `run` is a usage error whose one-line message says `expected` and shows
/// nothing of SQL.
fn assert_clear_error(run: &Run, expected: &str) {
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    let lowered = run.stderr.to_lowercase();
    for leak in ["fts5", "sql", "syntax error", "database error"] {
        assert!(!lowered.contains(leak), "{}", run.stderr);
    }
}

#[test]
fn a_malformed_search_is_one_clear_error() {
    let (_server, project) = searchable();
    let unbalanced = project.run(&["query", "\"memory safety"]);
    assert_clear_error(&unbalanced, "unbalanced quote");
    let hostile = project.run(&["query", "foo\" OR 1=1 --"]);
    assert_clear_error(&hostile, "unbalanced quote");
    let excluded = project.run(&["query", "--", "-memory", "-\"garbage collector\""]);
    assert_clear_error(&excluded, "every word is excluded");
    let nothing = project.run(&["query", "*"]);
    assert_clear_error(&nothing, "nothing to search for");
    let relevance = project.run(&["query", "--order", "relevance"]);
    assert_clear_error(&relevance, "needs words");
}

#[test]
fn query_syntax_in_the_words_is_only_text() {
    let (_server, project) = searchable();
    for typed in [
        "NEAR(memory safety)",
        "title:memory",
        "memory*",
        "^memory",
        "memory OR kernel",
        "memory AND NOT",
        "(memory)",
        "{title}: memory",
    ] {
        let run = project.run(&["query", "--format", "json", typed]);
        assert_eq!(run.code, 0, "{typed}: {}", run.stderr);
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&run.stdout).expect("query prints JSON");
        assert!(rows.len() <= 4, "{typed}: {rows:?}");
    }
    assert!(
        titles(&project, &["memory OR kernel"]).is_empty(),
        "OR is a word no entry has, not an operator"
    );
    assert_eq!(
        titles(&project, &["NEAR(memory safety)"]).len(),
        0,
        "NEAR is a word no entry has"
    );
}

/// Entry ids of `query --format json ARGS`, in order.
fn ids(project: &Project, args: &[&str]) -> Vec<i64> {
    json_rows(project, args)
        .iter()
        .map(|row| row["id"].as_i64().expect("an entry id"))
        .collect()
}

/// Whether an entry, as (feed, published), passes a filter.
type Keeps = fn(&(String, String)) -> bool;

#[test]
fn a_filtered_search_keeps_the_order_of_the_unfiltered_one() {
    // A filter that selects few entries makes the search start from those entries instead
    // of from the full-text index: the rows and their order must not change.
    let (_server, project) = searchable();
    let feed_of: std::collections::HashMap<i64, (String, String)> =
        json_rows(&project, &["--order", "recent", "--limit", "100"])
            .iter()
            .map(|row| {
                (
                    row["id"].as_i64().expect("an entry id"),
                    (
                        row["feed"].as_str().unwrap_or_default().to_string(),
                        row["published"].as_str().unwrap_or_default().to_string(),
                    ),
                )
            })
            .collect();
    for words in [&["memory"][..], &["memory", "safety"], &["safety -go"]] {
        for order in ["relevance", "recent"] {
            let mut unfiltered_args = vec!["--order", order];
            unfiltered_args.extend_from_slice(words);
            let unfiltered = ids(&project, &unfiltered_args);
            assert!(unfiltered.len() >= 2, "{words:?}");
            let cases: [(&[&str], Keeps); 4] = [
                (&["--feed", "Blog"], |(feed, _)| feed == "Blog"),
                (&["--tag", "linux"], |(feed, _)| feed == "Lwn"),
                (&["--since", "5h30m"], |(_, published)| {
                    published.as_str() >= "2026-11-28T06:30:00"
                }),
                (
                    &["--feed", "Blog", "--until", "2026-11-28T06:30:00Z"],
                    |(feed, published)| {
                        feed == "Blog" && published.as_str() < "2026-11-28T06:30:00"
                    },
                ),
            ];
            for (filter, keeps) in cases {
                let mut args = unfiltered_args.clone();
                args.extend_from_slice(filter);
                let expected: Vec<i64> = unfiltered
                    .iter()
                    .copied()
                    .filter(|id| keeps(&feed_of[id]))
                    .collect();
                assert_eq!(ids(&project, &args), expected, "{args:?}");
                let mut limited = args.clone();
                limited.extend_from_slice(&["--limit", "1"]);
                assert_eq!(
                    ids(&project, &limited),
                    expected[..expected.len().min(1)],
                    "{limited:?}"
                );
            }
        }
    }
}
