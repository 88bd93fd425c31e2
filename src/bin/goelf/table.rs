//! Plain aligned columns, as readelf and `go tool nm` print them: a header line, then one
//! line per record, cells separated by two spaces, no borders.
//!
//! - In a pipe or file ([`Term::width`] is `None`) a record is one line and nothing is cut;
//!   a column is padded to its widest cell, but at most to [`PIPE_PAD`] characters, so one
//!   very long cell does not pad every other line (it just pushes its own line's later cells).
//! - On a terminal the table fits its width: the last column wraps (continuation lines
//!   indented under it); when that is not enough, the widest other columns are cut, with `…`
//!   marking the cut (at the start for file paths, where the tail is what matters).
//! - Control characters in cells (hostile symbol names) are shown escaped, never sent to the
//!   terminal.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use crate::term::{self, paint, Style, Term};

/// In pipes, columns are padded to at most this many characters.
pub const PIPE_PAD: usize = 48;
/// A column is never cut narrower than this on a terminal.
const MIN_CUT: usize = 8;
/// The last column is wrapped, not cut, when it keeps at least this width.
const MIN_WRAP: usize = 24;

/// How a column's cells are cut when they must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cut {
    /// Keep the start: `runtime.gcBgMarkWo…`.
    #[default]
    End,
    /// Keep the end: `…/src/runtime/proc.go:123`.
    Start,
    /// Never cut (addresses, numbers).
    Never,
}

#[derive(Debug, Clone, Default)]
struct Column {
    name: String,
    right: bool,
    cut: Cut,
    pipe_pad: Option<usize>,
}

/// One cell: its text and its colour on a terminal.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    text: String,
    style: Option<Style>,
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Self {
        Cell {
            text: clean(&t.into()),
            style: None,
        }
    }
}

impl Cell {
    /// A coloured cell.
    pub fn styled(text: impl Into<String>, style: Option<Style>) -> Self {
        Cell {
            text: clean(&text.into()),
            style,
        }
    }
}

/// A table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    cols: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    indent: usize,
    /// In pipes, wrap a last cell with spaces that takes its row past
    /// [`PIPE_MAX`](crate::fit::PIPE_MAX); off: every row one line, however long.
    pipe_wrap: bool,
    no_header: bool,
}

impl Table {
    /// A table with these column headers.
    pub fn new(header: &[&str]) -> Self {
        Table {
            cols: header
                .iter()
                .map(|h| Column {
                    name: (*h).to_string(),
                    ..Column::default()
                })
                .collect(),
            rows: Vec::new(),
            indent: 0,
            pipe_wrap: true,
            no_header: false,
        }
    }

    /// In pipes, keep every row on one line, also a row wider than
    /// [`PIPE_MAX`](crate::fit::PIPE_MAX) (records for `awk`, as `go tool nm` prints them).
    pub fn one_line_rows(mut self) -> Self {
        self.pipe_wrap = false;
        self
    }

    /// Write the rows only (the columns are aligned as with the header).
    pub fn no_header(mut self) -> Self {
        self.no_header = true;
        self
    }

    /// Right-align these columns (numbers); they are never cut.
    pub fn right(mut self, cols: &[usize]) -> Self {
        for &c in cols {
            if let Some(col) = self.cols.get_mut(c) {
                col.right = true;
                col.cut = Cut::Never;
            }
        }
        self
    }

    /// How these columns are cut on a narrow terminal.
    pub fn cut(mut self, cols: &[usize], cut: Cut) -> Self {
        for &c in cols {
            if let Some(col) = self.cols.get_mut(c) {
                col.cut = cut;
            }
        }
        self
    }

    /// Indent every line by `n` spaces.
    pub fn indent(mut self, n: usize) -> Self {
        self.indent = n;
        self
    }

