//! Readable rendering of the agent's log: Claude Code's `--output-format stream-json` lines,
//! interleaved with the entrypoint's plain text and the sandbox's own `claude_sandbox` events.
//!
//! Everything printed comes from the pod, which runs code from the repository under work, so
//! control characters are neutralised before they reach the terminal.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::contract::SandboxEvent;

/// Widest a one-line summary of a tool call's argument gets, in characters.
const ARG_WIDTH: usize = 100;
/// Widest the first line of a failed tool's output gets when not verbose, in characters.
const ERROR_WIDTH: usize = 200;
/// Tool names are chosen by MCP servers, so they are bounded too.
const NAME_WIDTH: usize = 60;

const BOLD: &str = "1";
const DIM: &str = "2";
const RED: &str = "31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const CYAN: &str = "36";

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Emit ANSI colours and attributes.
    pub color: bool,
    /// Also show thinking, tool output and housekeeping messages in full.
    pub verbose: bool,
}

/// The agent's final result, from its `result` message.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub is_error: bool,
    /// `success`, `error_max_turns`, `error_during_execution`, … as Claude Code reports it.
    pub subtype: String,
    pub result: Option<String>,
    pub num_turns: Option<u64>,
    pub duration_ms: Option<u64>,
    pub total_cost_usd: Option<f64>,
}

/// Turns log lines into terminal text, one line at a time.
#[derive(Debug, Clone)]
pub struct Renderer {
    style: Style,
    outcome: Option<Outcome>,
    /// The agent's latest text, because a successful result usually repeats it word for word.
    last_text: Option<String>,
}

/// What one message renders to.
enum Rendered {
    Text(String),
    Nothing,
    /// Not a shape we understand: show the line as it came rather than lose it.
    Raw,
}

impl Renderer {
    pub fn new(style: Style) -> Self {
        Renderer {
            style,
            outcome: None,
            last_text: None,
        }
    }

    /// Render one raw log line (no trailing newline). Returns the text to print, possibly several
    /// lines joined by '\n', without a trailing newline; None = print nothing for this line.
    pub fn line(&mut self, raw: &str) -> Option<String> {
        // Most entrypoint lines are plain text; skip the parser for them.
        if !raw.trim_start().starts_with('{') {
            return Some(self.plain(raw));
        }
        let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(raw) else {
            return Some(self.plain(raw));
        };
        let rendered = match msg.get("type").and_then(Value::as_str) {
            Some("system") => self.system(&msg),
            Some("assistant") => self.assistant(&msg),
            Some("user") => self.user(&msg),
            Some("result") => self.result(&msg),
            // Deltas only come with --include-partial-messages and repeat the complete messages;
            // rate-limit notices are bookkeeping the agent acts on by itself.
            Some("stream_event" | "rate_limit_event") => Rendered::Nothing,
            Some("claude_sandbox") => self.sandbox(&msg),
            _ => Rendered::Raw,
        };
        match rendered {
            Rendered::Text(text) => Some(self.nest(&msg, text)),
            Rendered::Nothing => None,
            Rendered::Raw => Some(self.plain(raw)),
        }
    }

    /// The final result seen, if any (for the caller's exit summary).
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    fn system(&self, msg: &Map<String, Value>) -> Rendered {
        match str_field(msg, "subtype") {
            Some("init") => {
                let mut parts = Vec::new();
                if let Some(model) = str_field(msg, "model") {
                    parts.push(format!("model {}", one_line(model, ARG_WIDTH)));
                }
                if let Some(cwd) = str_field(msg, "cwd") {
                    parts.push(format!("in {}", one_line(cwd, ARG_WIDTH)));
                }
                let text = if parts.is_empty() {
                    "agent started".to_owned()
                } else {
                    format!("agent started: {}", parts.join(" "))
                };
                Rendered::Text(self.paint(DIM, &text))
            }
            Some("compact_boundary") => {
                Rendered::Text(self.paint(DIM, "conversation compacted to free context"))
            }
            // Hooks and status updates are housekeeping.
            Some(other) if self.style.verbose => {
                Rendered::Text(self.paint(DIM, &format!("system: {}", one_line(other, ARG_WIDTH))))
            }
            Some(_) => Rendered::Nothing,
            None => Rendered::Raw,
        }
    }

    fn assistant(&mut self, msg: &Map<String, Value>) -> Rendered {
        let mut out = Vec::new();
        // Claude Code marks a message the API refused (rate limit, authentication, …).
        if let Some(error) = str_field(msg, "error") {
            out.push(self.paint(RED, &format!("✗ API error: {}", one_line(error, ARG_WIDTH))));
        }
        match msg.get("message").and_then(|m| m.get("content")) {
            Some(Value::Array(blocks)) => {
                for block in blocks {
                    if let Some(text) = self.assistant_block(block) {
                        out.push(text);
                    }
                }
            }
            Some(Value::String(text)) => out.extend(self.agent_text(text)),
            _ if out.is_empty() => return Rendered::Raw,
            _ => {}
        }
        joined(out)
    }

