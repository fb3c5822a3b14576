//! Canonical links and entry keys: the two identities frontpage derives from what a feed says.
//!
//! [`canonical_link`] turns an article URL into a comparable string, so the same article linked
//! as `http://www.example.com/a/?utm_source=rss` and `https://example.com/a` is recognised as
//! one story (SPEC §5). [`entry_keys`] gives every entry of one feed document a deterministic
//! key, so an entry fetched twice is stored once (SPEC §4).
//!
//! Pure: no I/O, no clock, no randomness and no hasher whose output may change between Rust
//! versions (`std`'s `DefaultHasher`). The same input gives the same output on every machine
//! and every release, because keys are stored in the database and compared across runs.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{EntryKey, Timestamp};

/// Query parameters that only track where a click came from, matched case-insensitively.
/// A name ending in `*` is a prefix.
const TRACKING_PARAMS: &[&str] = &[
    "utm_*", "mtm_*", "fbclid", "gclid", "mc_cid", "mc_eid", "igshid",
];

/// Last path segments that name a directory's default document.
const INDEX_FILES: &[&str] = &["index.html", "index.htm", "index.php"];

/// Host prefixes that name the same site as the bare domain.
const HOST_PREFIXES: &[&str] = &["www.", "m."];

/// The canonical form of an article link, for comparing links (SPEC §5).
///
/// The result has no scheme (`example.com/path?a=1`) and is only meant for comparison and as
/// a key, never to be fetched. The rules, applied in this order:
///
/// - **host**: lowercased; one leading `www.` or `m.` is dropped when what remains still has a
///   dot (`www.example.com` → `example.com`, but `www.com` stays); user name and password are
///   dropped; a non-default port is kept (`example.com:8080`).
/// - **path**: case kept; a last segment `index.html`, `index.htm` or `index.php` (any case) is
///   dropped, then trailing slashes (`/a/index.html` → `/a`, `/` → nothing).
/// - **query**: tracking parameters (`utm_*`, `mtm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`,
///   `igshid`) are dropped; the others are kept as written and sorted by name, then value; an
///   empty query disappears.
/// - **fragment**: dropped, except client-side routes (`#!/a`, `#/a`), which name a page.
///
/// A URL without a host (`mailto:`, `urn:`, `data:`) is returned as written.
pub fn canonical_link(url: &Url) -> String {
    let Some(host) = url.host_str() else {
        return url.as_str().to_owned();
    };
    let mut canonical = canonical_host(host);
    if let Some(port) = url.port() {
        canonical.push(':');
        canonical.push_str(&port.to_string());
    }
    canonical.push_str(canonical_path(url.path()));

    let params = canonical_params(url.query().unwrap_or(""));
    if !params.is_empty() {
        canonical.push('?');
        canonical.push_str(&params.join("&"));
    }

    if let Some(fragment) = url.fragment()
        && (fragment.starts_with('!') || fragment.starts_with('/'))
    {
        canonical.push('#');
        canonical.push_str(fragment);
    }
    canonical
}

/// The host lowercased, without one `www.` or `m.` prefix.
fn canonical_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    for prefix in HOST_PREFIXES {
        if let Some(rest) = host.strip_prefix(prefix)
            && rest.contains('.')
        {
            return rest.to_owned();
        }
    }
    host
}

/// The path without a trailing index document or trailing slashes.
fn canonical_path(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    let (directory, last_segment) = path.rsplit_once('/').unwrap_or(("", path));
    let path = if INDEX_FILES
        .iter()
        .any(|index| last_segment.eq_ignore_ascii_case(index))
    {
        directory
    } else {
        path
    };
    path.trim_end_matches('/')
}

/// The query's parameters as written, without tracking parameters, sorted by name then value.
fn canonical_params(query: &str) -> Vec<&str> {
    let mut params: Vec<(&str, &str, &str)> = query
        .split('&')
        .filter(|param| !param.is_empty())
        .map(|param| {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            (name, value, param)
        })
        .filter(|(name, _, _)| !is_tracking_param(name))
        .collect();
    params.sort_unstable();
    params.into_iter().map(|(_, _, param)| param).collect()
}

/// Whether a query parameter name is a tracking parameter.
fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING_PARAMS
        .iter()
        .any(|tracking| match tracking.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *tracking,
        })
}

/// What an entry says about itself, borrowed from a parsed entry, for [`entry_keys`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// The guid or Atom id as written, if any.
    pub guid: Option<&'a str>,
    /// The article link, absolute.
    pub link: Option<&'a Url>,
    /// The plain-text title.
    pub title: Option<&'a str>,
    /// The publication time the feed gives.
    pub published: Option<Timestamp>,
    /// The content (or, lacking it, the summary) as written.
    pub content: Option<&'a str>,
}

