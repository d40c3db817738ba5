//! How a command ends when it does not succeed, and the exit code scripts see for it.
//!
//! Commands return `anyhow::Result<Outcome>`. Errors that carry a [`Failure`] anywhere in their
//! chain choose their exit code and hint; any other error is an operational error (exit 1).

use std::fmt;

/// Exit codes promised to scripts, and documented in the README: they never change meaning.
pub mod code {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const JOB_FAILED: i32 = 3;
    pub const TIMEOUT: i32 = 124;
    pub const INTERRUPTED: i32 = 130;
}

/// How a command that did not error ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The job ran and failed, was cancelled, or hit its deadline.
    JobFailed,
    /// `--timeout` expired while waiting.
    TimedOut,
    /// Ctrl-C while following: the job keeps running.
    Detached,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Success => code::OK,
            Outcome::JobFailed => code::JOB_FAILED,
            Outcome::TimedOut => code::TIMEOUT,
            Outcome::Detached => code::INTERRUPTED,
        }
    }
}

/// An error meant for the user: one line of message, an optional hint, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    pub code: i32,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: None,
            code: code::ERROR,
        }
    }

    /// A mistake in how the command was called: exit 2, like clap's own errors.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: code::USAGE,
            ..Failure::new(message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Writing to stdout failed because the reader went away (`claude-sandbox list | head`).
/// That is a normal end for a command-line tool, not an error worth a message.
#[derive(Debug)]
pub struct BrokenPipe;

impl fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broken pipe")
    }
}

impl std::error::Error for BrokenPipe {}

/// The command has already printed its failures one by one (`cancel a b c`); it ends with exit 1
/// and nothing more, so that one failure is one `error:` line.
#[derive(Debug)]
pub struct Reported;

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failures already reported")
    }
}

impl std::error::Error for Reported {}

/// Whether an error is stdout's reader going away, from any writer: our own marker, or the
/// plain I/O error a buffered writer returns.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<BrokenPipe>()
            || e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// What `main` prints and exits with for an error.
pub struct Report {
    pub lines: Vec<String>,
    pub code: i32,
}

/// Turn any error into the one-line `error: …` (and `hint: …`) form and its exit code.
pub fn report(err: &anyhow::Error) -> Report {
    if is_broken_pipe(err) {
        return Report {
            lines: Vec::new(),
            code: code::OK,
        };
    }
    if err.chain().any(|e| e.is::<Reported>()) {
        return Report {
            lines: Vec::new(),
            code: code::ERROR,
        };
    }
    let failure = err.chain().find_map(|e| e.downcast_ref::<Failure>());
    // Context added above a Failure reads as a prefix ("reading Gemfile: …"); the Failure's own
    // message ends the line, and its causes (if any were wrapped below it) are not repeated.
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
        if cause.is::<Failure>() {
            break;
        }
    }
    let mut lines = vec![format!("error: {}", one_line(&parts.join(": ")))];
    let mut code = code::ERROR;
    if let Some(f) = failure {
        code = f.code;
        if let Some(hint) = &f.hint {
            lines.push(format!("hint: {}", one_line(hint)));
        }
    }
    Report { lines, code }
}

/// Messages from servers and libraries can span lines; ours are promised to be one line.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn failure_sets_code_and_hint() {
        let err = anyhow::Error::new(Failure::usage("the task is empty").hint("give it words"));
        let r = report(&err);
        assert_eq!(r.code, 2);
        assert_eq!(r.lines, ["error: the task is empty", "hint: give it words"]);
    }

    #[test]
    fn context_prefixes_the_failure_on_one_line() {
        let err = Err::<(), _>(Failure::new("no such file"))
            .context("reading the task file")
            .unwrap_err();
        let r = report(&err);
        assert_eq!(r.lines, ["error: reading the task file: no such file"]);
        assert_eq!(r.code, 1);
    }

    #[test]
    fn plain_errors_are_operational_and_flattened() {
        let err = anyhow::anyhow!("first\nsecond");
        let r = report(&err);
        assert_eq!(r.code, 1);
        assert_eq!(r.lines, ["error: first second"]);
    }

    #[test]
    fn a_closed_pipe_from_a_plain_writer_is_a_quiet_success_too() {
        let io = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let r = report(&anyhow::Error::new(io).context("following the log"));
        assert_eq!((r.code, r.lines.len()), (0, 0));
    }

    #[test]
    fn reported_failures_exit_1_without_another_line() {
        let r = report(&anyhow::Error::new(Reported));
        assert_eq!((r.code, r.lines.len()), (1, 0));
    }

    #[test]
    fn broken_pipe_is_a_quiet_success() {
        let err = anyhow::Error::new(BrokenPipe).context("writing the list");
        let r = report(&err);
        assert_eq!(r.code, 0);
        assert!(r.lines.is_empty());
    }
}
