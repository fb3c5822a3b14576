//! `frontpage explain`: the terms of one story's popularity score.

use anyhow::bail;
use serde::Serialize;

use super::{Context, Status, feed_weights, open_store, visible_feeds};
use crate::cli::{ExplainArgs, ReportFormat};
use crate::model::StoryId;
use crate::rank::{self, Term};

/// `explain --format json`; these field names are a stable interface.
#[derive(Debug, Serialize)]
struct ExplainJson<'a> {
    story: i64,
    title: &'a str,
    link: Option<&'a str>,
    published: String,
    score: f64,
    terms: &'a [Term],
}

/// Prints the score breakdown of a story at the clock of this invocation.
pub fn explain(context: &Context, args: &ExplainArgs) -> anyhow::Result<Status> {
    let config = &context.config;
    let store = open_store(config)?;
    let Some(story) = store.story(StoryId(args.story), &visible_feeds(config))? else {
        bail!(
            "no story {} among the configured, unmuted feeds",
            args.story
        );
    };
    let score = rank::score(&story, &config.rank, &feed_weights(config), context.now);
    let text = match args.format {
        ReportFormat::Text => rank::explain_text(&story, &score),
        ReportFormat::Json => {
            let report = ExplainJson {
                story: story.id.0,
                title: &story.title,
                link: story.link.as_ref().map(url::Url::as_str),
                published: story.published.to_rfc3339(),
                score: score.total,
                terms: &score.terms,
            };
            let mut text = serde_json::to_string_pretty(&report)?;
            text.push('\n');
            text
        }
    };
    print!("{text}");
    Ok(Status::Success)
}