/// The kinds of key, most trusted first, with the prefix each key carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Guid,
    Link,
    Title,
    Content,
}

impl KeyKind {
    const ALL: [KeyKind; 4] = [
        KeyKind::Guid,
        KeyKind::Link,
        KeyKind::Title,
        KeyKind::Content,
    ];

    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Guid => "g:",
            KeyKind::Link => "l:",
            KeyKind::Title => "t:",
            KeyKind::Content => "c:",
        }
    }
}

/// frontpage's own key for every entry of ONE feed document, in the same order.
///
/// Each entry gets the first of these that it has and that no other entry of the document
/// shares:
///
/// 1. `g:` + the guid, trimmed. A guid that is an `http://` or `https://` URL loses its scheme,
///    so a feed moving its guids from http to https keeps its keys (SPEC §5).
/// 2. `l:` + the [`canonical_link`] of the link.
/// 3. `t:` + a hash of the title and the publication time (the title alone when undated).
/// 4. `c:` + a hash of the content; an entry with nothing at all hashes the empty string.
///
/// A value shared by several entries of the document (every item with guid `N/A`, every item
/// linking to the home page, reposts under one title and date) identifies none of them, so
/// those entries fall through to the next kind. If entries still end with the same key (equal
/// content, or nothing at all), the second gets `#2`, the third `#3`, so no entry is lost.
///
/// Hashes are SHA-256, the first 16 bytes in lowercase hex: stable across machines and Rust
/// versions, never random.
pub fn entry_keys(parts: &[KeyParts]) -> Vec<EntryKey> {
    // Every candidate key of every entry, by kind; None where the entry lacks that field.
    let candidates: Vec<[Option<String>; 4]> = parts
        .iter()
        .map(|part| KeyKind::ALL.map(|kind| candidate_key(part, kind)))
        .collect();

    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in candidates.iter().flatten().flatten() {
        *counts.entry(key.as_str()).or_default() += 1;
    }

    let mut used: HashSet<String> = HashSet::with_capacity(parts.len());
    let mut keys = Vec::with_capacity(parts.len());
    for entry_candidates in &candidates {
        let unique = entry_candidates
            .iter()
            .flatten()
            .find(|key| counts.get(key.as_str()) == Some(&1));
        let base = match unique {
            Some(key) => key.clone(),
            // Only content keys are always present, so this is the content (or empty) hash.
            None => entry_candidates[3]
                .clone()
                .unwrap_or_else(|| content_key("")),
        };
        let key = unused_variant(&base, &used);
        used.insert(key.clone());
        keys.push(EntryKey(key));
    }
    keys
}

/// The key of one kind for an entry, when the entry has that field.
fn candidate_key(part: &KeyParts, kind: KeyKind) -> Option<String> {
    let body = match kind {
        KeyKind::Guid => guid_identity(part.guid?)?.to_owned(),
        KeyKind::Link => canonical_link(part.link?),
        KeyKind::Title => {
            let title = part
                .title
                .map(str::trim)
                .filter(|title| !title.is_empty())?;
            let published = part
                .published
                .map(|time| time.unix().to_string())
                .unwrap_or_default();
            // U+001F (unit separator) cannot occur in a plain-text title.
            hash_hex(&format!("{title}\u{1f}{published}"))
        }
        KeyKind::Content => return Some(content_key(part.content.unwrap_or(""))),
    };
    Some(format!("{}{body}", kind.prefix()))
}

/// The `c:` key of a content string.
fn content_key(content: &str) -> String {
    format!("{}{}", KeyKind::Content.prefix(), hash_hex(content))
}

/// The part of a guid that identifies the entry: trimmed, and without an http(s) scheme.
fn guid_identity(guid: &str) -> Option<&str> {
    let guid = guid.trim();
    if guid.is_empty() {
        return None;
    }
    for scheme in ["https://", "http://"] {
        if let Some(prefix) = guid.get(..scheme.len())
            && prefix.eq_ignore_ascii_case(scheme)
        {
            return Some(&guid[scheme.len()..]);
        }
    }
    Some(guid)
}

/// `base`, or the first of `base#2`, `base#3`, … not already used.
fn unused_variant(base: &str, used: &HashSet<String>) -> String {
    if !used.contains(base) {
        return base.to_owned();
    }
    (2_usize..)
        .map(|n| format!("{base}#{n}"))
        .find(|key| !used.contains(key))
        .unwrap_or_else(|| base.to_owned())
}

