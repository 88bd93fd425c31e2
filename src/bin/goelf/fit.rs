//! Every line of a command's text output fitted to where it goes, after the renderers
//! ([`table`](crate::table) and the prose around it) have written it:
//!
//! - On a terminal ([`Term::width`] is `Some`), a line wider than the terminal is wrapped
//!   at spaces (a word wider than the line is split), its continuation lines indented two
//!   columns more than the line itself. Tables already fit; this catches prose, `--modules`'
//!   `go version -m` lines and anything else. Colour sequences count as zero columns and are
//!   never split; tabs are expanded to the next multiple of 8 first.
//! - In a pipe or file, records stay one per line: a table row (cells separated by two
//!   spaces), a line with a tab (`go version -m`) or one of at most [`PIPE_MAX`] columns is
//!   written as it is. Only prose (words separated by single spaces) wider than
//!   [`PIPE_MAX`] is wrapped, as on a terminal of that width.
//!
//! - `init-order --dot` is input for Graphviz: written as it is ([`leave_as_is`]).
//!
//! Widths are display widths (`unicode-width`), as a terminal shows the text.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use unicode_width::UnicodeWidthStr;

use crate::term::Term;

/// In pipes, prose lines are wrapped at this many columns.
pub const PIPE_MAX: usize = 160;
/// Tab stops, as terminals set them.
const TAB: usize = 8;
/// Continuation lines keep at least this many columns for text.
const MIN_ROOM: usize = 20;

/// Set by a command whose text is a program for another tool (`init-order --dot`).
static AS_IS: AtomicBool = AtomicBool::new(false);

/// Write this run's text as it is: it is input for another program (Graphviz), where a
/// wrapped line would change its meaning.
pub fn leave_as_is() {
    AS_IS.store(true, Ordering::Relaxed);
}

/// A writer that fits each complete line (see the module documentation).
pub struct Fit<W: Write> {
    inner: W,
    width: Option<usize>,
    pending: Vec<u8>,
    as_is: bool,
}

impl<W: Write> Fit<W> {
    /// Fit lines written to `inner` for the output `t`.
    pub fn new(inner: W, t: Term) -> Self {
        Fit {
            inner,
            width: t.width,
            pending: Vec::new(),
            as_is: AS_IS.load(Ordering::Relaxed),
        }
    }

    fn emit(&mut self, lines: &[u8]) -> io::Result<()> {
        if self.as_is {
            return self.inner.write_all(lines);
        }
        let mut out = Vec::with_capacity(lines.len() + 64);
        for line in lines.split_inclusive(|&b| b == b'\n') {
            let (body, nl) = match line.strip_suffix(b"\n") {
                Some(b) => (b, true),
                None => (line, false),
            };
            match fit_line(body, self.width) {
                Some(wrapped) => out.extend_from_slice(wrapped.as_bytes()),
                None => out.extend_from_slice(body),
            }
            if nl {
                out.push(b'\n');
            }
        }
        self.inner.write_all(&out)
    }
}

