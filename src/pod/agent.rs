//! Run Claude Code on the task and pass its stream-json output through line by line.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::env::PodEnv;
use super::log::{self, say};
use super::prepare::{Prepared, exit_code, project_command};
use crate::units::format_elapsed;

/// How long the agent's last lines may take to arrive once it has exited.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Default)]
pub struct AgentResult {
    pub exit_code: u8,
    /// The agent's own verdict from its final `result` line, when it wrote one.
    pub is_error: Option<bool>,
    pub turns: Option<u64>,
    pub cost_usd: Option<f64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// The result line's `subtype`: `success`, or why the run ended (`error_max_turns`, …).
    pub subtype: Option<String>,
    /// Why the run counts as failed, for the notification.
    pub failure: Option<String>,
}

pub fn run(
    env: &PodEnv,
    dir: &Path,
    secrets: &[(String, String)],
    prepared: &Prepared,
    stop_at: Option<std::time::Instant>,
) -> AgentResult {
    let started = Instant::now();
    say("starting the agent");
    // The task fits one argument: it arrived as one environment string, which Linux caps at the
    // same 128 KiB (the CLI keeps tasks below that).
    // No terminal and no push credential: its own `git push` fails at once instead of hanging.
    let mut cmd = project_command("claude", dir, secrets);
    cmd.args([
        "-p",
        &env.task,
        "--output-format",
        "stream-json",
        "--verbose",
    ])
    .args(&env.agent_args)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    // A group of its own: everything the agent starts is stopped with it.
    .process_group(0);
    if let Some(venv) = &prepared.venv {
        let mut path = OsString::from(venv);
        if let Some(old) = std::env::var_os("PATH") {
            path.push(":");
            path.push(old);
        }
        cmd.env("PATH", path)
            .env("VIRTUAL_ENV", venv.parent().unwrap_or(venv));
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                "claude (the Claude Code CLI) is not installed in this image".to_owned()
            } else {
                format!("could not start claude: {e}")
            };
            log::fail(&message);
            return AgentResult {
                exit_code: 127,
                failure: Some(message),
                ..AgentResult::default()
            };
        }
    };
    super::stop::running(child.id());
    // Output is read on a thread of its own: the agent may leave a process behind (a server it
    // started) that keeps the pipe open after the agent itself has exited.
    let (done_tx, done_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut seen = AgentResult::default();
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                let text = String::from_utf8_lossy(&buf);
                let line = text.strip_suffix('\n').unwrap_or(&text);
                let line = line.strip_suffix('\r').unwrap_or(line);
                note_result(line, &mut seen);
                log::line(line);
                buf.clear();
            }
            let _ = done_tx.send(seen);
        });
    }
    let status = super::stop::wait_or_stop(&mut child, stop_at);
    // Nothing the agent started outlives it: the holder must read a work tree nobody writes.
    super::stop::kill_everything(child.id());
    super::stop::finished();
    let mut result = done_rx.recv_timeout(DRAIN_AFTER_EXIT).unwrap_or_default();
    result.exit_code = match status {
        Ok(status) if status.success() => 0,
        Ok(status) => exit_code(status),
        Err(_) => 1,
    };
    if result.exit_code != 0 {
        result.failure = Some(format!("the agent exited with code {}", result.exit_code));
    } else if let Some(cap) = result.cap() {
        result.failure = Some(format!("the agent stopped at its {cap} budget"));
    } else if result.is_error == Some(true) {
        result.failure = Some("the agent reported an error".to_owned());
    }
    say(&format!(
        "the agent finished in {} with exit code {}",
        format_elapsed(started.elapsed()),
        result.exit_code
    ));
    result
}

/// Remember what the final `result` line says; the cheap check skips the parser for every other
/// line.
fn note_result(line: &str, result: &mut AgentResult) {
    if !line.contains("\"result\"") {
        return;
    }
    let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(line) else {
        return;
    };
    if msg.get("type").and_then(Value::as_str) != Some("result") {
        return;
    }
    result.is_error = msg.get("is_error").and_then(Value::as_bool);
    result.turns = msg.get("num_turns").and_then(Value::as_u64);
    result.cost_usd = msg.get("total_cost_usd").and_then(Value::as_f64);
    let usage = msg.get("usage");
    let tokens = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_u64);
    result.input_tokens = tokens("input_tokens");
    result.output_tokens = tokens("output_tokens");
    result.subtype = msg
        .get("subtype")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(64).collect());
}

impl AgentResult {
    /// The budget that ended the run, named as its setting, when the result line says one did.
    pub fn cap(&self) -> Option<&'static str> {
        match self.subtype.as_deref()? {
            "error_max_turns" => Some("max_turns"),
            "error_max_budget_usd" => Some("max_budget_usd"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_result_line_is_remembered() {
        let mut r = AgentResult::default();
        note_result(
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"\"result\""}]}}"#,
            &mut r,
        );
        assert_eq!(r.is_error, None);
        note_result(
            r#"{"type":"result","subtype":"success","is_error":false,"num_turns":7,"total_cost_usd":0.42,"usage":{"input_tokens":12,"output_tokens":34},"result":"done"}"#,
            &mut r,
        );
        assert_eq!(r.is_error, Some(false));
        assert_eq!(r.turns, Some(7));
        assert_eq!(r.cost_usd, Some(0.42));
        assert_eq!((r.input_tokens, r.output_tokens), (Some(12), Some(34)));
        assert_eq!(r.cap(), None);
        note_result(
            r#"{"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":3}"#,
            &mut r,
        );
        assert_eq!(r.cap(), Some("max_turns"));
    }
}
