//! The in-pod half: what `claude-sandbox run-in-pod` does as the sandbox image's entrypoint.
//!
//! Driven only by the environment the Job sets. The phases run in order and each one logs what it
//! does and how long it took, because these lines are all a user sees of the pod (`logs` passes
//! them through): clone → decrypt `.env.sops` → wait for services → prepare the project → run the
//! agent → push its commits to a new branch → notify.
//!
//! Git runs as the `git` CLI, not through our git2: the CLI's git2 is built without TLS to keep
//! OpenSSL out of the binary, while the image's git speaks https with the system's CA store, does
//! shallow clones over every transport, and is the same git the agent uses. The token reaches git
//! only through a credential helper that is this binary (`git-credential`), configured through the
//! environment, so it never sits in a URL, a `.git/config`, or an argument list.

mod agent;
pub mod credential;
mod env;
mod git;
mod log;
mod notify;
mod prepare;
mod publish;
mod services;
mod sops;
mod stop;

use std::time::Instant;

pub use env::PodEnv;

/// Exit code for a failure of the sandbox itself (bad environment, clone, services, push).
const SANDBOX_FAILED: u8 = 1;

/// Everything `run-in-pod` does; returns the process exit code.
pub fn run() -> u8 {
    let env = match PodEnv::from_process() {
        Ok(env) => env,
        Err(message) => {
            log::fail(&message);
            return SANDBOX_FAILED;
        }
    };
    log::protect(env.secret_values());
    stop::watch();
    let started = Instant::now();
    let (code, summary) = run_phases(&env);
    if let Some(telegram) = &env.telegram {
        notify::send(telegram, &env, &summary, code, started.elapsed());
    }
    code
}

/// How the run ended, for the notification.
#[derive(Debug, Default)]
pub struct Summary {
    /// Why the run stopped before or instead of a normal end.
    pub failure: Option<String>,
    pub agent_result: Option<agent::AgentResult>,
    pub published: Option<publish::Published>,
}

fn run_phases(env: &PodEnv) -> (u8, Summary) {
    let mut summary = Summary::default();
    let git = git::Git::new();
    let checkout = match git.checkout(env) {
        Ok(c) => c,
        Err(e) => return stop(summary, SANDBOX_FAILED, e),
    };
    let secrets = match sops::decrypt(env, &checkout.dir) {
        Ok(vars) => vars,
        Err(e) => return stop(summary, SANDBOX_FAILED, e),
    };
    if let Err(e) = services::wait_all(&env.services, env.service_timeout) {
        return stop(summary, SANDBOX_FAILED, e);
    }
    let prepared = match prepare::run(&checkout.dir, env, &secrets) {
        Ok(p) => p,
        Err(failed) => {
            let code = failed.exit_code;
            return stop(summary, code, failed.message);
        }
    };
    // What the tree looks like before the agent starts: changes up to here are the installers'.
    let after_setup = git.snapshot(&checkout.dir).ok();
    let agent = agent::run(env, &checkout.dir, &secrets, &prepared);
    let agent_code = agent.exit_code;
    let agent_failure = agent.failure.clone();
    summary.agent_result = Some(agent);

    // Push even after a failed run: the pod's disk is gone once the Job ends, and half a fix on a
    // branch is worth more than nothing.
    stop::publishing();
    let push = publish::publish(&git, env, &checkout, after_setup.as_deref());
    let code = match (agent_code, &push) {
        (0, Ok(_)) => 0,
        (0, Err(_)) => SANDBOX_FAILED,
        (c, _) => c,
    };
    match push {
        Ok(p) => summary.published = Some(p),
        Err(e) => {
            log::fail(&e);
            summary.failure = Some(e);
        }
    }
    if let Some(f) = agent_failure {
        summary.failure.get_or_insert(f);
    }
    (code, summary)
}

fn stop(mut summary: Summary, code: u8, message: String) -> (u8, Summary) {
    log::fail(&message);
    summary.failure = Some(message);
    (code, summary)
}

/// `1.4s`, `2m03s`: step timings in the log.
pub(crate) fn took(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = d.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}
