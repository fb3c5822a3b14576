//! The recent headlines in memory, so the writer finds the headlines that name the same event
//! as a new one (SPEC §5) without reading thousands of index rows per entry.
//!
//! Matching a headline means counting, among the entries published within 5 days of it, how
//! many of its words each one shares. Read from `title_words`, that is a few hundred rows per
//! word and grows with the number of feeds: it was most of the cost of a cold fetch. This index
//! holds the same postings as numbers in memory, for every entry published since
//! `covers_from`; the part of a 5-day window before it is matched through `title_words`
//! (which holds every headline whenever matching reads it: see `title_words.rs`), so the
//! index only ever speeds matching up and never changes its result.
//!
//! **Memory is capped**: beyond [`MAX_ENTRIES`] (entries and words) the oldest half is
//! dropped and `covers_from` moves forward, so a very large run matches more of its older entries
//! through SQLite instead of growing without bound.
//!
//! It is loaded only once a run has matched [`LOAD_AFTER`] headlines through `title_words`:
//! loading reads the titles of every entry published since 5 days before the earliest new
//! entry matched so far (and at most [`LOAD_SPAN`] back), which a large run repays and a
//! small one does not. A cron run's new entries are recent, so it reads the last week's
//! titles, not the month's (at 5000 feeds, 149,000 titles took 1.4 s to read and split into
//! words, most of such a run); a cold fetch's first entries span its feeds' backlogs, so it
//! reads them all. Edited entries are left out of that choice: a feed that edits an entry
//! usually edits an older one, and one edit a month back would have the run read the month
//! (a run of edits alone reads from 5 days before the run's time). A headline older than
//! what was read, matched later, has the part of its window before `covers_from` matched
//! through `title_words`, as above.
//!
//! **It must agree with the database.** It is loaded from the database when first needed,
//! updated with every entry written through this connection, and emptied when it may disagree: when a
//! write transaction is rolled back, when another connection has committed since it was
//! loaded (`PRAGMA data_version`), and when feeds are synced (their groups may change).

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use rusqlite::{Transaction, params};

use super::names::Names;
use crate::dedup::{self, Headline};

/// Headlines of the same event join within this many seconds of each other (5 days).
pub(super) const TITLE_WINDOW: i64 = 5 * 24 * 3600;

/// How far back from the time of the run the index is loaded at most: past the age of a new
/// feed's undated backlog (30 days), plus the title window.
const LOAD_SPAN: i64 = 35 * 24 * 3600;

/// The most the index holds, in entries: an entry costs about 150 bytes, and each distinct
/// word (numbers and CVE ids make many) is counted as three quarters of an entry. About 6.5
/// MB at the cap, as measured in a 5000-feed cold fetch (33,500 to 36,400 entries and 17,000
/// to 21,000 words at its shrinks); shrinking happens in place. A cold fetch of 1000 feeds
/// (30,000 entries, 14,000 distinct words: 4.9 MB) fits. (The weight of a word dates from when
/// words and groups were `String` keys of hash maps and a word took about 100 bytes: the cap
/// was then about 8.4 MB, and 1000 feeds took 6.3 to 6.5 MB. A word now takes about 60; the
/// weight stays, since it decides which headlines a large run matches in memory.)
const MAX_ENTRIES: usize = 48 * 1024;

/// The distinct words of a headline, on average (8 in the benchmark's corpus): the index
/// reserves room for this many per entry of [`MAX_ENTRIES`].
const WORDS_PER_HEADLINE: usize = 8;

/// Headlines matched through `title_words` before the index is loaded: loading reads the
/// recent titles (up to 30,000 at 1000 feeds, about 0.1 s), which pays off over a large run
/// but not for the few new entries of a typical one.
const LOAD_AFTER: usize = 256;

