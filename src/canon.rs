//! Canonical links and entry keys: the identities frontpage derives from what a feed says.
//!
//! [`canonical_link`] turns an article URL into a comparable string, so the same article linked
//! as `http://www.example.com/a/?utm_source=rss` and `https://example.com/a` is recognised as
//! one story (SPEC §5). [`is_homepage`] and [`is_discussion_page`] name the links that must
//! never merge stories, and [`global_guid`] the guids that may. [`entry_keys`] gives every
//! entry of one feed document a deterministic key, so an entry fetched twice is stored once
//! (SPEC §4).
//!
//! Pure: no I/O, no clock, no randomness and no hasher whose output may change between Rust
//! versions (`std`'s `DefaultHasher`). The same input gives the same output on every machine
//! and every release, because keys are stored in the database and compared across runs.
//! Nothing here panics, whatever the URL.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use url::{Url, form_urlencoded};

use crate::model::{EntryKey, Timestamp};

/// Query parameters that only track where a click came from, matched case-insensitively
/// after percent-decoding. A name ending in `*` is a prefix. Grouped by who sets them.
const TRACKING_PARAMS: &[&str] = &[
    // Google Analytics, Google Ads and Display & Video
    "utm_*",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "_ga",
    "_gl",
    // Matomo (and its older name, Piwik)
    "mtm_*",
    "pk_campaign",
    "pk_kwd",
    "pk_source",
    "pk_medium",
    "pk_content",
    "piwik_campaign",
    "piwik_kwd",
    // Meta (Facebook, Instagram)
    "fbclid",
    "igshid",
    // Mailchimp
    "mc_cid",
    "mc_eid",
    // HubSpot
    "_hsenc",
    "_hsmi",
    "__hstc",
    "__hssc",
    "__hsfp",
    "hsctatracking",
    // Microsoft Advertising; MSN's origin code (the article is in the path: `/ar-AA1xyz`)
    "msclkid",
    "ocid",
    // Yandex, X/Twitter, Marketo, Yahoo, Adobe Analytics, Webtrends, AT Internet (BBC)
    "yclid",
    "twclid",
    "ref_src",
    "__twitter_impression",
    "mkt_tok",
    "ncid",
    "guccounter",
    "s_cid",
    "wt.mc_id",
    "at_medium",
    "at_campaign",
    // campaign ids of newsletters and social posts (CNN, Forbes, …)
    "cmpid",
    // Omeda, Vero (newsletter tools)
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "vero_conv",
    // added by the AMP viewer and the AMP cache
    "amp_js_v",
    "amp_gsa",
    "amp_ct",
    "amp_tf",
    "usqp",
    "ampshare",
    "aoh",
];

/// Last path segments that name a directory's default document.
const INDEX_FILES: &[&str] = &["index.html", "index.htm", "index.php"];

/// Host prefixes that name the same site as the bare domain (`amp.` serves its AMP pages).
const HOST_PREFIXES: &[&str] = &["www.", "m.", "amp."];

/// How many wrappers (redirects, AMP caches) [`canonical_link`] unwraps, at most. A link
/// wrapped deeper is compared as the wrapper that remains, and the work stays bounded.
const MAX_UNWRAPS: usize = 4;

/// The longest YouTube video id accepted (real ones have 11 characters).
const MAX_VIDEO_ID_LEN: usize = 32;

/// The canonical form of an article link, for comparing links (SPEC §5).
///
/// The result has no scheme (`example.com/path?a=1`) and is only meant for comparison and as
/// a key, never to be fetched. Two links with the same canonical link are the same article;
/// whether they may *merge* stories is further restricted by [`is_homepage`] and
/// [`is_discussion_page`]. The rules, applied in this order:
///
/// 1. **Wrappers are unwrapped**, at most four deep (a link nested deeper is compared as the
///    wrapper that remains):
///    - a Google redirect, `google.TLD/url?q=TARGET&sa=…` or `/url?url=TARGET` (any
///      `google.com`, `google.de`, `google.co.uk`, … host): the `q` (else `url`) parameter,
///      when it is an absolute http(s) URL;
///    - Google's AMP viewer, `google.TLD/amp/s/example.com/x` → `https://example.com/x`
///      (without `s/`, `http://`); the viewer's query is the article's;
///    - the AMP cache, `example-com.cdn.ampproject.org/c/s/example.com/x` (also `/v/` and
///      `/i/`), likewise;
///    - Facebook's link shim, `l.facebook.com/l.php?u=TARGET` (also `lm.facebook.com`).
///
///    FeedBurner's `feedproxy.google.com/~r/…` links cannot be unwrapped from the URL alone;
///    the parser takes the article from the item's `<feedburner:origLink>` instead.
/// 2. **YouTube videos** become `youtube.com/watch?v=ID`, whichever way they are linked:
///    `youtu.be/ID`, `youtube.com/watch?v=ID`, `/shorts/ID`, `/embed/ID`, `/live/ID`, `/v/ID`,
///    on `www.`, `m.` or `youtube-nocookie.com`. Every other parameter (`si`, `feature`, `t`,
///    `list`, …) is dropped: the story is the video, not where it starts or which playlist
///    led to it. Ids are case-sensitive (`?v=A` ≠ `?v=a`).
/// 3. **host**: lowercased, without a trailing dot; one leading `www.`, `m.` or `amp.` is
///    dropped when what remains still has a dot (`www.example.com` → `example.com`, but
///    `www.com` and `amp.dev` stay); user name and password are dropped; the default port of
///    the scheme is dropped, any other port kept (`example.com:8080`). Because the scheme is
///    dropped, `http` and `https` links compare equal.
/// 4. **path**: case kept (`/Foo` ≠ `/foo`); trailing slashes dropped; then a last segment
///    `index.html`, `index.htm` or `index.php` (any case), then a last segment `amp` (AMP
///    pages at `/x/amp/`), each followed by trailing slashes (`/a/index.html` → `/a`,
///    `/a/amp/` → `/a`, `/` → nothing).
/// 5. **query**: these parameters are dropped, and the others kept as written, sorted by
///    name, then value (so parameter order does not matter; `?p=1` ≠ `?p=2`); an empty query
///    disappears. Names are compared case-insensitively after percent-decoding.
///    - tracking parameters: `utm_*`, `mtm_*`; Google's `gclid`, `gclsrc`, `dclid`,
///      `gbraid`, `wbraid`, `_ga`, `_gl`; Matomo/Piwik's `pk_campaign`, `pk_kwd`,
///      `pk_source`, `pk_medium`, `pk_content`, `piwik_campaign`, `piwik_kwd`; `fbclid`,
///      `igshid`; Mailchimp's `mc_cid`, `mc_eid`; HubSpot's `_hsenc`, `_hsmi`, `__hstc`,
///      `__hssc`, `__hsfp`, `hsCtaTracking`; Microsoft's `msclkid` and MSN's origin code
///      `ocid`; `yclid`, `twclid`, `ref_src`, `__twitter_impression`, `mkt_tok`, `ncid`,
///      `guccounter`, `s_cid`, `WT.mc_id`, `at_medium`, `at_campaign`; the campaign id
///      `cmpid`; `oly_anon_id`, `oly_enc_id`, `vero_id`, `vero_conv`;
///    - what the AMP viewer adds (`amp_js_v`, `amp_gsa`, `amp_ct`, `amp_tf`, `usqp`,
///      `ampshare`, `aoh`), and the AMP switch itself: `amp`, `amp=1`, `amp=true`,
///      `outputType=amp`;
///    - `ref` when its value names the site itself: the host, a parent domain of it or one
///      of its labels but the last, with or without scheme, `www.` or trailing slash
///      (`?ref=example.com` or `?ref=example` on `example.com`). Any other `ref` is
///      meaningful and stays (GitHub's `?ref=main` ≠ `?ref=dev`);
///    - `source` whose value starts with `rss` (Medium's `?source=rss----…`).
///
///    Generic names that some sites use for content (`id`, `p`, `v`, `page`, `cmp`,
///    `source=twitter`, …) are never dropped: a false split is cheaper than a false merge.
/// 6. **fragment**: dropped (`#comments`), except client-side routes starting with `!` or `/`
///    (`#!/post/1`, `#/post/1`), which name a page.
///
/// A URL without a host (`mailto:`, `urn:`, `data:`) is returned as written.
pub fn canonical_link(url: &Url) -> String {
    match CanonicalParts::of(url) {
        Some(parts) => parts.to_string(),
        None => url.as_str().to_owned(),
    }
}

