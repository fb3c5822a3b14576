//! Publishing: turns one page's channel metadata and its ranked stories into documents as
//! bytes: RSS 2.0, Atom 1.0, JSON Feed 1.1 and an HTML front page, for the main page and per
//! tag ([`output_path`] says where each one goes).
//!
//! Pure: no clock (the content's time is [`Channel::updated`], the HTML page's clock is
//! [`Channel::now`]), no I/O, no environment, so the same input always gives byte-identical
//! output. Writing files, choosing stories, filtering them by tag and ordering them are the
//! caller's job. This is the only module that knows the `rss`, `atom_syndication` and
//! `ammonia` crates; their types never leave it.
//!
//! Every format renders from one cleaned, format-neutral view (`prepare`), which holds the
//! rules all formats share: sanitized HTML with absolute URLs, plain-text titles that cannot
//! be read as markup, only `http(s)` links, no character XML 1.0 forbids, no empty required
//! element. A new format is a variant of [`Format`] plus a module that maps that view onto its
//! document; a format module must not clean anything itself.

mod atom;
mod html;
mod html_text;
mod json;
mod prepare;
mod rss;

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod validity_tests;

use std::fmt;
use std::str::FromStr;

use crate::model::{Channel, Story};

pub use html::STYLE_HASH;

/// The generator name written into every feed.
const GENERATOR_NAME: &str = "frontpage";
/// The generator version written into every feed: the version of this build.
const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The generator's home page.
const GENERATOR_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// A published format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RSS 2.0, with an `atom:link rel="self"`.
    Rss,
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// JSON Feed 1.1.
    Json,
    /// The HTML front page, with autodiscovery links to the three feeds.
    Html,
}