/// The recent headlines, or nothing until first needed.
pub(super) struct HeadlineIndex {
    loaded: Option<Loaded>,
    /// `PRAGMA data_version` when last checked: it changes when another connection commits.
    data_version: Option<i64>,
    /// The most entries held ([`MAX_ENTRIES`]; tests make it small).
    max_entries: usize,
    /// Headlines still to match through `title_words` before loading ([`LOAD_AFTER`]).
    until_load: usize,
    /// The earliest publish time of a new entry's headline matched so far: loading starts a
    /// title window before it (before the run's time when there is none).
    earliest_new: Option<i64>,
}

impl Default for HeadlineIndex {
    fn default() -> HeadlineIndex {
        HeadlineIndex {
            until_load: LOAD_AFTER,
            ..HeadlineIndex::with_max_entries(MAX_ENTRIES)
        }
    }
}

/// The headlines of every entry published at or after `covers_from`.
struct Loaded {
    covers_from: i64,
    /// The words, numbered.
    vocabulary: Names,
    /// Per word number: whether it is a number token (`1.80`, `cve-2026-1234`).
    is_number: Vec<bool>,
    /// Per word number: the slots of the entries whose headline has it.
    postings: Vec<Vec<u32>>,
    /// Per slot: an indexed headline (a slot is never reused; an edited entry gets a new one).
    slots: Vec<Slot>,
    /// The word numbers of every slot's headline, sorted, back to back.
    words: Vec<u32>,
    /// Entry id → its live slot: the slots' numbers, found by the hash of their entry's id
    /// (which the slot holds: a `HashMap<i64, u32>` took three times the room).
    slot_of: HashTable<u32>,
    /// Hashes entry ids for `slot_of`.
    hasher: RandomState,
    /// The names of the feed groups, numbered.
    groups: Names,
    /// Per slot, how many words it shares with the headline being matched (kept zeroed).
    shared: Vec<u8>,
    /// Per slot, a bit per word of its headline ([`word_bit`]): which words it may have,
    /// read before the slot itself.
    word_bits: Vec<u64>,
}

/// The new numbers of `count` numbered things (words, groups) once only the `used` ones are
/// kept: numbered from 0 in their old order, so sorted numbers stay sorted; `None` for the
/// others.
fn numbering(count: usize, used: impl Iterator<Item = u32>) -> Vec<Option<u32>> {
    let mut new_numbers: Vec<Option<u32>> = vec![None; count];
    for number in used {
        new_numbers[number as usize] = Some(0);
    }
    for (new, number) in new_numbers.iter_mut().flatten().enumerate() {
        *number = u32::try_from(new).unwrap_or(u32::MAX);
    }
    new_numbers
}

/// Gives `number` (of a slot or a word) its number after a shrink, or says it was dropped.
fn renumber(number: &mut u32, new_numbers: &[Option<u32>]) -> bool {
    match new_numbers[*number as usize] {
        Some(new) => {
            *number = new;
            true
        }
        None => false,
    }
}

/// A word's bit in a headline's [`word_bits`].
fn word_bit(id: u32) -> u64 {
    1 << (id % 64)
}

/// The bits of a headline's words: a word whose bit is not set is not in the headline.
fn word_bits(ids: &[u32]) -> u64 {
    ids.iter().fold(0, |bits, &id| bits | word_bit(id))
}

#[derive(Clone, Copy)]
struct Slot {
    entry_id: i64,
    published: i64,
    group: u32,
    /// Its words are `words[start..start + len]`.
    start: u32,
    len: u32,
    live: bool,
}

/// What the index found for a headline.
pub(super) struct Matched {
    /// The entries whose headline names the same event, among those the index holds.
    pub entries: Vec<i64>,
    /// The index holds every headline published at or after this time, and no other: a
    /// window that starts earlier has its earlier part matched through `title_words`.
    pub covered_from: i64,
}

/// A headline to match or index.
pub(super) struct Probe<'a> {
    /// The entry's id (never its own match).
    pub entry_id: i64,
    /// Its publish time, as stored.
    pub published: i64,
    /// Its feed's group: headlines only join entries of other groups.
    pub group: &'a str,
    /// Whether the entry is new (else edited).
    pub new: bool,
    /// Its headline.
    pub headline: &'a Headline,
}

