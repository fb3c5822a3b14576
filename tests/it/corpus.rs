//! The W3C Feed Validation Service's test cases (`../shared/corpora/w3c-feedvalidator/`, see
//! its README): 2,224 small documents nobody here wrote, many deliberately broken, go through
//! `frontpage::parse::parse`. None may panic; in `atom/`, `rss/` and `rss20/`, every case the
//! validator calls valid must parse into a feed, except the few in [`EXCEPTIONS`].
//!
//! The corpus lives beside the clone, not in it: without it the test says so and passes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use frontpage::parse::{ParseError, parse};
use url::Url;

/// Valid cases that do not parse, each with the reason. Paths are relative to `testcases/`.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "atom/must/feed_copyright_is_inline.xml",
        "not well-formed: `<copyright>` is closed by `</rights>` (the case checks only that one \
         message is absent)",
    ),
    (
        "atom/must/feed_copyright_is_inline_2.xml",
        "not well-formed: `<copyright>` is closed by `</rights>`, as above",
    ),
];

/// The folders whose valid cases must parse: the feed formats frontpage reads.
const FEED_FOLDERS: &[&str] = &["atom", "rss", "rss20"];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/w3c-feedvalidator/testcases")
}

fn files_under(folder: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("read {}: {error}", folder.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|error| panic!("entry of {}: {error}", folder.display()))
            .path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// The message classes of a case's `Expect:` line (`!Error`, `InvalidLink{…}`), or None for
/// a file that is no test case (the suite's own web pages).
fn expected_classes(body: &[u8]) -> Option<Vec<String>> {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let line = head
        .lines()
        .find_map(|line| line.trim().strip_prefix("Expect:"))?;
    // split at the commas outside `{…}`
    let mut classes = Vec::new();
    let mut current = String::new();
    let mut depth = 0_usize;
    for c in line.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                classes.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    classes.push(current.trim().to_owned());
    classes.retain(|class| !class.is_empty());
    Some(classes)
}

/// Whether the validator calls a case valid: it expects only the absence of messages
/// (`!Error`, `!ContainsHTML`, …), as the corpus README says, or messages that say a value
/// is valid (`ValidRFC2822Date`, `ValidURI`: the validator's informational `ValidValue`
/// classes), which the README leaves out but which mark valid feeds just as well.
fn is_valid(classes: &[String]) -> bool {
    !classes.is_empty()
        && classes
            .iter()
            .all(|class| class.starts_with('!') || class.starts_with("Valid"))
}

#[test]
fn the_feedvalidator_corpus_parses_without_panics() {
    let root = corpus();
    if !root.is_dir() {
        println!(
            "skipped: the corpus is not at {} (CI has it beside the clone)",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    files_under(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 2000,
        "found the corpus: {} files",
        files.len()
    );

    let final_url = Url::parse("https://validator.example.org/feed").expect("a valid URL");
    let (mut n_parsed, mut n_failed, mut n_skipped, mut n_crashed) = (0, 0, 0, 0);
    let mut panics = Vec::new();
    let mut valid_failures = Vec::new();
    let mut exceptions_that_parse = Vec::new();
    let mut n_valid = 0;
    for path in &files {
        let relative = path
            .strip_prefix(&root)
            .expect("a file under the corpus")
            .to_string_lossy()
            .replace('\\', "/");
        let body = std::fs::read(path).unwrap_or_else(|error| panic!("read {relative}: {error}"));
        let result = match catch_unwind(AssertUnwindSafe(|| parse(&body, &final_url))) {
            Ok(result) => result,
            Err(_) => {
                panics.push(relative);
                continue;
            }
        };
        // every file is fed, but only test cases are counted
        let Some(classes) = expected_classes(&body) else {
            n_skipped += 1;
            continue;
        };
        match &result {
            Ok(_) => n_parsed += 1,
            Err(ParseError::Malformed { message }) if message.contains("crashed") => {
                n_crashed += 1;
                n_failed += 1;
            }
            Err(_) => n_failed += 1,
        }
        let in_feed_folder = FEED_FOLDERS
            .iter()
            .any(|folder| relative.starts_with(&format!("{folder}/")));
        if !(in_feed_folder && is_valid(&classes)) {
            continue;
        }
        n_valid += 1;
        let excepted = EXCEPTIONS.iter().any(|(path, _)| *path == relative);
        match (&result, excepted) {
            (Err(error), false) => valid_failures.push(format!("{relative}: {error}")),
            (Ok(_), true) => exceptions_that_parse.push(relative),
            _ => {}
        }
    }
    println!(
        "feedvalidator corpus: {} files: {n_parsed} parsed, {n_failed} failed cleanly \
         ({n_crashed} of them inside feed-rs, caught), {n_skipped} skipped (no Expect line: \
         the suite's web pages, fed for the panic check only); {n_valid} valid cases in {}, \
         {} listed exceptions",
        files.len(),
        FEED_FOLDERS.join(", "),
        EXCEPTIONS.len()
    );
    assert!(
        panics.is_empty(),
        "parse panicked on:\n{}",
        panics.join("\n")
    );
    assert!(
        valid_failures.is_empty(),
        "{} valid cases failed to parse:\n{}",
        valid_failures.len(),
        valid_failures.join("\n")
    );
    assert!(
        exceptions_that_parse.is_empty(),
        "these exceptions parse now; remove them from EXCEPTIONS:\n{}",
        exceptions_that_parse.join("\n")
    );
}

#[test]
fn expect_lines_are_read() {
    let case = |text: &str| expected_classes(text.as_bytes());
    assert_eq!(
        case("<!--\n  Description: x\n  Expect:  !Error\n-->"),
        Some(vec!["!Error".to_owned()])
    );
    assert_eq!(
        case("<!--\nExpect: InvalidLink{parent:channel,element:link}, !Error\n-->"),
        Some(vec![
            "InvalidLink{parent:channel,element:link}".to_owned(),
            "!Error".to_owned()
        ])
    );
    assert_eq!(case("<html/>"), None);
    assert!(is_valid(&["!Error".to_owned(), "!ContainsHTML".to_owned()]));
    assert!(is_valid(&["!Error".to_owned(), "ValidURI".to_owned()]));
    assert!(!is_valid(&["!Error".to_owned(), "InvalidURI".to_owned()]));
    assert!(!is_valid(&[]));
}