/// Whether the link points at a site's home page rather than at an article: after the rules
/// of [`canonical_link`] (wrappers unwrapped, `index.html` and tracking parameters dropped) it
/// has no path, no query and no client-side route (`example.com/`, `www.example.com/index.html`,
/// `example.com/?utm_source=rss`, `example.com/amp`). Any remaining parameter makes it a page
/// (`example.com/?p=123` is a WordPress post). Entries linking to a home page never merge on
/// their link: many different stories link there. A URL without a host is no home page.
pub fn is_homepage(url: &Url) -> bool {
    CanonicalParts::of(url).is_some_and(|parts| {
        parts.path.is_empty() && parts.params.is_empty() && parts.route.is_none()
    })
}

/// Whether the link points at an aggregator's discussion page rather than at an article, so
/// entries must never merge on it: many feeds link their own comments page, and an HN thread is
/// not the article it discusses. Wrappers are unwrapped first, as in [`canonical_link`].
///
/// - Hacker News: `news.ycombinator.com/item?id=…`;
/// - Lobsters: `lobste.rs/s/<id>[/<slug>]` and comment links `lobste.rs/c/<id>`;
/// - Reddit, on `reddit.com` or any `*.reddit.com` (`old.`, `np.`, …):
///   `/r/<sub>/comments/<id>…`, `/comments/<id>…`, `/user/<name>/comments/<id>…` (also `/u/`),
///   share links `/r/<sub>/s/<id>`, and `redd.it/<id>`;
/// - Tildes: `tildes.net/~<group>/<id>[/<slug>]`, the id in lowercase letters and digits.
///
/// Slashdot stories (`*.slashdot.org/story/…`) are *not* discussion pages: a Slashdot story
/// is an article of its own (a summary with its own title), and other feeds rarely link it.
/// Listings (`news.ycombinator.com/news`, `reddit.com/r/rust`, `tildes.net/~tech`) are not
/// discussion pages either; they are not articles, but no rule is needed for them here.
pub fn is_discussion_page(url: &Url) -> bool {
    let url = unwrap_wrappers(url);
    let Some(host) = url.host_str().map(canonical_host) else {
        return false;
    };
    // Empty segments (`//`, a trailing `/`) are skipped.
    let segments: Vec<&str> = url
        .path()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    match host.as_str() {
        "news.ycombinator.com" => {
            segments.as_slice() == ["item"]
                && url
                    .query_pairs()
                    .any(|(name, value)| name == "id" && !value.is_empty())
        }
        "lobste.rs" => matches!(segments.as_slice(), ["s" | "c", _, ..]),
        "redd.it" => !segments.is_empty(),
        "tildes.net" => match segments.as_slice() {
            [group, id, ..] => {
                group.len() > 1
                    && group.starts_with('~')
                    && id
                        .bytes()
                        .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
            }
            _ => false,
        },
        _ if host == "reddit.com" || host.ends_with(".reddit.com") => matches!(
            segments.as_slice(),
            ["r", _, "comments", _, ..]
                | ["comments", _, ..]
                | ["user" | "u", _, "comments", _, ..]
                | ["r", _, "s", _, ..]
        ),
        _ => false,
    }
}