impl<W: Write> Write for Fit<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = memchr::memrchr(b'\n', &self.pending) {
            let rest = self.pending.split_off(end + 1);
            let done = std::mem::replace(&mut self.pending, rest);
            self.emit(&done)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let done = std::mem::take(&mut self.pending);
            self.emit(&done)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Fit<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// The line wrapped for an output of `width` columns (`None`: a pipe), or `None` when it
/// is written as it is.
fn fit_line(line: &[u8], width: Option<usize>) -> Option<String> {
    let has_tab = line.contains(&b'\t');
    let limit = width.unwrap_or(PIPE_MAX);
    // A line of at most `limit` bytes and no tab is at most `limit` columns wide.
    if line.len() <= limit && !has_tab {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    if width.is_none() {
        let body = text.trim_start_matches(' ');
        if has_tab || body.contains("  ") {
            return None;
        }
    }
    let text = if has_tab {
        expand_tabs(text)
    } else {
        text.to_string()
    };
    if display_width(&text) <= limit {
        return None;
    }
    Some(wrap(&text, limit))
}

/// `s` with each tab replaced by spaces up to the next tab stop.
fn expand_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut col = 0;
    for (i, part) in s.split('\t').enumerate() {
        if i > 0 {
            let n = TAB - col % TAB;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        }
        out.push_str(part);
        col += display_width(part);
    }
    out
}

/// Columns `s` takes on a terminal: colour sequences (`ESC [ … final`) take none.
pub fn display_width(s: &str) -> usize {
    if !s.contains('\x1b') {
        return s.width();
    }
    pieces(s)
        .filter(|p| !p.starts_with('\x1b'))
        .map(|p| p.width())
        .sum()
}

/// `s` cut into colour sequences and single characters.
fn pieces(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let mut len = c.len_utf8();
        if c == '\x1b' && rest.as_bytes().get(1) == Some(&b'[') {
            len = rest
                .bytes()
                .enumerate()
                .skip(2)
                .find(|(_, b)| (0x40..=0x7e).contains(b))
                .map_or(rest.len(), |(i, _)| i + 1);
        }
        let (head, tail) = rest.split_at(len);
        rest = tail;
        Some(head)
    })
}

/// `line` wrapped at spaces into lines of at most `limit` columns; continuation lines are
/// indented two more than the line.
fn wrap(line: &str, limit: usize) -> String {
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let first_indent = indent.min(limit.saturating_sub(MIN_ROOM));
    let cont_indent = (indent + 2).min(limit.saturating_sub(MIN_ROOM));
    let mut out = String::with_capacity(line.len() + 32);
    let mut cur = " ".repeat(first_indent);
    let mut cur_w = first_indent;
    let mut start = first_indent;
    let new_line = |out: &mut String, cur: &mut String, cur_w: &mut usize, start: &mut usize| {
        out.push_str(cur.trim_end_matches(' '));
        out.push('\n');
        *cur = " ".repeat(cont_indent);
        *cur_w = cont_indent;
        *start = cont_indent;
    };
    for word in body.split(' ') {
        let w = display_width(word);
        let sep = usize::from(cur_w > start);
        if cur_w + sep + w <= limit {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + w;
            continue;
        }
        if cur_w > start {
            new_line(&mut out, &mut cur, &mut cur_w, &mut start);
        }
        // A word longer than the room is split, colour sequences kept whole.
        for p in pieces(word) {
            let pw = if p.starts_with('\x1b') { 0 } else { p.width() };
            if cur_w + pw > limit && cur_w > start {
                new_line(&mut out, &mut cur, &mut cur_w, &mut start);
            }
            cur.push_str(p);
            cur_w += pw;
        }
    }
    out.push_str(cur.trim_end_matches(' '));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_keep_rows_and_wrap_prose() {
        let row = format!("a  {}", "x ".repeat(100));
        assert_eq!(fit_line(row.as_bytes(), None), None);
        let prose = "word ".repeat(50);
        let out = fit_line(prose.trim_end().as_bytes(), None).unwrap();
        assert!(out.lines().count() == 2 && out.lines().all(|l| l.width() <= PIPE_MAX));
        assert!(out.lines().nth(1).unwrap().starts_with("  word"));
    }

    #[test]
    fn terminal_wraps_everything_colour_kept() {
        let line = format!("  \x1b[1m{}\x1b[0m  {}", "A".repeat(30), "b ".repeat(60));
        let out = fit_line(line.as_bytes(), Some(40)).unwrap();
        for l in out.lines() {
            assert!(display_width(l) <= 40, "{l:?}");
        }
        assert!(out.contains("\x1b[1m") && out.contains("\x1b[0m"));
        let long = "y".repeat(100);
        let out = fit_line(long.as_bytes(), Some(30)).unwrap();
        assert!(out.lines().all(|l| l.width() <= 30));
        assert_eq!(out.replace(['\n', ' '], ""), long);
        let tabs = format!("\tbuild\t{}", "z".repeat(60));
        let out = fit_line(tabs.as_bytes(), Some(40)).unwrap();
        assert!(out.starts_with("        build\n          zz"), "{out:?}");
    }
}
