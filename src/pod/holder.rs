//! `run-in-pod holder`: the credential holder, a native sidecar with a uid of its own.
//!
//! It is the only process of the pod that sees the secret. It clones into the seed volume,
//! decrypts `.env.sops`, serves the Anthropic proxy, records the tree after the setup steps, and
//! publishes the agent's work once the agent's container has handed off (docs/pod.md).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use git2::Oid;

use super::env::{PodEnv, PullRequestEnv};
use super::git::Git;
use super::handoff;
use super::log::{self, say};
use super::proxy::{self, Credential};
use super::publish::{self, Private};
use super::pull_request;
use super::{SANDBOX_FAILED, Summary, agent::AgentResult, notify, sops, stop};
use crate::contract::{HandOff, Published, SeedState, env as var, files};

/// Longer than any job may run: the holder waits for the agent's hand-off until SIGTERM.
const FOREVER: Duration = Duration::from_secs(60 * 60 * 24 * 7);

pub fn run() -> u8 {
    stop::watch();
    let env = match PodEnv::from_process() {
        Ok(env) => env,
        Err(message) => {
            log::fail(&message);
            // Tell the agent, so the pod ends instead of waiting for a clone that never comes.
            let state = SeedState {
                base: None,
                error: Some(message),
                started_at: 0,
                project_env: Vec::new(),
            };
            let _ = handoff::write_json(&seed_dir().join(files::STATE), &state);
            handoff::wait_for(FOREVER, stop::terminated, || None::<()>);
            return SANDBOX_FAILED;
        }
    };
    log::protect(env.secret_values());
    // A restarted holder (the kubelet restarts a sidecar that exits) must not publish twice.
    if handoff::exists(&env.seed_dir.join(files::PUBLISHED)) {
        say("the agent's work was already published; waiting for the pod to end");
        handoff::wait_for(FOREVER, stop::terminated, || None::<()>);
        return 0;
    }
    // The holder's libgit2 reads no config file but the ones of repositories it made itself.
    for level in [
        git2::ConfigLevel::System,
        git2::ConfigLevel::XDG,
        git2::ConfigLevel::Global,
        git2::ConfigLevel::ProgramData,
    ] {
        // SAFETY: called before any other libgit2 use in this process, from one thread.
        unsafe {
            let _ = git2::opts::set_search_path(level, "");
        }
    }
    let started = Instant::now();
    let (code, summary) = serve(&env);
    if let Some(telegram) = &env.telegram {
        notify::send(telegram, &env, &summary, code, started.elapsed());
    }
    // A native sidecar that exits is restarted; the kubelet ends it once the agent has exited.
    handoff::wait_for(FOREVER, stop::terminated, || None::<()>);
    code
}