/// The normalised guid when its form makes it globally unique, so equal guids in two feeds
/// are the same story (SPEC §5); None when it only identifies the entry within its feed.
///
/// - An absolute `http`/`https` URL that is not a home page ([`is_homepage`]): its
///   [`canonical_link`], so `http://`/`https://` or `www.` variants of one guid match. A
///   WordPress guid `https://example.com/?p=123` qualifies (the query names the post);
///   `https://example.com/` does not.
/// - A `tag:` or `urn:` URI (scheme in any case, lowercased in the result): trimmed, as
///   written otherwise; it needs something after the scheme and no whitespace inside.
/// - Anything else is None: `N/A`, bare numbers (`12345`), opaque strings, URLs of other
///   schemes, relative paths, blank guids.
pub fn global_guid(guid: &str) -> Option<String> {
    let guid = guid.trim();
    if let Some((scheme, rest)) = guid.split_once(':') {
        let scheme = scheme.to_ascii_lowercase();
        if matches!(scheme.as_str(), "tag" | "urn") {
            let valid = !rest.is_empty() && !rest.chars().any(char::is_whitespace);
            return valid.then(|| format!("{scheme}:{rest}"));
        }
    }
    let url = Url::parse(guid).ok()?;
    if !matches!(url.scheme(), "http" | "https") || is_homepage(&url) {
        return None;
    }
    CanonicalParts::of(&url).map(|parts| parts.to_string())
}

/// A link after the rules of [`canonical_link`], in pieces.
#[derive(Debug)]
struct CanonicalParts {
    /// Lowercased, without `www.`/`m.`/`amp.`, with a non-default port (`example.com:8080`).
    host: String,
    /// Empty for the home page, else starting with `/`.
    path: String,
    /// The remaining query parameters, as written, sorted.
    params: Vec<String>,
    /// A client-side route (`!/post/1`), without its `#`.
    route: Option<String>,
}

impl CanonicalParts {
    /// The parts of a link, or None when it has no host.
    fn of(url: &Url) -> Option<CanonicalParts> {
        let url = unwrap_wrappers(url);
        let host = canonical_host(url.host_str()?);
        if let Some(video) = youtube_video(&host, &url) {
            return Some(CanonicalParts {
                host: "youtube.com".to_owned(),
                path: "/watch".to_owned(),
                params: vec![format!("v={video}")],
                route: None,
            });
        }
        let params = canonical_params(url.query().unwrap_or(""), &host)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let route = url
            .fragment()
            .filter(|fragment| fragment.starts_with('!') || fragment.starts_with('/'))
            .map(str::to_owned);
        Some(CanonicalParts {
            path: canonical_path(url.path()).to_owned(),
            host,
            params,
            route,
        })
    }
}

impl std::fmt::Display for CanonicalParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.host)?;
        f.write_str(&self.path)?;
        if !self.params.is_empty() {
            write!(f, "?{}", self.params.join("&"))?;
        }
        if let Some(route) = &self.route {
            write!(f, "#{route}")?;
        }
        Ok(())
    }
}

/// The link with up to [`MAX_UNWRAPS`] wrappers removed.
fn unwrap_wrappers(url: &Url) -> Cow<'_, Url> {
    let mut current = Cow::Borrowed(url);
    for _ in 0..MAX_UNWRAPS {
        match unwrap_once(&current) {
            Some(inner) => current = Cow::Owned(inner),
            None => break,
        }
    }
    current
}

/// The link a redirect or AMP wrapper stands for, or None when the link wraps nothing.
fn unwrap_once(url: &Url) -> Option<Url> {
    let host = canonical_host(url.host_str()?);
    let path = url.path();
    if is_google_host(&host) {
        if path == "/url" {
            return query_target(url, &["q", "url"]);
        }
        return amp_target(path.strip_prefix("/amp/")?, url.query());
    }
    if host.ends_with(".cdn.ampproject.org") {
        let rest = ["/c/", "/v/", "/i/"]
            .iter()
            .find_map(|prefix| path.strip_prefix(prefix))?;
        return amp_target(rest, url.query());
    }
    if matches!(host.as_str(), "l.facebook.com" | "lm.facebook.com") && path == "/l.php" {
        return query_target(url, &["u"]);
    }
    None
}

/// Whether a canonical host is Google's (`google.com`, `google.de`, `google.co.uk`,
/// `google.com.au`): `google.` and one or two labels of two or three letters.
fn is_google_host(host: &str) -> bool {
    host.strip_prefix("google.").is_some_and(|suffix| {
        let labels: Vec<&str> = suffix.split('.').collect();
        labels.len() <= 2
            && labels.iter().all(|label| {
                (2..=3).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_lowercase())
            })
    })
}

/// The first of the named query parameters that is an absolute http(s) URL.
fn query_target(url: &Url, names: &[&str]) -> Option<Url> {
    names.iter().find_map(|name| {
        let (_, value) = url.query_pairs().find(|(param, _)| param == name)?;
        absolute_http(&value)
    })
}

/// The article behind an AMP viewer or cache path: `s/example.com/x` is
/// `https://example.com/x`, `example.com/x` is `http://example.com/x`; the query carries over.
fn amp_target(rest: &str, query: Option<&str>) -> Option<Url> {
    let (scheme, rest) = match rest.strip_prefix("s/") {
        Some(rest) => ("https", rest),
        None => ("http", rest),
    };
    let mut target = format!("{scheme}://{rest}");
    if let Some(query) = query {
        target.push('?');
        target.push_str(query);
    }
    absolute_http(&target)
}

/// The text as an absolute http(s) URL with a host.
fn absolute_http(text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    let valid = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|host| !host.is_empty());
    valid.then_some(url)
}

/// The id of a YouTube video link on a canonical host, or None for any other link.
fn youtube_video(host: &str, url: &Url) -> Option<String> {
    let mut segments = url.path().split('/').filter(|segment| !segment.is_empty());
    let id = match host {
        "youtu.be" => segments.next().map(Cow::Borrowed),
        "youtube.com" | "youtube-nocookie.com" => match segments.next()? {
            "watch" => url
                .query_pairs()
                .find(|(name, _)| name == "v")
                .map(|(_, value)| value),
            "shorts" | "embed" | "live" | "v" => segments.next().map(Cow::Borrowed),
            _ => None,
        },
        _ => None,
    }?;
    let valid = !id.is_empty()
        && id.len() <= MAX_VIDEO_ID_LEN
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'));
    valid.then(|| id.into_owned())
}

/// The host lowercased, without a trailing dot and without one `www.`, `m.` or `amp.` prefix.
fn canonical_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    for prefix in HOST_PREFIXES {
        if let Some(rest) = host.strip_prefix(prefix)
            && rest.contains('.')
        {
            return rest.to_owned();
        }
    }
    host.to_owned()
}