impl HeadlineIndex {
    /// An index that holds at most `max_entries` headlines and loads on first use.
    pub(super) fn with_max_entries(max_entries: usize) -> HeadlineIndex {
        HeadlineIndex {
            loaded: None,
            data_version: None,
            max_entries,
            until_load: 0,
            earliest_new: None,
        }
    }

    /// An index that holds at most `max_entries` headlines and loads once `headlines` were
    /// matched without it.
    #[cfg(test)]
    pub(super) fn loading_after(max_entries: usize, headlines: usize) -> HeadlineIndex {
        HeadlineIndex {
            until_load: headlines,
            ..HeadlineIndex::with_max_entries(max_entries)
        }
    }

    /// Forgets everything; the next use loads again.
    pub(super) fn clear(&mut self) {
        self.loaded = None;
    }

    /// Empties the index if another connection has committed since it was last checked (or
    /// it was never checked), and says whether it did.
    pub(super) fn check_version(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<bool> {
        let version: i64 = tx.pragma_query_value(None, "data_version", |row| row.get(0))?;
        if self.data_version == Some(version) {
            return Ok(false);
        }
        self.loaded = None;
        self.data_version = Some(version);
        Ok(true)
    }

    /// The entries whose headline names the same event as `probe`'s, among those the index
    /// holds. The index holds every headline published since its [`Matched::covered_from`];
    /// `None` when it is not loaded yet (match through `title_words` instead).
    pub(super) fn same_event(
        &mut self,
        tx: &Transaction<'_>,
        probe: &Probe<'_>,
        now: i64,
    ) -> rusqlite::Result<Option<Matched>> {
        if probe.new {
            self.earliest_new = Some(
                self.earliest_new
                    .map_or(probe.published, |earliest| earliest.min(probe.published)),
            );
        }
        if self.loaded.is_none() && self.until_load > 0 {
            self.until_load -= 1;
            return Ok(None);
        }
        let from = self.earliest_new.unwrap_or(now) - TITLE_WINDOW;
        let loaded = self.load(tx, from.max(now - LOAD_SPAN))?;
        let entries = if probe.published + TITLE_WINDOW < loaded.covers_from {
            // (the whole window lies before what the index holds)
            Vec::new()
        } else {
            loaded.same_event(probe)
        };
        Ok(Some(Matched {
            entries,
            covered_from: loaded.covers_from,
        }))
    }

    /// The `n` words of `headline` that the most headlines the index holds have, most common
    /// first (a word it has never seen counts as held by none): the recent headlines stand
    /// for the older ones, whose rows a match through `title_words` can then skip for these
    /// words. Nothing when the index is not loaded.
    pub(super) fn commonest<'h>(&self, headline: &'h Headline, n: usize) -> Vec<&'h str> {
        let Some(loaded) = &self.loaded else {
            return Vec::new();
        };
        let held_by = |word: &str| {
            loaded
                .vocabulary
                .get(word)
                .map_or(0, |id| loaded.postings[id as usize].len())
        };
        let mut words: Vec<&str> = headline.words().iter().map(String::as_str).collect();
        words.sort_by_key(|&word| std::cmp::Reverse(held_by(word)));
        words.truncate(n);
        words
    }

    /// Records `probe`'s headline (replacing what its entry had), or forgets the entry's
    /// headline when it has none.
    pub(super) fn insert(&mut self, entry_id: i64, probe: Option<&Probe<'_>>) {
        let max_entries = self.max_entries;
        let Some(loaded) = self.loaded.as_mut() else {
            // Not loaded: the database holds the headline, and loading will read it.
            return;
        };
        loaded.forget(entry_id);
        if let Some(probe) = probe
            && probe.published >= loaded.covers_from
            && probe.headline.words().len() >= dedup::MIN_WORDS
        {
            loaded.add(probe.entry_id, probe.published, probe.group, probe.headline);
            if loaded.weight() > max_entries {
                loaded.shrink();
            }
        }
    }

    /// The index, read from the database with the headlines published since `from` if it
    /// is not loaded.
    fn load(&mut self, tx: &Transaction<'_>, from: i64) -> rusqlite::Result<&mut Loaded> {
        let loaded = match self.loaded.take() {
            Some(loaded) => loaded,
            None => Loaded::read(tx, from, self.max_entries)?,
        };
        Ok(self.loaded.insert(loaded))
    }

    /// Since when the index holds every headline, if it is loaded.
    #[cfg(test)]
    pub(super) fn covers_from(&self) -> Option<i64> {
        self.loaded.as_ref().map(|loaded| loaded.covers_from)
    }
}

