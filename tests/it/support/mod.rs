//! Test support: the loopback feed server and a harness that runs the real binary in a
//! temporary folder with a `feeds.toml` of the test's choosing.

pub mod server;

use std::path::PathBuf;
use std::process::{Command, Output};

pub use server::{FeedServer, Reply};

/// The clock every test runs with, so dates in fixtures are recent and output is exact.
pub const NOW: &str = "2026-11-28T12:00:00Z";

/// A temporary project folder: `feeds.toml`, the database and `public/` live in it.
pub struct Project {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Project {
    /// A folder whose `feeds.toml` is `[publish]` pointing at a test site plus `feeds`. Each
    /// feed is its own group (on loopback they would all share the host `127.0.0.1`).
    pub fn with_feeds(feeds: &[(&str, &str)]) -> Project {
        let mut toml = String::from(
            "[publish]\ntitle = \"Test front page\"\nlink = \"https://news.example.org/\"\n\n",
        );
        for (name, url) in feeds {
            toml.push_str(&format!(
                "[[feed]]\nname = \"{name}\"\nurl = \"{url}\"\ngroup = \"{name}\"\n\n"
            ));
        }
        Project::with_config(&toml)
    }

    /// A folder whose `feeds.toml` is exactly `toml`.
    pub fn with_config(toml: &str) -> Project {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        std::fs::write(dir.path().join("feeds.toml"), toml).expect("write feeds.toml");
        Project { dir }
    }

    /// A file in the folder.
    pub fn file(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Reads a file of the folder as text.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.file(relative))
            .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
    }

    /// Runs `frontpage ARGS` in the folder at the test clock.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_at(NOW, args)
    }

    /// Runs `frontpage --now NOW ARGS` in the folder.
    pub fn run_at(&self, now: &str, args: &[&str]) -> Run {
        let output = self.command(now, args).output().expect("run frontpage");
        Run::from(output)
    }

    /// The command, ready to run or to spawn.
    pub fn command(&self, now: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_frontpage"));
        command
            .current_dir(self.dir.path())
            .env_remove("FRONTPAGE_CONFIG")
            .env_remove("RUST_LOG")
            .arg("--now")
            .arg(now)
            .args(args);
        command
    }

    /// `query --format json`, parsed.
    pub fn entries(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["query", "--format", "json", "--limit", "1000"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(&run.stdout).expect("query prints JSON")
    }

    /// Every stored entry (`query --format json` without a practical limit), parsed.
    pub fn entries_all(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["query", "--format", "json", "--limit", "1000000"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(&run.stdout).expect("query prints JSON")
    }

    /// `feeds --format json`, parsed.
    pub fn feeds(&self) -> Vec<serde_json::Value> {
        let run = self.run(&["feeds", "--format", "json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(&run.stdout).expect("feeds prints JSON")
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Fails unless `bytes` is well-formed XML by a strict parser.
pub fn assert_well_formed(bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).expect("XML output is UTF-8");
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(error) => panic!(
                "not well-formed at byte {}: {error}\n{text}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    assert_eq!(roots, 1, "exactly one root element");
}

/// The text of every `<tag>…</tag>` in `xml`, in order (no nesting, no attributes needed).
pub fn texts_of(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // Skip longer tag names that merely start the same (<link> vs <linkx>).
        if !after.starts_with('>') && !after.starts_with(' ') {
            rest = after;
            continue;
        }
        let Some(body_start) = after.find('>') else {
            break;
        };
        let body = &after[body_start + 1..];
        let Some(end) = body.find(&close) else { break };
        found.push(body[..end].to_string());
        rest = &body[end..];
    }
    found
}

/// One `<item>` for [`rss`]; empty fields are left out.
#[derive(Clone, Copy, Default)]
pub struct Item<'a> {
    pub title: &'a str,
    pub link: &'a str,
    pub guid: &'a str,
    /// RFC 822.
    pub date: &'a str,
    pub comments: &'a str,
    pub description: &'a str,
}

/// An RSS 2.0 document with these items.
pub fn rss(site: &str, items: &[Item<'_>]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{site}</title>\
         <link>https://{site}/</link><description>test feed</description>\n"
    );
    for item in items {
        xml.push_str("<item>");
        for (tag, value) in [
            ("title", item.title),
            ("link", item.link),
            ("guid", item.guid),
            ("pubDate", item.date),
            ("comments", item.comments),
            ("description", item.description),
        ] {
            if !value.is_empty() {
                xml.push_str(&format!("<{tag}>{}</{tag}>", escape(value)));
            }
        }
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel></rss>\n");
    xml
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