/// The path without trailing slashes, then without a trailing index document, then without a
/// trailing `amp` segment.
fn canonical_path(path: &str) -> &str {
    let path = path.trim_end_matches('/');
    let path = strip_last_segment(path, |segment| {
        INDEX_FILES
            .iter()
            .any(|index| segment.eq_ignore_ascii_case(index))
    });
    strip_last_segment(path, |segment| segment == "amp")
}

/// The path without its last segment (and the slashes before it) when `drop` says so.
fn strip_last_segment(path: &str, drop: impl Fn(&str) -> bool) -> &str {
    match path.rsplit_once('/') {
        Some((directory, last_segment)) if drop(last_segment) => directory.trim_end_matches('/'),
        _ => path,
    }
}

/// The query's parameters as written, without the ones [`canonical_link`] drops, sorted by
/// name then value. `host` is the canonical host (no port), which a `ref` parameter may name.
fn canonical_params<'q>(query: &'q str, host: &str) -> Vec<&'q str> {
    let mut params: Vec<(&str, &str, &str)> = query
        .split('&')
        .filter(|param| !param.is_empty())
        .filter(|param| !is_dropped_param(param, host))
        .map(|param| {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            (name, value, param)
        })
        .collect();
    params.sort_unstable();
    params.into_iter().map(|(_, _, param)| param).collect()
}

/// Whether one `name=value` query parameter, as written, is dropped from canonical links.
fn is_dropped_param(param: &str, host: &str) -> bool {
    let Some((name, value)) = form_urlencoded::parse(param.as_bytes()).next() else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    let value = value.trim().to_ascii_lowercase();
    let is_tracking = TRACKING_PARAMS
        .iter()
        .any(|tracking| match tracking.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *tracking,
        });
    is_tracking
        || (name == "amp" && matches!(value.as_str(), "" | "1" | "true"))
        || (name == "outputtype" && value == "amp")
        || (name == "ref" && names_site(&value, host))
        || (name == "source" && value.starts_with("rss"))
}

/// Whether a lowercased `ref` value names the site on `host` (a canonical host, no port): the host
/// itself, a parent domain, or a label other than the top-level domain, with or without a
/// scheme, `www.` and trailing slash.
fn names_site(value: &str, host: &str) -> bool {
    let value = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or(value)
        .trim_end_matches('/');
    if value.is_empty() {
        return false;
    }
    let value = canonical_host(value);
    let is_parent_domain = value.contains('.') && host.ends_with(&format!(".{value}"));
    let mut labels = host.rsplit('.');
    let _top_level_domain = labels.next();
    value == host || is_parent_domain || labels.any(|label| label == value)
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

/// The kinds of key that identify an entry when no other entry of the document shares them,
/// most trusted first, with the prefix each key carries. The content key
/// ([`CONTENT_PREFIX`]) is the last resort: see [`entry_keys`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Guid,
    Link,
    Title,
}

impl KeyKind {
    const ALL: [KeyKind; 3] = [KeyKind::Guid, KeyKind::Link, KeyKind::Title];

    fn prefix(self) -> &'static str {
        match self {
            KeyKind::Guid => "g:",
            KeyKind::Link => "l:",
            KeyKind::Title => "t:",
        }
    }
}

/// The prefix of a content key.
const CONTENT_PREFIX: &str = "c:";

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
    // Every entry's guid, link and title keys; None where the entry lacks that field. The
    // content key is hashed only for an entry that none of these identifies: it is then the
    // entry's key whether or not another entry shares it (the `#2` variants tell them apart),
    // so it needs no count, and most entries never hash their whole content.
    let candidates: Vec<[Option<String>; 3]> = parts
        .iter()
        .map(|part| KeyKind::ALL.map(|kind| candidate_key(part, kind)))
        .collect();

    let mut counts: HashMap<&str, usize> = HashMap::new();
    for key in candidates.iter().flatten().flatten() {
        *counts.entry(key.as_str()).or_default() += 1;
    }

    let mut used: HashSet<String> = HashSet::with_capacity(parts.len());
    let mut keys = Vec::with_capacity(parts.len());
    for (part, entry_candidates) in parts.iter().zip(&candidates) {
        let unique = entry_candidates
            .iter()
            .flatten()
            .find(|key| counts.get(key.as_str()) == Some(&1));
        let base = match unique {
            Some(key) => key.clone(),
            None => content_key(part.content.unwrap_or("")),
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
    };
    Some(format!("{}{body}", kind.prefix()))
}

/// The `c:` key of a content string.
fn content_key(content: &str) -> String {
    format!("{CONTENT_PREFIX}{}", hash_hex(content))
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
    lower_hex(&Sha256::digest(text.as_bytes())[..16])
}

