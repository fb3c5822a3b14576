//! Publishing: turns the channel metadata and the ranked stories into feed documents (RSS 2.0,
//! Atom 1.0) as bytes.
//!
//! Pure: no clock (the build time is [`Channel::updated`]), no I/O, no environment, so the same
//! input always gives byte-identical output. Writing files, choosing stories and ordering them
//! are the caller's job. This is the only module that knows the `rss`, `atom_syndication` and
//! `ammonia` crates; their types never leave it.
//!
//! Every format renders from one cleaned, format-neutral view (`prepare`), which holds the
//! rules all formats share: sanitized HTML with absolute URLs, plain-text titles, no character
//! XML 1.0 forbids, no empty required element. A new format (JSON Feed, HTML) is a variant of
//! [`Format`] plus a module that maps that view onto its document.

mod atom;
mod html_text;
mod prepare;
mod rss;
#[cfg(test)]
mod test_support;

use std::fmt;
use std::str::FromStr;

use crate::model::{Channel, Story};

/// The generator name written into every feed.
const GENERATOR_NAME: &str = "frontpage";
/// The generator version written into every feed: the version of this build.
const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The generator's home page.
const GENERATOR_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// A published feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0, with an `atom:link rel="self"`.
    Rss,
    /// Atom 1.0 (RFC 4287).
    Atom,
}

impl Format {
    /// Every format, in the order they are published.
    pub fn all() -> &'static [Format] {
        &[Format::Rss, Format::Atom]
    }

    /// The name used on the command line and in `--format` (`rss`, `atom`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
        }
    }

    /// The file the format is published as in the output directory (`feed.rss`, `feed.atom`).
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Rss => "feed.rss",
            Format::Atom => "feed.atom",
        }
    }

    /// The media type to serve the format with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
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

    /// Parses a format name (`rss`, `atom`), ignoring ASCII case and surrounding whitespace.
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

/// The feed document for `stories`, in the order given, in `format`.
///
/// `channel.self_url` must be the URL this very document is served at (it differs per
/// format); `channel.updated` is the build time. The output is UTF-8, well-formed XML, and
/// byte-identical for identical input.
pub fn render(format: Format, channel: &Channel, stories: &[Story]) -> Vec<u8> {
    let feed = prepare::prepare(channel, stories);
    match format {
        Format::Rss => rss::render(&feed),
        Format::Atom => atom::render(&feed),
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
        }
        assert_eq!(" RSS ".parse::<Format>(), Ok(Format::Rss));
        assert_eq!(Format::Rss.file_name(), "feed.rss");
        assert_eq!(Format::Atom.file_name(), "feed.atom");
    }

    #[test]
    fn unknown_format_lists_the_choices() {
        let error = "jsonx".parse::<Format>().expect_err("not a format");
        assert_eq!(
            error.to_string(),
            "unknown feed format `jsonx` (expected one of: rss, atom)"
        );
    }
}
