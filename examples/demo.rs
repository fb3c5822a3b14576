//! See frontpage work offline: `cargo run --example demo [-- --keep DIR]`.
//!
//! Serves the bundled sample feeds (tests/fixtures) from a loopback HTTP server, writes a
//! `feeds.toml` for them into a temporary folder, runs the whole pipeline there exactly as
//! `frontpage run` would (fetch → SQLite → every published format), then shows the feeds'
//! status, the stored entries, the files published and the merged RSS feed.
//!
//! With `--keep DIR`, the pipeline runs in DIR (created if missing) instead, and `feeds.toml`,
//! the database and `public/` stay there for inspection (`.ci/interop.sh` hands them to real
//! feed readers). A DIR a previous demo wrote is reused from scratch; a DIR holding some other
//! `feeds.toml` is refused rather than overwritten.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

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

/// The first line of every `feeds.toml` the demo writes, so `--keep` can tell its own folder
/// from someone else's.
const CONFIG_MARKER: &str = "# written by `cargo run --example demo`; rewritten on every run";

const USAGE: &str = "usage: cargo run --example demo [-- --keep DIR]";

/// Where the demo runs: a temporary folder removed at the end, or the folder given to `--keep`.
enum Workspace {
    Temporary(tempfile::TempDir),
    Kept(PathBuf),
}

impl Workspace {
    fn path(&self) -> &Path {
        match self {
            Workspace::Temporary(folder) => folder.path(),
            Workspace::Kept(folder) => folder,
        }
    }
}

fn main() -> anyhow::Result<()> {
    let workspace = match keep_folder_from_args(std::env::args().skip(1))? {
        Some(folder) => Workspace::Kept(prepare_kept_folder(folder)?),
        None => Workspace::Temporary(tempfile::tempdir()?),
    };
    let folder = workspace.path();

    let server = FeedServer::start();
    let mut config = format!(
        "{CONFIG_MARKER}\n\n\
         [publish]\n\
         title = \"frontpage demo\"\n\
         link = \"http://127.0.0.1:8080/\"\n\n",
    );
    // Every sample is served from 127.0.0.1, so by default they would all be one group (the
    // host): one source for coverage, and the per-group cap would hide most stories. Each
    // sample stands for a different site, so each gets a group of its own.
    for (name, path, fixture) in SAMPLES {
        server.route(path, Reply::fixture(fixture).etag("\"demo-1\""));
        config.push_str(&format!(
            "[[feed]]\nname = \"{name}\"\nurl = \"{}\"\ngroup = \"{name}\"\ntags = [\"demo\"]\n\n",
            server.url(path)
        ));
    }
    let config_path = folder.join("feeds.toml");
    std::fs::write(&config_path, &config)
        .with_context(|| format!("cannot write {}", config_path.display()))?;

    // The bundled samples are dated late November 2026; run the clock just after them.
    let now = "2026-11-28T12:00:00Z";
    println!("# frontpage run  (in {})\n", folder.display());
    frontpage_command(&config_path, now, &["-v", "run"])?;
    println!("\n# frontpage feeds\n");
    frontpage_command(&config_path, now, &["feeds"])?;
    println!("\n# frontpage query --limit 8\n");
    frontpage_command(&config_path, now, &["query", "--limit", "8"])?;
    // `run` writes every format this build supports into public/; list whatever it wrote.
    let public = folder.join("public");
    println!("\n# published files (public/)\n");
    for (file, size) in files_under(&public)? {
        println!("{size:>8} bytes  {}", file.display());
    }
    println!("\n# public/feed.rss\n");
    let rss = std::fs::read_to_string(public.join("feed.rss"))?;
    println!("{rss}");
    println!(
        "\n# {} requests reached the sample server",
        server.requests().len()
    );
    if let Workspace::Kept(folder) = &workspace {
        println!(
            "# kept feeds.toml, the database and public/ in {}",
            folder.display()
        );
    }
    Ok(())
}

/// The folder given with `--keep DIR` (or `--keep=DIR`), if any; any other argument is an error.
fn keep_folder_from_args(
    mut args: impl Iterator<Item = String>,
) -> anyhow::Result<Option<PathBuf>> {
    let mut keep = None;
    while let Some(arg) = args.next() {
        let folder = match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--keep" => args
                .next()
                .with_context(|| format!("--keep needs a folder\n{USAGE}"))?,
            other => match other.strip_prefix("--keep=") {
                Some(folder) => folder.to_string(),
                None => anyhow::bail!("unexpected argument {other:?}\n{USAGE}"),
            },
        };
        anyhow::ensure!(!folder.is_empty(), "--keep needs a folder\n{USAGE}");
        keep = Some(PathBuf::from(folder));
    }
    Ok(keep)
}

/// Creates `folder` if missing. A folder a previous demo wrote is emptied of its database and
/// `public/` so the run starts fresh (the sample server's port changes every run); any other
/// folder that is not empty is refused rather than written into.
fn prepare_kept_folder(folder: PathBuf) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let config_path = folder.join("feeds.toml");
    let written_by_demo =
        std::fs::read_to_string(&config_path).is_ok_and(|text| text.starts_with(CONFIG_MARKER));
    if !written_by_demo {
        let mut entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?;
        anyhow::ensure!(
            entries.next().is_none(),
            "{} is not empty and not a previous demo's folder; give --keep a new or empty folder",
            folder.display()
        );
        return Ok(folder);
    }
    for entry in std::fs::read_dir(&folder)? {
        let entry = entry?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("frontpage.db")
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    let public = folder.join("public");
    if public.exists() {
        std::fs::remove_dir_all(&public)
            .with_context(|| format!("cannot remove {}", public.display()))?;
    }
    Ok(folder)
}

/// Every file under `root` (relative to it) with its size, sorted by path.
fn files_under(root: &Path) -> anyhow::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?
        {
            let entry = entry?;
            let metadata = entry.metadata()?;
            if metadata.is_dir() {
                folders.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(root)?.to_path_buf();
                files.push((relative, metadata.len()));
            }
        }
    }
    files.sort();
    Ok(files)
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