    fn assistant_block(&mut self, block: &Value) -> Option<String> {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => self.agent_text(block.get("text")?.as_str()?),
            Some("tool_use" | "server_tool_use") => Some(self.tool_call(block)),
            Some("thinking") if self.style.verbose => {
                let thinking = block.get("thinking")?.as_str()?.trim();
                // Labelled, because without colour it would read as the agent's answer.
                let labelled =
                    format!("thinking: {}", neutralize(thinking).replace('\n', "\n    "));
                (!thinking.is_empty()).then(|| self.paint(DIM, &labelled))
            }
            Some(other)
                if self.style.verbose && other != "thinking" && other != "redacted_thinking" =>
            {
                Some(self.paint(DIM, &format!("[{}]", one_line(other, ARG_WIDTH))))
            }
            _ => None,
        }
    }

    fn agent_text(&mut self, text: &str) -> Option<String> {
        let text = text.trim_end();
        if text.is_empty() {
            return None;
        }
        self.last_text = Some(text.to_owned());
        Some(neutralize(text).into_owned())
    }

    fn tool_call(&self, block: &Value) -> String {
        let name = block.get("name").and_then(Value::as_str).unwrap_or("tool");
        let arg = block
            .get("input")
            .and_then(Value::as_object)
            .and_then(|input| main_argument(name, input));
        let marker = self.paint(CYAN, "▸");
        let name = self.paint(BOLD, &one_line(name, NAME_WIDTH));
        match arg {
            Some(arg) if !arg.is_empty() => format!("{marker} {name} {arg}"),
            _ => format!("{marker} {name}"),
        }
    }

    fn user(&self, msg: &Map<String, Value>) -> Rendered {
        match msg.get("message").and_then(|m| m.get("content")) {
            Some(Value::Array(blocks)) => joined(
                blocks
                    .iter()
                    .filter_map(|block| self.user_block(block))
                    .collect(),
            ),
            // The prompt and other text Claude Code feeds the model: the user knows it already.
            Some(Value::String(text)) if self.style.verbose => self.verbose_text(text),
            Some(Value::String(_)) => Rendered::Nothing,
            _ => Rendered::Raw,
        }
    }

    fn user_block(&self, block: &Value) -> Option<String> {
        match block.get("type").and_then(Value::as_str) {
            Some("tool_result") => self.tool_result(block),
            Some("text") if self.style.verbose => {
                match self.verbose_text(block.get("text")?.as_str()?) {
                    Rendered::Text(text) => Some(text),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn verbose_text(&self, text: &str) -> Rendered {
        let text = text.trim_end();
        if text.is_empty() {
            return Rendered::Nothing;
        }
        Rendered::Text(self.paint(DIM, &neutralize(text)))
    }

    fn tool_result(&self, block: &Value) -> Option<String> {
        let is_error = block
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !is_error && !self.style.verbose {
            return None;
        }
        let output = block.get("content").map(result_text).unwrap_or_default();
        let output = output.trim_end();
        let colour = if is_error { RED } else { DIM };
        if !self.style.verbose {
            // The trailing `…` tells that `--verbose` would show more.
            let summary = if output.trim().is_empty() {
                "tool failed".to_owned()
            } else {
                one_line(output, ERROR_WIDTH)
            };
            return Some(self.paint(RED, &format!("  ✗ {summary}")));
        }
        let body = if output.is_empty() {
            "(no output)".to_owned()
        } else {
            neutralize(output).into_owned()
        };
        let mark = if is_error { "✗ " } else { "" };
        let indented: Vec<String> = body
            .split('\n')
            .enumerate()
            .map(|(i, line)| {
                if i == 0 {
                    format!("  {mark}{line}")
                } else {
                    format!("    {line}")
                }
            })
            .collect();
        Some(self.paint(colour, &indented.join("\n")))
    }

    fn result(&mut self, msg: &Map<String, Value>) -> Rendered {
        let subtype = str_field(msg, "subtype").unwrap_or("").to_owned();
        let is_error = msg
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(subtype != "success")
            || subtype.starts_with("error");
        let outcome = Outcome {
            is_error,
            result: str_field(msg, "result").map(str::to_owned),
            num_turns: msg.get("num_turns").and_then(Value::as_u64),
            duration_ms: msg.get("duration_ms").and_then(Value::as_u64),
            total_cost_usd: msg.get("total_cost_usd").and_then(Value::as_f64),
            subtype,
        };

        let mut head = vec![if is_error {
            format!("✗ {}", failure_words(&outcome.subtype))
        } else {
            "✓ done".to_owned()
        }];
        if let Some(turns) = outcome.num_turns {
            head.push(format!(
                "{turns} {}",
                if turns == 1 { "turn" } else { "turns" }
            ));
        }
        if let Some(ms) = outcome.duration_ms {
            head.push(human_duration(ms));
        }
        if let Some(cost) = outcome.total_cost_usd {
            head.push(dollars(cost));
        }
        let colour = if is_error { RED } else { GREEN };
        // A blank line sets the summary apart from the stream above it.
        let mut out = vec![String::new(), self.paint(colour, &head.join(" · "))];

        if let Some(text) = outcome
            .result
            .as_deref()
            .map(str::trim_end)
            .filter(|t| !t.is_empty())
        {
            let repeats_last_message = !is_error && self.last_text.as_deref() == Some(text);
            if !repeats_last_message {
                let text = neutralize(text);
                out.push(if is_error {
                    self.paint(RED, &text)
                } else {
                    text.into_owned()
                });
            }
        }
        // Error subtypes explain themselves in `errors` rather than `result`.
        if let Some(Value::Array(errors)) = msg.get("errors") {
            for error in errors {
                let text = match error {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push(self.paint(RED, &neutralize(text.trim_end())));
            }
        }
        self.outcome = Some(outcome);
        Rendered::Text(out.join("\n"))
    }

    fn sandbox(&self, msg: &Map<String, Value>) -> Rendered {
        let Some(event) = SandboxEvent::from_value(&Value::Object(msg.clone())) else {
            return Rendered::Raw;
        };
        match event {
            SandboxEvent::Pushed {
                branch,
                commits,
                compare_url,
                ..
            } => {
                let branch = branch.map(|b| one_line(&b, ARG_WIDTH));
                let commits = match commits {
                    Some(1) => "1 commit to ".to_owned(),
                    Some(n) => format!("{n} commits to "),
                    None => String::new(),
                };
                let mut out = vec![self.paint(
                    GREEN,
                    &match branch {
                        Some(branch) => format!("→ pushed {commits}branch {branch}"),
                        None => "→ pushed the agent's changes".to_owned(),
                    },
                )];
                if let Some(url) = compare_url {
                    // Not cut: a shortened URL is a broken link.
                    out.push(format!(
                        "  compare and open a pull request: {}",
                        neutralize(first_line(&url).0)
                    ));
                }
                Rendered::Text(out.join("\n"))
            }
            SandboxEvent::PushFailed { branch, error } => {
                let branch =
                    branch.map_or_else(|| "its branch".to_owned(), |b| one_line(&b, ARG_WIDTH));
                let mut text = format!("✗ could not push the agent's work to {branch}");
                if let Some(error) = error {
                    text.push_str(&format!(": {}", one_line(&error, 200)));
                }
                Rendered::Text(self.paint(RED, &text))
            }
            SandboxEvent::NoChanges => Rendered::Text(self.paint(DIM, "no changes to push")),
            SandboxEvent::LeftOut { path, bytes } => Rendered::Text(self.paint(
                YELLOW,
                &format!(
                    "! left out {} ({} MB): GitHub refuses files over 100 MB",
                    one_line(&path, ARG_WIDTH),
                    bytes / 1_000_000
                ),
            )),
        }
    }

    /// Messages from a subagent (a Task tool call) carry the id of the call that started it.
    fn nest(&self, msg: &Map<String, Value>, text: String) -> String {
        if !msg.get("parent_tool_use_id").is_some_and(Value::is_string) {
            return text;
        }
        let bar = self.paint(DIM, "│");
        text.split('\n')
            .map(|line| {
                if line.is_empty() {
                    bar.clone()
                } else {
                    format!("{bar} {line}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A line that is not a message we render. The entrypoint's tools may colour their output,
    /// so SGR sequences (colours, bold) survive when colour is on and vanish when it is off;
    /// every other control character is neutralised.
    fn plain(&self, raw: &str) -> String {
        if !raw.chars().any(is_control) {
            return raw.to_owned();
        }
        let mut out = String::with_capacity(raw.len());
        let mut kept_sgr = false;
        let mut rest = raw;
        while let Some(c) = rest.chars().next() {
            if c == '\x1b'
                && let Some(len) = sgr_len(rest)
            {
                if self.style.color {
                    out.push_str(&rest[..len]);
                    kept_sgr = true;
                }
                rest = &rest[len..];
                continue;
            }
            push_neutral(&mut out, c, rest[c.len_utf8()..].starts_with('\n'));
            rest = &rest[c.len_utf8()..];
        }
        if kept_sgr {
            // The pod's colour must not bleed into the lines we print after it.
            out.push_str("\x1b[0m");
        }
        out
    }

    /// Wraps each line in an SGR sequence, so every line stands alone however the caller
    /// interleaves output.
    fn paint(&self, code: &str, text: &str) -> String {
        if !self.style.color {
            return text.to_owned();
        }
        text.split('\n')
            .map(|line| {
                if line.is_empty() {
                    String::new()
                } else {
                    format!("\x1b[{code}m{line}\x1b[0m")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn joined(parts: Vec<String>) -> Rendered {
    if parts.is_empty() {
        Rendered::Nothing
    } else {
        Rendered::Text(parts.join("\n"))
    }
}

fn str_field<'a>(msg: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    msg.get(key).and_then(Value::as_str)
}

/// The argument that says what a tool call does, already cut to one line.
fn main_argument(tool: &str, input: &Map<String, Value>) -> Option<String> {
    let field = |key: &str| input.get(key).and_then(Value::as_str);
    let text = match tool {
        "Bash" => field("command")?.to_owned(),
        "Read" | "Write" | "Edit" | "MultiEdit" => field("file_path")?.to_owned(),
        "NotebookEdit" | "NotebookRead" => field("notebook_path")
            .or_else(|| field("file_path"))?
            .to_owned(),
        "Glob" | "Grep" => {
            let pattern = field("pattern")?;
            match field("path") {
                Some(path) => format!("{} in {}", first_line(pattern).0, first_line(path).0),
                None => pattern.to_owned(),
            }
        }
        "WebFetch" => field("url")?.to_owned(),
        "WebSearch" => field("query")?.to_owned(),
        "Task" | "Agent" => field("description").or_else(|| field("prompt"))?.to_owned(),
        "TodoWrite" => {
            let todos = input.get("todos")?.as_array()?;
            let done = todos
                .iter()
                .filter(|t| t.get("status").and_then(Value::as_str) == Some("completed"))
                .count();
            format!("{} todos, {done} done", todos.len())
        }
        _ => input.values().find_map(Value::as_str)?.to_owned(),
    };
    Some(one_line(&text, ARG_WIDTH))
}

/// The text of a tool result, which is either a string or a list of content blocks.
fn result_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .map(|block| match block.get("type").and_then(Value::as_str) {
                Some("text") => block
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                Some(kind) => format!("[{kind}]"),
                None => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn failure_words(subtype: &str) -> String {
    match subtype {
        // A failed API call is reported as a "success" carrying is_error.
        "success" | "" => "failed".to_owned(),
        "error_max_turns" => "stopped: turn limit reached".to_owned(),
        "error_max_budget_usd" => "stopped: budget limit reached".to_owned(),
        "error_during_execution" => "failed during execution".to_owned(),
        other => format!("failed ({})", one_line(other, ARG_WIDTH)),
    }
}

/// `850ms`, `14s`, `2m 14s`, `1h 5m`.
fn human_duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {}s", secs / 60, secs % 60),
        _ => format!("{}h {}m", secs / 3600, secs % 3600 / 60),
    }
}

/// `$0.42`; small amounts keep enough digits not to read as free.
fn dollars(cost: f64) -> String {
    if cost != 0.0 && cost.abs() < 0.01 {
        format!("${cost:.4}")
    } else {
        format!("${cost:.2}")
    }
}

/// The first non-blank line, and whether anything follows it.
fn first_line(text: &str) -> (&str, bool) {
    let mut lines = text.split('\n');
    let first = lines.by_ref().find(|l| !l.trim().is_empty()).unwrap_or("");
    let more = lines.any(|l| !l.trim().is_empty());
    (first.trim_end_matches('\r'), more)
}

/// One neutralised line of at most `width` characters, marked with `…` where anything was left
/// out.
fn one_line(text: &str, width: usize) -> String {
    let (line, more) = first_line(text);
    let line = neutralize(line.trim_end());
    let count = line.chars().count();
    if count <= width && !more {
        return line.into_owned();
    }
    if count < width {
        return format!("{line} …");
    }
    let keep = line
        .char_indices()
        .nth(width.saturating_sub(1))
        .map_or(line.len(), |(at, _)| at);
    format!("{}…", &line[..keep])
}

fn is_control(c: char) -> bool {
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

fn push_neutral(out: &mut String, c: char, before_newline: bool) {
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
fn sgr_len(text: &str) -> Option<usize> {
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
    use proptest::prelude::*;

    const PLAIN: Style = Style {
        color: false,
        verbose: false,
    };
    const VERBOSE: Style = Style {
        color: false,
        verbose: true,
    };
    const COLOR: Style = Style {
        color: true,
        verbose: false,
    };

    fn render(style: Style, line: &str) -> Option<String> {
        Renderer::new(style).line(line)
    }

    fn tool(name: &str, input: &str) -> String {
        format!(
            r#"{{"type":"assistant","message":{{"id":"msg_01","role":"assistant","content":[{{"type":"tool_use","id":"toolu_01","name":"{name}","input":{input}}}]}},"parent_tool_use_id":null,"session_id":"s1"}}"#
        )
    }

    #[test]
    fn stream_json_lines_render_as_expected() {
        let long_command = "x".repeat(150);
        let cases: Vec<(String, Option<String>)> = vec![
            (
                r#"{"type":"system","subtype":"init","cwd":"/workspace/app","session_id":"0ce8","tools":["Bash","Read"],"mcp_servers":[],"model":"claude-sonnet-4-5-20250929","permissionMode":"bypassPermissions","apiKeySource":"ANTHROPIC_API_KEY"}"#.into(),
                Some("agent started: model claude-sonnet-4-5-20250929 in /workspace/app".into()),
            ),
            (
                r#"{"type":"system","subtype":"hook_started","session_id":"0ce8"}"#.into(),
                None,
            ),
            (
                r#"{"type":"system","model":"m"}"#.into(),
                Some(r#"{"type":"system","model":"m"}"#.into()),
            ),
            (
                r#"{"type":"system","subtype":"compact_boundary","compact_metadata":{"trigger":"auto"}}"#.into(),
                Some("conversation compacted to free context".into()),
            ),
            (
                r#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":"I'll start by running the test suite.\n\n"}]},"parent_tool_use_id":null,"session_id":"0ce8"}"#.into(),
                Some("I'll start by running the test suite.".into()),
            ),
            (
                r#"{"type":"assistant","message":{"content":[{"type":"thinking","thinking":"The spec is flaky because…","signature":"abc"}]}}"#.into(),
                None,
            ),
            (
                r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Two things:"},{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/workspace/app/Gemfile"}}]}}"#.into(),
                Some("Two things:\n▸ Read /workspace/app/Gemfile".into()),
            ),
            (
                tool("Bash", r#"{"command":"bundle exec rspec spec/checkout_spec.rb","description":"Run the checkout spec"}"#),
                Some("▸ Bash bundle exec rspec spec/checkout_spec.rb".into()),
            ),
            (
                tool("Bash", r#"{"command":"cd app &&\n  make test"}"#),
                Some("▸ Bash cd app && …".into()),
            ),
            (
                tool("Bash", &format!(r#"{{"command":"{long_command}"}}"#)),
                Some(format!("▸ Bash {}…", "x".repeat(99))),
            ),
            (
                tool("Edit", r#"{"file_path":"src/lib.rs","old_string":"a","new_string":"b"}"#),
                Some("▸ Edit src/lib.rs".into()),
            ),
            (
                tool("MultiEdit", r#"{"file_path":"src/main.rs","edits":[]}"#),
                Some("▸ MultiEdit src/main.rs".into()),
            ),
            (
                tool("Write", r#"{"file_path":"README.md","content":"hello"}"#),
                Some("▸ Write README.md".into()),
            ),
            (
                tool("NotebookEdit", r#"{"notebook_path":"nb.ipynb","new_source":"x"}"#),
                Some("▸ NotebookEdit nb.ipynb".into()),
            ),
            (
                tool("Glob", r#"{"pattern":"**/*_spec.rb"}"#),
                Some("▸ Glob **/*_spec.rb".into()),
            ),
            (
                tool("Grep", r#"{"pattern":"def checkout","path":"app/models","output_mode":"content"}"#),
                Some("▸ Grep def checkout in app/models".into()),
            ),
            (
                tool("WebFetch", r#"{"url":"https://guides.rubyonrails.org/","prompt":"What changed?"}"#),
                Some("▸ WebFetch https://guides.rubyonrails.org/".into()),
            ),
            (
                tool("WebSearch", r#"{"query":"rails 8 upgrade guide"}"#),
                Some("▸ WebSearch rails 8 upgrade guide".into()),
            ),
            (
                tool("Task", r#"{"description":"Find flaky specs","prompt":"Look for…","subagent_type":"general-purpose"}"#),
                Some("▸ Task Find flaky specs".into()),
            ),
            (
                tool("TodoWrite", r#"{"todos":[{"content":"a","status":"completed","activeForm":"A"},{"content":"b","status":"in_progress","activeForm":"B"},{"content":"c","status":"pending","activeForm":"C"}]}"#),
                Some("▸ TodoWrite 3 todos, 1 done".into()),
            ),
            (
                tool("mcp__github__get_issue", r#"{"number":7,"owner":"acme"}"#),
                Some("▸ mcp__github__get_issue acme".into()),
            ),
            (tool("ExitPlanMode", "{}"), Some("▸ ExitPlanMode".into())),
            (
                r#"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"Finished in 2.3 seconds\n14 examples, 0 failures"}]},"parent_tool_use_id":null}"#.into(),
                None,
            ),
            (
                r#"{"type":"user","message":{"role":"user","content":[{"tool_use_id":"t1","type":"tool_result","content":"Exit code 1\nrspec failed\nmore","is_error":true}]}}"#.into(),
                Some("  ✗ Exit code 1 …".into()),
            ),
            (
                r#"{"type":"user","message":{"content":[{"tool_use_id":"t1","type":"tool_result","content":[{"type":"text","text":"\n<tool_use_error>File does not exist.</tool_use_error>"}],"is_error":true}]}}"#.into(),
                Some("  ✗ <tool_use_error>File does not exist.</tool_use_error>".into()),
            ),
            (
                r#"{"type":"result","subtype":"success","is_error":false,"duration_ms":134250,"duration_api_ms":90000,"num_turns":12,"result":"Fixed the flaky spec.","session_id":"0ce8","total_cost_usd":0.4213,"usage":{}}"#.into(),
                Some("\n✓ done · 12 turns · 2m 14s · $0.42\nFixed the flaky spec.".into()),
            ),
            (
                r#"{"type":"result","subtype":"error_max_turns","is_error":true,"duration_ms":4000,"num_turns":1,"session_id":"0ce8","total_cost_usd":0.004}"#.into(),
                Some("\n✗ stopped: turn limit reached · 1 turn · 4s · $0.0040".into()),
            ),
            (
                r#"{"type":"result","subtype":"error_during_execution","is_error":true,"duration_ms":3723000,"num_turns":40,"errors":["Tool permission stream closed"]}"#.into(),
                Some("\n✗ failed during execution · 40 turns · 1h 2m\nTool permission stream closed".into()),
            ),
            (
                r#"{"type":"result","subtype":"success","is_error":true,"duration_ms":850,"num_turns":1,"result":"API Error: 401 invalid x-api-key","total_cost_usd":0}"#.into(),
                Some("\n✗ failed · 1 turn · 850ms · $0.00\nAPI Error: 401 invalid x-api-key".into()),
            ),
            (
                r#"{"type":"claude_sandbox","event":"pushed","branch":"claude-sandbox/fix-flaky-spec","compare_url":"https://github.com/acme/shop/compare/main...claude-sandbox/fix-flaky-spec"}"#.into(),
                Some("→ pushed branch claude-sandbox/fix-flaky-spec\n  compare and open a pull request: https://github.com/acme/shop/compare/main...claude-sandbox/fix-flaky-spec".into()),
            ),
            (
                r#"{"type":"claude_sandbox","event":"pushed","branch":"claude-sandbox/j","base":"main","commits":2}"#.into(),
                Some("→ pushed 2 commits to branch claude-sandbox/j".into()),
            ),
            (
                r#"{"type":"claude_sandbox","event":"push_failed","branch":"claude-sandbox/j","error":"git push failed (exit 128): fatal: Authentication failed"}"#.into(),
                Some("✗ could not push the agent's work to claude-sandbox/j: git push failed (exit 128): fatal: Authentication failed".into()),
            ),
            (
                r#"{"type":"claude_sandbox","event":"no_changes"}"#.into(),
                Some("no changes to push".into()),
            ),
            (
                r#"{"type":"claude_sandbox","event":"left_out","path":"data/dump.sql","bytes":157286400}"#.into(),
                Some("! left out data/dump.sql (157 MB): GitHub refuses files over 100 MB".into()),
            ),
            (
                r#"{"type":"stream_event","event":{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}}"#.into(),
                None,
            ),
            // Lines we do not understand come through as they are.
            ("Cloning into 'app'...".into(), Some("Cloning into 'app'...".into())),
            ("".into(), Some("".into())),
            ("{not json".into(), Some("{not json".into())),
            (r#"{"type":"tool_progress","elapsed":3}"#.into(), Some(r#"{"type":"tool_progress","elapsed":3}"#.into())),
            (r#"{"no_type":true}"#.into(), Some(r#"{"no_type":true}"#.into())),
            (r#"[1,2,3]"#.into(), Some("[1,2,3]".into())),
            (r#"{"type":"assistant"}"#.into(), Some(r#"{"type":"assistant"}"#.into())),
            (
                r#"{"type":"claude_sandbox","event":"future"}"#.into(),
                Some(r#"{"type":"claude_sandbox","event":"future"}"#.into()),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(render(PLAIN, &line), expected, "rendering {line}");
        }
    }

    #[test]
    fn subagent_messages_are_marked_as_nested() {
        let line = r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Grep","input":{"pattern":"sleep"}}]},"parent_tool_use_id":"toolu_01"}"#;
        assert_eq!(render(PLAIN, line).as_deref(), Some("│ ▸ Grep sleep"));
    }

    #[test]
    fn verbose_shows_thinking_and_tool_output_in_full() {
        let thinking = r#"{"type":"assistant","message":{"content":[{"type":"thinking","thinking":"The spec waits on a timer.\n"}]}}"#;
        assert_eq!(
            render(VERBOSE, thinking).as_deref(),
            Some("thinking: The spec waits on a timer.")
        );
        let two_lines = r#"{"type":"assistant","message":{"content":[{"type":"thinking","thinking":"First.\nSecond."}]}}"#;
        assert_eq!(
            render(VERBOSE, two_lines).as_deref(),
            Some("thinking: First.\n    Second.")
        );
        let output = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"line one\nline two"}]}}"#;
        assert_eq!(
            render(VERBOSE, output).as_deref(),
            Some("  line one\n    line two")
        );
        let failed = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"bad\nworse","is_error":true}]}}"#;
        assert_eq!(
            render(VERBOSE, failed).as_deref(),
            Some("  ✗ bad\n    worse")
        );
        let empty = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":""}]}}"#;
        assert_eq!(render(VERBOSE, empty).as_deref(), Some("  (no output)"));
    }

    #[test]
    fn a_result_that_repeats_the_last_message_is_not_printed_twice() {
        let mut r = Renderer::new(PLAIN);
        r.line(r#"{"type":"assistant","message":{"content":[{"type":"text","text":"All green now."}]}}"#);
        let out = r.line(r#"{"type":"result","subtype":"success","is_error":false,"num_turns":3,"result":"All green now."}"#);
        assert_eq!(out.as_deref(), Some("\n✓ done · 3 turns"));
    }

    #[test]
    fn the_outcome_is_captured() {
        let mut r = Renderer::new(PLAIN);
        assert_eq!(r.outcome(), None);
        r.line(r#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":30,"duration_ms":600000,"total_cost_usd":1.5,"result":"stopped"}"#);
        assert_eq!(
            r.outcome(),
            Some(&Outcome {
                is_error: true,
                subtype: "error_max_turns".into(),
                result: Some("stopped".into()),
                num_turns: Some(30),
                duration_ms: Some(600_000),
                total_cost_usd: Some(1.5),
            })
        );
    }

    #[test]
    fn an_error_subtype_counts_as_an_error_even_without_is_error() {
        let mut r = Renderer::new(PLAIN);
        r.line(r#"{"type":"result","subtype":"error_during_execution"}"#);
        let outcome = r.outcome().expect("outcome");
        assert!(outcome.is_error);
        assert_eq!(outcome.num_turns, None);
    }

    #[test]
    fn color_output_uses_ansi_escapes() {
        let out = render(COLOR, &tool("Bash", r#"{"command":"ls"}"#)).expect("rendered");
        assert!(out.contains("\x1b[36m▸\x1b[0m"), "{out:?}");
        assert!(out.contains("\x1b[1mBash\x1b[0m"), "{out:?}");
        let failed = r#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t","content":"boom","is_error":true}]}}"#;
        assert_eq!(
            render(COLOR, failed).as_deref(),
            Some("\x1b[31m  ✗ boom\x1b[0m")
        );
        let result = r#"{"type":"result","subtype":"success","is_error":false,"num_turns":2}"#;
        assert_eq!(
            render(COLOR, result).as_deref(),
            Some("\n\x1b[32m✓ done · 2 turns\x1b[0m")
        );
    }

    #[test]
    fn no_escape_without_color() {
        let lines = [
            tool("Bash", r#"{"command":"ls"}"#),
            r#"{"type":"system","subtype":"init","model":"m","cwd":"/w"}"#.to_owned(),
            r#"{"type":"result","subtype":"error_max_turns","is_error":true}"#.to_owned(),
        ];
        for line in lines {
            let out = render(PLAIN, &line).expect("rendered");
            assert!(!out.contains('\x1b'), "{out:?}");
        }
    }

    #[test]
    fn escapes_inside_json_strings_are_neutralised() {
        let evil = r#"\u001b]0;pwned\u0007\u001b[2J\u009b31m\r"#;
        let lines = [
            format!(
                r#"{{"type":"assistant","message":{{"content":[{{"type":"text","text":"hi{evil}there"}}]}}}}"#
            ),
            tool("Bash", &format!(r#"{{"command":"echo {evil}"}}"#)),
            tool(&format!("Evil{evil}"), "{}"),
            format!(
                r#"{{"type":"user","message":{{"content":[{{"type":"tool_result","tool_use_id":"t","content":"x{evil}","is_error":true}}]}}}}"#
            ),
            format!(
                r#"{{"type":"result","subtype":"success","is_error":false,"result":"{evil}"}}"#
            ),
            format!(r#"{{"type":"result","subtype":"error_x{evil}","errors":["{evil}"]}}"#),
            format!(r#"{{"type":"system","subtype":"init","model":"{evil}","cwd":"{evil}"}}"#),
            format!(
                r#"{{"type":"claude_sandbox","event":"pushed","branch":"{evil}","compare_url":"{evil}"}}"#
            ),
        ];
        for style in [PLAIN, VERBOSE, COLOR] {
            for line in &lines {
                let out = render(style, line).expect("rendered");
                let stripped = out.replace("\x1b[0m", "").replace("\x1b[1m", "");
                let stripped = ["2", "31", "32", "36"]
                    .iter()
                    .fold(stripped, |s, code| s.replace(&format!("\x1b[{code}m"), ""));
                assert!(
                    !stripped.chars().any(|c| c.is_control() && c != '\n'),
                    "control character left in {out:?}"
                );
            }
        }
        let out = render(
            PLAIN,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"a\u001b[2Jb\tc\nd"}]}}"#,
        );
        assert_eq!(out.as_deref(), Some("a␛[2Jb\tc\nd"));
    }

    #[test]
    fn plain_lines_keep_colours_only_when_colour_is_on() {
        let line = "\x1b[32mBundle complete!\x1b[0m";
        assert_eq!(render(PLAIN, line).as_deref(), Some("Bundle complete!"));
        assert_eq!(
            render(COLOR, line).as_deref(),
            Some("\x1b[32mBundle complete!\x1b[0m\x1b[0m")
        );
        let hostile = "\x1b]0;title\x07\x1b[2J\r\u{9b}31m";
        assert_eq!(
            render(COLOR, hostile).as_deref(),
            Some("␛]0;title␇␛[2J␍\u{fffd}31m")
        );
        assert_eq!(render(PLAIN, "crlf\r").as_deref(), Some("crlf␍"));
    }

    #[test]
    fn cutting_respects_char_boundaries() {
        let wide = "é".repeat(150);
        let out = render(
            PLAIN,
            &tool("Read", &format!(r#"{{"file_path":"{wide}"}}"#)),
        )
        .expect("rendered");
        assert_eq!(out, format!("▸ Read {}…", "é".repeat(99)));
        assert_eq!(one_line("exactly", 7), "exactly");
        assert_eq!(one_line("exactly!", 7), "exactl…");
        assert_eq!(one_line("a\nb", 7), "a …");
        assert_eq!(one_line("", 0), "");
        assert_eq!(one_line("ab", 0), "…");
    }

    #[test]
    fn durations_and_costs_read_like_a_person_wrote_them() {
        assert_eq!(human_duration(0), "0ms");
        assert_eq!(human_duration(999), "999ms");
        assert_eq!(human_duration(1000), "1s");
        assert_eq!(human_duration(59_999), "59s");
        assert_eq!(human_duration(134_000), "2m 14s");
        assert_eq!(human_duration(3_600_000), "1h 0m");
        assert_eq!(
            human_duration(u64::MAX),
            format!(
                "{}h {}m",
                u64::MAX / 1000 / 3600,
                u64::MAX / 1000 % 3600 / 60
            )
        );
        assert_eq!(dollars(0.42), "$0.42");
        assert_eq!(dollars(0.0), "$0.00");
        assert_eq!(dollars(0.0012), "$0.0012");
        assert_eq!(dollars(12.345), "$12.35");
    }

    #[test]
    fn huge_and_deeply_nested_lines_do_not_panic() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(render(PLAIN, &deep).as_deref(), Some(deep.as_str()));
        let deep_obj = format!(
            r#"{{"type":"assistant","message":{}1{}}}"#,
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        );
        assert!(render(PLAIN, &deep_obj).is_some());
        let huge = format!(
            r#"{{"type":"assistant","message":{{"content":[{{"type":"text","text":"{}"}}]}}}}"#,
            "y".repeat(5_000_000)
        );
        assert_eq!(render(PLAIN, &huge).map(|s| s.len()), Some(5_000_000));
        let huge_cmd = tool(
            "Bash",
            &format!(r#"{{"command":"{}"}}"#, "z".repeat(5_000_000)),
        );
        assert_eq!(
            render(PLAIN, &huge_cmd).map(|s| s.chars().count()),
            Some("▸ Bash ".chars().count() + 100)
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop_oneof![
            Just("type".to_owned()),
            Just("subtype".to_owned()),
            Just("message".to_owned()),
            Just("content".to_owned()),
            Just("text".to_owned()),
            Just("name".to_owned()),
            Just("input".to_owned()),
            Just("is_error".to_owned()),
            Just("result".to_owned()),
            Just("errors".to_owned()),
            Just("event".to_owned()),
            Just("parent_tool_use_id".to_owned()),
            Just("num_turns".to_owned()),
            Just("duration_ms".to_owned()),
            Just("total_cost_usd".to_owned()),
            ".{0,8}",
        ];
        let string = prop_oneof![
            Just("system".to_owned()),
            Just("init".to_owned()),
            Just("assistant".to_owned()),
            Just("user".to_owned()),
            Just("result".to_owned()),
            Just("tool_use".to_owned()),
            Just("tool_result".to_owned()),
            Just("thinking".to_owned()),
            Just("claude_sandbox".to_owned()),
            Just("pushed".to_owned()),
            Just("Bash".to_owned()),
            Just("TodoWrite".to_owned()),
            Just("Grep".to_owned()),
            Just("success".to_owned()),
            ".{0,40}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            string.prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..8)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn line_never_panics_on_arbitrary_text(raw in any::<String>(), verbose: bool, color: bool) {
            let mut r = Renderer::new(Style { color, verbose });
            let _ = r.line(&raw);
        }

        #[test]
        fn line_never_panics_on_arbitrary_json(value in json_value(), verbose: bool, color: bool) {
            let mut r = Renderer::new(Style { color, verbose });
            let raw = value.to_string();
            let out = r.line(&raw);
            if !color {
                prop_assert!(!out.unwrap_or_default().chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
        }

        #[test]
        fn line_never_panics_on_arbitrary_messages(
            kind in prop_oneof![Just("system"), Just("assistant"), Just("user"), Just("result"), Just("claude_sandbox")],
            body in json_value(),
            verbose: bool,
            color: bool,
        ) {
            let mut message = match body {
                Value::Object(map) => map,
                other => Map::from_iter([("message".to_owned(), serde_json::json!({ "content": [other] }))]),
            };
            message.insert("type".to_owned(), Value::from(kind));
            let mut r = Renderer::new(Style { color, verbose });
            let _ = r.line(&Value::Object(message).to_string());
        }
    }
}
