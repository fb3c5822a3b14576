//! Feed dates as feeds really write them → an instant, or None.
//!
//! feed-rs is given [`parse_date`] for every date it reads (RSS `pubDate`, `dc:date`, Atom
//! `published`/`updated`, JSON Feed), in place of its own lenient parser, so what is accepted
//! is decided and tested here. Two shapes:
//!
//! - RFC 3339 / W3C-DTF (`2026-11-27T22:01:12Z`, `…12.345+01:00`, `2026-11-27`, `2026-11`,
//!   `2026`): `T`, `t` or a space between date and time; seconds and fractions optional;
//!   `Z`, `±hh:mm`, `±hhmm` or `±hh` as the zone.
//! - RFC 822 / RFC 2822 (`Fri, 27 Nov 2026 22:01:12 GMT`): the weekday is ignored whatever
//!   it says (feeds get it wrong, or write it in another language); day and month in either
//!   order; English month names, short or long; two-digit years as RFC 2822 reads them
//!   (`00`–`49` are 2000–2049, `50`–`99` 1950–1999); seconds optional; zones as offsets,
//!   `GMT`/`UT`/`UTC`/`Z`, the US names of RFC 822 and a few common others; a time before the
//!   year (`ctime`'s `Fri Nov 27 22:01:12 2026`) is read too.
//!
//! Decisions: a date without a zone is UTC (at most half a day off, better than no date); an
//! unknown zone name is UTC too, for the same reason. A month name that is not English
//! (`27 Novembre 2026`), an impossible date (`31 Feb`), a year beyond 9999 and anything else
//! is None: the entry is then dated when first seen (SPEC §4). Future dates are kept; the
//! store clamps them.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// The instant a feed's date text names, or None when it is not a date read here (see the
/// module docs).
pub(super) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let starts_with_year = bytes.len() >= 4 && bytes[..4].iter().all(u8::is_ascii_digit);
    if starts_with_year && matches!(bytes.get(4), None | Some(b'-')) {
        parse_iso(text)
    } else {
        parse_rfc822(text)
    }
}

/// RFC 3339 and its W3C-DTF shortenings.
fn parse_iso(text: &str) -> Option<DateTime<Utc>> {
    let mut rest = text.as_bytes();
    let year = take_digits(&mut rest, 4, 4)?;
    let mut month = 1;
    let mut day = 1;
    if let Some(after) = rest.strip_prefix(b"-") {
        rest = after;
        month = take_digits(&mut rest, 2, 2)?;
        if let Some(after) = rest.strip_prefix(b"-") {
            rest = after;
            day = take_digits(&mut rest, 2, 2)?;
        }
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    let (&separator, after) = rest.split_first()?;
    if !matches!(separator, b'T' | b't' | b' ') {
        return None;
    }
    rest = after;
    let time = take_time(&mut rest)?;
    let offset = zone_offset(std::str::from_utf8(rest).ok()?.trim())?;
    at_offset(date, time, offset)
}

/// RFC 822 and the variants feeds write.
fn parse_rfc822(text: &str) -> Option<DateTime<Utc>> {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .peekable();
    // a weekday, in any language, or none
    if words
        .peek()
        .is_some_and(|word| word.chars().all(char::is_alphabetic) && month_number(word).is_none())
    {
        words.next();
    }
    let mut month = None;
    let mut numbers: Vec<&str> = Vec::new();
    let mut time = None;
    let mut offset = None;
    for word in words {
        if word.starts_with('(') || word.ends_with(')') {
            // a comment, like `(EST)` after an offset
            continue;
        }
        if let Some(number) = month_number(word).filter(|_| month.is_none() && time.is_none()) {
            month = Some(number);
        } else if word.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(word);
        } else if word.contains(':') && time.is_none() && offset.is_none() {
            let mut rest = word.as_bytes();
            let parsed = take_time(&mut rest)?;
            if !rest.is_empty() {
                return None;
            }
            time = Some(parsed);
        } else if time.is_some() && offset.is_none() {
            offset = Some(zone_offset(word)?);
        } else {
            return None;
        }
    }
    let (day, year) = match numbers.as_slice() {
        [day, year] if day.len() <= 2 => (day.parse().ok()?, *year),
        _ => return None,
    };
    let year: i32 = match (year.len(), year.parse::<i32>().ok()?) {
        (2, year) if year < 50 => 2000 + year,
        (2, year) => 1900 + year,
        (3, year) => 1900 + year,
        (4, year) => year,
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year, month?, day)?;
    at_offset(date, time.unwrap_or(NaiveTime::MIN), offset.unwrap_or(0))
}