impl Loaded {
    fn empty(covers_from: i64) -> Loaded {
        Loaded {
            covers_from,
            vocabulary: Names::default(),
            is_number: Vec::new(),
            postings: Vec::new(),
            slots: Vec::new(),
            words: Vec::new(),
            slot_of: HashTable::new(),
            hasher: RandomState::new(),
            groups: Names::default(),
            shared: Vec::new(),
            word_bits: Vec::new(),
        }
    }

    /// An empty index with room for `max_entries` headlines, reserved once: its arrays never
    /// double past the cap (one doubling near it took a third more than the cap), and pages
    /// not yet used take no memory. Shrinking keeps this room. (Its tables, its words' text
    /// and postings grow as they fill: about 1.5 of the 6.5 MB at the cap.)
    fn with_room(covers_from: i64, max_entries: usize) -> Loaded {
        let mut loaded = Loaded::empty(covers_from);
        loaded.slots.reserve_exact(max_entries);
        loaded.word_bits.reserve_exact(max_entries);
        loaded.shared.reserve_exact(max_entries);
        loaded.words.reserve_exact(max_entries * WORDS_PER_HEADLINE);
        loaded
    }

    /// The headlines of the entries published since `covers_from`; when there are more than
    /// `max_entries`, the newest of them.
    fn read(
        tx: &Transaction<'_>,
        covers_from: i64,
        max_entries: usize,
    ) -> rusqlite::Result<Loaded> {
        let mut loaded = Loaded::with_room(covers_from, max_entries);
        let mut select = tx.prepare_cached(
            "SELECT e.id, e.published_at, coalesce(f.group_name, ''), e.title
             FROM entries e JOIN feeds f ON f.id = e.feed_id
             WHERE e.published_at >= ?1 AND e.title IS NOT NULL
             ORDER BY e.published_at",
        )?;
        let mut rows = select.query(params![covers_from])?;
        while let Some(row) = rows.next()? {
            let title: String = row.get(3)?;
            let group: String = row.get(2)?;
            let headline = Headline::new(&title);
            if headline.words().len() < dedup::MIN_WORDS {
                continue;
            }
            loaded.add(row.get(0)?, row.get(1)?, &group, &headline);
            if loaded.weight() > max_entries {
                loaded.shrink();
            }
        }
        Ok(loaded)
    }

    /// What the index holds, in entries (see [`MAX_ENTRIES`]).
    fn weight(&self) -> usize {
        self.slot_of.len() + self.vocabulary.len() * 3 / 4
    }

    fn word_id(&mut self, word: &str, is_number: bool) -> u32 {
        let id = self.vocabulary.number(word);
        if id as usize == self.postings.len() {
            self.postings.push(Vec::new());
            self.is_number.push(is_number);
        }
        id
    }