impl Format {
    /// Every format, in the order they are published.
    pub fn all() -> &'static [Format] {
        &[Format::Rss, Format::Atom, Format::Json, Format::Html]
    }

    /// The feed formats: every format but the HTML page, in the order pages list them.
    pub fn feeds() -> &'static [Format] {
        &[Format::Rss, Format::Atom, Format::Json]
    }

    /// The name used on the command line and in `--format` (`rss`, `atom`, `json`, `html`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The name people know the format by (`RSS`, `Atom`, `JSON Feed`, `HTML`).
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "RSS",
            Format::Atom => "Atom",
            Format::Json => "JSON Feed",
            Format::Html => "HTML",
        }
    }

    /// The main page's file in the output directory (`feed.rss`, `feed.atom`, `feed.json`,
    /// `index.html`): the same as [`output_path`] without a tag.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "feed.rss",
            Format::Atom => "feed.atom",
            Format::Json => "feed.json",
            Format::Html => "index.html",
        }
    }

    /// The bare media type (`application/rss+xml`, …), as autodiscovery links and self links
    /// name it.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
            Format::Html => "text/html",
        }
    }

    /// The `Content-Type` to serve the format with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            // JSON is always UTF-8; the media type defines no charset parameter.
            Format::Json => "application/feed+json",
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::all`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown feed format `{given}` (expected one of: {})",
    expected_names()
)]
pub struct UnknownFormat {
    /// The name that was given.
    pub given: String,
}

fn expected_names() -> String {
    Format::all()
        .iter()
        .map(|format| format.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a format name (`rss`, `atom`, `json`, `html`), ignoring ASCII case and
    /// surrounding whitespace.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        Format::all()
            .iter()
            .copied()
            .find(|format| format.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownFormat {
                given: text.to_owned(),
            })
    }
}

/// Where a page is published, relative to the output directory and to [`Channel::link`]:
/// `feed.rss`, `feed.atom`, `feed.json` and `index.html` for the main page, and
/// `tag/<tag>.rss`, `.atom`, `.json`, `.html` for a tag's page.
///
/// Tags are letters, digits, `-` and `_` (the configuration checks it); any other character
/// is replaced by `_`, so the path never leaves `tag/` whatever it is given.
pub fn output_path(format: Format, tag: Option<&str>) -> String {
    match tag {
        None => format.file_name().to_owned(),
        Some(tag) => {
            let file_stem: String = tag
                .chars()
                .map(|character| {
                    if is_tag_character(character) {
                        character
                    } else {
                        '_'
                    }
                })
                .collect();
            let file_stem = if file_stem.is_empty() {
                "_".to_owned()
            } else {
                file_stem
            };
            format!("tag/{file_stem}.{}", format.name())
        }
    }
}

/// Whether `character` may appear in a tag name (letters, digits, `-`, `_`).
fn is_tag_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '-' || character == '_'
}

/// Whether `text` is a valid tag name, so that a page may exist for it.
fn is_tag_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_tag_character)
}

/// The document for `stories`, in the order given, in `format`, for the page `channel`
/// describes (the main page, or [`Channel::tag`]'s page).
///
/// Self links and ids are [`output_path`] joined onto [`Channel::link`]. Feeds depend only on
/// the channel's content fields and `updated`; the HTML page also on [`Channel::now`]. The
/// output is UTF-8 and byte-identical for identical input; XML is well-formed, JSON parses.
pub fn render(format: Format, channel: &Channel, stories: &[Story]) -> Vec<u8> {
    render_prepared(format, &prepare::prepare(channel, stories))
}

/// The page in every format of [`Format::all`], in that order: the same documents as
/// [`render`] gives one format at a time, with the stories cleaned once for all of them
/// (sanitizing their HTML is most of the work).
pub fn render_every_format(channel: &Channel, stories: &[Story]) -> Vec<(Format, Vec<u8>)> {
    let page = prepare::prepare(channel, stories);
    Format::all()
        .iter()
        .map(|&format| (format, render_prepared(format, &page)))
        .collect()
}

/// One format of a prepared page.
fn render_prepared(format: Format, page: &prepare::PreparedChannel) -> Vec<u8> {
    match format {
        Format::Rss => rss::render(page),
        Format::Atom => atom::render(page),
        Format::Json => json::render(page),
        Format::Html => html::render(page),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for &format in Format::all() {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
            assert_eq!(format.to_string(), format.name());
            assert_eq!(format.file_name(), output_path(format, None));
            assert!(format.content_type().starts_with(format.media_type()));
        }
        assert_eq!(" RSS ".parse::<Format>(), Ok(Format::Rss));
        assert_eq!("Json".parse::<Format>(), Ok(Format::Json));
        assert_eq!(Format::Json.content_type(), "application/feed+json");
        assert_eq!(Format::Html.content_type(), "text/html; charset=utf-8");
    }

    #[test]
    fn unknown_format_lists_the_choices() {
        let error = "jsonx".parse::<Format>().expect_err("not a format");
        assert_eq!(
            error.to_string(),
            "unknown feed format `jsonx` (expected one of: rss, atom, json, html)"
        );
    }

    #[test]
    fn output_paths_for_the_main_page_and_tags() {
        let table = [
            (Format::Rss, None, "feed.rss"),
            (Format::Atom, None, "feed.atom"),
            (Format::Json, None, "feed.json"),
            (Format::Html, None, "index.html"),
            (Format::Rss, Some("rust"), "tag/rust.rss"),
            (Format::Atom, Some("rust"), "tag/rust.atom"),
            (Format::Json, Some("net-sec_2"), "tag/net-sec_2.json"),
            (Format::Html, Some("rust"), "tag/rust.html"),
            // Never reached through the configuration, but never leaves tag/ either.
            (Format::Html, Some("../x/y"), "tag/___x_y.html"),
            (Format::Rss, Some(""), "tag/_.rss"),
        ];
        for (format, tag, expected) in table {
            assert_eq!(output_path(format, tag), expected, "{format} {tag:?}");
        }
    }

    #[test]
    fn tag_names() {
        assert!(is_tag_name("net-sec_2"));
        assert!(!is_tag_name(""));
        assert!(!is_tag_name("data breach"));
        assert!(!is_tag_name("é"));
    }
}
