//! The in-pod half: what `claude-sandbox run-in-pod <role>` does in each container of the Job.
//!
//! Two roles, one per container, with a boundary Kubernetes enforces between them (docs/pod.md):
//! - `holder` ([`holder`]): the credential holder. Clones, decrypts `.env.sops`, proxies the
//!   Anthropic API, publishes the agent's work. The only process that sees a credential.
//! - `agent` (this module's [`run_agent`]): PID 1 of the agent's container. Clones from the
//!   holder's seed, prepares the project, runs Claude Code, stops everything it started, hands
//!   off to the holder and relays what it published.
//! - `ready`: the holder's startup probe.
//!
//! Each phase logs what it does and how long it took, because these lines are all a user sees of
//! the pod (`logs` passes them through).

mod agent;
pub mod credential;
mod env;
mod git;
mod handoff;
mod holder;
mod http;
mod log;
mod notify;
mod prepare;
mod proxy;
mod publish;
mod pull_request;
mod services;
mod sops;
mod stop;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use env::PodEnv;

use crate::contract::{self, HandOff, Published, Receipt, SeedState, files, role};

/// Exit code for a failure of the sandbox itself (bad environment, clone, services, push).
const SANDBOX_FAILED: u8 = 1;
/// How long the agent's side waits for the holder's clone (the startup probe usually has).
const STATE_WAIT: Duration = Duration::from_secs(15 * 60);
/// How long the agent's side waits for the holder to record the tree after the setup steps.
const SETUP_SEEN_WAIT: Duration = Duration::from_secs(120);
/// How long the agent's side waits for the holder's publish: inside the grace period.
const PUBLISH_WAIT: Duration = Duration::from_secs(contract::GRACE_SECONDS as u64 - 30);

/// `run-in-pod ROLE`; returns the process exit code.
pub fn run(role: Option<&str>) -> u8 {
    match role {
        Some(role::AGENT) => run_agent(),
        Some(role::HOLDER) => holder::run(),
        Some(role::READY) => holder::ready(),
        other => {
            log::fail(&format!(
                "run-in-pod needs a role ({}, {} or {}), not {}; the Job sets it",
                role::AGENT,
                role::HOLDER,
                role::READY,
                other.map_or_else(|| "none".to_owned(), |r| format!("{r:?}"))
            ));
            SANDBOX_FAILED
        }
    }
}

/// How the run ended, for the notification.
#[derive(Debug, Default)]
pub struct Summary {
    /// Why the run stopped before or instead of a normal end.
    pub failure: Option<String>,
    pub agent_result: Option<agent::AgentResult>,
    pub published: Option<publish::Published>,
    /// The pull request opened for the pushed branch.
    pub pr_url: Option<String>,
}

fn run_agent() -> u8 {
    let started = Instant::now();
    stop::protect_self();
    stop::watch();
    let mut receipt = Receipt::default();
    let code = agent_role(&mut receipt);
    receipt.exit_code = code;
    receipt.duration_s = Some(started.elapsed().as_secs());
    receipt.outcome = outcome(code, &receipt).to_owned();
    write_receipt(&receipt);
    code
}

/// The agent's role from start to hand-off; fills in what the receipt reports as it goes.
fn agent_role(receipt: &mut Receipt) -> u8 {
    let env = match PodEnv::from_process() {
        Ok(env) => env,
        Err(message) => {
            log::fail(&message);
            return SANDBOX_FAILED;
        }
    };
    // A hand-made pod may still give this container a credential: never print one.
    log::protect(env.secret_values());
    let state_file = env.seed_dir.join(files::STATE);
    let Some(state) = handoff::wait_for(STATE_WAIT, stop::terminated, || {
        handoff::read_json::<SeedState>(&state_file)
    }) else {
        log::fail(
            "the credential holder never said the repository was ready; see `claude-sandbox logs JOB -c holder`",
        );
        return SANDBOX_FAILED;
    };
    let base = match (&state.base, &state.error) {
        (_, Some(e)) => {
            log::fail(e);
            return SANDBOX_FAILED;
        }
        (Some(b), None) => b.clone(),
        (None, None) => {
            log::fail("the credential holder gave no commit to start from");
            return SANDBOX_FAILED;
        }
    };
    // The decrypted project secrets are the agent's to use, never to show in the log.
    log::protect(state.project_env.iter().map(|(_, v)| v.clone()));
    let stop_at = stop_time(&env, state.started_at);
    let checkout = match git::clone_from_seed(&env, &base) {
        Ok(c) => c,
        Err(e) => {
            log::fail(&e);
            return hand_off(&env, SANDBOX_FAILED, false, receipt);
        }
    };
    if let Err(e) = services::wait_all(&env.services, env.service_timeout) {
        log::fail(&e);
        return hand_off(&env, SANDBOX_FAILED, false, receipt);
    }
    let prepared = match prepare::run(&checkout.dir, &env, &state.project_env) {
        Ok(p) => p,
        Err(failed) => {
            log::fail(&failed.message);
            return hand_off(&env, failed.exit_code, false, receipt);
        }
    };
    if stop::terminated() {
        say_stopped();
        return hand_off(&env, stop::TERMINATED_CODE, false, receipt);
    }
    let _ = handoff::write(&env.handoff_dir.join(files::SETUP_DONE), b"");
    let seen = env.seed_dir.join(files::SETUP_SEEN);
    handoff::wait_for(SETUP_SEEN_WAIT, stop::terminated, || {
        handoff::exists(&seen).then_some(())
    });
    let result = agent::run(&env, &checkout.dir, &state.project_env, &prepared, stop_at);
    if let Some(f) = &result.failure {
        log::fail(f);
    }
    receipt.turns = result.turns;
    receipt.cost_usd = result.cost_usd;
    receipt.input_tokens = result.input_tokens;
    receipt.output_tokens = result.output_tokens;
    receipt.cap = result.cap().map(str::to_owned);
    // Push even after a failed run: the pod's disk is gone once the Job ends, and half a fix on a
    // branch is worth more than nothing.
    hand_off(&env, result.exit_code, true, receipt)
}

