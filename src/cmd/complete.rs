//! The shells' helper for completing job names: `claude-sandbox __complete-jobs [--check] LINE`,
//! where LINE is the command line up to the cursor. It is not a command for people, so `main`
//! dispatches it before clap and it stays out of `--help` and the completion scripts' word lists.
//!
//! Exit 0 means the cursor stands where a JOB goes (after `logs`, `status`, `cancel`, …; found
//! from the clap definitions, so a new command taking a JOB is covered by naming its argument
//! `JOB`) and stdout holds the matching names, newest first. Exit 1 means it does not, and the
//! script completes as clap's generated part says. `--check` only answers the question.
//!
//! A shell waits for this on every TAB, so the cluster gets one request without retries and
//! [`BUDGET`] to answer; after that the names come from the local log archive. Nothing is ever
//! written to stderr: it is the user's terminal, in the middle of their line.

use std::ffi::OsString;
use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{ArgAction, CommandFactory, FromArgMatches};

use super::Ctx;
use crate::archive::Archive;
use crate::cli::{Cli, GlobalArgs};
use crate::cluster::{self, errors::is_valid_name, jobs};

/// The name `main` dispatches on.
pub const SUBCOMMAND: &str = "__complete-jobs";

/// How long the cluster may take, from the start of the lookup to its answer.
pub const BUDGET: Duration = Duration::from_secs(1);

/// The value name that marks an argument as a job, in every command that takes one.
const JOB: &str = "JOB";

pub fn run(args: &[OsString]) -> u8 {
    detach_from_terminal();
    let mut args = args.iter().map(|a| a.to_string_lossy());
    let mut check = false;
    let mut line = None;
    for a in args.by_ref() {
        if a == "--check" {
            check = true;
        } else {
            line = Some(a);
            break;
        }
    }
    let Some(line) = line else { return 1 };
    let (words, current) = split_line(&line);
    let Some(slot) = job_slot(&words, &current) else {
        return 1;
    };
    if check {
        return 0;
    }
    let mut out = std::io::stdout().lock();
    for name in recent(slot.global)
        .iter()
        .filter(|n| n.starts_with(slot.prefix.as_str()))
    {
        if writeln!(out, "{name}").is_err() {
            break;
        }
    }
    let _ = out.flush();
    0
}

/// Where the cursor stands when it stands on a JOB: what is typed of it so far, and the global
/// flags on the line (`-n`, `--context`, `--kubeconfig`, `-C`), which choose the cluster.
pub struct JobSlot {
    pub prefix: String,
    pub global: GlobalArgs,
}

/// Whether the word being typed (`current`, after the complete `words`, the program first) is a
/// job, as the clap definitions say.
pub fn job_slot(words: &[String], current: &str) -> Option<JobSlot> {
    let after_dashes = words.iter().skip(1).any(|w| w == "--");
    if current.starts_with('-') && !after_dashes {
        return None;
    }
    let mut cmd = Cli::command().ignore_errors(true);
    cmd.build();
    // The program may have been typed as a path; clap only needs a first word.
    let argv = std::iter::once("claude-sandbox").chain(words.iter().skip(1).map(String::as_str));
    let matches = cmd.clone().try_get_matches_from(argv).ok()?;
    let (mut leaf, mut leaf_matches) = (&cmd, &matches);
    while let Some((name, sub)) = leaf_matches.subcommand() {
        leaf = leaf.find_subcommand(name)?;
        leaf_matches = sub;
    }
    if std::ptr::eq(leaf, &cmd) {
        return None;
    }
    if !after_dashes && words.len() > 1 && wants_value(leaf, words.last()?) {
        return None;
    }
    let job = leaf.get_positionals().find(|a| {
        a.get_value_names()
            .is_some_and(|names| names.iter().any(|n| n.as_str() == JOB))
    })?;
    let given = |id: &clap::Id| {
        leaf_matches
            .try_get_raw(id.as_str())
            .ok()
            .flatten()
            .map_or(0, |v| v.len())
    };
    let before_missing = leaf
        .get_positionals()
        .filter(|a| a.get_index() < job.get_index())
        .any(|a| given(a.get_id()) == 0);
    let max = job.get_num_args().map_or(1, |r| r.max_values());
    let full = !matches!(job.get_action(), ArgAction::Append) && given(job.get_id()) >= max;
    if before_missing || full {
        return None;
    }
    let global = GlobalArgs::from_arg_matches(&matches).ok()?;
    Some(JobSlot {
        prefix: current.to_string(),
        global,
    })
}

/// Whether `word` is an option of `cmd` that takes its value from the next word (`-c`, `--color`,
/// `-qc`), so the word after it is that value rather than a job.
fn wants_value(cmd: &clap::Command, word: &str) -> bool {
    let takes_value = |a: &clap::Arg| a.get_action().takes_values();
    if let Some(long) = word.strip_prefix("--") {
        return !long.contains('=')
            && cmd
                .get_arguments()
                .any(|a| a.get_long() == Some(long) && takes_value(a));
    }
    let Some(shorts) = word.strip_prefix('-') else {
        return false;
    };
    // In a cluster like -qc the first short that takes a value takes the rest as its value; the
    // next word is a value only when that short is the last character.
    for (i, c) in shorts.char_indices() {
        if cmd
            .get_arguments()
            .any(|a| a.get_short() == Some(c) && takes_value(a))
        {
            return i + c.len_utf8() == shorts.len();
        }
    }
    false
}

/// The words of a command line as a POSIX shell would split it (quotes and backslashes), and the
/// word under the cursor at its end (empty after a space).
pub fn split_line(line: &str) -> (Vec<String>, String) {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => {}
                        },
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    word.push(e);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    (words, word)
}

