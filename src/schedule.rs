//! When to fetch a feed next: the polling interval, what the server and the feed ask for, and
//! backoff after failures (SPEC §3.4–5). Pure: it takes `now` and returns a `Timestamp`.
//!
//! Rules, in one place:
//! - After a success (200 or 304): `max(interval, <ttl>, max-age, Expires − Date)`, the hints
//!   capped at 24 h, so a feed can slow frontpage down but never speed it up past its
//!   configured interval (`no-cache` and `max-age=0` are simply no hint).
//! - After a failure: `interval × 2^failures`, capped at 24 h (but never less than the
//!   interval), or `Retry-After` when a 429 or 503 gave one (at least the interval, at most a
//!   week).
//! - Plus a small jitter derived from the feed's URL (up to 5 % of the delay, at most 5
//!   minutes), so feeds added together drift apart, and the same feed always gets the same.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::model::{RetryAfter, ServerHints, Timestamp};

/// The longest that server or feed hints, and exponential backoff, can push a check out.
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 3600);

/// The longest a `Retry-After` is honoured for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// The largest jitter added to any delay.
const MAX_JITTER: Duration = Duration::from_secs(5 * 60);

/// What a response and its feed said about polling, already reduced to durations from now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollHints {
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `Cache-Control: max-age` (absent when `no-cache`, `no-store` or zero).
    pub max_age: Option<Duration>,
    /// `Expires` minus the response's `Date`.
    pub expires_in: Option<Duration>,
}

impl PollHints {
    /// The hints of a response (read against its own `Date`, else `now`) and its feed's
    /// `<ttl>` in minutes.
    pub fn new(server: &ServerHints, ttl_minutes: Option<u32>, now: Timestamp) -> PollHints {
        let reference = server.date.unwrap_or(now);
        PollHints {
            ttl: ttl_minutes.map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
            max_age: server.max_age.filter(|age| !age.is_zero()),
            expires_in: server
                .expires
                .and_then(|expires| seconds_between(reference, expires)),
        }
    }
}

/// How long a `Retry-After` asks to wait: a delay as given, a date read against the
/// response's own `Date` (else `now`), so a skewed server clock does not matter.
pub fn retry_after(server: &ServerHints, now: Timestamp) -> Option<Duration> {
    match server.retry_after? {
        RetryAfter::Delay(delay) => Some(delay),
        RetryAfter::At(moment) => seconds_between(server.date.unwrap_or(now), moment),
    }
}

/// `later − earlier`, when positive.
fn seconds_between(earlier: Timestamp, later: Timestamp) -> Option<Duration> {
    u64::try_from(later.unix() - earlier.unix())
        .ok()
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
}

/// The next check after a successful fetch.
pub fn after_success(
    now: Timestamp,
    interval: Duration,
    hints: &PollHints,
    seed: &str,
) -> Timestamp {
    let hinted = [hints.ttl, hints.max_age, hints.expires_in]
        .into_iter()
        .flatten()
        .max()
        .map_or(Duration::ZERO, |hint| hint.min(MAX_DELAY));
    with_jitter(now, interval.max(hinted), seed)
}

/// The next check after the `failures`-th failure in a row (1 for the first), honouring a
/// server's `Retry-After` when it gave one.
pub fn after_failure(
    now: Timestamp,
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    seed: &str,
) -> Timestamp {
    let delay = match retry_after {
        Some(wait) => wait.min(MAX_RETRY_AFTER).max(interval),
        None => backoff(interval, failures),
    };
    with_jitter(now, delay, seed)
}

/// `interval × 2^failures`, capped at 24 h but never below the interval itself.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX);
    interval
        .checked_mul(factor)
        .unwrap_or(MAX_DELAY)
        .min(MAX_DELAY)
        .max(interval)
}

fn with_jitter(now: Timestamp, delay: Duration, seed: &str) -> Timestamp {
    now.plus(delay).plus(jitter(delay, seed))
}