fn serve(env: &PodEnv) -> (u8, Summary) {
    let mut summary = Summary::default();
    let started_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if let Some(credential) = credential()
        && let Err(e) = proxy::start(env.proxy_port, &env.anthropic_api, credential)
    {
        return fail_start(env, summary, started_at, e);
    }
    let git = Git::new();
    let base = match git.clone_seed(env) {
        Ok(b) => b,
        Err(e) => return fail_start(env, summary, started_at, e),
    };
    let project_env = match sops::decrypt(env, &base) {
        Ok(vars) => vars,
        Err(e) => return fail_start(env, summary, started_at, e),
    };
    let private = match Private::create(env, &base) {
        Ok(p) => p,
        Err(e) => return fail_start(env, summary, started_at, e),
    };
    let state = SeedState {
        base: Some(base),
        error: None,
        started_at,
        project_env,
    };
    if let Err(e) = handoff::write_json(&env.seed_dir.join(files::STATE), &state) {
        return fail_start(env, summary, started_at, e);
    }
    say("the seed repository is ready for the agent");

    let setup_done = env.handoff_dir.join(files::SETUP_DONE);
    let done = env.handoff_dir.join(files::DONE);
    let mut setup_tree: Option<Oid> = None;
    let mut stopped_at = None;
    let mut gave_up = || gave_up_on_hand_off(&mut stopped_at);
    let first = handoff::wait_for(FOREVER, &mut gave_up, || {
        if handoff::exists(&done) {
            Some(false)
        } else if handoff::exists(&setup_done) {
            Some(true)
        } else {
            None
        }
    });
    if first == Some(true) {
        let mut ignored = Vec::new();
        let base_tree = private
            .repo
            .find_commit(private.base)
            .map(|c| c.tree_id())
            .ok();
        setup_tree = base_tree.and_then(|t| private.snapshot(t, &mut ignored).ok());
        let _ = handoff::write(&env.seed_dir.join(files::SETUP_SEEN), b"");
        handoff::wait_for(FOREVER, &mut gave_up, || {
            handoff::exists(&done).then_some(())
        });
    }
    // Untrusted: a missing or malformed hand-off (the agent's container died, or lied) still
    // publishes what is there; its exit code only colours the notification.
    let hand_off: HandOff = handoff::read_json(&done).unwrap_or(HandOff {
        exit_code: SANDBOX_FAILED,
        publish: true,
        ..HandOff::default()
    });
    summary.agent_result = Some(AgentResult {
        exit_code: hand_off.exit_code,
        ..AgentResult::default()
    });
    if !hand_off.publish {
        summary.failure = Some("the setup steps failed".to_owned());
        let _ = handoff::write_json(&env.seed_dir.join(files::PUBLISHED), &Published::default());
        return (hand_off.exit_code.max(1), summary);
    }
    let mut published = Published::default();
    match publish::publish(&git, env, &private, setup_tree) {
        Ok((pushed, events)) => {
            published.events = events;
            if let Some(pr) = &env.pull_request {
                let opened = match &pushed {
                    publish::Published::Pushed {
                        branch, commits, ..
                    } => {
                        let wanted = pull_request::wanted(env, pr, branch, *commits, &hand_off);
                        open_pull_request(pr, &wanted).map_err(|e| {
                            log::warn(&format!(
                                "no pull request: {e}; the branch {branch} is pushed all the same"
                            ));
                            e
                        })
                    }
                    publish::Published::NoChanges => {
                        Err("the agent made no changes, so there is nothing to review".to_owned())
                    }
                };
                match opened {
                    Ok(url) => {
                        say(&format!("opened the pull request {url}"));
                        published.pr_url = Some(url);
                    }
                    Err(e) => published.pr_error = Some(e),
                }
            }
            summary.published = Some(pushed);
        }
        Err(e) => {
            log::fail(&e);
            summary.failure = Some(e.clone());
            published.failed = true;
            if env.pull_request.is_some() {
                published.pr_error = Some("nothing was pushed to open it for".to_owned());
            }
        }
    }
    summary.pr_url.clone_from(&published.pr_url);
    let failed = published.failed;
    if let Err(e) = handoff::write_json(&env.seed_dir.join(files::PUBLISHED), &published) {
        log::fail(&e);
    }
    let code = match (hand_off.exit_code, failed) {
        (0, false) => 0,
        (0, true) => SANDBOX_FAILED,
        (c, _) => c,
    };
    if code != 0 && summary.failure.is_none() {
        summary.failure = Some(format!("the agent exited with code {}", hand_off.exit_code));
    }
    (code, summary)
}

/// The pull request, with the token of the secret; the push it follows stands whatever happens.
/// Whether to stop waiting for the agent's hand-off and publish what is there. A SIGTERM alone
/// is no reason: when the pod is deleted every container may get it at once (a kubelet that does
/// not stop sidecars last), and the agent's PID 1 is then still stopping its processes; a tree
/// taken before its hand-off could still be written. Only once it has had its time to hand off
/// is it taken as gone.
fn gave_up_on_hand_off(stopped_at: &mut Option<Instant>) -> bool {
    if !stop::terminated() {
        return false;
    }
    stopped_at.get_or_insert_with(Instant::now).elapsed() >= stop::HAND_OFF_AFTER_STOP
}

fn open_pull_request(pr: &PullRequestEnv, wanted: &pull_request::Wanted) -> Result<String, String> {
    let token = std::env::var(var::GITHUB_TOKEN)
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            format!(
                "the credentials secret has no {} to open it with",
                var::GITHUB_TOKEN
            )
        })?;
    say(&format!(
        "opening a {}pull request from {} into {}",
        if wanted.draft { "draft " } else { "" },
        wanted.head,
        wanted.base
    ));
    pull_request::open(pr, wanted, &token)
}

/// The agent is told why there is nothing to work on, so the pod ends instead of waiting.
fn fail_start(
    env: &PodEnv,
    mut summary: Summary,
    started_at: i64,
    message: String,
) -> (u8, Summary) {
    log::fail(&message);
    let state = SeedState {
        base: None,
        error: Some(message.clone()),
        started_at,
        project_env: Vec::new(),
    };
    let _ = handoff::write_json(&env.seed_dir.join(files::STATE), &state);
    summary.failure = Some(message);
    (SANDBOX_FAILED, summary)
}

/// The Anthropic credential of the secret: an API key when there is one, else the OAuth token.
fn credential() -> Option<Credential> {
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    set(var::ANTHROPIC_API_KEY)
        .map(Credential::ApiKey)
        .or_else(|| set(var::CLAUDE_CODE_OAUTH_TOKEN).map(Credential::OAuth))
}

/// The startup probe: ready once the seed (or the reason there is none) is written.
pub fn ready() -> u8 {
    if handoff::exists(&seed_dir().join(files::STATE)) {
        0
    } else {
        1
    }
}

fn seed_dir() -> std::path::PathBuf {
    std::env::var_os(var::SEED_DIR)
        .filter(|d| !d.is_empty())
        .map_or_else(
            || crate::contract::volume::SEED_PATH.into(),
            std::path::PathBuf::from,
        )
}
