//! Title clusters: whether two headlines from different outlets name the same news event
//! (SPEC §5).
//!
//! [`Headline::new`] reduces a title to its significant words and its number tokens;
//! [`same_event`] compares two of them. Stories from different groups whose headlines share at
//! least [`MIN_SHARED`] significant words, the shorter having at least [`MIN_WORDS`], with
//! `shared / min(len)` at least [`MIN_OVERLAP`], are one story, unless their numbers conflict
//! ("Rust 1.80" vs "Rust 1.81", "EP01" vs "EP02").
//!
//! This module decides on titles only. It knows nothing of feeds, groups, dates or the
//! database: the store checks that the entries come from different groups and lie within five
//! days of each other, and indexes entries by [`Headline::words`]. It is pure: no I/O, no clock,
//! no environment, no randomness; the same title gives the same words on every machine.
//!
//! # How a title becomes a headline
//!
//! 1. **Lowercase** (Unicode-aware). Curly and modifier apostrophes (`’ ‘ ʼ`) count as `'`, and
//!    Unicode hyphens (U+2010, U+2011) as `-`.
//! 2. **Split** on every character that is not a letter or digit, except:
//!    - `'` between letters: a possessive or contracted `'s` is dropped (`Microsoft's` →
//!      `microsoft`, `here's` → `here`); any other is removed (`don't` → `dont`);
//!    - `.` and `-` between two letters or digits, at least one of them a digit, stay, so
//!      `1.80`, `7.4.1`, `CVE-2026-1234`, `GPT-4o` and `x86-64` are one token each, while
//!      `zero-day` and `Node.js` split into words;
//!    - `,` between two digits is removed (`15,000` → `15000`).
//! 3. **Number tokens** are tokens containing a digit. They are normalised: a leading `v` before a
//!    digit goes (`v1.2` → `1.2`); leading zeros of a digit run go unless the run follows a `.`
//!    (`EP01` → `ep1`, but `1.05` stays); a magnitude suffix becomes a word (`€1.2bn` →
//!    `1.2` + `billion`, likewise `k`, `m`, `mn`, `b`, `tn`). Month names and their
//!    abbreviations are number tokens too, spelled out (`Nov` → `november`): a date is a number.
//!    `may` is not, because it is far more often the auxiliary.
//! 4. **Words** (tokens without a digit) shorter than 3 letters and [stop words](STOP_WORDS)
//!    are dropped. The rest are stemmed, lightly, so `patch`/`patches`/`patched` meet. In order:
//!    a plural `-ies` becomes `-i`, else a final `-s` goes (not from `-ss`, `-us`, `-is`);
//!    `-ied` becomes `-i`, else `-ed` (not from `-eed`) or `-ing` goes, and a consonant it
//!    doubled is undoubled (`stopped` → `stop`, but `killed` → `kill`); a final consonant +
//!    `y` becomes `i`; a final `e` goes (`release`, `releases`, `released` → `releas`). No
//!    step leaves fewer than 3 letters; `-er`, `-ly` and `-tion` stay. Numbers and month names
//!    are never stemmed.
//! 5. Number tokens are significant words too; all are sorted and deduplicated.
//!
//! Headlines in scripts written without spaces (Chinese, Japanese) become one long token and so
//! never cluster: a missed merge is better than a wrong one.

use std::collections::BTreeSet;

/// The fewest significant words two headlines must share to name the same event.
pub const MIN_SHARED: usize = 3;

/// The fewest significant words the shorter headline must have: shorter headlines are too
/// vague to match on.
pub const MIN_WORDS: usize = 5;

/// The smallest share of the shorter headline's significant words that the two must have in
/// common.
pub const MIN_OVERLAP: f64 = 0.6;