/// The instant of a local date and time at `offset` seconds east of UTC.
fn at_offset(date: NaiveDate, time: NaiveTime, offset: i32) -> Option<DateTime<Utc>> {
    let local = date.and_time(time).and_utc();
    local.checked_sub_signed(chrono::TimeDelta::seconds(i64::from(offset)))
}

/// Reads `hh:mm`, `hh:mm:ss` or `hh:mm:ss.fraction` (an hour may have one digit) off the
/// front of `rest`. A leap second (`:60`) is read as `:59`.
fn take_time(rest: &mut &[u8]) -> Option<NaiveTime> {
    let hour = take_digits(rest, 1, 2)?;
    *rest = rest.strip_prefix(b":")?;
    let minute = take_digits(rest, 2, 2)?;
    let mut second = 0;
    let mut nanosecond = 0;
    if let Some(after) = rest.strip_prefix(b":") {
        *rest = after;
        second = match take_digits(rest, 2, 2)? {
            60 => 59,
            second => second,
        };
        if let Some(after) = rest.strip_prefix(b".").or_else(|| rest.strip_prefix(b",")) {
            let length = after.iter().take_while(|b| b.is_ascii_digit()).count();
            if length == 0 {
                return None;
            }
            let digits = &after[..length.min(9)];
            let mut value = 0_u32;
            for digit in digits {
                value = value * 10 + u32::from(digit - b'0');
            }
            nanosecond = value * 10_u32.pow(9 - u32::try_from(digits.len()).ok()?);
            *rest = &after[length..];
        }
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanosecond)
}

/// Reads `min` to `max` ASCII digits off the front of `rest`, exactly as many as there are.
fn take_digits(rest: &mut &[u8], min: usize, max: usize) -> Option<u32> {
    let length = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if length < min || length > max {
        return None;
    }
    let mut value = 0_u32;
    for digit in &rest[..length] {
        value = value * 10 + u32::from(digit - b'0');
    }
    *rest = &rest[length..];
    Some(value)
}

/// Named zones other than UTC, with their offsets in hours: RFC 822's US zones and a few that
/// feeds write often enough. Ambiguous names (`IST`: India, Ireland or Israel) are not here.
const ZONES: &[(&str, i32)] = &[
    ("EST", -5),
    ("EDT", -4),
    ("CST", -6),
    ("CDT", -5),
    ("MST", -7),
    ("MDT", -6),
    ("PST", -8),
    ("PDT", -7),
    ("AKST", -9),
    ("AKDT", -8),
    ("HST", -10),
    ("BST", 1),
    ("CET", 1),
    ("CEST", 2),
    ("MET", 1),
    ("MEST", 2),
    ("EET", 2),
    ("EEST", 3),
    ("MSK", 3),
    ("JST", 9),
    ("KST", 9),
    ("AEST", 10),
    ("AEDT", 11),
    ("NZST", 12),
    ("NZDT", 13),
];

/// The offset east of UTC, in seconds, that a zone names: empty (no zone: UTC), `Z`, `GMT`,
/// `UT`, `UTC`, `±hh:mm`, `±hhmm`, `±hh`, a name from [`ZONES`], or any other name of
/// letters (UTC). None for anything else.
fn zone_offset(zone: &str) -> Option<i32> {
    if let Some(sign) = zone
        .strip_prefix('+')
        .map(|_| 1)
        .or_else(|| zone.strip_prefix('-').map(|_| -1))
    {
        let digits: Vec<u8> = zone[1..].bytes().filter(|b| *b != b':').collect();
        if !digits.iter().all(u8::is_ascii_digit) || zone[1..].starts_with(':') {
            return None;
        }
        let (hours, minutes) = match digits.as_slice() {
            [h1, h2] => (two_digits(*h1, *h2), 0),
            [h1, h2, m1, m2] => (two_digits(*h1, *h2), two_digits(*m1, *m2)),
            _ => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        return Some(sign * (hours * 3600 + minutes * 60));
    }
    if !zone.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let hours = ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(zone))
        .map_or(0, |(_, hours)| *hours);
    Some(hours * 3600)
}

/// The number two ASCII digits write.
fn two_digits(tens: u8, ones: u8) -> i32 {
    i32::from(tens - b'0') * 10 + i32::from(ones - b'0')
}