/// SHA-256 of the text, first 16 bytes as lowercase hex.
fn hash_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let url = Url::parse(input).unwrap_or_else(|error| panic!("bad test URL {input}: {error}"));
        assert_eq!(canonical_link(&url), expected, "canonical_link({input})");
    }

    #[test]
    fn canonical_link_table() {
        let rows: &[(&str, &str)] = &[
            // scheme dropped, so http and https compare equal
            ("https://example.com/a", "example.com/a"),
            ("http://example.com/a", "example.com/a"),
            // host lowercased; path case kept
            ("https://EXAMPLE.com/Path/To", "example.com/Path/To"),
            // www. and m. prefixes dropped
            ("https://www.example.com/a", "example.com/a"),
            ("https://m.example.com/a", "example.com/a"),
            // only a leading prefix, and only one
            ("https://news.www.example.com/a", "news.www.example.com/a"),
            // a prefix that is the whole registrable name stays
            ("https://www.com/a", "www.com/a"),
            // default port dropped, other port kept
            ("https://example.com:443/a", "example.com/a"),
            ("http://example.com:80/a", "example.com/a"),
            ("https://example.com:8443/a", "example.com:8443/a"),
            // user info dropped
            ("https://user:secret@example.com/a", "example.com/a"),
            // trailing slash dropped, homepage has no path
            ("https://example.com/a/", "example.com/a"),
            ("https://example.com/", "example.com"),
            ("https://example.com", "example.com"),
            // index documents dropped, any case
            ("https://example.com/a/index.html", "example.com/a"),
            ("https://example.com/a/index.htm", "example.com/a"),
            ("https://example.com/index.php", "example.com"),
            ("https://example.com/a/INDEX.HTML", "example.com/a"),
            // a file merely ending in index.html is not an index document
            (
                "https://example.com/a/myindex.html",
                "example.com/a/myindex.html",
            ),
            // tracking parameters dropped
            ("https://example.com/a?utm_source=rss", "example.com/a"),
            (
                "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x",
                "example.com/a",
            ),
            ("https://example.com/a?UTM_Source=rss", "example.com/a"),
            ("https://example.com/a?mtm_campaign=x", "example.com/a"),
            (
                "https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5",
                "example.com/a",
            ),
            // meaningful parameters kept
            ("https://example.com/watch?v=A", "example.com/watch?v=A"),
            ("https://example.com/?p=1&utm_source=rss", "example.com?p=1"),
            // remaining parameters sorted, tracking ones removed from between them
            (
                "https://example.com/a?b=2&utm_x=1&a=1",
                "example.com/a?a=1&b=2",
            ),
            // same name: sorted by value
            ("https://example.com/a?t=2&t=1", "example.com/a?t=1&t=2"),
            // parameter without value kept as written
            ("https://example.com/a?flag&b=1", "example.com/a?b=1&flag"),
            ("https://example.com/a?flag=&b=1", "example.com/a?b=1&flag="),
            // empty query and empty pieces disappear
            ("https://example.com/a?", "example.com/a"),
            ("https://example.com/a?&&b=1&", "example.com/a?b=1"),
            // a parameter name merely containing utm is kept
            ("https://example.com/a?autm=1", "example.com/a?autm=1"),
            // fragment dropped, client-side routes kept
            ("https://example.com/a#comments", "example.com/a"),
            ("https://example.com/#!/post/1", "example.com#!/post/1"),
            ("https://example.com/#/post/1", "example.com#/post/1"),
            // all rules together
            (
                "http://www.Example.com:80/blog/index.html?utm_source=rss&id=7#top",
                "example.com/blog?id=7",
            ),
            // no host: returned as written
            ("mailto:tips@example.com", "mailto:tips@example.com"),
            (
                "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
            ),
        ];
        for (input, expected) in rows {
            check(input, expected);
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|error| panic!("bad test URL {text}: {error}"))
    }

    fn keys(parts: &[KeyParts]) -> Vec<String> {
        entry_keys(parts).into_iter().map(|key| key.0).collect()
    }

    fn check_keys(parts: &[KeyParts], expected: &[&str]) {
        assert_eq!(keys(parts), expected);
    }

    #[test]
    fn entry_keys_table() {
        let article = url("https://www.example.com/a/?utm_source=rss");
        let other_article = url("https://example.com/b");
        let home = url("https://example.com/");
        let time = Some(Timestamp::from_unix(1_795_000_000));
        let empty_hash = format!("c:{}", hash_hex(""));

        // guid wins, trimmed
        check_keys(
            &[KeyParts {
                guid: Some("  abc-1 "),
                link: Some(&article),
                ..KeyParts::default()
            }],
            &["g:abc-1"],
        );
        // a URL guid loses its scheme, so http and https give one key
        check_keys(
            &[KeyParts {
                guid: Some("http://example.com/?p=1"),
                ..KeyParts::default()
            }],
            &["g:example.com/?p=1"],
        );
        check_keys(
            &[KeyParts {
                guid: Some("HTTPS://example.com/?p=1"),
                ..KeyParts::default()
            }],
            &["g:example.com/?p=1"],
        );
        // a blank guid is no guid: the canonical link is used
        check_keys(
            &[KeyParts {
                guid: Some("   "),
                link: Some(&article),
                ..KeyParts::default()
            }],
            &["l:example.com/a"],
        );
        // no guid, no link: title and date
        let title_and_time = format!("t:{}", hash_hex("Hello\u{1f}1795000000"));
        check_keys(
            &[KeyParts {
                title: Some("Hello"),
                published: time,
                ..KeyParts::default()
            }],
            &[title_and_time.as_str()],
        );
        // title without date
        let title_only = format!("t:{}", hash_hex("Hello\u{1f}"));
        check_keys(
            &[KeyParts {
                title: Some(" Hello "),
                ..KeyParts::default()
            }],
            &[title_only.as_str()],
        );
        // only content
        let content = format!("c:{}", hash_hex("<p>Hi</p>"));
        check_keys(
            &[KeyParts {
                content: Some("<p>Hi</p>"),
                published: time,
                ..KeyParts::default()
            }],
            &[content.as_str()],
        );
        // nothing at all: the hash of the empty string
        check_keys(&[KeyParts::default()], &[empty_hash.as_str()]);
        // a guid shared by several entries (N/A) is not used; unique ones still are
        check_keys(
            &[
                KeyParts {
                    guid: Some("N/A"),
                    link: Some(&article),
                    ..KeyParts::default()
                },
                KeyParts {
                    guid: Some("N/A"),
                    link: Some(&other_article),
                    ..KeyParts::default()
                },
                KeyParts {
                    guid: Some("unique"),
                    link: Some(&home),
                    ..KeyParts::default()
                },
            ],
            &["l:example.com/a", "l:example.com/b", "g:unique"],
        );
        // guids equal up to their scheme count as shared
        check_keys(
            &[
                KeyParts {
                    guid: Some("http://example.com/1"),
                    title: Some("One"),
                    ..KeyParts::default()
                },
                KeyParts {
                    guid: Some("https://example.com/1"),
                    title: Some("Two"),
                    ..KeyParts::default()
                },
            ],
            &[
                &format!("t:{}", hash_hex("One\u{1f}")),
                &format!("t:{}", hash_hex("Two\u{1f}")),
            ],
        );
        // a link shared by several entries (the home page) is not used
        check_keys(
            &[
                KeyParts {
                    link: Some(&home),
                    title: Some("One"),
                    ..KeyParts::default()
                },
                KeyParts {
                    link: Some(&home),
                    title: Some("Two"),
                    ..KeyParts::default()
                },
            ],
            &[
                &format!("t:{}", hash_hex("One\u{1f}")),
                &format!("t:{}", hash_hex("Two\u{1f}")),
            ],
        );
        // links equal once canonical count as shared
        check_keys(
            &[
                KeyParts {
                    link: Some(&article),
                    content: Some("x"),
                    ..KeyParts::default()
                },
                KeyParts {
                    link: Some(&url("http://example.com/a")),
                    content: Some("y"),
                    ..KeyParts::default()
                },
            ],
            &[
                &format!("c:{}", hash_hex("x")),
                &format!("c:{}", hash_hex("y")),
            ],
        );
        // two empty entries: suffixes keep both
        check_keys(
            &[
                KeyParts::default(),
                KeyParts::default(),
                KeyParts::default(),
            ],
            &[
                empty_hash.as_str(),
                &format!("{empty_hash}#2"),
                &format!("{empty_hash}#3"),
            ],
        );
        // same title and date, same content: suffixes on the content key
        let repost = KeyParts {
            title: Some("Repost"),
            published: time,
            content: Some("same"),
            ..KeyParts::default()
        };
        let same = format!("c:{}", hash_hex("same"));
        check_keys(&[repost, repost], &[same.as_str(), &format!("{same}#2")]);
        // a suffixed key never collides with a natural one
        check_keys(
            &[
                KeyParts {
                    guid: Some("x#2"),
                    ..KeyParts::default()
                },
                KeyParts {
                    guid: Some("x"),
                    content: Some("a"),
                    ..KeyParts::default()
                },
                KeyParts {
                    guid: Some("x"),
                    content: Some("a"),
                    ..KeyParts::default()
                },
            ],
            &[
                "g:x#2",
                &format!("c:{}", hash_hex("a")),
                &format!("c:{}#2", hash_hex("a")),
            ],
        );
        // no entries, no keys
        check_keys(&[], &[]);
    }

    #[test]
    fn entry_keys_are_stable_across_calls() {
        let parts = [
            KeyParts {
                content: Some("only a description"),
                ..KeyParts::default()
            },
            KeyParts::default(),
        ];
        assert_eq!(entry_keys(&parts), entry_keys(&parts));
    }

    #[test]
    fn hash_is_sha256_prefix() {
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855
        assert_eq!(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb924");
    }
}