/// Words that say nothing about which event a headline names, in their written form (after
/// lowercasing and removing apostrophes, before stemming), sorted.
///
/// Articles, conjunctions, prepositions, pronouns and determiners, auxiliaries and their
/// contractions, frequent adverbs, and headline filler (`says`, `new`, `report`, `update`,
/// `how`, `why`, `what`, `breaking`, `exclusive`, `heres`, …). Words shorter than 3 letters are
/// dropped anyway and are not listed.
#[rustfmt::skip]
pub const STOP_WORDS: &[&str] = &[
    "aboard", "about", "above", "across", "after", "again", "against", "ahead", "all", "almost",
    "along", "already", "also", "although", "always", "amid", "amidst", "among", "and", "another",
    "any", "are", "arent", "around", "because", "been", "before", "behind", "being", "below",
    "beneath", "beside", "besides", "between", "beyond", "both", "breaking", "but", "can", "cannot",
    "cant", "could", "couldnt", "despite", "did", "didnt", "does", "doesnt", "doing", "done",
    "dont", "down", "during", "each", "either", "else", "even", "ever", "every", "everything",
    "exclusive", "few", "for", "from", "further", "get", "gets", "getting", "got", "had", "hadnt",
    "has", "hasnt", "have", "havent", "having", "her", "here", "heres", "hers", "herself", "him",
    "himself", "his", "how", "however", "inside", "into", "isnt", "its", "itself", "ive", "just",
    "latest", "less", "like", "many", "might", "mine", "more", "most", "much", "must", "near",
    "neither", "never", "new", "news", "next", "nor", "not", "now", "off", "once", "one", "only",
    "onto", "other", "our", "ours", "ourselves", "out", "outside", "over", "own", "past", "per",
    "really", "report", "reported", "reportedly", "reports", "said", "same", "say", "says", "shall",
    "she", "should", "shouldnt", "since", "some", "soon", "still", "such", "than", "that", "thats",
    "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "theyre",
    "theyve", "this", "those", "though", "through", "throughout", "thus", "till", "too", "toward",
    "towards", "under", "unless", "until", "update", "updated", "updates", "upon", "versus", "very",
    "via", "was", "wasnt", "were", "werent", "weve", "what", "whatever", "when", "where", "whether",
    "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "wont",
    "would", "wouldnt", "yet", "you", "your", "youre", "yours", "yourself", "youve",
];

/// Month names and their abbreviations, each with the spelled-out name it stands for. `may` is
/// missing on purpose: it is a stop word.
const MONTHS: &[(&str, &str)] = &[
    ("jan", "january"),
    ("january", "january"),
    ("feb", "february"),
    ("february", "february"),
    ("mar", "march"),
    ("march", "march"),
    ("apr", "april"),
    ("april", "april"),
    ("jun", "june"),
    ("june", "june"),
    ("jul", "july"),
    ("july", "july"),
    ("aug", "august"),
    ("august", "august"),
    ("sep", "september"),
    ("sept", "september"),
    ("september", "september"),
    ("oct", "october"),
    ("october", "october"),
    ("nov", "november"),
    ("november", "november"),
    ("dec", "december"),
    ("december", "december"),
];

/// Magnitude suffixes written after a number (`$10bn`, `5m`), with the word they stand for.
const MAGNITUDES: &[(&str, &str)] = &[
    ("k", "thousand"),
    ("m", "million"),
    ("mn", "million"),
    ("b", "billion"),
    ("bn", "billion"),
    ("tn", "trillion"),
];

/// The fewest letters a stem keeps, and the fewest a word needs to count at all.
const MIN_WORD_LEN: usize = 3;

/// A headline reduced to what matters for matching: its significant words and, among them, its
/// number tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    /// Stemmed words and number tokens, sorted and deduplicated.
    words: Vec<String>,
    /// The number tokens (also in `words`), sorted and deduplicated.
    numbers: Vec<String>,
}

impl Headline {
    /// Reduces a title to its significant words (see the [module docs](self) for the rules).
    pub fn new(title: &str) -> Headline {
        let mut words = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        for token in raw_tokens(title) {
            if token.chars().any(char::is_numeric) {
                let (number, magnitude) = normalize_number(&token);
                if let Some(magnitude) = magnitude {
                    words.insert(magnitude.to_owned());
                }
                numbers.insert(number);
            } else if let Some(month) = month(&token) {
                numbers.insert(month.to_owned());
            } else if token.chars().count() >= MIN_WORD_LEN && !is_stop_word(&token) {
                words.insert(stem(&token));
            }
        }
        words.extend(numbers.iter().cloned());
        Headline {
            words: words.into_iter().collect(),
            numbers: numbers.into_iter().collect(),
        }
    }

    /// The significant words, number tokens included, sorted and deduplicated (the store
    /// indexes entries by them).
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The number tokens (`1.80`, `ep1`, `cve-2026-1234`, `november`), sorted and deduplicated;
    /// each is also in [`words`](Self::words).
    pub fn numbers(&self) -> &[String] {
        &self.numbers
    }
}

