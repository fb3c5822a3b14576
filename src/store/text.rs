//! The words of an entry's HTML, for the search index: tags, comments, scripts and styles
//! removed, entities decoded, whitespace collapsed.
//!
//! Only what a reader sees is indexed: attribute values (`href`, `src`, `alt`, `class`) and
//! the bodies of `<script>` and `<style>` never reach the index. Markup escaped as text
//! (`&lt;b&gt;`) is text, so its words are kept. This is not a sanitizer and its output is
//! never shown as HTML; it only has to be robust (any input, linear time, no panics).

/// Elements that join the words around them (`<b>Rust</b>acean` is one word); every other
/// tag separates words.
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins",
    "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time",
    "tt", "u", "var", "wbr",
];

/// Elements whose content is code or presentation, never words.
const RAW_TEXT_TAGS: &[&str] = &["script", "style"];

/// The plain text of `html`: what a reader of the rendered page would read, on one line.
pub(super) fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    // A quoted attribute value that never closes makes quotes untrustworthy for the rest of
    // the document: from then on a tag ends at its first `>`. This keeps the scan linear.
    let mut quotes_trusted = true;
    while let Some(start) = rest.find('<') {
        push_decoded(&mut text, &rest[..start]);
        let markup = &rest[start..];
        match skip_markup(markup, &mut quotes_trusted) {
            Scan::Markup { length, separates } => {
                if separates {
                    text.push(' ');
                }
                rest = &markup[length..];
            }
            Scan::Text => {
                // A `<` that opens nothing (`a < b`) is text.
                text.push('<');
                rest = &markup[1..];
            }
            Scan::RestIsText => {
                // No tag ends anywhere after: the rest is text (and the scan stays linear).
                rest = markup;
                break;
            }
        }
    }
    push_decoded(&mut text, rest);
    collapse_whitespace(&text)
}

/// What the text at a `<` turned out to be.
enum Scan {
    /// A piece of markup, to skip.
    Markup {
        /// Its length in bytes, including a skipped element body.
        length: usize,
        /// Whether it separates the words on either side.
        separates: bool,
    },
    /// The `<` opens nothing: it is text.
    Text,
    /// A tag opens but no `>` ever closes it: the rest of the document is text.
    RestIsText,
}

/// The markup `text` (which starts with `<`) opens: a comment, a CDATA section's opening, a
/// declaration or processing instruction, or a tag (with the body of a script or style).
fn skip_markup(text: &str, quotes_trusted: &mut bool) -> Scan {
    if let Some(comment) = text.strip_prefix("<!--") {
        // An unterminated comment runs to the end, as in a browser.
        let length = comment.find("-->").map_or(text.len(), |end| 4 + end + 3);
        return Scan::Markup {
            length,
            separates: true,
        };
    }
    if text.starts_with("<![CDATA[") {
        // The section's text is kept: only its opening is skipped (its closing `]]>` is
        // dropped with the text).
        return Scan::Markup {
            length: "<![CDATA[".len(),
            separates: false,
        };
    }
    let after = &text[1..];
    let Some(first) = after.chars().next() else {
        return Scan::Text;
    };
    let is_end_tag = first == '/';
    let opens = match first {
        '!' | '?' => true,
        '/' => after[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic()),
        c => c.is_ascii_alphabetic(),
    };
    if !opens {
        return Scan::Text;
    }
    let Some(end) = tag_end(text, quotes_trusted) else {
        return Scan::RestIsText;
    };
    let name_and_rest = &after[usize::from(is_end_tag)..];
    let name_length = name_and_rest
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let name = &name_and_rest[..name_length];
    let is_named = |tags: &[&str]| tags.iter().any(|tag| tag.eq_ignore_ascii_case(name));
    let mut length = end;
    if !is_end_tag && is_named(RAW_TEXT_TAGS) && !text[..end].ends_with("/>") {
        length += raw_text_length(&text[end..], name);
    }
    Scan::Markup {
        length,
        separates: !is_named(INLINE_TAGS),
    }
}

/// Where the tag at the start of `text` ends (just after its `>`), skipping a `>` inside a
/// quoted attribute value (`alt="a > b"`); a quote counts only where a value starts, after
/// `=`. A quoted value that never closes falls back to the first `>`, and stops trusting
/// quotes. `None` when no `>` follows at all.
fn tag_end(text: &str, quotes_trusted: &mut bool) -> Option<usize> {
    let first_close = text.find('>')?;
    if !*quotes_trusted {
        return Some(first_close + 1);
    }
    let bytes = text.as_bytes();
    let mut index = 1;
    let mut after_equals = false;
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b'>' => return Some(index + 1),
            b'=' => after_equals = true,
            b'"' | b'\'' if after_equals => {
                match text[index + 1..].find(char::from(byte)) {
                    Some(offset) => index += offset + 1,
                    None => {
                        *quotes_trusted = false;
                        return Some(first_close + 1);
                    }
                }
                after_equals = false;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {}
            _ => after_equals = false,
        }
        index += 1;
    }
    // Quoted values swallowed every `>`: they cannot be right.
    *quotes_trusted = false;
    Some(first_close + 1)
}