/// `bytes` as lowercase hex, two digits a byte. (Formatting each byte with `{:02x}` into a
/// string of its own was over half the time of hashing an entry's key.)
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_hex_of_the_digest_start() {
        assert_eq!(lower_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(lower_hex(&[]), "");
        // SHA-256 of nothing starts e3b0c442 98fc1c14 9afbf4c8 996fb924: stored keys keep
        // their spelling
        assert_eq!(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb924");
    }

    fn check_exact(input: &str, expected: &str) {
        assert_eq!(
            canonical_link(&url(input)),
            expected,
            "canonical_link({input})"
        );
    }

    #[test]
    fn canonical_link_exact_table() {
        let rows: &[(&str, &str)] = &[
            // scheme dropped, so http and https compare equal
            ("https://example.com/a", "example.com/a"),
            ("http://example.com/a", "example.com/a"),
            // host lowercased; path case kept
            ("https://EXAMPLE.com/Path/To", "example.com/Path/To"),
            // www., m. and amp. prefixes dropped
            ("https://www.example.com/a", "example.com/a"),
            ("https://m.example.com/a", "example.com/a"),
            ("https://amp.example.com/a", "example.com/a"),
            // only a leading prefix, and only one
            ("https://news.www.example.com/a", "news.www.example.com/a"),
            ("https://www.m.example.com/a", "m.example.com/a"),
            // a prefix that is the whole registrable name stays
            ("https://www.com/a", "www.com/a"),
            ("https://amp.dev/documentation", "amp.dev/documentation"),
            // a trailing dot in the host is dropped
            ("https://example.com./a", "example.com/a"),
            // default port dropped, other port kept
            ("https://example.com:443/a", "example.com/a"),
            ("http://example.com:80/a", "example.com/a"),
            ("https://example.com:8443/a", "example.com:8443/a"),
            ("http://[::1]:8080/a/", "[::1]:8080/a"),
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
            // AMP: a last `amp` segment and the amp switch dropped; elsewhere `amp` stays
            ("https://example.com/x/amp/?amp=1", "example.com/x"),
            ("https://example.com/amp/x", "example.com/amp/x"),
            ("https://example.com/x/amp/index.html", "example.com/x"),
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
            // a ref naming the site goes, another ref stays
            (
                "https://example.com/a?ref=example&ref=other",
                "example.com/a?ref=other",
            ),
            (
                "https://github.com/rust-lang/rust/blob/x/README.md?ref=main",
                "github.com/rust-lang/rust/blob/x/README.md?ref=main",
            ),
            // fragment dropped, client-side routes kept
            ("https://example.com/a#comments", "example.com/a"),
            ("https://example.com/#!/post/1", "example.com#!/post/1"),
            ("https://example.com/#/post/1", "example.com#/post/1"),
            // wrappers unwrapped
            (
                "https://www.google.com/url?q=https://www.example.com/a/?utm_source=x&sa=D",
                "example.com/a",
            ),
            (
                "https://example-com.cdn.ampproject.org/c/s/example.com/x",
                "example.com/x",
            ),
            ("https://www.google.com/amp/example.com/x", "example.com/x"),
            // a Google /url whose q is no absolute URL is not a redirect: kept as it is
            (
                "https://www.google.com/url?q=/search%3Fq%3Drust",
                "google.com/url?q=/search%3Fq%3Drust",
            ),
            // YouTube videos have one form
            (
                "https://youtu.be/dQw4w9WgXcQ?si=x&t=42",
                "youtube.com/watch?v=dQw4w9WgXcQ",
            ),
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
            check_exact(input, expected);
        }
    }

    const SAME: bool = true;
    const DIFFERENT: bool = false;

    /// Two links that must (`SAME`) or must not (`DIFFERENT`) have one canonical link.
    fn check(input_a: &str, input_b: &str, same: bool, reason: &str) {
        let canonical_a = canonical_link(&url(input_a));
        let canonical_b = canonical_link(&url(input_b));
        if same {
            assert_eq!(canonical_a, canonical_b, "{reason}: {input_a} vs {input_b}");
        } else {
            assert_ne!(canonical_a, canonical_b, "{reason}: {input_a} vs {input_b}");
        }
    }

    #[test]
    fn canonical_link_pair_table() {
        // One row a line, so the table reads as a table.
        #[rustfmt::skip]
        let rows: &[(&str, &str, bool, &str)] = &[
            // ---- must be equal: host, scheme, port
            ("http://example.com/a", "https://example.com/a", SAME, "http vs https"),
            ("https://www.example.com/a", "https://example.com/a", SAME, "www."),
            ("https://m.example.com/a", "https://example.com/a", SAME, "m."),
            ("https://EXAMPLE.com/a", "https://example.com/a", SAME, "host case"),
            ("https://example.com./a", "https://example.com/a", SAME, "trailing dot in host"),
            ("https://example.com:443/a", "https://example.com/a", SAME, "default https port"),
            ("http://example.com:80/a", "https://example.com/a", SAME, "default http port"),
            ("https://user:pw@example.com/a", "https://example.com/a", SAME, "user info"),
            // ---- path and fragment
            ("https://example.com/a/", "https://example.com/a", SAME, "trailing slash"),
            ("https://example.com/a/index.html", "https://example.com/a/", SAME, "index.html"),
            ("https://example.com/index.html?p=5", "https://example.com/?p=5", SAME, "index.html with a query"),
            ("https://example.com/a#comments", "https://example.com/a", SAME, "fragment"),
            ("https://example.com/a?", "https://example.com/a", SAME, "empty query"),
            // ---- tracking parameters
            ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a", SAME, "utm_*"),
            ("https://example.com/a?mtm_campaign=x&mtm_kwd=y", "https://example.com/a", SAME, "mtm_*"),
            ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a", SAME, "fbclid"),
            ("https://example.com/a?gclid=Cj0KCQ", "https://example.com/a", SAME, "gclid"),
            ("https://example.com/a?mc_cid=1a2b&mc_eid=3c4d", "https://example.com/a", SAME, "mc_cid, mc_eid"),
            ("https://example.com/a?igshid=MzRlODBiNWFlZA==", "https://example.com/a", SAME, "igshid"),
            ("https://example.com/a?_hsenc=p2ANqtz&_hsmi=2", "https://example.com/a", SAME, "HubSpot"),
            ("https://example.com/a?yclid=123", "https://example.com/a", SAME, "yclid"),
            ("https://example.com/a?msclkid=abc", "https://example.com/a", SAME, "msclkid"),
            ("https://example.com/a?twclid=abc", "https://example.com/a", SAME, "twclid"),
            ("https://www.msn.com/en-us/news/ar-AA1abc?ocid=msedgntp", "https://www.msn.com/en-us/news/ar-AA1abc", SAME, "ocid"),
            ("https://example.com/a?cmpid=nl_1126", "https://example.com/a", SAME, "cmpid"),
            ("https://example.com/a?gbraid=1&wbraid=2&dclid=3", "https://example.com/a", SAME, "Google Ads click ids"),
            ("https://example.com/a?_ga=2.1&_gl=1*abc", "https://example.com/a", SAME, "Google Analytics linker"),
            ("https://example.com/a?pk_campaign=rss&pk_kwd=x", "https://example.com/a", SAME, "Piwik"),
            ("https://example.com/a?ref_src=twsrc%5Etfw", "https://example.com/a", SAME, "ref_src"),
            ("https://www.bbc.co.uk/news/x-1?at_medium=RSS&at_campaign=rss", "https://www.bbc.co.uk/news/x-1", SAME, "AT Internet"),
            ("https://example.com/a?UTM_Source=rss", "https://example.com/a", SAME, "tracking name in any case"),
            ("https://example.com/a?utm%5Fsource=rss", "https://example.com/a", SAME, "percent-encoded tracking name"),
            ("https://medium.com/@ada/on-feeds-3f2a1b?source=rss----5517fd7b58a6---4", "https://medium.com/@ada/on-feeds-3f2a1b", SAME, "Medium's source=rss"),
            // ---- ref naming the site itself
            ("https://example.com/a?ref=example.com", "https://example.com/a", SAME, "ref=host"),
            ("https://www.example.com/a?ref=example", "https://example.com/a", SAME, "ref=site name"),
            ("https://example.com/a?ref=https%3A%2F%2Fwww.example.com%2F", "https://example.com/a", SAME, "ref=site URL"),
            ("https://blog.example.com/a?ref=example.com", "https://blog.example.com/a", SAME, "ref=parent domain"),
            ("https://example.com/a?ref=Example", "https://example.com/a", SAME, "ref in another case"),
            // ---- parameter order
            ("https://example.com/a?a=1&b=2", "https://example.com/a?b=2&a=1", SAME, "parameter order"),
            // ---- Google redirects
            ("https://www.google.com/url?q=https://example.com/a&sa=D&source=editors&ust=1&usg=x", "https://example.com/a", SAME, "google /url?q="),
            ("https://www.google.com/url?url=https%3A%2F%2Fexample.com%2Fa%3Fid%3D7&sa=t&rct=j", "https://example.com/a?id=7", SAME, "google /url?url="),
            ("https://www.google.co.uk/url?sa=t&q=https://example.com/a", "https://example.com/a", SAME, "google.co.uk"),
            ("https://www.google.com/url?q=https%3A%2F%2Fexample.com%2Fa%3Futm_source%3Dx", "https://example.com/a", SAME, "tracking inside the target"),
            ("https://www.google.com/url?q=https%3A%2F%2Fwww.google.com%2Furl%3Fq%3Dhttps%253A%252F%252Fexample.com%252Fa", "https://example.com/a", SAME, "nested redirects"),
            ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fa%3Ffbclid%3D1&h=AT0", "https://example.com/a", SAME, "Facebook link shim"),
            // ---- AMP
            ("https://example.com/2026/11/story/amp/", "https://example.com/2026/11/story/", SAME, "/amp/ suffix"),
            ("https://example.com/2026/11/story/amp", "https://example.com/2026/11/story", SAME, "/amp suffix"),
            ("https://example.com/story?amp=1", "https://example.com/story", SAME, "?amp=1"),
            ("https://example.com/story?amp", "https://example.com/story", SAME, "?amp"),
            ("https://example.com/story?amp=true&id=2", "https://example.com/story?id=2", SAME, "?amp=true"),
            ("https://www.washingtonpost.com/tech/2026/11/24/story/?outputType=amp", "https://www.washingtonpost.com/tech/2026/11/24/story/", SAME, "outputType=amp"),
            ("https://amp.example.com/story", "https://example.com/story", SAME, "amp. subdomain"),
            ("https://www.google.com/amp/s/example.com/story", "https://example.com/story", SAME, "Google AMP viewer"),
            ("https://www.google.com/amp/s/www.example.com/story/amp/", "https://example.com/story", SAME, "Google AMP viewer of an AMP page"),
            ("https://example-com.cdn.ampproject.org/c/s/example.com/story", "https://example.com/story", SAME, "AMP cache"),
            ("https://example-com.cdn.ampproject.org/v/s/example.com/story/amp/?amp_js_v=0.1&usqp=mq331AQA", "https://example.com/story", SAME, "AMP cache viewer with its parameters"),
            // ---- YouTube
            ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", SAME, "youtu.be"),
            ("https://youtu.be/dQw4w9WgXcQ?si=AbCdEf123", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", SAME, "youtu.be with si="),
            ("https://www.youtube.com/watch?feature=youtu.be&v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ", SAME, "feature="),
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&si=x&pp=y", "https://youtu.be/dQw4w9WgXcQ", SAME, "watch with si="),
            ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ", SAME, "m.youtube.com"),
            ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ", SAME, "shorts"),
            ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ", SAME, "embed"),
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL1", "https://youtu.be/dQw4w9WgXcQ", SAME, "start time and playlist"),
            // ---- the fixtures' story
            ("https://krebsonsecurity.com/2026/11/x/?utm_source=rss", "https://krebsonsecurity.com/2026/11/x/", SAME, "krebs"),
            // ---- must differ
            ("https://example.com/watch?v=A", "https://example.com/watch?v=B", DIFFERENT, "?v=A vs ?v=B"),
            ("https://youtu.be/aaaaaaaaaaa", "https://youtu.be/bbbbbbbbbbb", DIFFERENT, "two videos"),
            ("https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/dqw4w9wgxcq", DIFFERENT, "video ids are case-sensitive"),
            ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1", "https://www.youtube.com/playlist?list=PL1", DIFFERENT, "a video is not its playlist"),
            ("https://example.com/?p=1", "https://example.com/?p=2", DIFFERENT, "?p=1 vs ?p=2"),
            ("https://example.com/?p=1", "https://example.com/", DIFFERENT, "a post is not the home page"),
            ("https://example.com/Foo", "https://example.com/foo", DIFFERENT, "path case"),
            ("https://example.com/#!/post/1", "https://example.com/#!/post/2", DIFFERENT, "#! routes"),
            ("https://example.com/#/post/1", "https://example.com/#/post/2", DIFFERENT, "#/ routes"),
            ("https://example.com/#!/post/1", "https://example.com/", DIFFERENT, "a route is a page"),
            ("https://github.com/o/r/blob/x/a.md?ref=main", "https://github.com/o/r/blob/x/a.md?ref=dev", DIFFERENT, "GitHub ref"),
            ("https://github.com/o/r/blob/x/a.md?ref=main", "https://github.com/o/r/blob/x/a.md", DIFFERENT, "GitHub ref is meaningful"),
            ("https://example.com/a?ref=other.com", "https://example.com/a", DIFFERENT, "ref naming another site"),
            ("https://news.ycombinator.com/item?id=1", "https://news.ycombinator.com/item?id=2", DIFFERENT, "HN items"),
            ("https://lobste.rs/s/abc123", "https://lobste.rs/s/def456", DIFFERENT, "Lobsters stories"),
            ("https://example.com/a", "https://example.org/a", DIFFERENT, "different hosts"),
            ("https://blog.example.com/a", "https://example.com/a", DIFFERENT, "subdomain"),
            ("https://example.com:8080/a", "https://example.com/a", DIFFERENT, "non-default port"),
            ("https://example.com/a?q=Rust", "https://example.com/a?q=rust", DIFFERENT, "value case"),
            ("https://example.com/a?source=twitter", "https://example.com/a", DIFFERENT, "source other than rss"),
            ("https://example.com/a?autm_source=1", "https://example.com/a", DIFFERENT, "utm_ is a prefix only"),
            ("https://example.com/amp/story", "https://example.com/story", DIFFERENT, "amp only as the last segment"),
            ("https://example.com/a/myindex.html", "https://example.com/a", DIFFERENT, "not an index document"),
            ("https://www.google.com/url?q=https://example.com/a", "https://www.google.com/url?q=https://example.com/b", DIFFERENT, "redirects to two articles"),
            ("https://www.google.com/url?q=rust", "https://www.google.com/url?q=go", DIFFERENT, "google /url without a URL"),
            ("https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fa", "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fb", DIFFERENT, "shims to two articles"),
            ("https://www.reddit.com/r/rust/comments/1abc/", "https://www.reddit.com/r/rust/comments/2def/", DIFFERENT, "Reddit posts"),
        ];
        for (input_a, input_b, same, reason) in rows {
            check(input_a, input_b, *same, reason);
        }
    }

    /// `target` wrapped `depth` times in a Google redirect.
    fn google_wrapped(target: &str, depth: usize) -> String {
        (0..depth).fold(target.to_owned(), |inner, _| {
            let encoded: String = form_urlencoded::byte_serialize(inner.as_bytes()).collect();
            format!("https://www.google.com/url?q={encoded}&sa=D")
        })
    }

    #[test]
    fn unwrapping_is_bounded() {
        let target = "https://example.com/a?utm_source=x";
        for depth in 0..=MAX_UNWRAPS {
            check_exact(&google_wrapped(target, depth), "example.com/a");
        }
        // deeper than the bound: what remains is a Google link, and the work stays bounded
        let deep = google_wrapped(target, 40);
        assert!(canonical_link(&url(&deep)).starts_with("google.com/url?"));
        let amp_chain = format!(
            "https://{}example.com/a",
            "a.cdn.ampproject.org/c/s/".repeat(200)
        );
        assert!(canonical_link(&url(&amp_chain)).starts_with("a.cdn.ampproject.org/c/s/"));
    }

    fn check_homepage(input: &str, expected: bool) {
        assert_eq!(is_homepage(&url(input)), expected, "is_homepage({input})");
    }

    #[test]
    fn is_homepage_table() {
        let rows: &[(&str, bool)] = &[
            ("https://example.com", true),
            ("https://example.com/", true),
            ("http://www.example.com/index.html", true),
            ("https://m.example.com/index.php", true),
            ("https://example.com/?utm_source=rss&fbclid=1", true),
            ("https://example.com/#top", true),
            ("https://example.com/amp/", true),
            ("https://example.com/?amp=1", true),
            ("https://example.com:8080/", true),
            ("https://example.com/?ref=example.com", true),
            ("https://www.google.com/url?q=https://example.com/", true),
            ("https://example.com/a", false),
            ("https://example.com/blog/", false),
            // a WordPress post
            ("https://example.com/?p=123", false),
            ("https://example.com/?ref=other.com", false),
            ("https://example.com/#!/post/1", false),
            ("https://youtu.be/dQw4w9WgXcQ", false),
            ("https://www.google.com/url?q=https://example.com/a", false),
            ("mailto:tips@example.com", false),
        ];
        for (input, expected) in rows {
            check_homepage(input, *expected);
        }
    }

    fn check_discussion(input: &str, expected: bool) {
        assert_eq!(
            is_discussion_page(&url(input)),
            expected,
            "is_discussion_page({input})"
        );
    }

    #[test]
    fn is_discussion_page_table() {
        let rows: &[(&str, bool)] = &[
            // Hacker News
            ("https://news.ycombinator.com/item?id=42", true),
            ("http://news.ycombinator.com/item?id=42&p=2", true),
            (
                "https://www.google.com/url?q=https://news.ycombinator.com/item?id%3D42",
                true,
            ),
            ("https://news.ycombinator.com/", false),
            ("https://news.ycombinator.com/news", false),
            ("https://news.ycombinator.com/item", false),
            ("https://news.ycombinator.com/item?id=", false),
            ("https://news.ycombinator.com/user?id=pg", false),
            ("https://example.com/item?id=42", false),
            // Lobsters
            ("https://lobste.rs/s/abc123", true),
            ("https://lobste.rs/s/abc123/some_title", true),
            ("https://lobste.rs/c/xyz789", true),
            ("https://lobste.rs/", false),
            ("https://lobste.rs/s/", false),
            ("https://lobste.rs/t/rust", false),
            // Reddit
            (
                "https://www.reddit.com/r/rust/comments/1abc/some_title/",
                true,
            ),
            ("https://old.reddit.com/r/rust/comments/1abc/", true),
            ("https://np.reddit.com/comments/1abc", true),
            ("https://reddit.com/user/ada/comments/1abc/x", true),
            ("https://www.reddit.com/r/rust/s/AbCdEf", true),
            ("https://redd.it/1abc", true),
            ("https://www.reddit.com/r/rust/", false),
            ("https://www.reddit.com/r/rust/wiki/faq", false),
            ("https://redd.it/", false),
            ("https://i.redd.it/abc.jpg", false),
            ("https://notreddit.com/r/rust/comments/1abc/", false),
            // Tildes
            ("https://tildes.net/~tech/1abc", true),
            ("https://tildes.net/~comp.programming/1abc/some_title", true),
            ("https://tildes.net/~tech", false),
            ("https://tildes.net/~tech/new_topic", false),
            ("https://tildes.net/~/1abc", false),
            // Slashdot stories are articles of their own
            (
                "https://it.slashdot.org/story/26/11/24/1234/some-title",
                false,
            ),
            ("https://example.com/2026/11/article", false),
            ("mailto:tips@example.com", false),
        ];
        for (input, expected) in rows {
            check_discussion(input, *expected);
        }
    }

    fn check_guid(input: &str, expected: Option<&str>) {
        assert_eq!(
            global_guid(input).as_deref(),
            expected,
            "global_guid({input:?})"
        );
    }

    #[test]
    fn global_guid_table() {
        let rows: &[(&str, Option<&str>)] = &[
            // URLs with a path: their canonical link
            (
                "https://example.com/2026/11/a",
                Some("example.com/2026/11/a"),
            ),
            (
                "http://www.example.com/2026/11/a/",
                Some("example.com/2026/11/a"),
            ),
            (" https://example.com/?p=123 ", Some("example.com?p=123")),
            (
                "https://news.ycombinator.com/item?id=42",
                Some("news.ycombinator.com/item?id=42"),
            ),
            // home pages are not unique
            ("https://example.com/", None),
            ("https://example.com", None),
            ("http://example.com/index.html", None),
            ("https://example.com/?utm_source=rss", None),
            // tag: and urn: as written, scheme lowercased
            (
                "tag:example.com,2026:post-1",
                Some("tag:example.com,2026:post-1"),
            ),
            (
                "  TAG:example.com,2026:post-1 ",
                Some("tag:example.com,2026:post-1"),
            ),
            (
                "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                Some("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"),
            ),
            ("URN:uuid:ABC", Some("urn:uuid:ABC")),
            ("tag:", None),
            ("urn:", None),
            ("tag:has space", None),
            // local ids
            ("N/A", None),
            ("12345", None),
            ("", None),
            ("   ", None),
            ("abc-def-123", None),
            ("example.com/2026/a", None),
            ("/2026/11/a", None),
            ("ftp://example.com/a", None),
            ("mailto:tips@example.com", None),
            ("https://", None),
        ];
        for (input, expected) in rows {
            check_guid(input, *expected);
        }
        // http/https variants of one guid match
        assert_eq!(
            global_guid("http://example.com/a"),
            global_guid("https://www.example.com/a/")
        );
    }

    #[test]
    fn odd_links_never_panic() {
        let inputs = [
            "https://www.google.com/amp/s/",
            "https://www.google.com/amp/",
            "https://www.google.com/amp/s/%FF",
            "https://x.cdn.ampproject.org/c/",
            "https://x.cdn.ampproject.org/c/s/",
            "https://www.google.com/url?q=",
            "https://www.google.com/url?q=https://",
            "https://www.google.com/url?q=https://www.google.com/url?q=",
            "https://youtu.be/",
            "https://www.youtube.com/watch?v=",
            "https://www.youtube.com/watch?v=%FF",
            "https://www.youtube.com/shorts/",
            "https://example.com/?ref=%FF%FE",
            "https://example.com/?ref=",
            "https://example.com/?ref=https://",
            "https://example.com/?=&=&&",
            "https://[::1]/amp",
            "https://[::1]:8080/?ref=%5B%3A%3A1%5D",
            "https://example.com/%2F%2F/amp//index.html//",
            "https://tildes.net/~/",
            "https://tildes.net/~%C3%A9/1",
            "https://news.ycombinator.com/item?id",
            "https://www./",
            "https://m.x/",
            "http://a.b/#!",
            "https://google./url?q=https://example.com/a",
            "data:text/plain,hi",
            "file:///etc/passwd",
        ];
        for input in inputs {
            let Ok(link) = Url::parse(input) else {
                continue;
            };
            let _ = canonical_link(&link);
            let _ = is_homepage(&link);
            let _ = is_discussion_page(&link);
            let _ = global_guid(input);
        }
        for guid in ["tag", ":", "urn::", "http://[", "\u{0}", "é:x", "tag:é"] {
            let _ = global_guid(guid);
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

    /// The rule as `entry_keys` documents it, taken literally: every kind of key counted,
    /// content keys included.
    fn keys_counting_content(parts: &[KeyParts]) -> Vec<String> {
        // Each entry's guid, link and title keys (where it has them), then its content key,
        // which every entry has.
        let candidates: Vec<Vec<String>> = parts
            .iter()
            .map(|part| {
                KeyKind::ALL
                    .iter()
                    .filter_map(|&kind| candidate_key(part, kind))
                    .chain([content_key(part.content.unwrap_or(""))])
                    .collect()
            })
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for key in candidates.iter().flatten() {
            *counts.entry(key.as_str()).or_default() += 1;
        }
        let mut used = HashSet::new();
        candidates
            .iter()
            .map(|keys| {
                let unique = keys.iter().find(|key| counts[key.as_str()] == 1);
                // No key is unique: the last, the content key, is the entry's anyway.
                let base = unique.or(keys.last()).cloned().unwrap_or_default();
                let key = unused_variant(&base, &used);
                used.insert(key.clone());
                key
            })
            .collect()
    }

    proptest::proptest! {
        /// Hashing content only for the entries nothing else identifies gives every entry the
        /// key that counting content keys too would: a shared content key was the entry's key
        /// anyway.
        #[test]
        fn content_keys_need_no_count(
            fields in proptest::collection::vec((0..3_usize, 0..3_usize, 0..3_usize, 0..3_usize), 1..7)
        ) {
            let links = [url("https://example.com/a"), url("https://example.com/b")];
            let parts: Vec<KeyParts> = fields
                .iter()
                .map(|&(guid, link, title, content)| KeyParts {
                    guid: [None, Some("g1"), Some("g2")][guid],
                    link: [None, Some(&links[0]), Some(&links[1])][link],
                    title: [None, Some("One"), Some("Two")][title],
                    published: None,
                    content: [None, Some("<p>a</p>"), Some("<p>b</p>")][content],
                })
                .collect();
            let keys: Vec<String> = entry_keys(&parts).into_iter().map(|key| key.0).collect();
            proptest::prop_assert_eq!(keys, keys_counting_content(&parts));
        }
    }

    #[test]
    fn hash_is_sha256_prefix() {
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855
        assert_eq!(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb924");
    }
}
