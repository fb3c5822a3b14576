//! Popularity scores (SPEC §6) and their explanation.
//!
//! A score is a sum of five named terms in log-10 units: +1 is ten times the engagement, or
//! one `decay` period fresher.
//!
//! ```text
//! score = E + C + P + F − A
//! E engagement = log10(1 + U), U summed once per original item
//! C coverage   = coverage · log2(k), k distinct feed groups
//! P position   = position · (1 − (rank − 1)/N), best place in a ranked feed
//! F weight     = log10(max weight among the story's feeds)
//! A age        = age / decay
//! ```
//!
//! [`score`] computes the terms with the inputs that produced them, [`total`] the same sum
//! without the words for a [`Candidate`] read in bulk, [`order`] sorts scored stories for
//! publishing (with flood control), [`Leaders`] keeps what `order` would choose while
//! stories stream past, and [`explain_text`] prints a score for `frontpage explain`.
//!
//! This module is pure: it takes the story, the `[rank]` settings, the feeds' weights and
//! `now` as arguments, and never reads the clock, the database, the network or a file. The
//! same inputs always give the same score, bit for bit, so published output is reproducible.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::Duration;

use url::Url;

use crate::config::RankSettings;
use crate::model::{Candidate, Engagement, Member, Signals, Story, StoryId, Timestamp};

/// One term of a score, with the inputs that produced it (for `frontpage explain`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Term {
    /// `'E'`, `'C'`, `'P'`, `'F'` or `'A'`.
    pub letter: char,
    /// `"engagement"`, `"coverage"`, `"position"`, `"weight"` or `"age"`.
    pub name: &'static str,
    /// The signed contribution to the total: the age term is stored negative. Always finite,
    /// never `-0.0`.
    pub value: f64,
    /// The inputs in words, e.g. `3 groups: krebsonsecurity.com, theregister.com, arstechnica.com`.
    pub detail: String,
}

/// A story's popularity: the total and the terms it is the sum of.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    /// The sum of the terms' values, added in `terms` order.
    pub total: f64,
    /// Always all five terms, in E C P F A order.
    pub terms: Vec<Term>,
}

impl Score {
    /// The term with `letter` (`'E'`, `'C'`, `'P'`, `'F'` or `'A'`), when present.
    pub fn term(&self, letter: char) -> Option<&Term> {
        self.terms.iter().find(|term| term.letter == letter)
    }
}

/// Scores `story` at time `now` (SPEC §6).
///
/// `story.members` are the story's entries, already without those of muted feeds. `weights`
/// gives each feed's weight by configured name; a feed missing from the map counts 1.0.
pub fn score(
    story: &Story,
    rank: &RankSettings,
    weights: &HashMap<String, f64>,
    now: Timestamp,
) -> Score {
    let terms = vec![
        engagement_term(&story.members),
        coverage_term(&story.members, rank.coverage),
        position_term(&story.members, rank.position),
        weight_term(&story.members, weights),
        age_term(story.published, now, rank.decay),
    ];
    let total = terms.iter().map(|term| term.value).sum();
    Score { total, terms }
}

/// The total of [`score`] for a story read as a [`Candidate`], bit for bit, without the
/// terms' words: what publishing computes for every story of its window.
///
/// `weights[feed]` is the weight of the feed whose index a member's [`Signals::feed`] holds.
/// A discussion link is parsed only when the story has two, the only case where it can
/// make two members one original item.
pub fn total(candidate: &Candidate, rank: &RankSettings, weights: &[f64], now: Timestamp) -> f64 {
    let members = &candidate.members;
    let engagement = engagement_of_signals(members);
    let groups = members
        .iter()
        .enumerate()
        .filter(|(index, member)| {
            !members[..*index]
                .iter()
                .any(|earlier| earlier.group == member.group)
        })
        .count();
    let coverage = coverage_value(groups, rank.coverage);
    let position = clean(
        best_place(
            members
                .iter()
                .filter_map(|member| member.position.map(|place| (place, ()))),
            rank.position,
        )
        .map_or(0.0, |(value, ..)| value),
    );
    let weight = weight_value(
        heaviest(
            members
                .iter()
                .map(|member| (weights.get(member.feed).copied().unwrap_or(1.0), ())),
        )
        .map(|(weight, ())| weight),
    );
    let age = age_value(candidate.published, now, rank.decay);
    // Added in the order `score` adds its terms, so the sum is the same to the last bit.
    [engagement, coverage, position, weight, age].iter().sum()
}

/// The E term's value for a candidate's members.
fn engagement_of_signals(members: &[Signals]) -> f64 {
    let with_discussion = members
        .iter()
        .filter(|member| member.discussion.is_some())
        .count();
    let parsed: Vec<Option<Url>> = if with_discussion >= 2 {
        members
            .iter()
            .map(|member| {
                member
                    .discussion
                    .as_deref()
                    .and_then(|link| Url::parse(link).ok())
            })
            .collect()
    } else {
        Vec::new()
    };
    let items = original_items(members.iter().enumerate().map(|(index, member)| {
        (
            member.engagement,
            parsed.get(index).and_then(Option::as_ref),
        )
    }));
    engagement_value(items_value(&items))
}

/// The most stories of one group that [`order`] lets onto a front page of `limit` stories:
/// `max(3, limit / 5)`.
pub fn per_group_cap(limit: usize) -> usize {
    (limit / 5).max(3)
}

/// Orders scored stories for publishing and keeps at most `limit` of them.
///
/// Stories sort by score, highest first; equal scores put the newer story first
/// (`story.published`), then the lower story id, so the order is total and reproducible.
///
/// Flood control: one outlet never takes over the front page. Stories are taken in that
/// order, and a story whose first member's group already has [`per_group_cap`]`(limit)`
/// stories on the page is skipped; a skipped story does not count toward `limit`, so the
/// next story of another group takes its place. A story without members is never skipped.
pub fn order(mut stories: Vec<(Story, Score)>, limit: usize) -> Vec<(Story, Score)> {
    stories.sort_by(|(story_a, score_a), (story_b, score_b)| {
        compare_for_publishing(story_a, score_a, story_b, score_b)
    });
    let cap = per_group_cap(limit);
    let mut per_group: HashMap<String, usize> = HashMap::new();
    let mut ordered = Vec::with_capacity(limit.min(stories.len()));
    for (story, story_score) in stories {
        if ordered.len() >= limit {
            break;
        }
        if let Some(first) = story.members.first() {
            let count = per_group.entry(first.group.clone()).or_insert(0);
            if *count >= cap {
                continue;
            }
            *count += 1;
        }
        ordered.push((story, story_score));
    }
    ordered
}

