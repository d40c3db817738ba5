//! The pod's own log lines, and the last guard against printing a credential.
//!
//! Everything goes to stdout, agent output included, so the order a user reads in `logs` is the
//! order things happened. Every line we print passes through [`redact`]: the values of the pod's
//! secrets never leave it, even if a tool we ran echoed one back in an error.

use std::borrow::Cow;
use std::io::Write;
use std::sync::Mutex;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Shorter values are too likely to be ordinary words to blank out everywhere.
const MIN_SECRET_LEN: usize = 8;

/// Add values that must never be printed.
pub fn protect(values: impl IntoIterator<Item = String>) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    secrets.extend(values.into_iter().filter(|v| v.len() >= MIN_SECRET_LEN));
    // Longest first, so a secret that contains another is blanked out whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

pub fn redact(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for s in secrets.iter() {
        out = out.replace(s.as_str(), "[redacted]");
    }
    Cow::Owned(out)
}

/// One line of the pod's own narration.
pub fn say(text: &str) {
    line(&format!("[sandbox] {text}"));
}

pub fn fail(text: &str) {
    line(&format!("[sandbox] error: {text}"));
}

pub fn warn(text: &str) {
    line(&format!("[sandbox] warning: {text}"));
}

/// A line as is (the agent's output, a JSON event), redacted, flushed at once so `logs -f` shows
/// it while the pod works.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the container runtime going away) is no reason to stop the work.
    let _ = writeln!(out, "{}", redact(text));
    let _ = out.flush();
}

/// The last `n` lines of a program's output, indented under the line that introduces them.
pub fn tail(lines: &[String]) {
    for l in lines {
        line(&format!("    {l}"));
    }
}
