//! Where the output goes and how it may look: the terminal width (when stdout is a
//! terminal), colour (`--color auto|always|never`, `NO_COLOR`), and `-q`. Set once by `main`
//! from the global flags; read by the renderers.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always colour (also in pipes).
    Always,
    /// Never colour.
    Never,
}

/// The output's settings.
#[derive(Debug, Clone, Copy)]
pub struct Term {
    /// The terminal's width in columns when stdout is a terminal; `None` in pipes and files
    /// (one record per line, never cut).
    pub width: Option<usize>,
    /// Write ANSI colours.
    pub color: bool,
}

static TERM: OnceLock<Term> = OnceLock::new();

/// Decide the settings (once, from `main`).
pub fn init(color: ColorChoice, quiet: bool) {
    let tty = std::io::stdout().is_terminal();
    let width = tty.then(terminal_width);
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    };
    // `-q` itself is `common::silence_stdout`; nothing is coloured for /dev/null.
    let color = color && !quiet;
    let _ = TERM.set(Term { width, color });
}

/// The settings (plain output, no width, when `init` was not called: unit tests).
pub fn get() -> Term {
    TERM.get().copied().unwrap_or(Term {
        width: None,
        color: false,
    })
}

/// `COLUMNS` when set (as `ls` and ripgrep honour it), else the terminal's size, else 80.
fn terminal_width() -> usize {
    if let Some(c) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return c.max(20);
    }
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|&w| w > 0)
        .unwrap_or(80)
        .max(20)
}

/// A style for text on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Headers.
    Bold,
    /// Failures, errors.
    Bad,
    /// Warnings.
    Warn,
    /// Passed checks.
    Good,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "\x1b[1m",
            Style::Bad => "\x1b[1;31m",
            Style::Warn => "\x1b[33m",
            Style::Good => "\x1b[32m",
        }
    }
}

/// `text` in `style` when colour is on, else as it is.
pub fn paint(text: &str, style: Option<Style>) -> String {
    match style {
        Some(s) if get().color => format!("{}{text}\x1b[0m", s.code()),
        _ => text.to_string(),
    }
}
