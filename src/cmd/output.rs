//! How lists are printed, the same for every command (`query`, `feeds`): an aligned table
//! fitted to the terminal, one JSON array, JSON lines, or CSV with a header.
//!
//! Only presentation: callers hand over rows already chosen and ordered.

use std::io::IsTerminal;

use serde::Serialize;

use crate::cli::ListFormat;

/// A column of a table.
pub(super) struct Column {
    /// Its header.
    pub title: &'static str,
    /// Whether it may be shortened (with an ellipsis) to fit the terminal.
    pub shrinks: bool,
}

/// Renders `records` (one JSON object each) or, for tables and CSV, their `cells`, which
/// must line up with `columns`.
pub(super) fn render<T: Serialize>(
    format: ListFormat,
    columns: &[Column],
    cells: &[Vec<String>],
    records: &[T],
) -> anyhow::Result<String> {
    Ok(match format {
        ListFormat::Json => {
            let mut text = serde_json::to_string_pretty(records)?;
            text.push('\n');
            text
        }
        ListFormat::Jsonl => {
            let mut text = String::new();
            for record in records {
                text.push_str(&serde_json::to_string(record)?);
                text.push('\n');
            }
            text
        }
        ListFormat::Csv => csv(columns, cells),
        ListFormat::Table => table(columns, cells, terminal_width()),
    })
}

/// The width to fit a table into: the terminal's, or none when stdout is not a terminal.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(width, _)| usize::from(width.0))
}

/// Comma-separated values (RFC 4180): a header row, then one row per record; a field with
/// a comma, quote or line break is quoted, with quotes doubled.
fn csv(columns: &[Column], cells: &[Vec<String>]) -> String {
    let quote = |field: &str| {
        if field.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", field.replace('"', "\"\""))
        } else {
            field.to_string()
        }
    };
    let mut text = String::new();
    let header: Vec<String> = columns.iter().map(|column| quote(column.title)).collect();
    text.push_str(&header.join(","));
    text.push_str("\r\n");
    for row in cells {
        let fields: Vec<String> = row.iter().map(|field| quote(field)).collect();
        text.push_str(&fields.join(","));
        text.push_str("\r\n");
    }
    text
}

/// Left-aligned columns two spaces apart; the last column is not padded. Given a width, the
/// shrinkable columns give up space (widest first, ending in `…`) until the table fits.
pub(super) fn table(columns: &[Column], cells: &[Vec<String>], width: Option<usize>) -> String {
    let chars = |text: &str| text.chars().count();
    let mut widths: Vec<usize> = columns.iter().map(|column| chars(column.title)).collect();
    for row in cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(chars(cell));
        }
    }
    if let Some(limit) = width {
        const GAP: usize = 2;
        const NARROWEST: usize = 8;
        let total =
            |widths: &[usize]| widths.iter().sum::<usize>() + GAP * widths.len().saturating_sub(1);
        while total(&widths) > limit {
            let widest = widths
                .iter()
                .enumerate()
                .filter(|(index, width)| columns[*index].shrinks && **width > NARROWEST)
                .max_by_key(|(_, width)| **width)
                .map(|(index, _)| index);
            let Some(index) = widest else { break };
            widths[index] -= 1;
        }
    }
    let fit = |cell: &str, width: usize| -> String {
        if chars(cell) <= width {
            cell.to_string()
        } else {
            let kept: String = cell.chars().take(width.saturating_sub(1)).collect();
            format!("{kept}…")
        }
    };
    let header: Vec<String> = columns
        .iter()
        .map(|column| column.title.to_string())
        .collect();
    let mut text = String::new();
    for row in std::iter::once(&header).chain(cells) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (index, cell) in row.iter().enumerate() {
            let cell = fit(cell, widths[index]);
            if index == last {
                line.push_str(&cell);
            } else {
                let padding = widths[index] - chars(&cell);
                line.push_str(&cell);
                line.push_str(&" ".repeat(padding + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 3] = [
        Column {
            title: "FEED",
            shrinks: false,
        },
        Column {
            title: "TITLE",
            shrinks: true,
        },
        Column {
            title: "LINK",
            shrinks: true,
        },
    ];

    fn rows() -> Vec<Vec<String>> {
        vec![vec![
            "Krebs".to_string(),
            "Telegram bot tokens leak from a Kaspersky-branded phishing kit".to_string(),
            "https://krebsonsecurity.com/2026/11/telegram-bot-tokens/".to_string(),
        ]]
    }

    #[test]
    fn a_table_fits_the_width_with_ellipses() {
        let text = table(&COLUMNS, &rows(), Some(60));
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
        assert!(text.contains('…'), "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("Krebs  "));
    }

    #[test]
    fn without_a_width_nothing_is_cut() {
        let text = table(&COLUMNS, &rows(), None);
        assert!(!text.contains('…'));
        assert!(
            text.contains("kaspersky-branded".to_uppercase().to_lowercase().as_str())
                || text.contains("Kaspersky-branded")
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let cells = vec![vec![
            "A, B".to_string(),
            "say \"hi\"".to_string(),
            "plain".to_string(),
        ]];
        assert_eq!(
            csv(&COLUMNS, &cells),
            "FEED,TITLE,LINK\r\n\"A, B\",\"say \"\"hi\"\"\",plain\r\n"
        );
    }
}
