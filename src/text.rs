//! Text from outside (the agent's log, job annotations, server messages) made safe and short for
//! a terminal: control characters a terminal would act on become visible stand-ins, and long text
//! is cut to a width with `…` where something was left out. The renderer, the tables and the
//! pod's summaries all use these, so a cut looks the same everywhere.

use std::borrow::Cow;

/// The first `n` characters of `text` (all of it when shorter), on a character boundary.
fn keep(text: &str, n: usize) -> &str {
    let end = text.char_indices().nth(n).map_or(text.len(), |(at, _)| at);
    &text[..end]
}

/// At most `width` characters; when longer, the last one kept is `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    format!("{}…", keep(text, width.saturating_sub(1)))
}

/// Text on one line for a table cell: control characters (newlines too) become spaces, then
/// [`truncate`].
pub fn cut(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    truncate(flat.trim(), max)
}

/// The first non-blank line, and whether anything follows it.
pub fn first_line(text: &str) -> (&str, bool) {
    let mut lines = text.split('\n');
    let first = lines.by_ref().find(|l| !l.trim().is_empty()).unwrap_or("");
    let more = lines.any(|l| !l.trim().is_empty());
    (first.trim_end_matches('\r'), more)
}

/// One neutralised line of at most `width` characters, marked with `…` where anything was left
/// out.
pub fn one_line(text: &str, width: usize) -> String {
    let (line, more) = first_line(text);
    let line = neutralize(line.trim_end());
    match (more, line.chars().count() < width) {
        (false, _) => truncate(&line, width),
        (true, true) => format!("{line} …"),
        (true, false) => format!("{}…", keep(&line, width.saturating_sub(1))),
    }
}

pub fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Replaces control characters that a terminal would act on with visible stand-ins, keeping
/// newlines and tabs.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let before_newline = chars.peek().is_some_and(|(_, next)| *next == '\n');
        push_neutral(&mut out, c, before_newline);
    }
    Cow::Owned(out)
}

pub fn push_neutral(out: &mut String, c: char, before_newline: bool) {
    match c {
        // A CRLF line ending is just an ending; a lone CR could overwrite what was printed.
        '\r' if before_newline => {}
        c if is_control(c) => out.push(stand_in(c)),
        c => out.push(c),
    }
}

/// The Unicode control picture for C0 characters (`␛` for ESC), `␡` for DEL, and the
/// replacement character for the C1 range, which some terminals treat as escapes.
fn stand_in(c: char) -> char {
    match u32::from(c) {
        code @ 0..0x20 => char::from_u32(0x2400 + code).unwrap_or('\u{fffd}'),
        0x7f => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// Length in bytes of the SGR sequence (`ESC [ digits ; : … m`) that starts `text`, if it is one.
pub fn sgr_len(text: &str) -> Option<usize> {
    let params = text.strip_prefix("\x1b[")?;
    let digits = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';' || *b == b':')
        .count();
    (params.as_bytes().get(digits) == Some(&b'm')).then_some(2 + digits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_respects_char_boundaries() {
        assert_eq!(one_line("exactly", 7), "exactly");
        assert_eq!(one_line("exactly!", 7), "exactl…");
        assert_eq!(one_line("a\nb", 7), "a …");
        assert_eq!(one_line("", 0), "");
        assert_eq!(one_line("ab", 0), "…");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }

    #[test]
    fn cut_flattens_lines() {
        assert_eq!(cut("héllo\nwörld", 20), "héllo wörld");
        assert_eq!(cut("ééééé", 3), "éé…");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(neutralize("a\x1b[2Jb"), "a␛[2Jb");
        assert_eq!(neutralize("line\r\nnext"), "line\nnext");
        assert_eq!(neutralize("tab\tok"), "tab\tok");
    }
}