/// Whether two headlines name the same event: at least [`MIN_SHARED`] shared significant words,
/// the shorter headline having at least [`MIN_WORDS`] significant words, `shared / min(len)` at
/// least [`MIN_OVERLAP`], and no conflicting numbers.
///
/// Numbers conflict when both headlines have number tokens and neither set contains the other:
/// "Rust 1.80" vs "Rust 1.81", "EP01" vs "EP02". A headline without numbers never conflicts,
/// and neither does one whose numbers are a subset of the other's ({`1.80`} vs {`1.80`,
/// `2026`}): outlets often add a year or a count. The price is that two numbers that differ for
/// an unimportant reason ("5 features" vs "7 things") keep two reports of one event apart.
///
/// Symmetric: `same_event(a, b) == same_event(b, a)`.
pub fn same_event(a: &Headline, b: &Headline) -> bool {
    same_event_tokens(&a.words, &a.numbers, &b.words, &b.numbers)
}

/// [`same_event`] over headlines whose words stand as any tokens ordered alike in both (an
/// index may number its words): `words` sorted and deduplicated, `numbers` among them.
pub fn same_event_tokens<T: Ord>(
    a_words: &[T],
    a_numbers: &[T],
    b_words: &[T],
    b_numbers: &[T],
) -> bool {
    let shorter = a_words.len().min(b_words.len());
    if shorter < MIN_WORDS {
        return false;
    }
    let shared = count_shared(a_words, b_words);
    if shared < MIN_SHARED {
        return false;
    }
    // Exact for headline-sized counts: `p / q` is correctly rounded, and no ratio of small
    // integers lies close enough to 0.6 to round onto it from below.
    if (shared as f64) / (shorter as f64) < MIN_OVERLAP {
        return false;
    }
    !numbers_conflict(a_numbers, b_numbers)
}

/// Whether both sets of number tokens are non-empty and neither contains the other.
fn numbers_conflict<T: Ord>(a: &[T], b: &[T]) -> bool {
    let is_subset = |small: &[T], large: &[T]| {
        small
            .iter()
            .all(|number| large.binary_search(number).is_ok())
    };
    !a.is_empty() && !b.is_empty() && !is_subset(a, b) && !is_subset(b, a)
}

/// How many tokens two sorted, deduplicated slices have in common.
fn count_shared<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while let (Some(left), Some(right)) = (a.get(i), b.get(j)) {
        match left.cmp(right) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Splits a title into lowercase tokens (step 1 and 2 of the module docs): runs of letters and
/// digits, joined by `.`/`-` next to a digit, with thousands separators and apostrophes
/// removed. Tokens are neither filtered nor stemmed.
fn raw_tokens(title: &str) -> Vec<String> {
    let chars: Vec<char> = title
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{2032}' | '`' => '\'',
            '\u{2010}' | '\u{2011}' => '-',
            other => other,
        })
        .collect();
    let at = |index: Option<usize>| index.and_then(|index| chars.get(index)).copied();

    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut index = 0;
    while let Some(&c) = chars.get(index) {
        let prev = at(index.checked_sub(1));
        let next = at(Some(index + 1));
        let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        let digit = |c: Option<char>| c.is_some_and(char::is_numeric);
        if c.is_alphanumeric() {
            current.push(c);
        } else if c == '\'' && alnum(prev) && alnum(next) {
            if next == Some('s') && !alnum(at(Some(index + 2))) {
                index += 1; // the `s` of a possessive or of `it's`
            }
        } else if (c == '.' || c == '-')
            && alnum(prev)
            && alnum(next)
            && (digit(prev) || digit(next))
        {
            current.push(c);
        } else if c == ',' && digit(prev) && digit(next) {
            // a thousands separator: `15,000` is `15000`
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
        index += 1;
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Normalises a number token (step 3 of the module docs): drops a leading `v` before a digit,
/// splits off a magnitude suffix as a word, and drops leading zeros of digit runs that do not
/// follow a `.`.
fn normalize_number(token: &str) -> (String, Option<&'static str>) {
    let mut number = token;
    if let Some(rest) = number.strip_prefix('v')
        && rest.starts_with(|c: char| c.is_ascii_digit())
    {
        number = rest;
    }

    let mut magnitude = None;
    let digits = number.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &number[digits.len()..];
    if digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && let Some(&(_, word)) = MAGNITUDES.iter().find(|(written, _)| *written == suffix)
    {
        number = digits;
        magnitude = Some(word);
    }

    let chars: Vec<char> = number.chars().collect();
    let mut normalized = String::with_capacity(number.len());
    let mut run_start = false;
    for (index, &c) in chars.iter().enumerate() {
        let prev = index
            .checked_sub(1)
            .and_then(|prev| chars.get(prev))
            .copied();
        if c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_digit() || p == '.') {
            run_start = true;
        }
        let next_is_digit = chars.get(index + 1).is_some_and(char::is_ascii_digit);
        if run_start && c == '0' && next_is_digit {
            continue;
        }
        run_start = false;
        normalized.push(c);
    }
    (normalized, magnitude)
}

