//! An arbitrary string as a link and as a guid: `Url::parse`, then
//! `frontpage::canon::canonical_link` and `global_guid` must return, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|text: &str| {
    if let Ok(url) = Url::parse(text) {
        let canonical = frontpage::canon::canonical_link(&url);
        // canonical links are keys: the same link always gives the same one
        assert_eq!(canonical, frontpage::canon::canonical_link(&url));
    }
    let _ = frontpage::canon::global_guid(text);
});