    /// Add a row (missing cells are empty).
    pub fn row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        let mut r: Vec<Cell> = cells.into_iter().map(Into::into).collect();
        r.resize(self.cols.len(), Cell::default());
        self.rows.push(r);
    }

    /// In pipes, pad this column to at most `n` (default [`PIPE_PAD`]).
    pub fn pipe_pad(mut self, col: usize, n: usize) -> Self {
        if let Some(c) = self.cols.get_mut(col) {
            c.pipe_pad = Some(n);
        }
        self
    }

    /// Render for the current output ([`term::get`]).
    pub fn render(&self, out: &mut String) {
        self.render_for(out, term::get());
    }

    /// Render for `t`.
    pub fn render_for(&self, out: &mut String, t: Term) {
        let n = self.cols.len();
        if n == 0 {
            return;
        }
        let mut widths: Vec<usize> = self.cols.iter().map(|c| c.name.width()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.text.width());
            }
        }
        let mut wrap = None;
        match t.width {
            None => {
                for (i, w) in widths.iter_mut().enumerate() {
                    if i + 1 < n && !self.cols[i].right {
                        let cap = self.cols[i].pipe_pad.unwrap_or(PIPE_PAD);
                        *w = (*w).min(cap.max(self.cols[i].name.width()));
                    }
                }
            }
            Some(term) => {
                fit(&mut widths, &self.cols, self.indent, term);
                let before: usize =
                    self.indent + widths[..n - 1].iter().sum::<usize>() + 2 * (n - 1);
                let room = term.saturating_sub(before).max(1);
                if widths[n - 1] > room {
                    widths[n - 1] = room;
                    wrap = Some(before);
                }
            }
        }
        let cut = t.width.is_some();
        let head: Vec<Cell> = self
            .cols
            .iter()
            .map(|c| Cell::styled(c.name.clone(), Some(Style::Bold)))
            .collect();
        if !self.no_header {
            self.line(out, &head, &widths, cut, wrap);
        }
        for r in &self.rows {
            self.line(out, r, &widths, cut, wrap);
        }
    }

    fn line(
        &self,
        out: &mut String,
        row: &[Cell],
        widths: &[usize],
        cut: bool,
        wrap: Option<usize>,
    ) {
        let n = self.cols.len();
        let mut s = " ".repeat(self.indent);
        let mut tail: Vec<String> = Vec::new();
        let mut pipe_at = None;
        for (i, (cell, col)) in row.iter().zip(&self.cols).enumerate() {
            let w = widths[i];
            let last = i + 1 == n;
            if i > 0 {
                s.push_str("  ");
            }
            let mut text = cell.text.clone();
            if last && wrap.is_none() && !cut && self.pipe_wrap {
                // In a pipe, a list or sentence that would take the row past PIPE_MAX
                // continues on lines of its own, under the column (or PIPE_INDENT).
                let before = s.width();
                if before + text.width() > crate::fit::PIPE_MAX && text.contains(' ') {
                    let max = crate::fit::PIPE_MAX;
                    let at = before.min(max - MIN_WRAP);
                    let room = max.saturating_sub(before);
                    let rest = if room >= MIN_WRAP {
                        let mut parts = wrap_text(&text, room);
                        text = parts.remove(0);
                        parts.join(" ")
                    } else {
                        std::mem::take(&mut text)
                    };
                    for t in wrap_text(&rest, max - at) {
                        if !t.is_empty() {
                            tail.push(t);
                        }
                    }
                    pipe_at = Some(at);
                }
            }
            if last && wrap.is_some() {
                let mut parts = wrap_text(&text, w);
                text = if parts.is_empty() {
                    String::new()
                } else {
                    parts.remove(0)
                };
                tail = parts;
            } else if cut && text.width() > w {
                text = cut_to(&text, w, col.cut);
            }
            let pad = w.saturating_sub(text.width());
            let painted = paint(&text, cell.style);
            if col.right {
                s.push_str(&" ".repeat(pad));
                s.push_str(&painted);
            } else {
                s.push_str(&painted);
                if !last {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
        if let Some(at) = wrap.or(pipe_at) {
            for t in tail {
                let _ = writeln!(out, "{}{}", " ".repeat(at), t);
            }
        }
    }
}

/// Shrink the widest cuttable columns (not the last, which wraps) until the line fits
/// `term`, or until every such column is at [`MIN_CUT`].
fn fit(widths: &mut [usize], cols: &[Column], indent: usize, term: usize) {
    let n = widths.len();
    let total = |w: &[usize]| indent + w.iter().sum::<usize>() + 2 * (n - 1);
    // The last column wraps into what is left; leave it MIN_WRAP (or its own width).
    let want_last = widths[n - 1].min(MIN_WRAP);
    // First down to MIN_CUT leaving the last column MIN_WRAP; on a very narrow terminal, on
    // down to a few characters leaving it one.
    for (min_cut, last) in [(MIN_CUT, want_last), (3, 1)] {
        while total(&widths[..n - 1]) + last > term {
            let Some((i, _)) = widths[..n - 1]
                .iter()
                .enumerate()
                .filter(|(i, &w)| cols[*i].cut != Cut::Never && w > min_cut)
                .max_by_key(|(_, &w)| w)
            else {
                break;
            };
            widths[i] -= 1;
        }
    }
}

/// Cut `s` to `w` columns with a `…`.
fn cut_to(s: &str, w: usize, how: Cut) -> String {
    if w == 0 {
        return String::new();
    }
    match how {
        Cut::Never => s.to_string(),
        Cut::End => {
            let mut out = String::new();
            for c in s.chars() {
                if out.width() + c.to_string().width() + 1 > w {
                    break;
                }
                out.push(c);
            }
            out.push('…');
            out
        }
        Cut::Start => {
            let mut kept: Vec<char> = Vec::new();
            let mut width = 0;
            for c in s.chars().rev() {
                let cw = c.to_string().width();
                if width + cw + 1 > w {
                    break;
                }
                width += cw;
                kept.push(c);
            }
            let mut out = String::from('…');
            out.extend(kept.into_iter().rev());
            out
        }
    }
}

/// Wrap `s` into lines of at most `w` columns, at spaces when it can.
pub fn wrap_text(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let sep = usize::from(!cur.is_empty());
        if cur.width() + sep + word.width() <= w {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        // A word longer than the line is split.
        let mut rest = word;
        while rest.width() > w {
            let mut used = 0;
            let mut at = rest.len();
            for (i, c) in rest.char_indices() {
                let cw = c.to_string().width();
                if used + cw > w && i > 0 {
                    at = i;
                    break;
                }
                used += cw;
            }
            let (head, tail) = rest.split_at(at);
            lines.push(head.to_string());
            rest = tail;
        }
        cur = rest.to_string();
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `s` with control characters escaped (`\n`, `\x1b`, …), so that a name from the file
/// cannot move the cursor or recolour the terminal.
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Wrap a paragraph of text to the terminal (or leave it on one line in pipes), indenting
/// continuation lines by `indent`.
pub fn para(out: &mut String, first: &str, indent: usize) {
    let first = clean(first);
    match term::get().width {
        Some(w) if first.width() > w => {
            let lines = wrap_text(&first, w.saturating_sub(indent).max(MIN_WRAP));
            for (i, l) in lines.iter().enumerate() {
                if i > 0 {
                    out.push_str(&" ".repeat(indent));
                }
                out.push_str(l);
                out.push('\n');
            }
        }
        _ => {
            out.push_str(&first);
            out.push('\n');
        }
    }
}

/// Write `prefix` then `text`, `text` wrapped to the terminal (in pipes to
/// [`PIPE_MAX`](crate::fit::PIPE_MAX)) with its continuation lines under its first column
/// (or further left when the prefix leaves less than [`MIN_WRAP`] columns).
pub fn hang(out: &mut String, prefix: &str, text: &str) {
    let limit = term::get().width.unwrap_or(crate::fit::PIPE_MAX);
    let text = clean(text);
    let at = prefix.width();
    if at + text.width() <= limit {
        let _ = writeln!(out, "{prefix}{text}");
        return;
    }
    let under = at.min(limit.saturating_sub(MIN_WRAP));
    let first_room = limit.saturating_sub(at);
    let rest = if first_room >= MIN_WRAP {
        let mut parts = wrap_text(&text, first_room);
        let _ = writeln!(out, "{prefix}{}", parts.remove(0));
        parts.join(" ")
    } else {
        let _ = writeln!(out, "{}", prefix.trim_end());
        text
    };
    for l in wrap_text(&rest, limit - under) {
        let _ = writeln!(out, "{}{l}", " ".repeat(under));
    }
}

impl Table {
    /// Right-align these columns of a table being filled (the in-place form of [`Table::right`]).
    pub fn align_right(&mut self, cols: &[usize]) {
        let t = std::mem::replace(self, Table::new(&[]));
        *self = t.right(cols);
    }
}

/// The rendered table without its last newline, so `writeln!(out, "…\n{t}")` reads naturally.
impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.render(&mut s);
        f.write_str(s.strip_suffix('\n').unwrap_or(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(width: Option<usize>) -> Term {
        Term {
            width,
            color: false,
        }
    }

    #[test]
    fn plain_columns() {
        let mut tb = Table::new(&["#", "NAME", "DETAIL"]).right(&[0]);
        tb.row(["1", "a", "x y"]);
        tb.row(["10", "bbbb", ""]);
        let mut s = String::new();
        tb.render_for(&mut s, t(None));
        assert_eq!(s, " #  NAME  DETAIL\n 1  a     x y\n10  bbbb\n");
    }

    #[test]
    fn fits_terminal() {
        let mut tb = Table::new(&["A", "B", "C"]).cut(&[1], Cut::Start);
        let long = "x".repeat(200);
        tb.row([
            long.as_str(),
            "/a/very/long/path/to/file.go:12",
            long.as_str(),
        ]);
        for w in [40, 60, 100] {
            let mut s = String::new();
            tb.render_for(&mut s, t(Some(w)));
            for l in s.lines() {
                assert!(l.width() <= w, "{w}: {l:?}");
            }
        }
        let mut s = String::new();
        tb.render_for(&mut s, t(None));
        assert_eq!(s.lines().count(), 2);
    }

    #[test]
    fn escapes_control() {
        assert_eq!(clean("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
    }

    #[test]
    fn wraps() {
        assert_eq!(wrap_text("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap_text("abcdefgh", 3), vec!["abc", "def", "gh"]);
    }
}