/// The length of a script's or style's body up to and including its end tag; the rest of
/// the text when it never ends.
fn raw_text_length(body: &str, name: &str) -> usize {
    let closing = format!("</{name}");
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(found) = body[from..].find("</") {
        let start = from + found;
        let candidate = &bytes[start..];
        if candidate.len() >= closing.len()
            && candidate[..closing.len()].eq_ignore_ascii_case(closing.as_bytes())
        {
            let after_name = start + closing.len();
            return match body[after_name..].find('>') {
                Some(end) => after_name + end + 1,
                None => body.len(),
            };
        }
        from = start + 2;
    }
    body.len()
}

/// Appends `text` with its character references decoded (once: `&amp;lt;` is `&lt;`) and
/// CDATA section ends dropped.
fn push_decoded(out: &mut String, text: &str) {
    let cleaned;
    let mut rest = if text.contains("]]>") {
        cleaned = text.replace("]]>", "");
        cleaned.as_str()
    } else {
        text
    };
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let candidate = &rest[start + 1..];
        let decoded = candidate
            .bytes()
            .take(33)
            .position(|byte| byte == b';')
            .and_then(|end| Some((decode_entity(&candidate[..end])?, end)));
        match decoded {
            Some((character, end)) => {
                out.push(character);
                rest = &candidate[end + 1..];
            }
            None => {
                out.push('&');
                rest = candidate;
            }
        }
    }
    out.push_str(rest);
}