/// The spelled-out month a word names, if it is a month name or abbreviation.
fn month(word: &str) -> Option<&'static str> {
    MONTHS
        .iter()
        .find(|(written, _)| *written == word)
        .map(|&(_, month)| month)
}

/// Whether a lowercase word, apostrophes removed, is a [stop word](STOP_WORDS).
fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// A light English stemmer, so the inflections a headline uses meet: `bot`/`bots`,
/// `patch`/`patches`/`patched`/`patching`, `release`/`released`/`releases` (all `releas`),
/// `company`/`companies` (both `compani`).
///
/// In order, each step only if at least 3 letters remain:
/// 1. plural: `-ies` → `-i`; else a final `-s` goes, but not from `-ss`, `-us` or `-is`
///    (`class`, `virus`, `analysis`);
/// 2. past and progressive: `-ied` → `-i`; else `-ed` goes, but not from `-eed` (`speed`,
///    `need`); else `-ing` goes;
/// 3. after step 2 removed a suffix, a doubled final consonant other than `l`, `s`, `z` is
///    undoubled (`stopped` → `stop`, but `killed` → `kill`);
/// 4. a final `y` after a consonant becomes `i` (`deny`, `denied`, `denies` → `deni`);
/// 5. a final `e` goes (`update`, `updates`, `updated`, `updating` → `updat`).
///
/// Conservative on purpose: it never strips `-er`, `-ly` or `-tion`, and it may leave the odd
/// pair apart (`agree`/`agreed`) rather than join different words.
fn stem(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    // (compared in place: collecting each suffix into a vector was an allocation per test,
    // ten a word)
    let ends = |chars: &[char], suffix: &str| {
        let len = suffix.chars().count();
        chars.len() >= len
            && chars[chars.len() - len..]
                .iter()
                .copied()
                .eq(suffix.chars())
    };
    // Removes `suffix` and appends `replacement` if at least MIN_WORD_LEN letters remain.
    let replace = |chars: &mut Vec<char>, suffix: &str, replacement: &str| {
        let (cut, added) = (suffix.chars().count(), replacement.chars().count());
        if ends(chars, suffix) && chars.len() - cut + added >= MIN_WORD_LEN {
            chars.truncate(chars.len() - cut);
            chars.extend(replacement.chars());
            true
        } else {
            false
        }
    };
    let is_consonant = |c: char| c.is_ascii_lowercase() && !"aeiou".contains(c);

    // 1. plural
    if !replace(&mut chars, "ies", "i")
        && !ends(&chars, "ss")
        && !ends(&chars, "us")
        && !ends(&chars, "is")
    {
        replace(&mut chars, "s", "");
    }

    // 2. past and progressive
    let mut stripped = false;
    if !replace(&mut chars, "ied", "i") {
        stripped = (!ends(&chars, "eed") && replace(&mut chars, "ed", ""))
            || replace(&mut chars, "ing", "");
    }

    // 3. undouble
    if stripped
        && chars.len() > MIN_WORD_LEN
        && let [.., before, last] = chars[..]
        && before == last
        && is_consonant(last)
        && !"lsz".contains(last)
    {
        chars.pop();
    }

    // 4. final consonant + y
    if let [.., before, 'y'] = chars[..]
        && is_consonant(before)
        && before != 'y'
        && let Some(last) = chars.last_mut()
    {
        *last = 'i';
    }

    // 5. final e
    replace(&mut chars, "e", "");

    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares two headlines both ways; on failure, says why the row exists and shows both
    /// word lists.
    fn check(a: &str, b: &str, expected: bool, reason: &str) -> Result<(), String> {
        let (headline_a, headline_b) = (Headline::new(a), Headline::new(b));
        let forward = same_event(&headline_a, &headline_b);
        let backward = same_event(&headline_b, &headline_a);
        if forward == expected && backward == expected {
            return Ok(());
        }
        Err(format!(
            "expected same_event = {expected} ({reason}), got {forward} (reversed: {backward})\n  \
             a: {a}\n     words {:?} numbers {:?}\n  \
             b: {b}\n     words {:?} numbers {:?}\n  shared {}",
            headline_a.words(),
            headline_a.numbers(),
            headline_b.words(),
            headline_b.numbers(),
            count_shared(headline_a.words(), headline_b.words()),
        ))
    }

    fn check_table(rows: &[(&str, &str, &str)], expected: bool) {
        let failures: Vec<String> = rows
            .iter()
            .filter_map(|&(a, b, reason)| check(a, b, expected, reason).err())
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} rows failed:\n\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n\n")
        );
    }

    /// The same event as reported by different outlets.
    const SAME_EVENT: &[(&str, &str, &str)] = &[
        (
            "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday",
            "November Patch Tuesday: Microsoft patches exploited Windows zero-day",
            "reordered, fixes/patches/exploited inflections, zero-day split",
        ),
        (
            "Apple releases iOS 18.2 with ChatGPT integration and Genmoji",
            "iOS 18.2 is out: Apple\u{2019}s update brings ChatGPT integration, Genmoji",
            "same release; curly possessive; update/out are filler",
        ),
        (
            "Hackers leak 10 million customer records from Ticketmaster",
            "Ticketmaster data breach: 10 million customer records leaked by hackers",
            "active vs passive voice, leak/leaked",
        ),
        (
            "Rust 1.80 released with LazyCell and LazyLock types",
            "Rust 1.80 stabilizes LazyCell and LazyLock",
            "same version, different verb",
        ),
        (
            "CrowdStrike update crashes millions of Windows PCs worldwide",
            "Faulty CrowdStrike update crashes Windows PCs around the world",
            "same outage, worded differently",
        ),
        (
            "OpenAI launches GPT-5, its most capable reasoning model yet",
            "GPT-5 launched: OpenAI\u{2019}s most capable reasoning model arrives",
            "GPT-5 kept as one number token on both sides",
        ),
        (
            "Linux 6.12 released with real-time PREEMPT_RT support merged",
            "Linus Torvalds releases Linux 6.12 with PREEMPT_RT real-time support",
            "same kernel release",
        ),
        (
            "Google to pay $700 million to settle Play Store antitrust lawsuit",
            "Google agrees to $700 million settlement in Play Store antitrust case",
            "same settlement, same amount",
        ),
        (
            "Boeing Starliner astronauts return to Earth aboard SpaceX Dragon",
            "Stranded Starliner astronauts finally back on Earth after SpaceX Dragon splashdown",
            "same return, longer second headline",
        ),
        (
            "Cloudflare outage takes down large parts of the internet",
            "Large parts of the internet down after Cloudflare outage",
            "shorter headline fully contained in the longer",
        ),
        (
            "Intel to cut 15,000 jobs as part of $10 billion cost-saving plan",
            "Intel will cut more than 15,000 jobs to save $10 billion in costs",
            "thousands separator; saving/save",
        ),
        (
            "Europol takes down LockBit ransomware gang's infrastructure",
            "LockBit ransomware infrastructure taken down by Europol-led operation",
            "possessive dropped; Europol-led split",
        ),
        (
            "Hurricane Milton makes landfall in Florida as Category 3 storm",
            "Milton makes landfall near Siesta Key, Florida as Category 3 hurricane",
            "same storm, same category",
        ),
        (
            "Supreme Court upholds TikTok ban unless ByteDance sells app",
            "TikTok ban upheld by Supreme Court; ByteDance must sell or app goes dark",
            "sells/sell meet",
        ),
        (
            "Meta fined \u{20ac}1.2 billion for transferring EU user data to US",
            "EU fines Meta record \u{20ac}1.2bn over US data transfers",
            "1.2bn is 1.2 billion; fined/fines, transferring/transfers",
        ),
        (
            "Amazon Web Services outage disrupts Alexa, Ring and Prime Video",
            "AWS outage knocks out Alexa, Ring, Prime Video and more",
            "ring is not stemmed to r",
        ),
        (
            "Python 3.13 released with experimental free-threaded mode and JIT",
            "Python 3.13 is out with a JIT compiler and free-threaded build",
            "same release",
        ),
        (
            "Tesla recalls 2 million vehicles over Autopilot safety concerns",
            "Tesla recalling over 2 million cars to fix Autopilot safety flaw",
            "recalls/recalling",
        ),
        (
            "Apple unveils M4 MacBook Pro with Thunderbolt 5",
            "M4 MacBook Pro announced: Apple adds Thunderbolt 5 and nano-texture display",
            "same product launch",
        ),
        (
            "Google\u{2019}s \u{2018}Willow\u{2019} quantum chip solves problem in five minutes",
            "Google unveils Willow quantum computing chip that solves problem in 5 minutes",
            "curly quotes; a headline without numbers never conflicts",
        ),
        (
            "Risky Business EP01: Microsoft Recall returns as CrowdStrike fallout continues",
            "Risky Business EP1: Microsoft Recall returns, CrowdStrike fallout continues",
            "EP01 and EP1 are the same episode",
        ),
        (
            "Firefox 2026 roadmap: Mozilla plans vertical tabs and tab groups",
            "Mozilla plans vertical tabs and tab groups for Firefox",
            "numbers of one headline vs none in the other",
        ),
        (
            "CVE-2024-3094: backdoor found in xz Utils compression library",
            "Backdoor found in xz Utils compression library (CVE-2024-3094), 2024",
            "numbers of one a subset of the other's",
        ),
    ];

    /// Different events, often on the same topic or with the same template.
    const DIFFERENT_EVENTS: &[(&str, &str, &str)] = &[
        (
            "Kaspersky reports new Telegram phishing campaign",
            "Telegram bans Kaspersky ads in Russia",
            "same two names, different events",
        ),
        (
            "Rust 1.80 released with LazyCell and LazyLock types",
            "Rust 1.81 released with LazyCell and LazyLock improvements",
            "different versions",
        ),
        (
            "Risky Business EP01: Microsoft Recall returns as CrowdStrike fallout continues",
            "Risky Business EP02: Microsoft Recall returns as CrowdStrike fallout continues",
            "different episodes, even with the same topics",
        ),
        (
            "CVE-2026-1234: critical remote code execution flaw in Apache Tomcat",
            "CVE-2026-9999: critical remote code execution flaw in Apache Tomcat",
            "different vulnerabilities",
        ),
        (
            "Apple releases iOS 18.2 with ChatGPT integration and Genmoji",
            "Apple releases iOS 18.2.1 with ChatGPT integration and Genmoji fixes",
            "a point release is another release",
        ),
        (
            "Microsoft fixes actively exploited Windows zero-day in November Patch Tuesday",
            "Microsoft fixes actively exploited Windows zero-day in December Patch Tuesday",
            "months are numbers: different Patch Tuesdays",
        ),
        (
            "Tesla recalls 2 million vehicles over Autopilot safety concerns",
            "Tesla Autopilot under investigation after fatal crash, NHTSA says",
            "same company and product, different event",
        ),
        (
            "CrowdStrike update crashes millions of Windows PCs worldwide",
            "CrowdStrike shares fall after Delta sues over Windows outage",
            "aftermath, not the outage",
        ),
        (
            "Apple unveils M4 MacBook Pro with Thunderbolt 5",
            "Apple unveils M4 iPad Pro with tandem OLED display",
            "same launch template, different product",
        ),
        (
            "Google fined \u{20ac}2.4 billion by EU over shopping search results",
            "Google fined \u{20ac}4.1 billion by EU over Android",
            "different fines: amounts differ",
        ),
        (
            "Boeing Starliner launch scrubbed again over helium leak",
            "Boeing Starliner astronauts return to Earth aboard SpaceX Dragon",
            "same mission, different event",
        ),
        (
            "OpenAI launches GPT-5, its most capable reasoning model yet",
            "Anthropic launches Claude 4, its most capable reasoning model yet",
            "different models with the same press-release headline",
        ),
        (
            "Hurricane Milton makes landfall in Florida as Category 3 storm",
            "Hurricane Helene makes landfall in Florida as Category 4 storm",
            "different storms",
        ),
        (
            "Intel to cut 15,000 jobs as part of $10 billion cost-saving plan",
            "Cisco to cut 7% of workforce in second round of layoffs this year",
            "different companies' layoffs",
        ),
        (
            "Cloudflare outage takes down large parts of the internet",
            "Cloudflare explains what caused last week's outage",
            "the post-mortem, not the outage",
        ),
        (
            "Supreme Court upholds TikTok ban unless ByteDance sells app",
            "TikTok goes dark in the US as ban takes effect",
            "only two shared words",
        ),
        (
            "Europol takes down LockBit ransomware gang's infrastructure",
            "LockBit ransomware gang claims attack on Royal Mail",
            "same gang, overlap 3/6 below 0.6",
        ),
        (
            "Python 3.13 released with experimental free-threaded mode and JIT",
            "Python 3.14 released with free-threaded mode no longer experimental",
            "different versions",
        ),
        (
            "This Week in Rust 571",
            "This Week in Rust 572",
            "too few words, and the issues differ",
        ),
        (
            "Apple releases iOS 18.2",
            "Apple releases iOS 18.2",
            "identical but shorter than 5 significant words",
        ),
        (
            "Best laptops of 2025: our top picks tested",
            "Best laptops of 2024: our top picks tested",
            "different years",
        ),
    ];

    #[test]
    fn same_events_cluster() {
        check_table(SAME_EVENT, true);
    }

    #[test]
    fn different_events_stay_apart() {
        check_table(DIFFERENT_EVENTS, false);
    }

    fn words(title: &str) -> Vec<String> {
        Headline::new(title).words().to_vec()
    }

    fn numbers(title: &str) -> Vec<String> {
        Headline::new(title).numbers().to_vec()
    }

    #[test]
    fn tokens_keep_numbers_whole_and_split_words() {
        let rows: &[(&str, &[&str])] = &[
            ("Rust 1.80 released.", &["rust", "1.80", "released"]),
            (
                "PHP 7.4.1, CVE-2026-1234!",
                &["php", "7.4.1", "cve-2026-1234"],
            ),
            ("iOS 18.2 (EP01)", &["ios", "18.2", "ep01"]),
            ("GPT-4o on x86-64", &["gpt-4o", "on", "x86-64"]),
            ("zero-day in Node.js", &["zero", "day", "in", "node", "js"]),
            ("15,000 jobs, 3 teams", &["15000", "jobs", "3", "teams"]),
            (
                "Microsoft's \u{201c}Recall\u{201d}",
                &["microsoft", "recall"],
            ),
            (
                "Microsoft\u{2019}s users\u{2019} data",
                &["microsoft", "users", "data"],
            ),
            ("Don't panic, it's fine", &["dont", "panic", "it", "fine"]),
            ("ÉTÉ À MÜNCHEN", &["été", "à", "münchen"]),
            (
                "\u{2018}quoted\u{2019} - dash \u{2013} 1.",
                &["quoted", "dash", "1"],
            ),
            ("", &[]),
        ];
        for &(title, expected) in rows {
            assert_eq!(raw_tokens(title), expected, "raw_tokens({title:?})");
        }
    }

    #[test]
    fn number_tokens_are_normalised() {
        let rows: &[(&str, &[&str])] = &[
            ("Episode EP01", &["ep1"]),
            ("Rust v1.80 vs 1.08", &["1.08", "1.80"]),
            ("2024-01-05", &["2024-1-5"]),
            ("$10bn and \u{20ac}1.2bn, 4K, 5G", &["1.2", "10", "4", "5g"]),
            (
                "Nov 2024, September, may",
                &["2024", "november", "september"],
            ),
            ("007 and 0 and 0.9", &["0", "0.9", "7"]),
        ];
        for &(title, expected) in rows {
            assert_eq!(numbers(title), expected, "numbers({title:?})");
        }
        assert_eq!(words("$10bn deal"), ["10", "billion", "deal"]);
    }

    #[test]
    fn numbers_are_significant_words() {
        assert_eq!(
            words("Rust 1.80 released with LazyCell"),
            ["1.80", "lazycell", "releas", "rust"]
        );
    }

    #[test]
    fn words_are_sorted_and_deduplicated() {
        assert_eq!(
            words("Patches patched: patch the patching patch"),
            ["patch"]
        );
        assert_eq!(
            words("zeta alpha 2 beta 1"),
            ["1", "2", "alpha", "beta", "zeta"]
        );
    }

    #[test]
    fn stop_words_and_short_words_are_dropped() {
        assert_eq!(
            words("Why the new update says what you need to know, and how it works after all"),
            ["know", "need", "work"]
        );
        assert_eq!(words("AI in EU: an ML TV"), Vec::<String>::new());
        assert_eq!(words("Here's what's next"), Vec::<String>::new());
        // a short number token is still significant
        assert_eq!(words("5 of 7"), ["5", "7"]);
    }

    #[test]
    fn stop_words_are_sorted_lowercase_and_long_enough() {
        for pair in STOP_WORDS.windows(2) {
            assert!(pair[0] < pair[1], "STOP_WORDS not sorted at {pair:?}");
        }
        for word in STOP_WORDS {
            assert!(
                word.chars().count() >= MIN_WORD_LEN
                    && word.chars().all(|c| c.is_ascii_lowercase()),
                "{word:?} can never match"
            );
        }
    }

    #[test]
    fn stemming_joins_inflections() {
        let groups: &[&[&str]] = &[
            &["bot", "bots"],
            &["patch", "patches", "patched", "patching"],
            &["leak", "leaks", "leaked", "leaking"],
            &["release", "releases", "released", "releasing"],
            &["update", "updates", "updated", "updating"],
            &["fix", "fixes", "fixed", "fixing"],
            &["stop", "stops", "stopped", "stopping"],
            &["ban", "bans", "banned", "banning"],
            &["company", "companies"],
            &["deny", "denies", "denied"],
            &["vulnerability", "vulnerabilities"],
            &["transfer", "transfers", "transferred", "transferring"],
            &["kill", "kills", "killed"],
            &["pass", "passes", "passed"],
            &["virus", "viruses"],
            &["building", "buildings", "build", "builds"],
            &["speed", "speeds"],
        ];
        for group in groups {
            let stems: Vec<String> = group.iter().map(|word| stem(word)).collect();
            assert!(
                stems.windows(2).all(|pair| pair[0] == pair[1]),
                "{group:?} stem to {stems:?}"
            );
        }
    }

    #[test]
    fn stemming_is_conservative() {
        let rows: &[(&str, &str)] = &[
            // never below three letters
            ("ring", "ring"),
            ("thing", "thing"),
            ("uses", "use"),
            ("ios", "ios"),
            ("pcs", "pcs"),
            ("add", "add"),
            ("adding", "add"),
            ("need", "need"),
            // -ss, -us, -is are not plurals
            ("class", "class"),
            ("status", "status"),
            ("analysis", "analysis"),
            // vowel + y stays
            ("day", "day"),
            ("days", "day"),
            ("key", "key"),
            // -er and -ly are left alone
            ("hacker", "hacker"),
            ("actively", "activeli"),
            // non-ASCII words keep their letters
            ("münchen", "münchen"),
            ("cafés", "café"),
        ];
        for &(word, expected) in rows {
            assert_eq!(stem(word), expected, "stem({word:?})");
        }
    }

    #[test]
    fn numbers_conflict_only_when_neither_contains_the_other() {
        let set = |numbers: &[&str]| -> Vec<String> {
            let mut numbers: Vec<String> = numbers.iter().map(|n| n.to_string()).collect();
            numbers.sort();
            numbers
        };
        let rows: &[(&[&str], &[&str], bool)] = &[
            (&["1.80"], &["1.81"], true),
            (&["ep1"], &["ep2"], true),
            (&["2026", "1.80"], &["1.80"], false),
            (&["1.80"], &[], false),
            (&[], &[], false),
            (&["1.80", "2026"], &["1.80", "2025"], true),
            (&["5", "18.2"], &["18.2", "7"], true),
        ];
        for &(a, b, expected) in rows {
            let (a, b) = (set(a), set(b));
            assert_eq!(numbers_conflict(&a, &b), expected, "{a:?} vs {b:?}");
            assert_eq!(numbers_conflict(&b, &a), expected, "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn thresholds_are_inclusive() {
        // 3 shared of 5 (0.6 exactly): joins
        assert!(same_event(
            &Headline::new("alpha bravo charlie delta echo"),
            &Headline::new("alpha bravo charlie foxtrot golf hotel")
        ));
        // 3 shared of 6 (0.5): apart
        assert!(!same_event(
            &Headline::new("alpha bravo charlie delta echo foxtrot"),
            &Headline::new("alpha bravo charlie golf hotel india")
        ));
        // 4 words each, all shared: too short
        assert!(!same_event(
            &Headline::new("alpha bravo charlie delta"),
            &Headline::new("alpha bravo charlie delta")
        ));
    }
}