/// Up to 5 % of `delay` (at most 5 minutes), the same for the same seed.
pub fn jitter(delay: Duration, seed: &str) -> Duration {
    let span = (delay / 20).min(MAX_JITTER).as_secs();
    if span == 0 {
        return Duration::ZERO;
    }
    let digest = Sha256::digest(seed.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Duration::from_secs(u64::from_le_bytes(first) % (span + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const SEED: &str = "https://example.org/feed.xml";

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
    }

    /// Seconds from now until the next check, minus the jitter for that delay.
    fn delay_of(next: Timestamp) -> u64 {
        (next.unix() - now().unix()) as u64
    }

    #[test]
    fn success_takes_the_largest_hint_but_never_less_than_the_interval() {
        let check = |hints: PollHints, expected: Duration, reason: &str| {
            let next = after_success(now(), HOUR, &hints, SEED);
            let jitter = jitter(expected, SEED);
            assert_eq!(delay_of(next), (expected + jitter).as_secs(), "{reason}");
        };
        check(PollHints::default(), HOUR, "no hints: the interval");
        check(
            PollHints {
                ttl: Some(2 * HOUR),
                ..PollHints::default()
            },
            2 * HOUR,
            "a ttl longer than the interval wins",
        );
        check(
            PollHints {
                max_age: Some(Duration::from_secs(60)),
                ..PollHints::default()
            },
            HOUR,
            "a short max-age never speeds polling up",
        );
        check(
            PollHints {
                ttl: Some(2 * HOUR),
                max_age: Some(3 * HOUR),
                expires_in: Some(5 * HOUR),
            },
            5 * HOUR,
            "the largest of ttl, max-age and Expires - Date",
        );
        check(
            PollHints {
                max_age: Some(30 * 24 * HOUR),
                ..PollHints::default()
            },
            MAX_DELAY,
            "hints are capped at 24 h",
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_a_day() {
        let table = [
            (1, 2 * HOUR),
            (2, 4 * HOUR),
            (3, 8 * HOUR),
            (4, 16 * HOUR),
            (5, MAX_DELAY),
            (40, MAX_DELAY),
        ];
        for (failures, expected) in table {
            assert_eq!(backoff(HOUR, failures), expected, "{failures} failures");
        }
        assert_eq!(backoff(48 * HOUR, 3), 48 * HOUR, "never below the interval");
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let check = |retry_after: Duration, expected: Duration| {
            let next = after_failure(now(), HOUR, 1, Some(retry_after), SEED);
            assert_eq!(
                delay_of(next),
                (expected + jitter(expected, SEED)).as_secs()
            );
        };
        check(3 * HOUR, 3 * HOUR);
        check(Duration::from_secs(30), HOUR);
        check(365 * 24 * HOUR, MAX_RETRY_AFTER);
    }

    #[test]
    fn server_dates_are_read_against_the_servers_own_clock() {
        let at = |text: &str| Timestamp::parse_rfc3339(text).unwrap();
        // The server's clock runs a day behind ours; what it means is "two hours from now".
        let skewed = ServerHints {
            date: Some(at("2026-11-27T12:00:00Z")),
            expires: Some(at("2026-11-27T14:00:00Z")),
            retry_after: Some(RetryAfter::At(at("2026-11-27T14:00:00Z"))),
            max_age: None,
        };
        assert_eq!(retry_after(&skewed, now()), Some(2 * HOUR));
        assert_eq!(
            PollHints::new(&skewed, None, now()).expires_in,
            Some(2 * HOUR)
        );
        // Without a Date header, our clock is the reference.
        let undated = ServerHints {
            date: None,
            ..skewed
        };
        assert_eq!(
            retry_after(&undated, now()),
            None,
            "that date is in our past"
        );
        let seconds = ServerHints {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(120))),
            ..ServerHints::default()
        };
        assert_eq!(retry_after(&seconds, now()), Some(Duration::from_secs(120)));
        let ttl = PollHints::new(&ServerHints::default(), Some(90), now());
        assert_eq!(ttl.ttl, Some(Duration::from_secs(90 * 60)));
        let zero = ServerHints {
            max_age: Some(Duration::ZERO),
            ..ServerHints::default()
        };
        assert_eq!(
            PollHints::new(&zero, None, now()).max_age,
            None,
            "max-age=0 is no hint"
        );
    }

    #[test]
    fn jitter_is_small_and_deterministic() {
        for seed in ["a", "b", "https://krebsonsecurity.com/feed/", ""] {
            let first = jitter(HOUR, seed);
            assert_eq!(first, jitter(HOUR, seed));
            assert!(first <= HOUR / 20, "{seed}: {first:?}");
            assert!(jitter(MAX_DELAY, seed) <= MAX_JITTER);
        }
        assert_ne!(
            jitter(HOUR, "a"),
            jitter(HOUR, "b"),
            "seeds spread feeds apart"
        );
        assert_eq!(jitter(Duration::from_secs(10), "a"), Duration::ZERO);
    }
}
