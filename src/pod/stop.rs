//! SIGTERM from the kubelet: the job hit its deadline or was deleted, and the pod has its grace
//! period (30 s by default) before everything in it is killed.
//!
//! As PID 1 the entrypoint would otherwise ignore SIGTERM, and the agent's commits would die with
//! the pod's disk. So: before the agent starts there is nothing to save and we exit at once; while
//! it runs we stop it, and the normal path then pushes what it committed; while pushing we let the
//! push finish.

use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};

use super::log::say;

const PREPARING: u8 = 0;
const AGENT: u8 = 1;
const PUBLISHING: u8 = 2;

static PHASE: AtomicU8 = AtomicU8::new(PREPARING);
static AGENT_PID: AtomicI32 = AtomicI32::new(0);

/// The exit code of a process ended by SIGTERM, by the shell's convention.
pub const TERMINATED: u8 = 128 + 15;

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

pub fn agent_started(pid: u32) {
    AGENT_PID.store(i32::try_from(pid).unwrap_or(0), Ordering::SeqCst);
    PHASE.store(AGENT, Ordering::SeqCst);
}

/// The agent has exited and been reaped: its pid may be reused, so it is no longer ours to signal.
pub fn agent_finished() {
    AGENT_PID.store(0, Ordering::SeqCst);
    PHASE.store(PUBLISHING, Ordering::SeqCst);
}

pub fn publishing() {
    PHASE.store(PUBLISHING, Ordering::SeqCst);
}

fn on_terminate() {
    match PHASE.load(Ordering::SeqCst) {
        PREPARING => {
            say("the cluster is stopping this pod before the agent started; nothing to save");
            std::process::exit(i32::from(TERMINATED));
        }
        AGENT => {
            say(
                "the cluster is stopping this pod (deadline or cancel): stopping the agent to push its work",
            );
            let pid = AGENT_PID.load(Ordering::SeqCst);
            if pid > 0 {
                // SAFETY: kill(2) only sends a signal; it touches no memory of ours. The pid is
                // our own child's, which we have not reaped yet (the main thread is still reading
                // its output), so it cannot belong to another process.
                unsafe {
                    libc::kill(pid, libc::SIGTERM);
                }
            }
        }
        _ => say("the cluster is stopping this pod; finishing the push first"),
    }
}