/// Recent job names: the cluster's when it answers within [`BUDGET`], else the archive's for the
/// chosen namespace (or every namespace when even that is unknown).
fn recent(global: GlobalArgs) -> Vec<String> {
    enum Found {
        Namespace(String),
        Names(Vec<String>),
    }
    let (tx, rx) = mpsc::channel();
    let deadline = Instant::now() + BUDGET;
    // A thread rather than a timer on the runtime: a kubeconfig's exec credential plugin runs
    // without yielding, and nothing may hold the shell past the budget. The process ends with
    // `main`, whatever the thread is still waiting for.
    let spawned = std::thread::Builder::new()
        .name("complete-jobs".into())
        .spawn(move || {
            let ctx = Ctx::new(global);
            let Ok(target) = ctx.target() else { return };
            if let Some(ns) = &target.namespace {
                let _ = tx.send(Found::Namespace(ns.clone()));
            }
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let Ok(cluster) = cluster::connect(&target).await else {
                    return;
                };
                let _ = tx.send(Found::Namespace(cluster.namespace.clone()));
                if let Ok(names) = jobs::recent_names(&cluster).await {
                    let _ = tx.send(Found::Names(names));
                }
            });
        });
    let mut namespace = None;
    if spawned.is_ok() {
        while let Ok(found) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            match found {
                Found::Namespace(ns) => namespace = Some(ns),
                Found::Names(names) => return names,
            }
        }
    }
    archived(namespace.as_deref())
}

/// The jobs whose logs this machine kept, newest first, each name once.
fn archived(namespace: Option<&str>) -> Vec<String> {
    let Some(archive) = Archive::default_location() else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for entry in archive.list() {
        if namespace.is_some_and(|ns| ns != entry.namespace) {
            continue;
        }
        if is_valid_name(&entry.job) && !names.contains(&entry.job) {
            names.push(entry.job);
        }
    }
    names
}

/// Point stdin and stderr at /dev/null for the rest of the process: the terminal belongs to the
/// shell in the middle of the user's line. Nothing a library, a panic or an interactive
/// credential plugin (which inherits both, and might prompt) would say may land there, and
/// nothing may wait for the user's keys.
fn detach_from_terminal() {
    #[cfg(unix)]
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        use std::os::fd::AsRawFd;
        // SAFETY: dup2 on descriptors this process owns; `null` is closed after, 0 and 2 stay.
        unsafe {
            libc::dup2(null.as_raw_fd(), libc::STDIN_FILENO);
            libc::dup2(null.as_raw_fd(), libc::STDERR_FILENO);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(line: &str) -> Option<JobSlot> {
        let (words, current) = split_line(line);
        job_slot(&words, &current)
    }

    fn prefix(line: &str) -> Option<String> {
        slot(line).map(|s| s.prefix)
    }

    #[test]
    fn lines_split_as_a_shell_splits_them() {
        let (w, c) = split_line("claude-sandbox  -n 'my ns' \"a\\\"b\" c\\ d lo");
        assert_eq!(w, ["claude-sandbox", "-n", "my ns", "a\"b", "c d"]);
        assert_eq!(c, "lo");
        let (w, c) = split_line("claude-sandbox logs ");
        assert_eq!(w, ["claude-sandbox", "logs"]);
        assert_eq!(c, "");
        assert_eq!(split_line("x 'unfinished").1, "unfinished");
    }

    #[test]
    fn every_command_taking_a_job_is_a_job_slot() {
        for cmd in ["logs", "status", "cancel", "diff", "checkout"] {
            assert_eq!(
                prefix(&format!("claude-sandbox {cmd} jo")).as_deref(),
                Some("jo"),
                "{cmd}"
            );
        }
        assert_eq!(prefix("claude-sandbox logs ").as_deref(), Some(""));
        assert_eq!(
            prefix("./target/debug/claude-sandbox -v logs --raw ").as_deref(),
            Some("")
        );
    }

    #[test]
    fn other_places_on_the_line_are_not() {
        for line in [
            "claude-sandbox ",
            "claude-sandbox lo",
            "claude-sandbox list ",
            "claude-sandbox remote ",
            "claude-sandbox logs --r",
            "claude-sandbox logs -c ",
            "claude-sandbox logs --container ",
            "claude-sandbox logs -n ",
            "claude-sandbox logs --color ",
            "claude-sandbox status job-a ",
            "claude-sandbox checkout --worktree ",
            "claude-sandbox config show ",
        ] {
            assert!(slot(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn values_attached_to_options_leave_the_next_word_free() {
        assert!(slot("claude-sandbox logs --container=postgres ").is_some());
        assert!(slot("claude-sandbox logs -cpostgres ").is_some());
        assert!(slot("claude-sandbox logs -vc ").is_none());
        assert!(slot("claude-sandbox logs -- ").is_some());
    }

    #[test]
    fn cancel_takes_many_jobs() {
        assert_eq!(
            prefix("claude-sandbox cancel job-a job-b j").as_deref(),
            Some("j")
        );
    }

    #[test]
    fn the_cluster_flags_on_the_line_are_kept() {
        let s = slot("claude-sandbox --context other logs -n elsewhere --kubeconfig /k ").unwrap();
        assert_eq!(s.global.context.as_deref(), Some("other"));
        assert_eq!(s.global.namespace.as_deref(), Some("elsewhere"));
        assert_eq!(
            s.global.kubeconfig.as_deref(),
            Some(std::path::Path::new("/k"))
        );
    }
}