/// The month an English name (`Nov`, `November`, `nov.`; `Sept`) names, 1–12.
fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.strip_suffix('.').unwrap_or(word).to_ascii_lowercase();
    let position = MONTHS.iter().position(|month| {
        *month == word
            || (word.len() == 3 && month.starts_with(&word))
            || (word == "sept" && *month == "september")
    })?;
    u32::try_from(position + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn check(text: &str, expected: Option<&str>) {
        let expected = expected.map(|rfc3339| {
            Timestamp::parse_rfc3339(rfc3339)
                .unwrap_or_else(|| panic!("bad expected time {rfc3339}"))
        });
        let parsed = parse_date(text).map(|date| Timestamp::from_unix(date.timestamp()));
        assert_eq!(parsed, expected, "parse_date({text:?})");
    }

    #[test]
    fn date_table() {
        let rows: &[(&str, Option<&str>)] = &[
            // RFC 822 as RSS 2.0 writes it
            (
                "Fri, 27 Nov 2026 22:01:12 GMT",
                Some("2026-11-27T22:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 +0000",
                Some("2026-11-27T22:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 -0500",
                Some("2026-11-28T03:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 +0530",
                Some("2026-11-27T16:31:12Z"),
            ),
            // without the weekday, or with a wrong, long or foreign one
            ("27 Nov 2026 22:01:12 GMT", Some("2026-11-27T22:01:12Z")),
            (
                "Mon, 27 Nov 2026 22:01:12 GMT",
                Some("2026-11-27T22:01:12Z"),
            ),
            (
                "Friday, 27 Nov 2026 22:01:12 GMT",
                Some("2026-11-27T22:01:12Z"),
            ),
            ("Fr, 27 Nov 2026 22:01:12 GMT", Some("2026-11-27T22:01:12Z")),
            // single-digit day and hour
            ("Tue, 3 Nov 2026 9:05:00 GMT", Some("2026-11-03T09:05:00Z")),
            // zones
            ("Fri, 27 Nov 2026 22:01:12 UT", Some("2026-11-27T22:01:12Z")),
            (
                "Fri, 27 Nov 2026 22:01:12 UTC",
                Some("2026-11-27T22:01:12Z"),
            ),
            ("Fri, 27 Nov 2026 22:01:12 Z", Some("2026-11-27T22:01:12Z")),
            (
                "Fri, 27 Nov 2026 22:01:12 EST",
                Some("2026-11-28T03:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 PDT",
                Some("2026-11-28T05:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 CEST",
                Some("2026-11-27T20:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 +01:00",
                Some("2026-11-27T21:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 -0000",
                Some("2026-11-27T22:01:12Z"),
            ),
            (
                "Fri, 27 Nov 2026 22:01:12 -0500 (EST)",
                Some("2026-11-28T03:01:12Z"),
            ),
            // an unknown or missing zone is UTC
            (
                "Fri, 27 Nov 2026 22:01:12 XYZT",
                Some("2026-11-27T22:01:12Z"),
            ),
            ("Fri, 27 Nov 2026 22:01:12", Some("2026-11-27T22:01:12Z")),
            // two- and three-digit years, as RFC 2822 reads them
            ("Fri, 27 Nov 26 22:01:12 GMT", Some("2026-11-27T22:01:12Z")),
            ("Sat, 27 Nov 99 22:01:12 GMT", Some("1999-11-27T22:01:12Z")),
            ("27 Nov 49 00:00 GMT", Some("2049-11-27T00:00:00Z")),
            ("27 Nov 50 00:00 GMT", Some("1950-11-27T00:00:00Z")),
            ("27 Nov 126 00:00 GMT", Some("2026-11-27T00:00:00Z")),
            // missing seconds, missing time
            ("Fri, 27 Nov 2026 22:01 GMT", Some("2026-11-27T22:01:00Z")),
            ("27 Nov 2026", Some("2026-11-27T00:00:00Z")),
            // long and dotted month names, month before day, ctime order
            (
                "27 November 2026 22:01:12 GMT",
                Some("2026-11-27T22:01:12Z"),
            ),
            ("27 Sept 2026 22:01:12 GMT", Some("2026-09-27T22:01:12Z")),
            ("27 nov. 2026 22:01:12 GMT", Some("2026-11-27T22:01:12Z")),
            ("Nov 27, 2026 22:01:12 GMT", Some("2026-11-27T22:01:12Z")),
            ("Fri Nov 27 22:01:12 2026", Some("2026-11-27T22:01:12Z")),
            // RFC 3339
            ("2026-11-27T22:01:12Z", Some("2026-11-27T22:01:12Z")),
            ("2026-11-27t22:01:12z", Some("2026-11-27T22:01:12Z")),
            ("2026-11-27 22:01:12Z", Some("2026-11-27T22:01:12Z")),
            ("2026-11-27T22:01:12.5Z", Some("2026-11-27T22:01:12Z")),
            (
                "2026-11-27T22:01:12.123456789123Z",
                Some("2026-11-27T22:01:12Z"),
            ),
            ("2026-11-27T22:01:12+01:00", Some("2026-11-27T21:01:12Z")),
            ("2026-11-27T22:01:12-08:00", Some("2026-11-28T06:01:12Z")),
            ("2026-11-27T22:01:12+0100", Some("2026-11-27T21:01:12Z")),
            ("2026-11-27T22:01:12+01", Some("2026-11-27T21:01:12Z")),
            ("2026-11-27T22:01Z", Some("2026-11-27T22:01:00Z")),
            ("2026-11-27T23:59:60Z", Some("2026-11-27T23:59:59Z")),
            ("  2026-11-27T22:01:12Z\n", Some("2026-11-27T22:01:12Z")),
            // W3C-DTF shortenings, and no zone: UTC
            ("2026-11-27", Some("2026-11-27T00:00:00Z")),
            ("2026-11", Some("2026-11-01T00:00:00Z")),
            ("2026", Some("2026-01-01T00:00:00Z")),
            ("2026-11-27T22:01:12", Some("2026-11-27T22:01:12Z")),
            // the edges of the calendar: year 9999 is kept, the future too (the store clamps)
            ("9999-12-31T23:59:59Z", Some("9999-12-31T23:59:59Z")),
            (
                "Fri, 31 Dec 9999 23:59:59 GMT",
                Some("9999-12-31T23:59:59Z"),
            ),
            ("2099-01-01T00:00:00Z", Some("2099-01-01T00:00:00Z")),
            ("1970-01-01T00:00:00Z", Some("1970-01-01T00:00:00Z")),
            ("1969-12-31T23:59:59Z", Some("1969-12-31T23:59:59Z")),
            ("0001-01-01T00:00:00Z", Some("0001-01-01T00:00:00Z")),
            ("2024-02-29T00:00:00Z", Some("2024-02-29T00:00:00Z")),
            // non-English month names: unparseable
            ("27 Novembre 2026 22:01:12 GMT", None),
            ("Fr, 27 Nov. 2026", Some("2026-11-27T00:00:00Z")),
            ("27 Mär 2026 10:00:00 +0100", None),
            ("27 juin 2026 10:00:00 +0100", None),
            ("Vie, 27 Dic 2026 10:00:00 GMT", None),
            // impossible dates and times
            ("2026-02-29T00:00:00Z", None),
            ("2026-13-01T00:00:00Z", None),
            ("2026-11-31", None),
            ("2026-11-27T24:00:00Z", None),
            ("2026-11-27T22:60:00Z", None),
            ("2026-11-27T22:01:61Z", None),
            ("31 Feb 2026 10:00:00 GMT", None),
            ("27 Nov 2026 25:00:00 GMT", None),
            ("2026-11-27T22:01:12+24:00", None),
            ("10000-01-01T00:00:00Z", None),
            ("27 Nov 10000 00:00:00 GMT", None),
            // garbage
            ("", None),
            ("   ", None),
            ("yesterday", None),
            ("N/A", None),
            ("0", None),
            ("1764280872", None),
            ("2026-11-27T", None),
            ("2026-11-27T22", None),
            ("2026-11-27T22:01:12 +", None),
            ("2026-11-27T22:01:12.Z", None),
            ("2026-11-27X22:01:12Z", None),
            ("2026/11/27", None),
            ("27/11/2026", None),
            ("Fri, 27 Nov 2026 22:01:12 GMT extra words", None),
            ("Fri, 27 Nov 2026 22:01:12 +01:00:00", None),
            ("Fri, Nov 2026 22:01:12 GMT", None),
            ("27 Nov 2026 22:01:12:13 GMT", None),
            ("27 Nov Dec 2026", None),
            ("٢٧ Nov 2026", None),
            ("27 Nov 2026 ２２:01", None),
        ];
        for (text, expected) in rows {
            check(text, *expected);
        }
    }
}
