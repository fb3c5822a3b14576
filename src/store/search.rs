//! Full-text search (SPEC §9): the words a person types, translated into a safe SQLite FTS5
//! query, and the index kept in step with the entries.
//!
//! The index (`entries_fts`, migration 5) is a contentless FTS5 table whose rowid is the
//! entry's id. It holds each entry's title and the plain text of its summary and content
//! (HTML stripped by [`super::text`]), and is written in the same transaction as the entry:
//! an edited entry's old words are deleted and its new ones inserted, so a search never
//! finds words an entry no longer has.
//!
//! Typed words never reach FTS5's query syntax: each word or phrase becomes one quoted FTS5
//! string, so `*`, `:`, `^`, `(`, `NEAR`, `AND` or `OR` in the input are only text.

use rusqlite::{Transaction, params};

use super::stories::Work;
use super::text::html_to_text;

/// The bm25 weights of the indexed columns: title, summary, content. A word in the title
/// says more about an entry than one deep in its body.
pub(super) const BM25_WEIGHTS: &str = "10.0, 3.0, 1.0";

/// Why typed search words cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A `"` opens a phrase that no second `"` closes.
    #[error("unbalanced quote in the search words: close the phrase with a second '\"'")]
    UnbalancedQuote,
    /// Every searchable word is excluded (`-word`): there is nothing to look for.
    #[error("nothing to search for: every word is excluded (add a word without '-')")]
    OnlyExcluded,
    /// The words hold no letter or digit, the only characters the index keeps.
    #[error("nothing to search for in {words:?}: words need letters or digits")]
    NoWords {
        /// The words as typed.
        words: String,
    },
}

/// A search, parsed from what a person typed: words and `"phrases"` every entry found must
/// contain, and `-words` or `-"phrases"` it must not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// Terms (a word or a phrase's words) that must all match.
    required: Vec<String>,
    /// Terms that must not match.
    excluded: Vec<String>,
}

impl SearchQuery {
    /// Parses typed words. Words are separated by whitespace; `"…"` groups a phrase; a
    /// leading `-` excludes the word or phrase it starts. Terms without a letter or digit
    /// (`*`, `-`, `""`) can never match and are ignored.
    ///
    /// `Ok(None)` when nothing was typed (no search: every entry qualifies).
    pub fn parse(typed: &str) -> Result<Option<SearchQuery>, SearchError> {
        if typed.trim().is_empty() {
            return Ok(None);
        }
        // Control characters (a NUL ends an FTS5 string early) separate words, like spaces.
        let typed: String = typed
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let typed = typed.as_str();
        let mut required = Vec::new();
        let mut excluded = Vec::new();
        let mut rest = typed;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (negated, term_start) = match rest.strip_prefix('-') {
                Some(after) => (true, after),
                None => (false, rest),
            };
            let (term, after) = next_term(term_start)?;
            rest = after;
            if !term.chars().any(char::is_alphanumeric) {
                continue;
            }
            if negated {
                excluded.push(term);
            } else {
                required.push(term);
            }
        }
        if required.is_empty() {
            return Err(if excluded.is_empty() {
                SearchError::NoWords {
                    words: typed.trim().to_string(),
                }
            } else {
                SearchError::OnlyExcluded
            });
        }
        Ok(Some(SearchQuery { required, excluded }))
    }

    /// The FTS5 `MATCH` expression: every term quoted (`"` doubled inside), required terms
    /// joined by `AND`, each excluded one subtracted with `NOT`.
    pub fn match_expression(&self) -> String {
        let quote = |term: &String| format!("\"{}\"", term.replace('"', "\"\""));
        let required: Vec<String> = self.required.iter().map(quote).collect();
        let mut expression = required.join(" AND ");
        if !self.excluded.is_empty() && required.len() > 1 {
            expression = format!("({expression})");
        }
        for term in &self.excluded {
            expression.push_str(" NOT ");
            expression.push_str(&quote(term));
        }
        expression
    }
}

/// The term at the start of `text` (which starts with neither whitespace nor `-` meant as an
/// exclusion) and what follows it: a word up to the next whitespace, where a `"` anywhere
/// opens a phrase that runs to the next `"` (`say"a b"` is the word `say` then a phrase).
fn next_term(text: &str) -> Result<(String, &str), SearchError> {
    if let Some(phrase) = text.strip_prefix('"') {
        let end = phrase.find('"').ok_or(SearchError::UnbalancedQuote)?;
        return Ok((phrase[..end].to_string(), &phrase[end + 1..]));
    }
    let end = text
        .find(|c: char| c.is_whitespace() || c == '"')
        .unwrap_or(text.len());
    Ok((text[..end].to_string(), &text[end..]))
}

/// The words an entry is indexed by: its title and the plain text of its summary and
/// content (HTML stripped ahead of the write, see [`PlainText::of`]).
pub(super) struct PlainText {
    title: String,
    summary: String,
    content: String,
}

impl PlainText {
    /// The bytes of text held.
    pub(super) fn len(&self) -> usize {
        self.title.len() + self.summary.len() + self.content.len()
    }

    /// The indexed text of an entry whose summary and content are HTML.
    pub(super) fn of(
        title: Option<&str>,
        summary: Option<&str>,
        content: Option<&str>,
    ) -> PlainText {
        PlainText {
            title: title.unwrap_or_default().to_string(),
            summary: summary.map(html_to_text).unwrap_or_default(),
            content: content.map(html_to_text).unwrap_or_default(),
        }
    }
}

