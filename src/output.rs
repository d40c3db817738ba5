//! One place that decides what goes to stdout and stderr: data to stdout, everything meant for a
//! person (progress, warnings, hints) to stderr, so `-o json | jq` and `$(…)` always see clean data.
//! Commands and the log follower write only through the [`Printer`] or the writer it hands out;
//! a closed stdout ends a command quietly, and a closed stderr is never a panic.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::ColorChoice;
use crate::failure::{self, BrokenPipe, Failure};

#[derive(Debug, Clone)]
pub struct Printer {
    quiet: bool,
    verbose: u8,
    color_stderr: bool,
    color_stdout: bool,
    stderr_tty: bool,
    stdout_tty: bool,
}

impl Printer {
    pub fn new(quiet: bool, verbose: u8, color: ColorChoice) -> Self {
        let stderr_tty = io::stderr().is_terminal();
        let stdout_tty = io::stdout().is_terminal();
        // NO_COLOR (set and not empty) only turns off the automatic choice; --color always still wins.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Printer {
            quiet,
            verbose,
            color_stderr: decide(stderr_tty),
            color_stdout: decide(stdout_tty),
            stderr_tty,
            stdout_tty,
        }
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    pub fn verbosity(&self) -> u8 {
        self.verbose
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout_tty
    }

    pub fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }

    pub fn color_stdout(&self) -> bool {
        self.color_stdout
    }

    /// Data for scripts and pipes. A closed pipe ends the command quietly.
    pub fn out(&self, text: &str) -> anyhow::Result<()> {
        let mut stdout = io::stdout().lock();
        let res = stdout
            .write_all(text.as_bytes())
            .and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    stdout.write_all(b"\n")
                }
            })
            .and_then(|()| stdout.flush());
        match res {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(BrokenPipe.into()),
            other => Ok(other?),
        }
    }

    /// A buffered writer on stdout for data that arrives in pieces (a followed log). Its write
    /// errors are the caller's to return: a closed pipe among them ends the command quietly.
    pub fn data_writer(&self) -> DataWriter {
        BufWriter::with_capacity(64 * 1024, io::stdout())
    }

    /// A spinner on stderr while waiting, only for a person at a terminal; `-q` hides it.
    pub fn spinner(&self) -> Option<ProgressBar> {
        if self.quiet || !self.stderr_tty {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }

    /// Progress and results meant for a person; silenced by `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            to_stderr(text);
        }
    }

    /// Something the user should know before trusting the result; shown even with `-q`.
    pub fn warn(&self, text: &str) {
        to_stderr(&format!(
            "{}: {text}",
            self.paint_err("warning", Tone::Warn)
        ));
    }

    /// How something the user waited for ended badly (a failed job, a timeout); shown even with
    /// `-q`, because the exit code alone does not say why.
    pub fn alert(&self, text: &str) {
        to_stderr(&self.paint_err(text, Tone::Bad));
    }

    /// The one rule for hints: a hint explains the line before it, so it is shown exactly when
    /// that line is. Hints after errors, warnings and alerts (which `-q` never hides) always
    /// show; a suggested next step after a success is `info` and follows `-q`.
    pub fn hint(&self, text: &str) {
        to_stderr(&format!("hint: {}", failure::one_line(text)));
    }

    /// One failure among several the command goes on past (`cancel a b c`): its `error:` line
    /// and hint, the same form `main` gives the failure that ends a command.
    pub fn error(&self, failure: &Failure) {
        to_stderr(&format!("error: {}", failure::one_line(&failure.message)));
        if let Some(h) = &failure.hint {
            self.hint(h);
        }
    }

    /// Extra detail for `-v` (level 1) and `-vv` (level 2).
    pub fn debug(&self, level: u8, text: &str) {
        if self.verbose >= level && !self.quiet {
            to_stderr(&self.paint_err(text, Tone::Dim));
        }
    }

    pub fn paint_err(&self, text: &str, tone: Tone) -> String {
        paint(text, tone, self.color_stderr)
    }

    pub fn paint_out(&self, text: &str, tone: Tone) -> String {
        paint(text, tone, self.color_stdout)
    }
}

/// What [`Printer::data_writer`] hands out.
pub type DataWriter = BufWriter<io::Stdout>;

/// One line to stderr. A closed or full stderr is not worth a panic or an error of its own: the
/// exit code still tells scripts how the command ended.
pub fn to_stderr(text: &str) {
    let mut err = io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"));
}

#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Good,
    Bad,
    Warn,
    Dim,
    Bold,
}

pub fn paint(text: &str, tone: Tone, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match tone {
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Warn => "33",
        Tone::Dim => "2",
        Tone::Bold => "1",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Lay out rows as aligned columns (the last column is not padded).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header_cells: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    for row in std::iter::once(&header_cells).chain(rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(columns) {
            if i + 1 == columns {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Table cells are cut the one way text is cut everywhere.
pub use crate::text::cut;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_trims_the_last() {
        let t = table(
            &["NAME", "STATUS"],
            &[
                vec!["a".into(), "Running".into()],
                vec!["longer".into(), "".into()],
            ],
        );
        assert_eq!(t, "NAME    STATUS\na       Running\nlonger\n");
    }
}
