//! Names numbered in the order they were first met, for the headline index's words and feed
//! groups: their text back to back in one string and their numbers in one hash table.
//!
//! A `HashMap<String, u32>` took, for each name, a heap allocation of its own (32 bytes at
//! least) and a slot of 33 bytes; here a name takes its bytes, 4 bytes for where it ends and
//! a slot of 5 bytes. At the headline index's cap (17,000 to 21,000 words in a 5000-feed cold
//! fetch) the words take 0.6 MB instead of 1.7: their table of 32,768 slots 0.16 MB instead
//! of 1.1.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Distinct names, each with its number: 0, 1, 2… in the order they were first met.
#[derive(Default)]
pub(super) struct Names {
    /// Every name, back to back, in the order of their numbers.
    text: String,
    /// Per number: where its name ends in `text`.
    ends: Vec<u32>,
    /// The numbers, found by the hash of their name.
    numbers: HashTable<u32>,
    /// With random keys, as `HashMap`'s: names come from feeds.
    hasher: RandomState,
}

/// The name of `number`, given the fields of [`Names`] that hold it.
fn name_of<'a>(text: &'a str, ends: &[u32], number: u32) -> &'a str {
    let number = number as usize;
    let start = if number == 0 { 0 } else { ends[number - 1] };
    &text[start as usize..ends[number] as usize]
}

impl Names {
    /// How many names there are.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The name numbered `number`.
    #[cfg(test)]
    pub(super) fn name(&self, number: u32) -> &str {
        name_of(&self.text, &self.ends, number)
    }

    /// The number of `name`, if it has one.
    pub(super) fn get(&self, name: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(name);
        self.numbers
            .find(hash, |&number| {
                name_of(&self.text, &self.ends, number) == name
            })
            .copied()
    }

    /// The number of `name`; a new name gets the next number.
    pub(super) fn number(&mut self, name: &str) -> u32 {
        let hash = self.hasher.hash_one(name);
        let Names {
            text,
            ends,
            numbers,
            hasher,
        } = self;
        let entry = numbers.entry(
            hash,
            |&number| name_of(text, ends, number) == name,
            |&number| hasher.hash_one(name_of(text, ends, number)),
        );
        match entry {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                let number = u32::try_from(ends.len()).unwrap_or(u32::MAX);
                entry.insert(number);
                text.push_str(name);
                ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
                number
            }
        }
    }

    /// Keeps the names that `new_numbers` (indexed by the old number) gives a number, under
    /// that number, and drops the others. The new numbers must keep the old order, from 0
    /// without gaps (as `headlines::numbering` gives them): the kept names then only move
    /// towards the front, in place.
    pub(super) fn keep(&mut self, new_numbers: &[Option<u32>]) {
        debug_assert_eq!(new_numbers.len(), self.ends.len());
        debug_assert!((new_numbers.iter().flatten().copied().zip(0..)).all(|(n, i)| n == i));
        let mut old = 0;
        let mut offset = 0;
        let ends = &self.ends;
        self.text.retain(|c| {
            while offset >= ends[old] as usize {
                old += 1;
            }
            offset += c.len_utf8();
            new_numbers[old].is_some()
        });
        let (mut kept, mut end, mut start) = (0, 0, 0);
        for (old, new_number) in new_numbers.iter().enumerate() {
            let old_end = self.ends[old];
            if new_number.is_some() {
                end += old_end - start;
                self.ends[kept] = end;
                kept += 1;
            }
            start = old_end;
        }
        self.ends.truncate(kept);
        self.numbers
            .retain(|number| match new_numbers[*number as usize] {
                Some(new) => {
                    *number = new;
                    true
                }
                None => false,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_the_number_it_was_first_given() {
        let mut names = Names::default();
        assert_eq!(names.number("linux"), 0);
        assert_eq!(names.number("kernel"), 1);
        assert_eq!(names.number("linux"), 0);
        assert_eq!(
            names.number(""),
            2,
            "the empty name is a name (no feed group)"
        );
        assert_eq!(names.number("café"), 3);
        assert_eq!(names.len(), 4);
        assert_eq!(names.get("kernel"), Some(1));
        assert_eq!(names.get("kern"), None);
        assert_eq!(names.get("café"), Some(3));
        let all: Vec<&str> = (0..4).map(|number| names.name(number)).collect();
        assert_eq!(all, ["linux", "kernel", "", "café"]);
    }

    #[test]
    fn many_names_are_found_again_as_the_table_grows() {
        let mut names = Names::default();
        for n in 0..10_000_u32 {
            assert_eq!(names.number(&format!("word{n}")), n);
        }
        for n in (0..10_000_u32).rev() {
            assert_eq!(names.get(&format!("word{n}")), Some(n));
            assert_eq!(names.name(n), format!("word{n}"));
        }
    }

    #[test]
    fn keeping_some_names_renumbers_them_in_order_and_forgets_the_others() {
        let mut names = Names::default();
        let words = ["één", "two", "", "ünïcode", "five", "six"];
        for word in words {
            names.number(word);
        }
        // (keeps "two", "", "five": numbered 0, 1, 2)
        names.keep(&[None, Some(0), Some(1), None, Some(2), None]);
        assert_eq!(names.len(), 3);
        let kept: Vec<&str> = (0..3).map(|number| names.name(number)).collect();
        assert_eq!(kept, ["two", "", "five"]);
        assert_eq!(names.get("two"), Some(0));
        assert_eq!(names.get(""), Some(1));
        assert_eq!(names.get("five"), Some(2));
        for dropped in ["één", "ünïcode", "six"] {
            assert_eq!(names.get(dropped), None, "{dropped}");
        }
        // A name met again, or a new one, is numbered after the kept ones.
        assert_eq!(names.number("six"), 3);
        assert_eq!(names.number("two"), 0);
        assert_eq!(names.name(3), "six");
    }

    #[test]
    fn keeping_an_empty_name_after_a_dropped_one_keeps_it_empty() {
        let mut names = Names::default();
        for name in ["a", "b", ""] {
            names.number(name);
        }
        names.keep(&[None, Some(0), Some(1)]);
        assert_eq!((names.name(0), names.name(1)), ("b", ""));
        assert_eq!(
            (names.get("b"), names.get(""), names.get("a")),
            (Some(0), Some(1), None)
        );
    }

    #[test]
    fn keeping_no_name_empties_them() {
        let mut names = Names::default();
        names.number("a");
        names.number("b");
        names.keep(&[None, None]);
        assert_eq!(names.len(), 0);
        assert_eq!(names.get("a"), None);
        assert_eq!(names.number("b"), 0);
    }
}
