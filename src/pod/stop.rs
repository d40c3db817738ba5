//! Stopping the agent and everything it started, in the agent's container.
//!
//! The agent and its children run in one process group. At SIGTERM from the kubelet (deadline or
//! cancel), or at the pod's own stop time, the group is asked to stop, then killed; then every
//! other process is killed too: as PID 1 of the container's PID namespace `kill(-1, SIGKILL)`
//! reaches all of them, `setsid` escapes included; elsewhere (tests) we are a child subreaper and
//! kill every descendant. Orphans are reaped. Only then does the holder get the hand-off, so
//! nothing of the agent's can still write to the work tree while it is published.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use super::log::say;

static TERMINATED: AtomicBool = AtomicBool::new(false);
static GROUP: AtomicI32 = AtomicI32::new(0);

/// The exit code of a process ended by SIGTERM, by the shell's convention.
pub const TERMINATED_CODE: u8 = 128 + 15;
/// How long the agent has to stop by itself after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How long the final kill waits for every process of the agent to be gone.
const KILL_WAIT: Duration = Duration::from_secs(10);
/// How long, after a SIGTERM that reached every container at once, the agent's PID 1 may take
/// to hand its work over: its stop grace, the final kill, and a margin for a loaded node.
pub const HAND_OFF_AFTER_STOP: Duration =
    Duration::from_secs(STOP_GRACE.as_secs() + KILL_WAIT.as_secs() + 5);

/// Make this process unreadable to the agent (same uid): no ptrace, no `/proc/<pid>/mem` or
/// `environ`, no core dumps. And adopt the orphans of our descendants, so none escapes the reaper.
pub fn protect_self() {
    // SAFETY: prctl with these options takes integer arguments only and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Start listening for SIGTERM in the background.
pub fn watch() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let kind = tokio::signal::unix::SignalKind::terminate();
            let Ok(mut term) = tokio::signal::unix::signal(kind) else {
                return;
            };
            while term.recv().await.is_some() {
                on_terminate();
            }
        });
    });
}

fn on_terminate() {
    TERMINATED.store(true, Ordering::SeqCst);
    let group = GROUP.load(Ordering::SeqCst);
    if group > 0 {
        say(
            "the cluster is stopping this pod (deadline or cancel): stopping the agent to publish its work",
        );
        signal_group(group, libc::SIGTERM);
    }
}

pub fn terminated() -> bool {
    TERMINATED.load(Ordering::SeqCst)
}

/// The process group now running (the agent, or a setup step), for SIGTERM to reach.
pub fn running(group: u32) {
    GROUP.store(i32::try_from(group).unwrap_or(0), Ordering::SeqCst);
}

pub fn finished() {
    GROUP.store(0, Ordering::SeqCst);
}

fn signal_group(group: i32, signal: i32) {
    if group > 1 {
        // SAFETY: kill(2) only sends a signal. A negative pid names our child's process group,
        // which exists until every member is reaped.
        unsafe {
            libc::kill(-group, signal);
        }
    }
}

/// Wait for the child running as process group `child.id()` until it exits, SIGTERM arrives
/// or `stop_at` passes; then stop the group (SIGTERM, then SIGKILL after a grace).
pub fn wait_or_stop(
    child: &mut std::process::Child,
    stop_at: Option<Instant>,
) -> std::io::Result<std::process::ExitStatus> {
    let group = i32::try_from(child.id()).unwrap_or(0);
    let mut asked: Option<Instant> = None;
    let mut last_reap = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        let now = Instant::now();
        if asked.is_none() {
            if terminated() {
                asked = Some(now);
            } else if stop_at.is_some_and(|t| now >= t) {
                say("the job's deadline is near: stopping the agent to publish its work in time");
                signal_group(group, libc::SIGTERM);
                asked = Some(now);
            }
        } else if asked.is_some_and(|t| now.duration_since(t) >= STOP_GRACE) {
            signal_group(group, libc::SIGKILL);
        }
        if now.duration_since(last_reap) >= Duration::from_secs(1) {
            reap_orphans(child.id());
            last_reap = now;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kill the group and every other process we can reach, then reap them all.
pub fn kill_everything(group: u32) {
    signal_group(i32::try_from(group).unwrap_or(0), libc::SIGKILL);
    let me = std::process::id();
    let deadline = Instant::now() + KILL_WAIT;
    loop {
        let left = if me == 1 {
            // SAFETY: as PID 1 of the container's PID namespace, -1 means every other process
            // in that namespace; the signal cannot reach ourselves or anything outside it.
            let sent = unsafe { libc::kill(-1, libc::SIGKILL) };
            usize::from(sent == 0)
        } else {
            let descendants = descendants_of(me);
            for pid in &descendants {
                // SAFETY: kill(2) only sends a signal; the pid is a descendant of ours, alive or
                // a zombie we have not reaped yet, so it cannot have been reused.
                unsafe {
                    libc::kill(*pid, libc::SIGKILL);
                }
            }
            descendants.len()
        };
        reap_all();
        if left == 0 || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reap every child that has ended, without blocking.
fn reap_all() {
    loop {
        // SAFETY: waitpid with WNOHANG and a null status pointer writes nothing of ours.
        let pid = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
        if pid <= 0 {
            break;
        }
    }
}

/// Reap the zombies we adopted, leaving `keep` (a child whose status we still want) alone.
fn reap_orphans(keep: u32) {
    let me = std::process::id();
    for (pid, ppid, state) in processes() {
        if ppid == me && state == 'Z' && pid as u32 != keep {
            // SAFETY: waitpid on one specific zombie child of ours; the status is not kept.
            unsafe {
                libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
    }
}

/// Every process below `root` in the process tree.
fn descendants_of(root: u32) -> Vec<i32> {
    let all = processes();
    let mut found: Vec<i32> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for (pid, ppid, _) in &all {
            if *ppid == parent && !found.contains(pid) {
                found.push(*pid);
                frontier.push(*pid as u32);
            }
        }
    }
    found
}

/// (pid, parent pid, state) of every process visible in /proc.
fn processes() -> Vec<(i32, u32, char)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // The command name may hold spaces and parentheses; the fields after the last ')'
            // are fixed.
            let rest = &stat[stat.rfind(')')? + 2..];
            let mut fields = rest.split(' ');
            let state = fields.next()?.chars().next()?;
            let ppid = fields.next()?.parse().ok()?;
            Some((pid, ppid, state))
        })
        .collect()
}