/// The receipt's one-word verdict.
fn outcome(code: u8, receipt: &Receipt) -> &'static str {
    if receipt.cap.is_some() {
        "capped"
    } else if code == 0 {
        "succeeded"
    } else if stop::terminated() || code == stop::TERMINATED_CODE {
        "stopped"
    } else {
        "failed"
    }
}

/// Write the receipt where the kubelet takes the termination message from. The file the kubelet
/// mounts already exists; outside a pod there is none, and nothing is created in `/dev`.
fn write_receipt(receipt: &Receipt) {
    let (path, create) = match std::env::var(contract::env::RECEIPT) {
        Ok(p) if !p.is_empty() => (std::path::PathBuf::from(p), true),
        _ => (std::path::PathBuf::from(contract::RECEIPT_PATH), false),
    };
    let bytes = receipt.to_bytes();
    // Never a credential, even one a hand-made pod gave this container.
    let text = log::redact(&String::from_utf8_lossy(&bytes)).into_owned();
    let written = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .create(create)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
    if let Err(e) = written
        && (create || e.kind() != std::io::ErrorKind::NotFound)
    {
        log::warn(&format!(
            "could not write the receipt to {}: {e}",
            path.display()
        ));
    }
}

fn say_stopped() {
    log::say("the cluster is stopping this pod before the agent started; nothing to publish");
}

/// When the agent must stop so the holder can publish before the Job's deadline: the deadline
/// counted from the holder's start (the pod's earliest clock we know), less the publish reserve.
fn stop_time(env: &PodEnv, started_at: i64) -> Option<Instant> {
    let deadline = env.deadline?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let left = started_at + deadline.as_secs() as i64 - contract::PUBLISH_RESERVE_SECONDS - now;
    Some(Instant::now() + Duration::from_secs(left.max(0) as u64))
}

/// Tell the holder every process of the agent is gone, wait for its publish, relay its events
/// and end with the agent's code (or a failure when publishing failed after a clean run).
fn hand_off(env: &PodEnv, exit_code: u8, publish: bool, receipt: &mut Receipt) -> u8 {
    let done = env.handoff_dir.join(files::DONE);
    let figures = HandOff {
        exit_code,
        publish,
        turns: receipt.turns,
        cost_usd: receipt.cost_usd,
        input_tokens: receipt.input_tokens,
        output_tokens: receipt.output_tokens,
    };
    if let Err(e) = handoff::write_json(&done, &figures) {
        log::fail(&e);
        return SANDBOX_FAILED;
    }
    if !publish {
        return exit_code.max(1);
    }
    log::say("handing the work over to the credential holder to publish");
    let published_file = env.seed_dir.join(files::PUBLISHED);
    let Some(published) = handoff::wait_for(
        PUBLISH_WAIT,
        || false,
        || handoff::read_json::<Published>(&published_file),
    ) else {
        log::fail(
            "the credential holder did not publish the agent's work in time; see `claude-sandbox logs JOB -c holder`",
        );
        return if exit_code == 0 {
            SANDBOX_FAILED
        } else {
            exit_code
        };
    };
    for event in &published.events {
        log::line(&event.to_line());
        if let contract::SandboxEvent::Pushed {
            branch,
            commit,
            compare_url,
            ..
        } = event
        {
            receipt.branch.clone_from(branch);
            receipt.commit.clone_from(commit);
            receipt.compare_url.clone_from(compare_url);
        }
    }
    if let Some(url) = &published.pr_url {
        log::say(&format!("pull request: {url}"));
    }
    if let Some(e) = &published.pr_error {
        log::warn(&format!("no pull request: {e}"));
    }
    receipt.pr_url.clone_from(&published.pr_url);
    receipt.pr_error.clone_from(&published.pr_error);
    match (exit_code, published.failed) {
        (0, true) => SANDBOX_FAILED,
        (c, _) => c,
    }
}