    /// The numbers of a headline's words, sorted (new words are numbered).
    fn word_ids_of(&mut self, headline: &Headline) -> Vec<u32> {
        let mut ids: Vec<u32> = headline
            .words()
            .iter()
            .map(|word| {
                let is_number = headline.numbers().binary_search(word).is_ok();
                self.word_id(word, is_number)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn add(&mut self, entry_id: i64, published: i64, group: &str, headline: &Headline) {
        let group = self.groups.number(group);
        let ids = self.word_ids_of(headline);
        self.push_slot(entry_id, published, group, ids);
    }

    /// Indexes an entry's headline, given as its sorted word numbers.
    fn push_slot(&mut self, entry_id: i64, published: i64, group: u32, ids: Vec<u32>) {
        let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        let start = u32::try_from(self.words.len()).unwrap_or(u32::MAX);
        for &id in &ids {
            self.postings[id as usize].push(slot);
        }
        self.slots.push(Slot {
            entry_id,
            published,
            group,
            start,
            len: u32::try_from(ids.len()).unwrap_or(0),
            live: true,
        });
        self.word_bits.push(word_bits(&ids));
        self.words.extend(ids);
        self.shared.push(0);
        let hash = self.hasher.hash_one(entry_id);
        let (slots, hasher) = (&self.slots, &self.hasher);
        let entry = self.slot_of.entry(
            hash,
            |&other| slots[other as usize].entry_id == entry_id,
            |&other| hasher.hash_one(slots[other as usize].entry_id),
        );
        entry.insert(slot);
    }

    /// Takes the live slot of `entry_id` out of [`Loaded::slot_of`], if it has one.
    fn remove_slot_of(&mut self, entry_id: i64) -> Option<u32> {
        let hash = self.hasher.hash_one(entry_id);
        let slots = &self.slots;
        let found = self
            .slot_of
            .find_entry(hash, |&slot| slots[slot as usize].entry_id == entry_id);
        found.ok().map(|entry| entry.remove().0)
    }

    /// The live slot of `entry_id`, if it has one.
    #[cfg(test)]
    fn live_slot(&self, entry_id: i64) -> Option<u32> {
        let hash = self.hasher.hash_one(entry_id);
        let slots = &self.slots;
        self.slot_of
            .find(hash, |&slot| slots[slot as usize].entry_id == entry_id)
            .copied()
    }

    fn forget(&mut self, entry_id: i64) {
        if let Some(slot) = self.remove_slot_of(entry_id) {
            self.slots[slot as usize].live = false;
        }
    }

    fn words_of(&self, slot: &Slot) -> &[u32] {
        &self.words[slot.start as usize..(slot.start + slot.len) as usize]
    }

    fn numbers_of(&self, words: &[u32]) -> Vec<u32> {
        words
            .iter()
            .copied()
            .filter(|&id| self.is_number[id as usize])
            .collect()
    }

    fn same_event(&mut self, probe: &Probe<'_>) -> Vec<i64> {
        let headline = probe.headline;
        if headline.words().len() < dedup::MIN_WORDS {
            return Vec::new();
        }
        // A word no headline had yet gets its number now: the probe is indexed next anyway.
        let ids = self.word_ids_of(headline);
        let numbers = self.numbers_of(&ids);
        // A match shares at least MIN_SHARED words, so at least one outside the
        // MIN_SHARED - 1 words that most headlines have: only the other words' postings are
        // walked (a quarter of the postings at 1000 feeds), and each entry found is then
        // looked up for the skipped words.
        let mut by_postings = ids.clone();
        by_postings.sort_by_key(|&id| std::cmp::Reverse(self.postings[id as usize].len()));
        let (skipped, walked) = by_postings.split_at((dedup::MIN_SHARED - 1).min(ids.len()));
        let mut touched: Vec<u32> = Vec::new();
        let (from, to) = (
            probe.published - TITLE_WINDOW,
            probe.published + TITLE_WINDOW,
        );
        for &id in walked {
            for &slot in &self.postings[id as usize] {
                let count = &mut self.shared[slot as usize];
                if *count == 0 {
                    touched.push(slot);
                }
                *count = count.saturating_add(1);
            }
        }
        let group = self.groups.get(probe.group);
        let mut found = Vec::new();
        for slot in touched {
            let walked_count = usize::from(std::mem::take(&mut self.shared[slot as usize]));
            let bits = self.word_bits[slot as usize];
            let may_have = skipped
                .iter()
                .filter(|&&id| bits & word_bit(id) != 0)
                .count();
            if walked_count + may_have < dedup::MIN_SHARED {
                continue;
            }
            let entry = &self.slots[slot as usize];
            if !entry.live || entry.published < from || entry.published > to {
                continue;
            }
            let other = self.words_of(entry);
            let skipped_count = skipped
                .iter()
                .filter(|id| other.binary_search(id).is_ok())
                .count();
            if walked_count + skipped_count < dedup::MIN_SHARED
                || Some(entry.group) == group
                || entry.entry_id == probe.entry_id
            {
                continue;
            }
            let other_numbers = self.numbers_of(other);
            if dedup::same_event_tokens(&ids, &numbers, other, &other_numbers) {
                found.push(entry.entry_id);
            }
        }
        found
    }

    /// Drops the older half of the headlines and moves `covers_from` past them.
    ///
    /// Done in place: the kept headlines move to the front of the same arrays and maps, and
    /// their words are renumbered in the same order, so shrinking allocates nothing the
    /// size of the index, and the index grows back into the room it had rather than into
    /// new memory (rebuilding it left the old arrays' memory behind as holes).
    fn shrink(&mut self) {
        let mut published: Vec<i64> = self
            .slots
            .iter()
            .filter(|slot| slot.live)
            .map(|slot| slot.published)
            .collect();
        let middle = published.len() / 2;
        let (_, &mut cutoff, _) = published.select_nth_unstable(middle);
        // Strictly after the middle time, so even headlines that all share one time shrink.
        self.covers_from = (cutoff + 1).max(self.covers_from);
        drop(published);
        let new_slots = self.compact_slots();
        let new_words = self.compact_words();
        let new_groups = self.compact_groups();
        // (a posting of a kept word is of a kept slot or of a dropped one)
        for postings in &mut self.postings {
            postings.retain_mut(|slot| renumber(slot, &new_slots));
        }
        // (a kept slot keeps its entry, so its place in the table still holds)
        self.slot_of.retain(|slot| renumber(slot, &new_slots));
        self.vocabulary.keep(&new_words);
        self.groups.keep(&new_groups);
    }

    /// Moves the live slots published since `covers_from` to the front, with their words, in
    /// order, and drops the others. Returns each old slot's new number, if it is kept.
    fn compact_slots(&mut self) -> Vec<Option<u32>> {
        let mut new_slots = vec![None; self.slots.len()];
        let (mut kept, mut words_kept) = (0, 0);
        for (old, new_slot) in new_slots.iter_mut().enumerate() {
            let slot = self.slots[old];
            if !slot.live || slot.published < self.covers_from {
                continue;
            }
            let (start, len) = (slot.start as usize, slot.len as usize);
            // (kept words only ever move towards the front)
            self.words.copy_within(start..start + len, words_kept);
            self.slots[kept] = Slot {
                start: u32::try_from(words_kept).unwrap_or(u32::MAX),
                ..slot
            };
            *new_slot = u32::try_from(kept).ok();
            kept += 1;
            words_kept += len;
        }
        self.slots.truncate(kept);
        self.words.truncate(words_kept);
        self.word_bits.truncate(kept);
        self.shared.truncate(kept);
        new_slots
    }

    /// Renumbers the words the kept slots use, in the same order, and drops the others
    /// (with their postings). Returns each old word's new number, if it is kept.
    fn compact_words(&mut self) -> Vec<Option<u32>> {
        let new_words = numbering(self.postings.len(), self.words.iter().copied());
        let mut kept = 0;
        for (old, new_word) in new_words.iter().enumerate() {
            if let Some(new_word) = *new_word {
                // (a kept word only ever moves towards the front)
                self.postings.swap(new_word as usize, old);
                self.is_number.swap(new_word as usize, old);
                kept += 1;
            }
        }
        self.postings.truncate(kept);
        self.is_number.truncate(kept);
        // The numbering keeps its order, so each slot's words stay sorted; their bits change.
        for id in &mut self.words {
            *id = new_words[*id as usize].unwrap_or(u32::MAX);
        }
        for (index, slot) in self.slots.iter().enumerate() {
            let words = &self.words[slot.start as usize..(slot.start + slot.len) as usize];
            self.word_bits[index] = word_bits(words);
        }
        new_words
    }

    /// Renumbers the groups the kept slots belong to, in the same order, and drops the
    /// others: without it the names of every feed group a run has met stay, and the index
    /// grows with the number of feeds (5000 feeds' groups took 0.38 MB). Returns each old
    /// group's new number, if it is kept.
    fn compact_groups(&mut self) -> Vec<Option<u32>> {
        let new_groups = numbering(self.groups.len(), self.slots.iter().map(|slot| slot.group));
        for slot in &mut self.slots {
            slot.group = new_groups[slot.group as usize].unwrap_or(u32::MAX);
        }
        new_groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headlines over a small vocabulary, so that many share words and a few words are in
    /// most of them, as in real headlines.
    fn headline(seed: u64) -> Headline {
        const VOCABULARY: &[&str] = &[
            "security", "linux", "kernel", "google", "rust", "python", "patch", "chrome",
            "release", "attack", "browser", "server", "database", "compiler", "privacy", "apple",
            "android", "cloud", "outage", "model",
        ];
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut words = Vec::new();
        for _ in 0..5 + seed % 4 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // squared: the first words of the list come up far more often
            let pick = (state >> 33) % 20;
            words.push(VOCABULARY[(pick * pick / 20) as usize]);
        }
        Headline::new(&words.join(" "))
    }

    #[test]
    fn an_index_fills_up_to_its_cap_in_the_room_it_reserved() {
        let max_entries = 1000;
        let mut loaded = Loaded::with_room(0, max_entries);
        let room = |loaded: &Loaded| {
            let capacities = (
                loaded.slots.capacity(),
                loaded.word_bits.capacity(),
                loaded.shared.capacity(),
            );
            (capacities, loaded.words.capacity())
        };
        let before = room(&loaded);
        assert_eq!(before.0, (max_entries, max_entries, max_entries));
        let mut id = 0;
        while loaded.weight() < max_entries {
            loaded.add(id, id * 60, "group", &headline(id as u64));
            id += 1;
        }
        assert_eq!(room(&loaded), before);
    }

    #[test]
    fn shrinking_keeps_the_newer_half_in_the_memory_the_index_had() {
        let mut loaded = Loaded::empty(0);
        for id in 0..1000_i64 {
            loaded.add(
                id,
                id * 60,
                &format!("group{}", id % 7),
                &headline(id as u64),
            );
        }
        let room = |loaded: &Loaded| {
            (
                loaded.slots.capacity(),
                loaded.words.capacity(),
                loaded.postings.capacity(),
                loaded.word_bits.capacity(),
            )
        };
        let before = room(&loaded);
        loaded.shrink();
        assert_eq!(room(&loaded), before);
        // (strictly after the middle headline's time)
        assert_eq!(loaded.covers_from, 500 * 60 + 1);
        let kept: Vec<i64> = loaded.slots.iter().map(|slot| slot.entry_id).collect();
        assert_eq!(kept, (501..1000).collect::<Vec<i64>>());
        // every kept headline is found again, under its new numbers
        for id in 501..1000_i64 {
            let slot = loaded.live_slot(id).unwrap();
            let words: Vec<&str> = loaded
                .words_of(&loaded.slots[slot as usize])
                .iter()
                .map(|&word| loaded.vocabulary.name(word))
                .collect();
            let probe = headline(id as u64);
            let mut expected: Vec<&str> = probe.words().iter().map(String::as_str).collect();
            expected.sort_unstable();
            expected.dedup();
            let mut words = words;
            words.sort_unstable();
            assert_eq!(words, expected, "headline {id}");
        }
    }

    #[test]
    fn an_entry_is_forgotten_by_its_id_before_and_after_a_shrink() {
        let mut loaded = Loaded::empty(0);
        for id in 0..1000_i64 {
            loaded.add(id, id * 60, "group", &headline(id as u64));
        }
        loaded.forget(10);
        assert!(!loaded.slots[10].live);
        assert_eq!(loaded.slot_of.len(), 999);
        loaded.shrink();
        assert_eq!(loaded.slot_of.len(), 499);
        // A kept entry is found under its new slot; a dropped one is gone.
        let slot = loaded.live_slot(600).unwrap();
        assert_eq!(loaded.slots[slot as usize].entry_id, 600);
        loaded.forget(600);
        assert!(!loaded.slots[slot as usize].live);
        assert_eq!(loaded.slot_of.len(), 498);
        for id in [0, 100, 500, 600] {
            assert_eq!(loaded.live_slot(id), None, "{id}");
        }
        loaded.forget(100);
        assert_eq!(loaded.slot_of.len(), 498);
        assert!(loaded.slots.iter().filter(|slot| slot.live).count() == 498);
    }

    #[test]
    fn shrinking_drops_the_groups_no_kept_headline_belongs_to() {
        let mut loaded = Loaded::empty(0);
        // (a group of its own for each headline, as when every feed is its own group)
        for id in 0..1000_i64 {
            loaded.add(id, id * 60, &format!("group{id}"), &headline(id as u64));
        }
        loaded.shrink();
        assert_eq!(loaded.groups.len(), loaded.slots.len());
        for slot in &loaded.slots {
            let name = loaded.groups.name(slot.group);
            assert_eq!(name, format!("group{}", slot.entry_id));
        }
        // A group met later is numbered after the kept ones.
        let before = loaded.groups.len();
        loaded.add(1000, 1000 * 60, "a new group", &headline(1000));
        assert_eq!(loaded.groups.get("a new group"), u32::try_from(before).ok());
    }

    #[test]
    fn walking_the_rarer_words_finds_every_match() {
        // (every 150 headlines the index drops its older half, as when it reaches its cap:
        // the headlines it keeps must match as before)
        let day = 24 * 3600;
        let mut loaded = Loaded::empty(0);
        let mut stored: Vec<(i64, i64, String, Headline)> = Vec::new();
        let mut matches = 0;
        for id in 0..400_i64 {
            // some exactly 5 days apart (the edges of the window), some 37 seconds off
            let published = id * day / 20 + if id % 2 == 0 { 0 } else { 37 };
            let group = format!("group{}", id % 7);
            let probe_headline = headline(id as u64);
            let probe = Probe {
                entry_id: id,
                published,
                group: &group,
                new: true,
                headline: &probe_headline,
            };
            let mut found = loaded.same_event(&probe);
            found.sort_unstable();
            let expected: Vec<i64> = stored
                .iter()
                .filter(|(other, other_published, other_group, other_headline)| {
                    *other != id
                        && *other_published >= loaded.covers_from
                        && (published - other_published).abs() <= TITLE_WINDOW
                        && *other_group != group
                        && other_headline.words().len() >= dedup::MIN_WORDS
                        && dedup::same_event(&probe_headline, other_headline)
                })
                .map(|(other, ..)| *other)
                .collect();
            assert_eq!(
                found,
                expected,
                "headline {id}: {:?}",
                probe_headline.words()
            );
            matches += found.len();
            if probe_headline.words().len() >= dedup::MIN_WORDS {
                loaded.add(id, published, &group, &probe_headline);
            }
            stored.push((id, published, group, probe_headline));
            if id % 150 == 149 {
                let covered_before = loaded.covers_from;
                loaded.shrink();
                assert!(loaded.covers_from > covered_before);
            }
        }
        // the test means something only if many headlines match
        assert!(matches > 1000, "{matches} matches");
    }
}
