//! See frontpage work offline: `cargo run --example demo`.
//!
//! Serves the bundled sample feeds (tests/fixtures) from a loopback HTTP server, writes a
//! `feeds.toml` for them into a temporary folder, runs the whole pipeline there exactly as
//! `frontpage run` would (fetch → SQLite → RSS and Atom), then shows the feeds' status, the
//! stored entries and the merged RSS feed.

use std::path::Path;

#[allow(dead_code)]
#[path = "../tests/it/support/server.rs"]
mod server;

use server::{FeedServer, Reply};

/// The sample feeds: (name, path served, fixture file).
const SAMPLES: &[(&str, &str, &str)] = &[
    ("Krebs on Security", "/krebs/feed/", "rss2/krebs.xml"),
    (
        "Schneier on Security",
        "/schneier/atom",
        "atom/schneier.xml",
    ),
    ("Slashdot", "/slashdot.rdf", "rdf/slashdot.xml"),
    ("Scripting News", "/scripting.xml", "rss091/scripting.xml"),
    ("JSON Feed example", "/feed.json", "json/feed.json"),
];

fn main() -> anyhow::Result<()> {
    let server = FeedServer::start();
    let mut config = String::from(
        "[publish]\n\
         title = \"frontpage demo\"\n\
         link = \"http://127.0.0.1:8080/\"\n\n",
    );
    for (name, path, fixture) in SAMPLES {
        server.route(path, Reply::fixture(fixture).etag("\"demo-1\""));
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\ntags = [\"demo\"]\n\n",
            server.url(path)
        ));
    }
    let folder = tempfile::tempdir()?;
    let config_path = folder.path().join("feeds.toml");
    std::fs::write(&config_path, &config)?;

    // The bundled samples are dated late November 2026; run the clock just after them.
    let now = "2026-11-28T12:00:00Z";
    println!("# frontpage run  (in {})\n", folder.path().display());
    frontpage_command(&config_path, now, &["-v", "run"])?;
    println!("\n# frontpage feeds\n");
    frontpage_command(&config_path, now, &["feeds"])?;
    println!("\n# frontpage query --limit 8\n");
    frontpage_command(&config_path, now, &["query", "--limit", "8"])?;
    println!("\n# public/feed.rss\n");
    let rss = std::fs::read_to_string(folder.path().join("public/feed.rss"))?;
    println!("{rss}");
    println!(
        "\n# {} requests reached the sample server",
        server.requests().len()
    );
    Ok(())
}

/// Runs one frontpage command in-process, as the binary would.
fn frontpage_command(config: &Path, now: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut argv = vec![
        "frontpage".to_string(),
        "--config".to_string(),
        config.display().to_string(),
        "--now".to_string(),
        now.to_string(),
    ];
    argv.extend(args.iter().map(|arg| (*arg).to_string()));
    let status = frontpage::cmd::execute(frontpage::cli::parse_from(argv))?;
    anyhow::ensure!(status.exit_code() == 0, "some sample feeds failed");
    Ok(())
}
