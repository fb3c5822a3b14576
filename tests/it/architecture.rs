//! The boundaries ARCHITECTURE.md promises, checked: each external crate is used by exactly
//! one module, which converts its types at the edge.

use std::path::{Path, PathBuf};

/// (crate path prefix, the only place under src/ allowed to use it).
const OWNERS: &[(&str, &str)] = &[
    ("rusqlite::", "src/store/"),
    ("hashbrown::", "src/store/"),
    ("feed_rs::", "src/parse"),
    ("encoding_rs::", "src/parse"),
    ("reqwest::", "src/fetch.rs"),
    ("rustls::", "src/fetch.rs"),
    ("clap::", "src/cli.rs"),
    ("toml::", "src/config.rs"),
    ("toml_edit::", "src/config.rs"),
    ("httpdate::", "src/fetch.rs"),
    ("indicatif::", "src/cmd/"),
    ("humantime::", "src/"),
    ("rss::", "src/publish/"),
    ("atom_syndication::", "src/publish/"),
    ("ammonia::", "src/publish/"),
    ("anyhow::", "src/cmd/"),
    ("hyper::", "src/serve.rs"),
    ("hyper_util::", "src/serve.rs"),
    ("http_body_util::", "src/serve.rs"),
    ("flate2::", "src/serve.rs"),
    ("tracing_subscriber::", "src/cmd/"),
];

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).expect("read src/") {
        let path = entry.expect("read an entry of src/").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn each_external_crate_has_one_owner() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(root)
            .expect("a file under the package")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(file).expect("read a source file");
        for (prefix, owner) in OWNERS {
            let used = text.lines().any(|line| {
                let code = line.split("//").next().unwrap_or_default();
                code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .any(|word| word.starts_with(prefix))
            });
            if used && !relative.starts_with(owner) {
                violations.push(format!("{relative} uses {prefix} (owned by {owner})"));
            }
        }
    }
    assert!(files.len() > 10, "found the sources");
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
