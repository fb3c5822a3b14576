//! Arbitrary bytes as a feed body from a fixed URL: `frontpage::parse::parse` must return,
//! never panic, overflow the stack or run away.
//!
//! `parse` catches a panic inside feed-rs and returns it as an error, but libFuzzer's panic
//! hook aborts before anything can be caught. So this target puts back a hook that does not
//! abort: a panic caught inside `parse` is then a handled failure, and one that escapes
//! `parse` still aborts (libfuzzer-sys aborts on it). Set `FUZZ_ABORT_ON_ANY_PANIC=1` to keep
//! libFuzzer's hook and hunt the panics `parse` catches too (bugs to report upstream, or to
//! avoid before feed-rs sees the document).

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use url::Url;

static FINAL_URL: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://fuzz.example.org/feed.xml").expect("a valid URL"));

fuzz_target!(
    init: {
        if std::env::var_os("FUZZ_ABORT_ON_ANY_PANIC").is_none() {
            std::panic::set_hook(Box::new(|_| {}));
        }
    },
    |body: &[u8]| {
        let _ = frontpage::parse::parse(body, &FINAL_URL);
    }
);