/// Writes the entry's words into the index; `replacing` deletes the words it was indexed by
/// before (an edited entry).
pub(super) fn index_entry(
    tx: &Transaction<'_>,
    entry_id: i64,
    text: &PlainText,
    replacing: bool,
    work: &mut Work,
) -> rusqlite::Result<()> {
    if replacing {
        let mut forget = tx.prepare_cached("DELETE FROM entries_fts WHERE rowid = ?1")?;
        forget.execute(params![entry_id])?;
        work.count(&forget);
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO entries_fts (rowid, title, summary, content) VALUES (?1, ?2, ?3, ?4)",
    )?;
    insert.execute(params![entry_id, text.title, text.summary, text.content])?;
    work.count(&insert);
    Ok(())
}

/// Indexes every stored entry: the backfill of migration 5, run in its transaction.
pub(super) fn index_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut select = tx.prepare("SELECT id, title, summary, content FROM entries")?;
    let mut rows = select.query([])?;
    let mut work = Work::default();
    while let Some(row) = rows.next()? {
        let title: Option<String> = row.get(1)?;
        let summary: Option<String> = row.get(2)?;
        let content: Option<String> = row.get(3)?;
        let text = PlainText::of(title.as_deref(), summary.as_deref(), content.as_deref());
        index_entry(tx, row.get(0)?, &text, false, &mut work)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What typed words become: the MATCH expression, or the error.
    fn check(typed: &str, expected: Result<Option<&str>, SearchError>) {
        let actual = SearchQuery::parse(typed).map(|query| query.map(|q| q.match_expression()));
        assert_eq!(
            actual,
            expected.map(|expression| expression.map(str::to_string)),
            "typed: {typed:?}"
        );
    }

    #[test]
    fn typed_words_become_safe_match_expressions() {
        let cases: Vec<(&str, Result<Option<&str>, SearchError>)> = vec![
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("rust", Ok(Some(r#""rust""#))),
            ("rust sqlite", Ok(Some(r#""rust" AND "sqlite""#))),
            ("  rust \t sqlite  ", Ok(Some(r#""rust" AND "sqlite""#))),
            (r#""memory safety""#, Ok(Some(r#""memory safety""#))),
            (
                r#"rust "memory safety" linux"#,
                Ok(Some(r#""rust" AND "memory safety" AND "linux""#)),
            ),
            ("rust -go", Ok(Some(r#""rust" NOT "go""#))),
            (
                "rust sqlite -go -java",
                Ok(Some(r#"("rust" AND "sqlite") NOT "go" NOT "java""#)),
            ),
            (
                r#"rust -"garbage collector""#,
                Ok(Some(r#""rust" NOT "garbage collector""#)),
            ),
            ("zero-day", Ok(Some(r#""zero-day""#))),
            (r#"say"a b"c"#, Ok(Some(r#""say" AND "a b" AND "c""#))),
            // FTS5 syntax in the input is only text.
            ("*", Err(SearchError::NoWords { words: "*".into() })),
            ("rust*", Ok(Some(r#""rust*""#))),
            ("NEAR(a b)", Ok(Some(r#""NEAR(a" AND "b)""#))),
            ("col:word", Ok(Some(r#""col:word""#))),
            ("title:secret", Ok(Some(r#""title:secret""#))),
            ("^start", Ok(Some(r#""^start""#))),
            (
                "a AND b OR c",
                Ok(Some(r#""a" AND "AND" AND "b" AND "OR" AND "c""#)),
            ),
            ("NOT rust", Ok(Some(r#""NOT" AND "rust""#))),
            ("(rust)", Ok(Some(r#""(rust)""#))),
            ("it's", Ok(Some(r#""it's""#))),
            ("a\u{0}b\u{7}c", Ok(Some(r#""a" AND "b" AND "c""#))),
            ("rust * -", Ok(Some(r#""rust""#))),
            (r#"rust """#, Ok(Some(r#""rust""#))),
            // Hostile or malformed input is an error, never an expression.
            (r#"foo" OR 1=1 --"#, Err(SearchError::UnbalancedQuote)),
            (r#""unbalanced phrase"#, Err(SearchError::UnbalancedQuote)),
            (r#"a "b" "c"#, Err(SearchError::UnbalancedQuote)),
            ("-rust", Err(SearchError::OnlyExcluded)),
            (r#"-rust -"go lang""#, Err(SearchError::OnlyExcluded)),
            ("* -rust", Err(SearchError::OnlyExcluded)),
            (
                "* ^ :",
                Err(SearchError::NoWords {
                    words: "* ^ :".into(),
                }),
            ),
            ("--", Err(SearchError::NoWords { words: "--".into() })),
            (
                r#""""#,
                Err(SearchError::NoWords {
                    words: r#""""#.into(),
                }),
            ),
        ];
        for (typed, expected) in cases {
            check(typed, expected);
        }
    }

    #[test]
    fn search_errors_are_one_clear_line() {
        for error in [
            SearchError::UnbalancedQuote,
            SearchError::OnlyExcluded,
            SearchError::NoWords { words: "*".into() },
        ] {
            let message = error.to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(!message.to_lowercase().contains("fts5"), "{message}");
            assert!(!message.to_lowercase().contains("sql"), "{message}");
        }
    }
}
