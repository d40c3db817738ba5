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

mod line;

use std::ffi::OsString;
use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Ctx;
use crate::archive::Archive;
use crate::cli::GlobalArgs;
use crate::cluster::{self, errors::is_valid_name, jobs};
use line::{KEEP_ORDER, NO_FILES, job_slot, split_line, words_for};

/// The name `main` dispatches on.
pub const SUBCOMMAND: &str = "__complete-jobs";

/// How long the cluster may take, from the start of the lookup to its answer.
pub const BUDGET: Duration = Duration::from_secs(1);

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

/// The file kubectl runs to complete `kubectl claude-sandbox …` (its plugin's file name with
/// `_complete` after `kubectl`).
pub const KUBECTL_COMPLETER_FILE: &str = "kubectl_complete-claude_sandbox";

/// kubectl's completion protocol for plugins: the arguments are the words after
/// `kubectl claude-sandbox`, the last one under the cursor; the answer is one candidate per line
/// (`value<TAB>description`) and then `:DIRECTIVE`. kubectl cannot source our scripts, so here
/// commands, flags and closed values come from the clap definitions too, beside the job names.
pub fn kubectl(args: &[OsString]) -> u8 {
    detach_from_terminal();
    let mut words: Vec<String> = std::iter::once("claude-sandbox".to_string())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    let current = if words.len() > 1 {
        words.pop().unwrap_or_default()
    } else {
        String::new()
    };
    let (items, directive) = match job_slot(&words, &current) {
        Some(slot) => {
            let names = recent(slot.global)
                .into_iter()
                .filter(|n| n.starts_with(current.as_str()))
                .collect();
            (names, NO_FILES | KEEP_ORDER)
        }
        None => words_for(&words, &current),
    };
    let mut out = std::io::stdout().lock();
    for item in items {
        if writeln!(out, "{item}").is_err() {
            return 0;
        }
    }
    let _ = writeln!(out, ":{directive}");
    let _ = out.flush();
    0
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