/// `explain`'s text for `story` and its `score`.
///
/// A header line `story <id>: <title>`, then one line per term, then the total:
///
/// ```text
/// story 7: Patch now
/// E engagement  +2.56  (U = 361: 300 points, 124 comments, 0 views over 1 item)
/// C coverage    +0.50  (2 groups: news.ycombinator.com, lobste.rs)
/// P position    +0.50  (#1 of 30 in Hacker News)
/// F weight      +0.30  (max weight 2 (Hacker News))
/// A age         -2.00  (48.0h old, decay 24h)
/// = score       +1.86
/// ```
///
/// Numbers have two decimals, and the printed total is exactly the sum of the printed terms:
/// the terms are rounded to cents by largest remainder (each is its value rounded down or
/// up) so that they add up to the total rounded to the nearest cent.
pub fn explain_text(story: &Story, score: &Score) -> String {
    let values: Vec<f64> = score.terms.iter().map(|term| term.value).collect();
    let cents = rounded_cents(&values);
    let total_cents: i64 = cents.iter().sum();

    let total_label = "= score";
    let labels: Vec<String> = score
        .terms
        .iter()
        .map(|term| format!("{} {}", term.letter, term.name))
        .collect();
    let value_texts: Vec<String> = cents
        .iter()
        .map(|&term_cents| cents_text(term_cents))
        .collect();
    let total_text = cents_text(total_cents);
    let label_width = labels
        .iter()
        .map(|label| label.chars().count())
        .chain([total_label.len()])
        .max()
        .unwrap_or(0);
    let value_width = value_texts
        .iter()
        .map(String::len)
        .chain([total_text.len()])
        .max()
        .unwrap_or(0);

    let mut lines = vec![format!("story {}: {}", story.id, story.title)];
    for ((label, value_text), term) in labels.iter().zip(&value_texts).zip(&score.terms) {
        lines.push(format!(
            "{label:<label_width$}  {value_text:>value_width$}  ({})",
            term.detail
        ));
    }
    lines.push(format!(
        "{total_label:<label_width$}  {total_text:>value_width$}"
    ));
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Publishing order: score descending, then newer first, then lower id.
fn compare_for_publishing(
    story_a: &Story,
    score_a: &Score,
    story_b: &Story,
    score_b: &Score,
) -> Ordering {
    compare_by_score(
        &Entrant::new(story_a.id, story_a.published, score_a.total, None),
        &Entrant::new(story_b.id, story_b.published, score_b.total, None),
    )
}

/// [`order`]'s order: score descending, then newer first, then lower id.
fn compare_by_score(a: &Entrant, b: &Entrant) -> Ordering {
    // `+ 0.0` makes -0.0 equal to 0.0 for `total_cmp`.
    (b.total + 0.0)
        .total_cmp(&(a.total + 0.0))
        .then_with(|| b.published.cmp(&a.published))
        .then_with(|| a.id.cmp(&b.id))
}

/// Newest first, then higher id: `publish --order recent`.
fn compare_by_date(a: &Entrant, b: &Entrant) -> Ordering {
    b.published.cmp(&a.published).then_with(|| b.id.cmp(&a.id))
}

/// What ordering needs of a story: [`Leaders`] keeps these instead of whole stories.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entrant {
    /// The story.
    pub id: StoryId,
    /// Its earliest publish time (ties on score go to the newer story).
    pub published: Timestamp,
    /// Its score's total (unused when ordering by date).
    pub total: f64,
    /// The group of its first member, for flood control (`None`: never capped).
    pub group: Option<usize>,
}

impl Entrant {
    /// An entrant from its parts.
    pub fn new(id: StoryId, published: Timestamp, total: f64, group: Option<usize>) -> Self {
        Entrant {
            id,
            published,
            total,
            group,
        }
    }
}

/// The stories a page will publish, kept while the candidates stream past: after any
/// number of [`Leaders::offer`]s it holds exactly what [`order`] would choose from all the
/// stories offered (or, [`Leaders::newest`], the `limit` newest), and never more than
/// `limit` of them, so choosing from a million stories takes the memory of fifty.
///
/// It holds because a story that falls out of the choice never comes back: a new story
/// pushes others down by at most one place, and it frees a place only by pushing out the
/// story of its own group that it put over the cap. So every story kept is one `order`
/// would publish, and an offer only has to place the newcomer among them, drop the story
/// of its group that went over the cap or else the last one past `limit`.
#[derive(Debug, Clone)]
pub struct Leaders {
    limit: usize,
    cap: usize,
    compare: fn(&Entrant, &Entrant) -> Ordering,
    kept: Vec<Entrant>,
}

impl Leaders {
    /// What [`order`] with `limit` publishes: by score, at most [`per_group_cap`] stories of
    /// a group.
    pub fn by_score(limit: usize) -> Self {
        Leaders {
            limit,
            cap: per_group_cap(limit),
            compare: compare_by_score,
            kept: Vec::with_capacity(limit.min(1024) + 1),
        }
    }

    /// The `limit` newest stories (ties: the higher id first), without flood control.
    pub fn newest(limit: usize) -> Self {
        Leaders {
            limit,
            cap: usize::MAX,
            compare: compare_by_date,
            kept: Vec::with_capacity(limit.min(1024) + 1),
        }
    }

    /// Considers one more story. Offering the same story twice is a mistake.
    pub fn offer(&mut self, entrant: Entrant) {
        let compare = self.compare;
        if self.kept.len() >= self.limit
            && self
                .kept
                .last()
                .is_none_or(|last| compare(&entrant, last).is_gt())
        {
            return;
        }
        let place = self
            .kept
            .partition_point(|kept| compare(kept, &entrant).is_lt());
        let Some(group) = entrant.group else {
            self.kept.insert(place, entrant);
            self.kept.truncate(self.limit);
            return;
        };
        let ahead = self.kept[..place]
            .iter()
            .filter(|kept| kept.group == Some(group))
            .count();
        if ahead >= self.cap {
            return;
        }
        // The story of the same group that the newcomer pushes over the cap, if any.
        let over_cap = self.kept[place..]
            .iter()
            .enumerate()
            .filter(|(_, kept)| kept.group == Some(group))
            .nth(self.cap - ahead - 1)
            .map(|(offset, _)| place + offset);
        match over_cap {
            Some(index) => {
                self.kept.remove(index);
                self.kept.insert(place, entrant);
            }
            None => {
                self.kept.insert(place, entrant);
                self.kept.truncate(self.limit);
            }
        }
    }

    /// The stories chosen, in publishing order.
    pub fn into_vec(self) -> Vec<Entrant> {
        self.kept
    }
}

/// A term's value as stored: finite, and never `-0.0` (which would print as `-0.00`).
fn clean(value: f64) -> f64 {
    if value.is_finite() { value + 0.0 } else { 0.0 }
}

/// E: `log10(1 + U)`, U summed over the story's original items.
///
/// Members with the same discussion URL are one original item (the same Hacker News item
/// seen in two feeds), counted once with the member whose counts are worth the most; a
/// member without a discussion URL is an item of its own.
fn engagement_term(members: &[Member]) -> Term {
    let items = original_items(
        members
            .iter()
            .map(|member| (member.engagement, member.discussion.as_ref())),
    );
    let total_value = items_value(&items);
    let counted: Vec<&Engagement> = items
        .iter()
        .map(|item| &item.engagement)
        .filter(|engagement| !engagement.is_empty())
        .collect();
    let detail = if counted.is_empty() {
        "U = 0: no engagement counts".to_string()
    } else {
        let points: u64 = counted.iter().filter_map(|e| e.points).sum();
        let comments: u64 = counted.iter().filter_map(|e| e.comments).sum();
        let comments_counted: u64 = counted.iter().map(|e| counted_comments(e)).sum();
        let views: u64 = counted.iter().filter_map(|e| e.views).sum();
        let comments_text = if comments_counted < comments {
            format!(
                "{} ({comments_counted} counted: capped at points)",
                plural(comments, "comment")
            )
        } else {
            plural(comments, "comment")
        };
        format!(
            "U = {}: {}, {comments_text}, {} over {}",
            number_text(total_value),
            plural(points, "point"),
            plural(views, "view"),
            plural(counted.len() as u64, "item"),
        )
    };
    Term {
        letter: 'E',
        name: "engagement",
        value: engagement_value(total_value),
        detail,
    }
}

/// One original item of a story, with the counts of its member worth the most.
struct Item<'a> {
    discussion: Option<&'a Url>,
    engagement: Engagement,
    value: f64,
}