/// Named character references feeds use; an unknown name stays as written.
const NAMED_ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("shy", '\u{ad}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("zwnj", '\u{200c}'),
    ("zwj", '\u{200d}'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("sbquo", '‚'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bdquo", '„'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("lsaquo", '‹'),
    ("rsaquo", '›'),
    ("bull", '•'),
    ("middot", '·'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("sect", '§'),
    ("para", '¶'),
    ("times", '×'),
    ("divide", '÷'),
    ("plusmn", '±'),
    ("minus", '−'),
    ("frac12", '½'),
    ("frac14", '¼'),
    ("frac34", '¾'),
    ("rarr", '→'),
    ("larr", '←'),
    ("agrave", 'à'),
    ("aacute", 'á'),
    ("acirc", 'â'),
    ("atilde", 'ã'),
    ("auml", 'ä'),
    ("aring", 'å'),
    ("aelig", 'æ'),
    ("ccedil", 'ç'),
    ("egrave", 'è'),
    ("eacute", 'é'),
    ("ecirc", 'ê'),
    ("euml", 'ë'),
    ("igrave", 'ì'),
    ("iacute", 'í'),
    ("icirc", 'î'),
    ("iuml", 'ï'),
    ("ntilde", 'ñ'),
    ("ograve", 'ò'),
    ("oacute", 'ó'),
    ("ocirc", 'ô'),
    ("otilde", 'õ'),
    ("ouml", 'ö'),
    ("oslash", 'ø'),
    ("ugrave", 'ù'),
    ("uacute", 'ú'),
    ("ucirc", 'û'),
    ("uuml", 'ü'),
    ("yacute", 'ý'),
    ("yuml", 'ÿ'),
    ("szlig", 'ß'),
    ("Agrave", 'À'),
    ("Aacute", 'Á'),
    ("Acirc", 'Â'),
    ("Auml", 'Ä'),
    ("Aring", 'Å'),
    ("AElig", 'Æ'),
    ("Ccedil", 'Ç'),
    ("Eacute", 'É'),
    ("Egrave", 'È'),
    ("Ntilde", 'Ñ'),
    ("Ouml", 'Ö'),
    ("Oslash", 'Ø'),
    ("Uuml", 'Ü'),
];

/// The character a reference (between `&` and `;`) stands for.
fn decode_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return match code {
            0 => Some('\u{fffd}'),
            _ => char::from_u32(code),
        };
    }
    NAMED_ENTITIES
        .iter()
        .find(|(entity, _)| *entity == name)
        .map(|(_, character)| *character)
}

/// The words of `text` separated by single spaces: `str::split_whitespace`'s words, read a
/// byte at a time where the text is ASCII (most of it, and the cost of a cold fetch).
fn collapse_whitespace(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    let mut push_word = |word: &str| {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    };
    let bytes = text.as_bytes();
    let mut word_start = None;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let (is_space, width) = if byte.is_ascii() {
            (matches!(byte, b' ' | b'\t'..=b'\r'), 1)
        } else {
            let character = text[index..].chars().next().unwrap_or(' ');
            (character.is_whitespace(), character.len_utf8())
        };
        match (is_space, word_start) {
            (true, Some(start)) => {
                push_word(&text[start..index]);
                word_start = None;
            }
            (false, None) => word_start = Some(index),
            _ => {}
        }
        index += width;
    }
    if let Some(start) = word_start {
        push_word(&text[start..]);
    }
    collapsed
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn html_becomes_the_text_a_reader_sees() {
        // (html, text, why)
        let cases: &[(&str, &str, &str)] = &[
            ("<p>Hello <b>world</b></p>", "Hello world", "tags go"),
            (
                "<p>one</p><p>two</p>",
                "one two",
                "block tags separate words",
            ),
            ("<b>Rust</b>acean", "Rustacean", "inline tags join"),
            ("line<br/>break", "line break", "a line break separates"),
            (
                "<a href=\"https://secret.example/hidden\" title='tooltip'>shown</a>",
                "shown",
                "attribute values are not text",
            ),
            (
                "<img alt=\"a > b\" src=\"x.png\">after",
                "after",
                "a > inside a quoted attribute does not end the tag",
            ),
            (
                "<script>var hidden = '<p>';</script>visible<style>p { color: red }</style>",
                "visible",
                "scripts and styles are not text",
            ),
            (
                "<SCRIPT type=\"text/javascript\">x()</Script >after",
                "after",
                "raw-text end tags in any case",
            ),
            (
                "<script>never closed",
                "",
                "an unterminated script runs to the end",
            ),
            (
                "before<!-- a comment -->after",
                "before after",
                "comments go",
            ),
            (
                "before<!-- never closed",
                "before",
                "an unterminated comment runs to the end",
            ),
            (
                "AT&amp;T &lt;b&gt; caf&eacute;",
                "AT&T <b> café",
                "named entities",
            ),
            ("&#8217; &#x2019; &#X2019;", "’ ’ ’", "numeric entities"),
            ("&amp;lt;", "&lt;", "decoded once"),
            (
                "&bogus; & &#xZZ; &#0;",
                "&bogus; & &#xZZ; \u{fffd}",
                "unknown ones stay",
            ),
            (
                "a < b and c<d",
                "a < b and c<d",
                "a < that opens nothing is text",
            ),
            (
                "x <unclosed",
                "x <unclosed",
                "a tag that never ends is text",
            ),
            ("<![CDATA[kept text]]>", "kept text", "CDATA text is kept"),
            (
                "  lots \n of\t space  ",
                "lots of space",
                "whitespace collapses",
            ),
            ("<", "<", "a lone <"),
            ("</", "</", "a lone </"),
            ("<p", "<p", "an open tag at the end"),
            ("", "", "nothing"),
            ("é<b>ü</b>ñ", "éüñ", "multibyte text around tags"),
            (
                "<B>Rust</B>acean<SPAN>s</SPAN>",
                "Rustaceans",
                "tag names in any case",
            ),
            (
                "a<SCRIPT>x</script>b<Style>y</STYLE>c",
                "a b c",
                "raw text tags in any case",
            ),
            (
                "one\u{a0}two\u{3000}three\u{b}four\u{2028}five\u{1c}six",
                "one two three four five\u{1c}six",
                "Unicode whitespace separates; other controls do not",
            ),
        ];
        for (html, text, why) in cases {
            assert_eq!(html_to_text(html), *text, "{why}: {html:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn collapsing_keeps_the_words_split_whitespace_finds(text in "(\\PC|[ \t\n\r\u{b}\u{c}\u{a0}\u{85}\u{2003}\u{3000}]){0,40}") {
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            proptest::prop_assert_eq!(super::collapse_whitespace(&text), expected);
        }
    }

    #[test]
    fn hostile_input_is_linear_and_does_not_panic() {
        let many_opens = "<".repeat(100_000);
        assert_eq!(html_to_text(&many_opens).len(), 100_000);
        let many_quotes = format!("<a {}", "\"".repeat(50_001));
        assert!(html_to_text(&many_quotes).starts_with("<a"));
        let many_ampersands = "&".repeat(100_000);
        assert_eq!(html_to_text(&many_ampersands).len(), 100_000);
    }
}