/// The original items of a story from its members' counts and discussion pages, in the
/// order of their first member: members with the same discussion page are one item.
fn original_items<'a>(
    members: impl Iterator<Item = (Engagement, Option<&'a Url>)>,
) -> Vec<Item<'a>> {
    let mut items: Vec<Item<'a>> = Vec::new();
    for (engagement, discussion) in members {
        let value = item_value(&engagement);
        let same_item = discussion.and_then(|discussion| {
            items
                .iter_mut()
                .find(|item| item.discussion == Some(discussion))
        });
        match same_item {
            Some(item) => {
                if value > item.value {
                    item.engagement = engagement;
                    item.value = value;
                }
            }
            None => items.push(Item {
                discussion,
                engagement,
                value,
            }),
        }
    }
    items
}

/// U: the items' values, summed in order.
fn items_value(items: &[Item<'_>]) -> f64 {
    items.iter().map(|item| item.value).sum()
}

/// E's value for U.
fn engagement_value(total_value: f64) -> f64 {
    clean((1.0 + total_value).log10())
}

/// u = max(points − 1, 0) + 0.5·comments' + 0.001·views, for one original item.
fn item_value(engagement: &Engagement) -> f64 {
    let points = engagement.points.unwrap_or(0).saturating_sub(1);
    let views = engagement.views.unwrap_or(0);
    points as f64 + 0.5 * counted_comments(engagement) as f64 + 0.001 * views as f64
}

/// The comments that count: capped at the points when the points are known.
fn counted_comments(engagement: &Engagement) -> u64 {
    match (engagement.comments, engagement.points) {
        (Some(comments), Some(points)) => comments.min(points),
        (Some(comments), None) => comments,
        (None, _) => 0,
    }
}

/// C: `coverage · log2(k)`, k the number of distinct groups among the members (at least 1).
fn coverage_term(members: &[Member], coverage: f64) -> Term {
    let mut groups: Vec<&str> = Vec::new();
    for member in members {
        if !groups.contains(&member.group.as_str()) {
            groups.push(&member.group);
        }
    }
    let detail = if groups.is_empty() {
        "no groups".to_string()
    } else {
        format!(
            "{}: {}",
            plural(groups.len() as u64, "group"),
            groups.join(", ")
        )
    };
    Term {
        letter: 'C',
        name: "coverage",
        value: coverage_value(groups.len(), coverage),
        detail,
    }
}

/// C's value for `groups` distinct groups (none counts as one).
fn coverage_value(groups: usize, coverage: f64) -> f64 {
    clean(coverage * (groups.max(1) as f64).log2())
}

/// P: `position · (1 − (r − 1)/N)`, the best value over the members placed in a ranked feed;
/// 0 when none is.
fn position_term(members: &[Member], position: f64) -> Term {
    let best = best_place(
        members.iter().filter_map(|member| {
            member
                .position
                .map(|place| (place, member.feed_name.as_str()))
        }),
        position,
    );
    let (value, detail) = match best {
        Some((value, place, length, feed_name)) => {
            (value, format!("#{place} of {length} in {feed_name}"))
        }
        None => (0.0, "not in a ranked feed".to_string()),
    };
    Term {
        letter: 'P',
        name: "position",
        value: clean(value),
        detail,
    }
}

/// The best `(value, place, length, tag)` among `((place, length), tag)` pairs: the first
/// one with the highest value `position · (1 − (place − 1)/length)`.
fn best_place<T>(
    places: impl Iterator<Item = ((u32, u32), T)>,
    position: f64,
) -> Option<(f64, u32, u32, T)> {
    let mut best: Option<(f64, u32, u32, T)> = None;
    for ((place, length), tag) in places {
        let length = length.max(1);
        let place = place.clamp(1, length);
        let value = position * (1.0 - f64::from(place - 1) / f64::from(length));
        if best
            .as_ref()
            .is_none_or(|(best_value, ..)| value > *best_value)
        {
            best = Some((value, place, length, tag));
        }
    }
    best
}

/// F: `log10` of the largest weight among the members' feeds (1.0 for a feed missing from
/// `weights`). A largest weight that is not positive (muted feeds are filtered out before
/// ranking, so it should not occur) counts 0 rather than −∞.
fn weight_term(members: &[Member], weights: &HashMap<String, f64>) -> Term {
    let best = heaviest(members.iter().map(|member| {
        let weight = weights
            .get(member.feed_name.as_str())
            .copied()
            .unwrap_or(1.0);
        (weight, member.feed_name.as_str())
    }));
    let value = weight_value(best.map(|(weight, _)| weight));
    let detail = match best {
        None => "no feeds".to_string(),
        Some((weight, feed_name)) if weight > 0.0 && weight.is_finite() => {
            format!("max weight {} ({feed_name})", number_text(weight))
        }
        Some((weight, feed_name)) => format!(
            "max weight {} ({feed_name}) is not positive: counts 0",
            number_text(weight)
        ),
    };
    Term {
        letter: 'F',
        name: "weight",
        value,
        detail,
    }
}

/// The first of the highest weights among `(weight, tag)` pairs, a NaN weight counting 0.
fn heaviest<T>(weights: impl Iterator<Item = (f64, T)>) -> Option<(f64, T)> {
    let mut best: Option<(f64, T)> = None;
    for (weight, tag) in weights {
        let weight = if weight.is_nan() { 0.0 } else { weight };
        if best
            .as_ref()
            .is_none_or(|(best_weight, _)| weight > *best_weight)
        {
            best = Some((weight, tag));
        }
    }
    best
}

/// F's value for the heaviest weight: its `log10`, or 0 without feeds or when it is not
/// positive.
fn weight_value(heaviest: Option<f64>) -> f64 {
    match heaviest {
        Some(weight) if weight > 0.0 && weight.is_finite() => clean(weight.log10()),
        _ => 0.0,
    }
}

/// A: `(now − published) / decay`, never negative (a story from the future is new), stored
/// negative.
fn age_term(published: Timestamp, now: Timestamp, decay: Duration) -> Term {
    let age_seconds = now.unix().saturating_sub(published.unix());
    let decay_text = duration_text(decay);
    let hours = |seconds: i64| seconds.unsigned_abs() as f64 / 3600.0;
    let detail = if decay.is_zero() {
        // Config rejects a zero decay; counting nothing beats dividing by zero.
        format!("{:.1}h old, decay 0: age not counted", hours(age_seconds))
    } else if age_seconds < 0 {
        format!(
            "published {:.1}h in the future: counts as 0h old, decay {decay_text}",
            hours(age_seconds)
        )
    } else {
        format!("{:.1}h old, decay {decay_text}", hours(age_seconds))
    };
    Term {
        letter: 'A',
        name: "age",
        value: age_value(published, now, decay),
        detail,
    }
}

/// A's value, stored negative: 0 for a story from the future (or a zero decay).
fn age_value(published: Timestamp, now: Timestamp, decay: Duration) -> f64 {
    let age_seconds = now.unix().saturating_sub(published.unix());
    if decay.is_zero() || age_seconds < 0 {
        0.0
    } else {
        clean(-(age_seconds as f64 / decay.as_secs_f64()))
    }
}

/// `1 item`, `3 items`.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A number with at most three decimals and no trailing zeros: `361`, `0.5`, `1.235`.
fn number_text(number: f64) -> String {
    let text = format!("{number:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A duration in the largest whole unit among hours, minutes and seconds: `24h`, `90m`.
fn duration_text(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_nanos() != 0 {
        format!("{}s", number_text(duration.as_secs_f64()))
    } else if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

/// Each value in whole cents, rounded by largest remainder: every value is rounded down or
/// up, and the cents add up to the sum of the values rounded to the nearest cent.
/// Non-finite values count 0.
fn rounded_cents(values: &[f64]) -> Vec<i64> {
    let scaled: Vec<f64> = values
        .iter()
        .map(|&value| {
            if value.is_finite() {
                value * 100.0
            } else {
                0.0
            }
        })
        .collect();
    let mut cents: Vec<i64> = scaled.iter().map(|value| value.floor() as i64).collect();
    let remainders: Vec<f64> = scaled
        .iter()
        .zip(&cents)
        .map(|(value, &floor)| value - floor as f64)
        .collect();
    // The remainders are each in [0, 1), so their rounded sum is at most the number of
    // positive ones: only a value that was rounded down ever gets a cent back.
    let extra = remainders.iter().sum::<f64>().round().max(0.0) as usize;
    let mut by_remainder: Vec<usize> = (0..remainders.len())
        .filter(|&index| remainders[index] > 0.0)
        .collect();
    by_remainder.sort_by(|&a, &b| remainders[b].total_cmp(&remainders[a]).then(a.cmp(&b)));
    for &index in by_remainder.iter().take(extra) {
        cents[index] += 1;
    }
    cents
}

/// Cents as a signed amount with two decimals: `+0.79`, `-1.23`, `+0.00`.
fn cents_text(cents: i64) -> String {
    let sign = if cents < 0 { '-' } else { '+' };
    let magnitude = cents.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StoryId;

    /// Points, comments and views.
    type Counts = (Option<u64>, Option<u64>, Option<u64>);
    /// A place in a ranked feed and the feed's length.
    type Place = (u32, u32);

    const HOUR: i64 = 3600;
    const DAY: i64 = 24 * HOUR;
    const NOW: Timestamp = Timestamp::from_unix(1_800_000_000);

    /// `[rank]` as configured by default: one day's decay, both weights 0.5.
    fn settings() -> RankSettings {
        RankSettings {
            decay: Duration::from_secs(DAY as u64),
            coverage: 0.5,
            position: 0.5,
        }
    }

    /// A member of feed `feed_name` in group `group`, without counts, discussion or place.
    fn member(feed_name: &str, group: &str) -> Member {
        Member {
            feed_name: feed_name.to_string(),
            group: group.to_string(),
            engagement: Engagement::default(),
            discussion: None,
            position: None,
        }
    }

    /// Builder helpers on `Member`.
    trait MemberExt {
        fn counts(self, points: Option<u64>, comments: Option<u64>, views: Option<u64>) -> Self;
        fn discussion(self, url: &str) -> Self;
        fn placed(self, place: u32, length: u32) -> Self;
    }

    impl MemberExt for Member {
        fn counts(
            mut self,
            points: Option<u64>,
            comments: Option<u64>,
            views: Option<u64>,
        ) -> Self {
            self.engagement = Engagement {
                points,
                comments,
                views,
            };
            self
        }
        fn discussion(mut self, url: &str) -> Self {
            self.discussion = Some(Url::parse(url).unwrap());
            self
        }
        fn placed(mut self, place: u32, length: u32) -> Self {
            self.position = Some((place, length));
            self
        }
    }

    /// Story `id`, published `age_seconds` before `NOW`, carried by `members`.
    fn story(id: i64, age_seconds: i64, members: Vec<Member>) -> Story {
        let published = Timestamp::from_unix(NOW.unix() - age_seconds);
        Story {
            id: StoryId(id),
            title: format!("Story {id}"),
            link: None,
            summary: None,
            author: None,
            published,
            updated: published,
            comments: None,
            categories: Vec::new(),
            sources: Vec::new(),
            members,
        }
    }

    /// `story` scored with default settings, no configured weights, at `NOW`.
    fn score_of(story: &Story) -> Score {
        score(story, &settings(), &HashMap::new(), NOW)
    }

    /// The term `letter` of `story`'s score is `expected` (to 1e-12) and its detail is
    /// `detail`.
    fn check_term(story: &Story, letter: char, expected: f64, detail: &str) {
        let score = score_of(story);
        let term = score.term(letter).unwrap();
        assert!(
            (term.value - expected).abs() < 1e-12,
            "{letter}: expected {expected}, got {} ({})",
            term.value,
            term.detail
        );
        assert_eq!(term.detail, detail, "{letter}");
    }

    #[test]
    fn score_has_five_terms_in_order_and_total_is_their_sum() {
        let story = story(
            1,
            30 * HOUR,
            vec![
                member("Hacker News", "hn")
                    .counts(Some(300), Some(124), None)
                    .placed(3, 30),
                member("Lobsters", "lobsters").counts(Some(20), Some(5), None),
            ],
        );
        let score = score_of(&story);
        let letters: String = score.terms.iter().map(|term| term.letter).collect();
        assert_eq!(letters, "ECPFA");
        let names: Vec<&str> = score.terms.iter().map(|term| term.name).collect();
        assert_eq!(
            names,
            ["engagement", "coverage", "position", "weight", "age"]
        );
        let sum: f64 = score.terms.iter().map(|term| term.value).sum();
        assert_eq!(score.total, sum);
    }

    #[test]
    fn engagement_of_points_and_comments() {
        // U = (300 − 1) + 0.5·124 = 361
        let hn = member("Hacker News", "hn").counts(Some(300), Some(124), None);
        check_term(
            &story(1, 0, vec![hn]),
            'E',
            362f64.log10(),
            "U = 361: 300 points, 124 comments, 0 views over 1 item",
        );
    }

    #[test]
    fn engagement_rows() {
        // (points, comments, views) and U
        let rows: &[(Counts, f64)] = &[
            ((None, None, None), 0.0),
            ((Some(0), None, None), 0.0),
            ((Some(1), None, None), 0.0),
            ((Some(2), None, None), 1.0),
            ((None, Some(10), None), 5.0),
            ((None, None, Some(2500)), 2.5),
            ((Some(11), Some(4), Some(1000)), 10.0 + 2.0 + 1.0),
            // comments capped at points
            ((Some(10), Some(500), None), 9.0 + 5.0),
            ((Some(0), Some(7), None), 0.0),
        ];
        for &((points, comments, views), expected_u) in rows {
            let story = story(1, 0, vec![member("A", "a").counts(points, comments, views)]);
            let term = score_of(&story).terms[0].clone();
            assert!(
                (term.value - (1.0 + expected_u).log10()).abs() < 1e-12,
                "{points:?} {comments:?} {views:?}: {term:?}"
            );
        }
    }

    #[test]
    fn engagement_caps_comments_at_points() {
        let capped = member("A", "a").counts(Some(10), Some(500), Some(0));
        check_term(
            &story(1, 0, vec![capped]),
            'E',
            15f64.log10(),
            "U = 14: 10 points, 500 comments (10 counted: capped at points), 0 views over 1 item",
        );
    }

    #[test]
    fn engagement_counts_the_same_discussion_once() {
        let item = "https://news.ycombinator.com/item?id=1";
        let front = member("HN front", "hn")
            .counts(Some(300), Some(124), None)
            .discussion(item);
        let best = member("HN best", "hn-best")
            .counts(Some(300), Some(124), None)
            .discussion(item);
        let once = story(1, 0, vec![front.clone(), best]);
        check_term(
            &once,
            'E',
            362f64.log10(),
            "U = 361: 300 points, 124 comments, 0 views over 1 item",
        );

        // the same item fetched later with more points: the larger counts win
        let later = member("HN best", "hn-best")
            .counts(Some(400), Some(124), None)
            .discussion(item);
        check_term(
            &story(1, 0, vec![front.clone(), later]),
            'E',
            462f64.log10(),
            "U = 461: 400 points, 124 comments, 0 views over 1 item",
        );

        // another discussion is another item
        let other = member("Lobsters", "lobsters")
            .counts(Some(11), Some(4), None)
            .discussion("https://lobste.rs/s/abc");
        check_term(
            &story(1, 0, vec![front.clone(), other]),
            'E',
            (1.0f64 + 361.0 + 12.0).log10(),
            "U = 373: 311 points, 128 comments, 0 views over 2 items",
        );

        // members without a discussion URL are each their own item
        let plain_a = member("A", "a").counts(Some(3), None, None);
        let plain_b = member("B", "b").counts(Some(3), None, None);
        check_term(
            &story(1, 0, vec![plain_a, plain_b]),
            'E',
            5f64.log10(),
            "U = 4: 6 points, 0 comments, 0 views over 2 items",
        );
    }

    #[test]
    fn engagement_without_counts() {
        check_term(
            &story(1, 0, vec![member("A", "a"), member("B", "b")]),
            'E',
            0.0,
            "U = 0: no engagement counts",
        );
        check_term(
            &story(1, 0, vec![]),
            'E',
            0.0,
            "U = 0: no engagement counts",
        );
    }

    #[test]
    fn engagement_shows_views_with_decimals() {
        let viewed = member("A", "a").counts(None, None, Some(1234));
        check_term(
            &story(1, 0, vec![viewed]),
            'E',
            2.234f64.log10(),
            "U = 1.234: 0 points, 0 comments, 1234 views over 1 item",
        );
    }

    #[test]
    fn coverage_counts_distinct_groups() {
        let rows: &[(&[&str], f64, &str)] = &[
            (&["a"], 0.0, "1 group: a"),
            (&["a", "a"], 0.0, "1 group: a"),
            (&["a", "b"], 0.5, "2 groups: a, b"),
            (
                &["c", "a", "c", "b"],
                0.5 * 3f64.log2(),
                "3 groups: c, a, b",
            ),
            (&["a", "b", "c", "d"], 1.0, "4 groups: a, b, c, d"),
            (&[], 0.0, "no groups"),
        ];
        for (index, &(groups, expected, detail)) in rows.iter().enumerate() {
            let members = groups
                .iter()
                .enumerate()
                .map(|(n, group)| member(&format!("feed {index}.{n}"), group))
                .collect();
            check_term(&story(1, 0, members), 'C', expected, detail);
        }
    }

    #[test]
    fn position_top_bottom_and_best() {
        // (place, length) of each ranked member, P, detail
        let rows: &[(&[Place], f64, &str)] = &[
            (&[(1, 30)], 0.5, "#1 of 30 in feed 0"),
            (&[(30, 30)], 0.5 / 30.0, "#30 of 30 in feed 0"),
            (&[(3, 30)], 0.5 * (1.0 - 2.0 / 30.0), "#3 of 30 in feed 0"),
            // the best place counts
            (&[(10, 10), (2, 10)], 0.5 * 0.9, "#2 of 10 in feed 1"),
            // out-of-range places are clamped
            (&[(0, 10)], 0.5, "#1 of 10 in feed 0"),
            (&[(50, 10)], 0.05, "#10 of 10 in feed 0"),
            (&[(1, 0)], 0.5, "#1 of 1 in feed 0"),
            (&[], 0.0, "not in a ranked feed"),
        ];
        for &(places, expected, detail) in rows {
            let mut members: Vec<Member> = places
                .iter()
                .enumerate()
                .map(|(n, &(place, length))| {
                    member(&format!("feed {n}"), "g").placed(place, length)
                })
                .collect();
            members.push(member("unranked", "g"));
            check_term(&story(1, 0, members), 'P', expected, detail);
        }
    }

    #[test]
    fn weight_of_the_heaviest_feed() {
        let members = vec![
            member("The Register", "theregister.com"),
            member("Krebs on Security", "krebsonsecurity.com"),
        ];
        let story = story(1, 0, members);
        let check = |weights: &[(&str, f64)], expected: f64, detail: &str| {
            let weights: HashMap<String, f64> = weights
                .iter()
                .map(|(name, weight)| (name.to_string(), *weight))
                .collect();
            let score = score(&story, &settings(), &weights, NOW);
            let term = score.term('F').unwrap();
            assert!((term.value - expected).abs() < 1e-12, "{term:?}");
            assert_eq!(term.detail, detail);
        };
        check(
            &[("Krebs on Security", 2.0)],
            2f64.log10(),
            "max weight 2 (Krebs on Security)",
        );
        assert_eq!(format!("{:+.3}", 2f64.log10()), "+0.301");
        check(&[], 0.0, "max weight 1 (The Register)");
        check(
            &[("The Register", 0.5), ("Krebs on Security", 0.25)],
            0.5f64.log10(),
            "max weight 0.5 (The Register)",
        );
        check(
            &[("The Register", 0.0), ("Krebs on Security", 0.0)],
            0.0,
            "max weight 0 (The Register) is not positive: counts 0",
        );
        check(
            &[("The Register", f64::NAN), ("Krebs on Security", 0.0)],
            0.0,
            "max weight 0 (The Register) is not positive: counts 0",
        );
        let lonely = self::story(2, 0, vec![]);
        let term = score_of(&lonely).term('F').unwrap().clone();
        assert_eq!((term.value, term.detail.as_str()), (0.0, "no feeds"));
    }

    #[test]
    fn age_in_decay_periods() {
        let one = || vec![member("A", "a")];
        check_term(
            &story(1, 48 * HOUR, one()),
            'A',
            -2.0,
            "48.0h old, decay 24h",
        );
        check_term(&story(1, 0, one()), 'A', 0.0, "0.0h old, decay 24h");
        check_term(
            &story(1, 43 * HOUR + 54 * 60, one()),
            'A',
            -(43.9 / 24.0),
            "43.9h old, decay 24h",
        );
        check_term(
            &story(1, -2 * HOUR, one()),
            'A',
            0.0,
            "published 2.0h in the future: counts as 0h old, decay 24h",
        );
        // other decays
        let rows: &[(u64, &str, f64)] = &[
            (90 * 60, "90m", -(12.0 / 1.5)),
            (45, "45s", -(12.0 * 3600.0 / 45.0)),
        ];
        for &(decay_seconds, decay_text, expected) in rows {
            let rank = RankSettings {
                decay: Duration::from_secs(decay_seconds),
                ..settings()
            };
            let score = score(&story(1, 12 * HOUR, one()), &rank, &HashMap::new(), NOW);
            let term = score.term('A').unwrap();
            assert!((term.value - expected).abs() < 1e-9, "{term:?}");
            assert_eq!(term.detail, format!("12.0h old, decay {decay_text}"));
        }
        // a zero decay (config rejects it) counts nothing rather than dividing by zero
        let rank = RankSettings {
            decay: Duration::ZERO,
            ..settings()
        };
        let score = score(&story(1, 12 * HOUR, one()), &rank, &HashMap::new(), NOW);
        assert_eq!(score.term('A').unwrap().value, 0.0);
        assert!(score.total.is_finite());
    }

    #[test]
    fn term_values_are_never_negative_zero() {
        let stories = [
            story(1, 0, vec![]),
            story(2, -HOUR, vec![member("A", "a")]),
            story(
                3,
                0,
                vec![member("A", "a").counts(Some(0), Some(0), Some(0))],
            ),
        ];
        for story in &stories {
            for term in score_of(story).terms {
                assert!(
                    term.value != 0.0 || term.value.is_sign_positive(),
                    "{term:?}"
                );
            }
        }
    }

    /// Points, comments and views on the grid, each ascending.
    fn count_axis() -> Vec<Option<u64>> {
        let mut axis = vec![None];
        axis.extend((0..=500).step_by(25).map(Some));
        axis
    }

    /// Ages on the grid: every 6 hours from 0 to 10 days, ascending.
    fn age_axis() -> Vec<i64> {
        (0..=10 * DAY).step_by(6 * HOUR as usize).collect()
    }

    /// A story of age `age` whose first member has the given counts, over `k` groups.
    fn grid_story(
        points: Option<u64>,
        comments: Option<u64>,
        views: Option<u64>,
        k: usize,
        age: i64,
    ) -> Story {
        let mut members = vec![member("feed 0", "group 0").counts(points, comments, views)];
        members.extend((1..k).map(|n| member(&format!("feed {n}"), &format!("group {n}"))));
        story(1, age, members)
    }

    /// `scores` never decreases (`rising`) or never increases.
    fn assert_monotone(scores: &[f64], rising: bool, what: &str) {
        for pair in scores.windows(2) {
            let ok = if rising {
                pair[1] >= pair[0]
            } else {
                pair[1] <= pair[0]
            };
            assert!(ok, "{what}: {} then {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn more_points_comments_or_views_never_lower_a_score() {
        let counts = count_axis();
        let known_points: Vec<Option<u64>> = counts.iter().copied().flatten().map(Some).collect();
        let views_axis = [None, Some(0), Some(999), Some(1000), Some(1_000_000)];
        let ages = [0, 7 * HOUR, 3 * DAY, 10 * DAY];
        for k in [1, 3] {
            for &age in &ages {
                for &views in &views_axis {
                    for &comments in &counts {
                        let scores: Vec<f64> = known_points
                            .iter()
                            .map(|&points| {
                                score_of(&grid_story(points, comments, views, k, age)).total
                            })
                            .collect();
                        assert_monotone(&scores, true, &format!("points, {comments:?} {views:?}"));
                    }
                    for &points in &counts {
                        let scores: Vec<f64> = counts
                            .iter()
                            .map(|&comments| {
                                score_of(&grid_story(points, comments, views, k, age)).total
                            })
                            .collect();
                        assert_monotone(&scores, true, &format!("comments, {points:?} {views:?}"));
                    }
                }
                for &points in &counts {
                    for &comments in &counts {
                        let scores: Vec<f64> = views_axis
                            .iter()
                            .map(|&views| {
                                score_of(&grid_story(points, comments, views, k, age)).total
                            })
                            .collect();
                        assert_monotone(&scores, true, &format!("views, {points:?} {comments:?}"));
                    }
                }
            }
        }
    }

    #[test]
    fn another_item_or_feed_never_lowers_a_score() {
        let item = "https://news.ycombinator.com/item?id=1";
        for points in (0..=500).step_by(50) {
            for comments in (0..=500).step_by(50) {
                let first = member("HN", "hn")
                    .counts(Some(points), Some(comments), None)
                    .discussion(item);
                let base = score_of(&story(1, DAY, vec![first.clone()])).total;
                // the same item again, with fewer or more points, in the same group
                for other_points in [0, points / 2, points, points + 10] {
                    let again = member("HN best", "hn")
                        .counts(Some(other_points), Some(comments), None)
                        .discussion(item);
                    let with = score_of(&story(1, DAY, vec![first.clone(), again])).total;
                    assert!(with >= base, "{points} {comments} + {other_points}");
                }
                // another item in another group
                let other = member("Lobsters", "lobsters").counts(Some(points), None, None);
                let with = score_of(&story(1, DAY, vec![first.clone(), other])).total;
                assert!(with >= base, "{points} {comments} + lobsters");
            }
        }
    }

    #[test]
    fn more_coverage_never_lowers_a_score() {
        for points in count_axis() {
            for comments in [None, Some(0), Some(60), Some(500)] {
                for age in age_axis() {
                    let scores: Vec<f64> = (1..=6)
                        .map(|k| score_of(&grid_story(points, comments, None, k, age)).total)
                        .collect();
                    assert_monotone(&scores, true, &format!("k, {points:?} {comments:?} {age}"));
                }
            }
        }
    }

    #[test]
    fn more_age_never_raises_a_score() {
        for points in count_axis() {
            for comments in [None, Some(0), Some(60), Some(500)] {
                for k in 1..=6 {
                    // from two days in the future to ten days old
                    let ages: Vec<i64> = (-2 * DAY..=10 * DAY).step_by(6 * HOUR as usize).collect();
                    let scores: Vec<f64> = ages
                        .iter()
                        .map(|&age| score_of(&grid_story(points, comments, None, k, age)).total)
                        .collect();
                    assert_monotone(&scores, false, &format!("age, {points:?} {comments:?} {k}"));
                    // the future counts as new
                    let future = score_of(&grid_story(points, comments, None, k, -DAY)).total;
                    let new = score_of(&grid_story(points, comments, None, k, 0)).total;
                    assert_eq!(future, new);
                }
            }
        }
    }

    /// Deterministic pseudo-random numbers (a 64-bit LCG), for grids of odd values.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
        /// A number in `[low, high)`.
        fn between(&mut self, low: f64, high: f64) -> f64 {
            low + (high - low) * (self.next() as f64 / (1u64 << 31) as f64)
        }
    }

    /// Scores stories and orders them with `limit`; returns the ids in order.
    fn ordered_ids(stories: Vec<Story>, weights: &HashMap<String, f64>, limit: usize) -> Vec<i64> {
        let scored = stories
            .into_iter()
            .map(|story| {
                let score = score(&story, &settings(), weights, NOW);
                (story, score)
            })
            .collect();
        order(scored, limit)
            .into_iter()
            .map(|(story, _)| story.id.0)
            .collect()
    }

    #[test]
    fn without_signals_and_with_equal_weights_order_is_newest_first() {
        let mut random = Lcg(7);
        for weight in [None, Some(0.5), Some(1.0), Some(3.0)] {
            for round in 0..20 {
                let count = 1 + (random.next() % 40) as i64;
                let stories: Vec<Story> = (0..count)
                    .map(|id| {
                        // some equal ages, some in the future
                        let age = (random.next() % 50) as i64 * 3 * HOUR - 6 * HOUR;
                        story(
                            id,
                            age,
                            vec![member(&format!("feed {id}"), &format!("g{id}"))],
                        )
                    })
                    .collect();
                let weights: HashMap<String, f64> = match weight {
                    Some(weight) => (0..count)
                        .map(|id| (format!("feed {id}"), weight))
                        .collect(),
                    None => HashMap::new(),
                };
                let mut expected: Vec<(Timestamp, i64)> = stories
                    .iter()
                    .map(|story| (story.published, story.id.0))
                    .collect();
                // newest first (the future ties with now, and ties go newer first)
                expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let expected: Vec<i64> = expected.into_iter().map(|(_, id)| id).collect();
                assert_eq!(
                    ordered_ids(stories, &weights, 1000),
                    expected,
                    "weight {weight:?}, round {round}"
                );
            }
        }
    }

    /// A story with a given total, for `order` tests.
    fn scored(id: i64, age: i64, group: &str, total: f64) -> (Story, Score) {
        let story = story(id, age, vec![member(&format!("feed {id}"), group)]);
        let score = Score {
            total,
            terms: Vec::new(),
        };
        (story, score)
    }

    fn ids(stories: &[(Story, Score)]) -> Vec<i64> {
        stories.iter().map(|(story, _)| story.id.0).collect()
    }

    #[test]
    fn order_by_score_then_newer_then_lower_id() {
        let stories = vec![
            scored(5, HOUR, "a", 1.0),
            scored(4, 2 * HOUR, "b", 1.0),
            scored(3, HOUR, "c", 1.0),
            scored(2, 0, "d", -1.0),
            scored(1, 0, "e", 2.0),
            scored(6, HOUR, "f", 0.0),
            scored(7, 0, "g", -0.0),
        ];
        // 0.0 and -0.0 tie: the newer first
        assert_eq!(ids(&order(stories, 100)), [1, 3, 5, 4, 7, 6, 2]);
    }

    #[test]
    fn order_keeps_at_most_limit() {
        let stories: Vec<(Story, Score)> = (0..10)
            .map(|id| scored(id, id * HOUR, &format!("g{id}"), 0.0))
            .collect();
        assert_eq!(ids(&order(stories.clone(), 4)), [0, 1, 2, 3]);
        assert_eq!(ids(&order(stories.clone(), 0)), Vec::<i64>::new());
        assert_eq!(ids(&order(stories, 20)).len(), 10);
    }

    #[test]
    fn per_group_cap_rows() {
        let rows = [
            (0, 3),
            (1, 3),
            (10, 3),
            (19, 3),
            (20, 4),
            (25, 5),
            (50, 10),
            (100, 20),
        ];
        for (limit, cap) in rows {
            assert_eq!(per_group_cap(limit), cap, "limit {limit}");
        }
    }

    #[test]
    fn one_group_never_takes_over_the_front_page() {
        // six top stories from one outlet, then others
        let mut stories: Vec<(Story, Score)> = (0..6)
            .map(|id| scored(id, 0, "flood.example", 10.0 - id as f64))
            .collect();
        stories.extend((6..12).map(|id| scored(id, 0, &format!("g{id}"), 1.0 - id as f64)));
        // limit 5: cap 3; skipped stories do not count toward the limit
        assert_eq!(ids(&order(stories.clone(), 5)), [0, 1, 2, 6, 7]);
        // limit 10: cap 3, filled up with others
        assert_eq!(
            ids(&order(stories.clone(), 10)),
            [0, 1, 2, 6, 7, 8, 9, 10, 11]
        );
        // limit 20: cap 4
        let ordered = order(stories, 20);
        assert_eq!(ids(&ordered), [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]);
    }

    #[test]
    fn the_cap_counts_the_first_members_group() {
        let mut stories: Vec<(Story, Score)> = (0..5)
            .map(|id| {
                let members = vec![member("A", "a"), member(&format!("feed {id}"), "b")];
                (
                    story(id, 0, members),
                    Score {
                        total: 5.0 - id as f64,
                        terms: Vec::new(),
                    },
                )
            })
            .collect();
        // second member in group a does not count against a
        stories.push((
            story(9, 0, vec![member("B", "b"), member("A", "a")]),
            Score {
                total: -1.0,
                terms: Vec::new(),
            },
        ));
        // a story without members is never capped
        stories.push((
            story(10, 0, vec![]),
            Score {
                total: -2.0,
                terms: Vec::new(),
            },
        ));
        assert_eq!(ids(&order(stories, 10)), [0, 1, 2, 9, 10]);
    }

    #[test]
    fn explain_text_layout() {
        let story = story(
            7,
            48 * HOUR,
            vec![
                member("Hacker News", "news.ycombinator.com")
                    .counts(Some(300), Some(124), None)
                    .placed(1, 30),
                member("Lobsters", "lobste.rs"),
            ],
        );
        let weights = HashMap::from([("Hacker News".to_string(), 2.0)]);
        let score = score(&story, &settings(), &weights, NOW);
        let expected = "\
story 7: Story 7
E engagement  +2.56  (U = 361: 300 points, 124 comments, 0 views over 1 item)
C coverage    +0.50  (2 groups: news.ycombinator.com, lobste.rs)
P position    +0.50  (#1 of 30 in Hacker News)
F weight      +0.30  (max weight 2 (Hacker News))
A age         -2.00  (48.0h old, decay 24h)
= score       +1.86
";
        assert_eq!(explain_text(&story, &score), expected);
    }

    #[test]
    fn explain_text_aligns_wide_values() {
        let story = story(1, 0, vec![]);
        let terms = ['E', 'C', 'P', 'F', 'A']
            .into_iter()
            .zip(["engagement", "coverage", "position", "weight", "age"])
            .zip([12.345, 0.0, 0.0, 0.0, -0.004])
            .map(|((letter, name), value)| Term {
                letter,
                name,
                value,
                detail: "d".to_string(),
            })
            .collect();
        let score = Score {
            total: 12.341,
            terms,
        };
        let expected = "\
story 1: Story 1
E engagement  +12.34  (d)
C coverage     +0.00  (d)
P position     +0.00  (d)
F weight       +0.00  (d)
A age          +0.00  (d)
= score       +12.34
";
        // -0.004 gives its cent to the total, and prints as +0.00, never -0.00
        assert_eq!(explain_text(&story, &score), expected);
    }

    /// Cents from a printed `+1.23` / `-0.05`.
    fn parse_cents(text: &str) -> i64 {
        let (sign, digits) = text.split_at(1);
        let (whole, fraction) = digits.split_once('.').unwrap();
        assert_eq!(fraction.len(), 2, "{text}");
        let magnitude: i64 = whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
        match sign {
            "+" => magnitude,
            "-" => {
                assert!(magnitude > 0, "negative zero printed: {text}");
                -magnitude
            }
            _ => panic!("no sign in {text}"),
        }
    }

    /// The printed values of `text`'s term lines and its total line.
    fn printed_cents(text: &str) -> (Vec<i64>, i64) {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7, "{text}");
        let value_of = |line: &str| parse_cents(line[12..].split_whitespace().next().unwrap());
        let terms = lines[1..6].iter().map(|line| value_of(line)).collect();
        assert!(lines[6].starts_with("= score "), "{text}");
        (terms, value_of(lines[6]))
    }

    /// The printed terms of `score` add up to the printed total, each is within a cent of
    /// its value, and the printed total is the total rounded to the nearest cent.
    fn check_explain_sums(story: &Story, score: &Score) {
        let text = explain_text(story, score);
        let (terms, total) = printed_cents(&text);
        assert_eq!(terms.iter().sum::<i64>(), total, "{score:?}\n{text}");
        for (printed, term) in terms.iter().zip(&score.terms) {
            assert!(
                (*printed as f64 / 100.0 - term.value).abs() < 0.01 + 1e-9,
                "{term:?}\n{text}"
            );
        }
        assert!(
            (total as f64 / 100.0 - score.total).abs() <= 0.005 + 1e-9,
            "{score:?}\n{text}"
        );
    }

    #[test]
    fn explain_terms_add_up_to_the_printed_total_for_random_values() {
        let mut random = Lcg(42);
        let story = story(1, 0, vec![]);
        for _ in 0..20_000 {
            let values: Vec<f64> = (0..5)
                .map(|index| match random.next() % 6 {
                    0 => 0.0,
                    // exact halves and thirds of cents
                    1 => (random.next() % 2000) as f64 / 200.0 - 5.0,
                    2 => (random.next() % 3000) as f64 / 300.0 - 5.0,
                    _ if index == 4 => -random.between(0.0, 10.0),
                    _ => random.between(-1.0, 6.0),
                })
                .collect();
            let terms = ['E', 'C', 'P', 'F', 'A']
                .into_iter()
                .zip(["engagement", "coverage", "position", "weight", "age"])
                .zip(&values)
                .map(|((letter, name), &value)| Term {
                    letter,
                    name,
                    value,
                    detail: String::new(),
                })
                .collect();
            let score = Score {
                total: values.iter().sum(),
                terms,
            };
            check_explain_sums(&story, &score);
        }
    }

    #[test]
    fn explain_terms_add_up_to_the_printed_total_for_real_scores() {
        for points in count_axis() {
            for comments in [None, Some(7), Some(124)] {
                for k in 1..=6 {
                    for age in (0..=10 * DAY).step_by(7 * 3600 + 13 * 60 + 7) {
                        let mut story = grid_story(points, comments, Some(1234), k, age);
                        story.members[0].position = Some((1 + (age % 30) as u32, 30));
                        check_explain_sums(&story, &score_of(&story));
                    }
                }
            }
        }
    }

    #[test]
    fn rounded_cents_rows() {
        let rows: &[(&[f64], &[i64])] = &[
            (&[0.0, 0.0], &[0, 0]),
            (&[0.125], &[13]),
            (&[-1.234], &[-123]),
            // rounding each alone would print 0.00 + 0.00 + 0.00 = 0.00 for a total of 0.01
            (&[0.004, 0.004, 0.004], &[1, 0, 0]),
            // and 0.01 + 0.01 = 0.02 for a total of 0.01
            (&[0.006, 0.006, -0.001], &[1, 0, 0]),
            (&[f64::NAN, f64::INFINITY, 1.0], &[0, 0, 100]),
        ];
        for &(values, expected) in rows {
            assert_eq!(rounded_cents(values), expected, "{values:?}");
        }
    }

    /// A shuffled copy of `items` (Fisher-Yates with `random`).
    fn shuffled<T: Clone>(items: &[T], random: &mut Lcg) -> Vec<T> {
        let mut items = items.to_vec();
        for index in (1..items.len()).rev() {
            let other = (random.next() % (index as u64 + 1)) as usize;
            items.swap(index, other);
        }
        items
    }

    /// The entrant of a scored story, its group numbered by its place in `groups`.
    fn entrant_of(story: &Story, story_score: &Score, groups: &[&str]) -> Entrant {
        let group = story.members.first().map(|first| {
            groups
                .iter()
                .position(|&group| group == first.group)
                .unwrap()
        });
        Entrant::new(story.id, story.published, story_score.total, group)
    }

    #[test]
    fn leaders_choose_exactly_what_order_chooses() {
        let mut random = Lcg(11);
        let groups = ["a", "b", "c", "d", "e", "f", "g"];
        let totals = [-1.0, -0.0, 0.0, 0.5, 1.0, 2.0];
        for round in 0..300 {
            let count = (random.next() % 150) as i64;
            let group_count = 1 + (random.next() % groups.len() as u64) as usize;
            // Few totals, ages and groups: ties on score and date, and full groups.
            let stories: Vec<(Story, Score)> = (0..count)
                .map(|id| {
                    let total = if random.next().is_multiple_of(4) {
                        random.between(-2.0, 2.0)
                    } else {
                        totals[(random.next() % totals.len() as u64) as usize]
                    };
                    let age = (random.next() % 4) as i64 * HOUR;
                    let mut members = Vec::new();
                    // one story in ten has no members: never capped
                    if !random.next().is_multiple_of(10) {
                        for _ in 0..1 + random.next() % 2 {
                            let group = groups[(random.next() % group_count as u64) as usize];
                            members.push(member(&format!("feed {id}"), group));
                        }
                    }
                    let story_score = Score {
                        total,
                        terms: Vec::new(),
                    };
                    (story(id, age, members), story_score)
                })
                .collect();
            let offered = shuffled(&stories, &mut random);
            for limit in [0, 1, 2, 3, 4, 5, 7, 10, 15, 16, 20, 50, 200] {
                let expected = ids(&order(stories.clone(), limit));
                let mut leaders = Leaders::by_score(limit);
                for (story, story_score) in &offered {
                    leaders.offer(entrant_of(story, story_score, &groups));
                }
                let chosen: Vec<i64> = leaders.into_vec().iter().map(|kept| kept.id.0).collect();
                assert_eq!(chosen, expected, "round {round}, limit {limit}");

                let mut newest: Vec<(Timestamp, i64)> = stories
                    .iter()
                    .map(|(story, _)| (story.published, story.id.0))
                    .collect();
                newest.sort_by(|a, b| b.cmp(a));
                newest.truncate(limit);
                let expected: Vec<i64> = newest.into_iter().map(|(_, id)| id).collect();
                let mut leaders = Leaders::newest(limit);
                for (story, story_score) in &offered {
                    leaders.offer(entrant_of(story, story_score, &groups));
                }
                let chosen: Vec<i64> = leaders.into_vec().iter().map(|kept| kept.id.0).collect();
                assert_eq!(chosen, expected, "newest: round {round}, limit {limit}");
            }
        }
    }

    #[test]
    fn leaders_keep_a_flooding_group_to_its_cap() {
        // Ten top stories of one group, then others, offered worst first: a plain top 5
        // would keep five of the flood; the cap lets three in.
        let mut stories: Vec<(Story, Score)> = (0..10)
            .map(|id| scored(id, 0, "a", 20.0 - id as f64))
            .collect();
        stories.extend((10..20).map(|id| scored(id, 0, "b", 20.0 - id as f64)));
        let mut leaders = Leaders::by_score(5);
        for (story, story_score) in stories.iter().rev() {
            leaders.offer(entrant_of(story, story_score, &["a", "b"]));
        }
        let chosen: Vec<i64> = leaders.into_vec().iter().map(|kept| kept.id.0).collect();
        assert_eq!(chosen, [0, 1, 2, 10, 11]);
        assert_eq!(ids(&order(stories, 5)), chosen);
    }

    #[test]
    fn total_is_the_score_s_total_to_the_bit() {
        let names = ["HN", "Lobsters", "Mirror", "Blog", "Muted"];
        let groups = ["hn", "lobsters", "hn", "blog", "muted"];
        let weights_by_name: HashMap<String, f64> = [
            ("HN", 2.0),
            ("Lobsters", 1.0),
            ("Mirror", 0.5),
            ("Muted", 0.0),
        ]
        .into_iter()
        .map(|(name, weight)| (name.to_string(), weight))
        .collect();
        // By feed index, as publishing passes them; a feed missing from the map weighs 1.
        let weights: Vec<f64> = names
            .iter()
            .map(|name| weights_by_name.get(*name).copied().unwrap_or(1.0))
            .collect();
        // Two spellings of one discussion, another one, and a link that does not parse.
        let discussions = [
            None,
            Some("https://news.ycombinator.com/item?id=1"),
            Some("HTTPS://News.YCombinator.com/item?id=1"),
            Some("https://news.ycombinator.com/item?id=2"),
            Some("not a link"),
        ];
        let mut random = Lcg(5);
        let count = |random: &mut Lcg| match random.next() % 4 {
            0 => None,
            1 => Some(0),
            2 => Some(random.next() % 20),
            _ => Some(random.next() % 5000),
        };
        let other = RankSettings {
            decay: Duration::from_secs(7 * 3600 + 11),
            coverage: 0.3,
            position: 1.7,
        };
        for round in 0..3000 {
            let mut members = Vec::new();
            let mut signals = Vec::new();
            for _ in 0..random.next() % 6 {
                let feed = (random.next() % names.len() as u64) as usize;
                let discussion = discussions[(random.next() % discussions.len() as u64) as usize];
                let engagement = Engagement {
                    points: count(&mut random),
                    comments: count(&mut random),
                    views: count(&mut random),
                };
                let position = random
                    .next()
                    .is_multiple_of(3)
                    .then(|| ((random.next() % 40) as u32, (random.next() % 35) as u32));
                members.push(Member {
                    feed_name: names[feed].to_string(),
                    group: groups[feed].to_string(),
                    engagement,
                    discussion: discussion.and_then(|link| Url::parse(link).ok()),
                    position,
                });
                signals.push(Signals {
                    feed,
                    group: groups
                        .iter()
                        .position(|&group| group == groups[feed])
                        .unwrap(),
                    engagement,
                    discussion: discussion.map(str::to_string),
                    position,
                });
            }
            let age = (random.next() % (11 * DAY as u64)) as i64 - DAY;
            let story = story(round, age, members);
            let candidate = Candidate {
                id: story.id,
                published: story.published,
                updated: story.updated,
                members: signals,
            };
            for rank in [settings(), other.clone()] {
                let expected = score(&story, &rank, &weights_by_name, NOW).total;
                let found = total(&candidate, &rank, &weights, NOW);
                assert_eq!(
                    found.to_bits(),
                    expected.to_bits(),
                    "round {round}: {found} against {expected} for {story:?}"
                );
            }
        }
    }
}
