//! What the CLI and the pod agree on: container names, uids, volumes and their paths, the
//! environment variables the Job sets, the files the pod's two roles hand each other, and the JSON
//! events the pod prints for `logs` to render. Both sides import these names from here and nowhere
//! else, so a rename is one edit.
//!
//! The pod has two roles (see docs/pod.md): the agent's container runs project code and holds no
//! credential; the credential holder, a native sidecar with a uid of its own, clones, decrypts,
//! proxies the Anthropic API and publishes the agent's work.

use serde::{Deserialize, Serialize};

/// The agent's container: Claude Code and the project's own code run here.
pub const AGENT_CONTAINER: &str = "claude";
/// The credential holder: the only container that sees the secret, the age key and the token.
pub const HOLDER_CONTAINER: &str = "holder";

/// The agent's uid; the pod's default, and the group every container shares (fsGroup), so the
/// holder's files on shared volumes are readable by the agent and writable only by the holder.
pub const AGENT_UID: i64 = 1000;
pub const HOLDER_UID: i64 = 1001;
pub const POD_GID: i64 = 1000;

/// How each container starts: the image puts the binary on PATH under this name.
pub const BINARY: &str = "claude-sandbox";
pub const RUN_IN_POD: &str = "run-in-pod";
/// The roles `run-in-pod` takes as its first argument.
pub mod role {
    pub const AGENT: &str = "agent";
    pub const HOLDER: &str = "holder";
    /// The holder's startup probe: succeeds once the seed repository (or the reason there is
    /// none) is ready for the agent.
    pub const READY: &str = "ready";
}

/// Volumes: name, where it is mounted, and who may write it.
pub mod volume {
    /// The agent's work tree. The agent writes; the holder reads it as data when publishing.
    pub const WORKSPACE: &str = "workspace";
    pub const WORKSPACE_PATH: &str = "/workspace";
    /// What the holder gives the agent: the credential-free seed repository, the start state and
    /// the publish result. The holder writes; the agent mounts it read-only.
    pub const SEED: &str = "seed";
    pub const SEED_PATH: &str = "/seed";
    /// What the agent tells the holder: the hand-off markers. The agent writes; the holder
    /// mounts it read-only and treats every byte as untrusted.
    pub const HANDOFF: &str = "handoff";
    pub const HANDOFF_PATH: &str = "/handoff";
    /// The holder's private repository and home; mounted in the holder only.
    pub const HOLDER: &str = "holder-home";
    pub const HOLDER_PATH: &str = "/holder";
    /// Shared memory for browsers and test runners in the agent's container.
    pub const DSHM: &str = "dshm";
    pub const DSHM_PATH: &str = "/dev/shm";
    /// The age key for `.env.sops`; mounted in the holder only.
    pub const AGE_KEY: &str = "age-key";
    /// The Kubernetes secret behind that volume (optional: SOPS only).
    pub const AGE_KEY_SECRET: &str = "age-key";
    pub const AGE_KEY_PATH: &str = "/secrets";
    pub const AGE_KEY_FILE: &str = "/secrets/age-key";
    pub const PGDATA: &str = "pgdata";
    pub const REDISDATA: &str = "redisdata";
}

/// Files on the shared volumes.
pub mod files {
    /// In the seed volume: the bare repository the agent clones from.
    pub const SEED_REPO: &str = "repo.git";
    /// In the seed volume: [`super::SeedState`], written once the clone is done (or failed).
    pub const STATE: &str = "state.json";
    /// In the seed volume: [`super::Published`], the holder's answer to the agent's hand-off.
    pub const PUBLISHED: &str = "published.json";
    /// In the seed volume: the holder has taken its picture of the tree after the setup steps.
    pub const SETUP_SEEN: &str = "setup-seen";
    /// In the hand-off volume: the setup steps are done and the agent has not started yet.
    pub const SETUP_DONE: &str = "setup-done";
    /// In the hand-off volume: [`super::HandOff`], every process of the agent is gone.
    pub const DONE: &str = "done.json";
}

/// Where the agent's PID 1 writes its [`Receipt`]: the agent container's termination message,
/// which the kubelet copies into the pod's status, so it outlives the container and the volumes.
pub const RECEIPT_PATH: &str = "/dev/termination-log";
/// The kubelet reads at most 4096 bytes of a termination message; the receipt stays below it.
pub const MAX_RECEIPT_BYTES: usize = 4096;

/// The loopback port of the holder's Anthropic proxy.
pub const PROXY_PORT: u16 = 8765;
/// The Anthropic API the proxy forwards to unless configured otherwise.
pub const DEFAULT_ANTHROPIC_API: &str = "https://api.anthropic.com";
/// How long the pod keeps after SIGTERM to publish; the Job's `terminationGracePeriodSeconds`.
pub const GRACE_SECONDS: i64 = 300;
/// How long before the Job's deadline the agent is stopped, so publishing ends before it.
pub const PUBLISH_RESERVE_SECONDS: i64 = 180;
/// GitHub refuses files over 100 MB; such a file is left out of what is pushed.
pub const MAX_FILE_BYTES: u64 = 100 * 1000 * 1000;

/// Environment variables the Job sets.
pub mod env {
    pub const TASK: &str = "TASK";
    pub const REPO_URL: &str = "REPO_URL";
    pub const REPO_BRANCH: &str = "REPO_BRANCH";
    pub const REPO_COMMIT: &str = "REPO_COMMIT";
    pub const JOB: &str = "CLAUDE_SANDBOX_JOB";
    pub const DATABASE_URL: &str = "DATABASE_URL";
    pub const REDIS_URL: &str = "REDIS_URL";
    /// `agent_args` from the config as a JSON array, so no argument is split or joined.
    pub const AGENT_ARGS: &str = "CLAUDE_SANDBOX_AGENT_ARGS";
    /// Seconds from the pod's start to the Job's `activeDeadlineSeconds`.
    pub const DEADLINE: &str = "CLAUDE_SANDBOX_DEADLINE_SECONDS";
    pub const SERVICE_TIMEOUT: &str = "CLAUDE_SANDBOX_SERVICE_TIMEOUT";
    /// Where the proxy forwards to (a config key; tests point it at a loopback server).
    pub const ANTHROPIC_API: &str = "CLAUDE_SANDBOX_ANTHROPIC_API";
    pub const TELEGRAM_API: &str = "CLAUDE_SANDBOX_TELEGRAM_API";
    /// Set on the holder when the user asked for a pull request: `draft` or `ready`.
    pub const PULL_REQUEST: &str = "CLAUDE_SANDBOX_PULL_REQUEST";
    /// The GitHub REST API the holder opens the pull request through, with the GitHub token.
    pub const GITHUB_API: &str = "CLAUDE_SANDBOX_GITHUB_API";
    /// Paths of the volumes; the Job leaves them at their defaults, tests move them.
    pub const WORKDIR: &str = "CLAUDE_SANDBOX_WORKDIR";
    pub const SEED_DIR: &str = "CLAUDE_SANDBOX_SEED";
    pub const HANDOFF_DIR: &str = "CLAUDE_SANDBOX_HANDOFF";
    pub const HOLDER_DIR: &str = "CLAUDE_SANDBOX_HOLDER_DIR";
    pub const AGE_KEY: &str = "CLAUDE_SANDBOX_AGE_KEY";
    /// Where the receipt is written instead of [`super::RECEIPT_PATH`] (tests).
    pub const RECEIPT: &str = "CLAUDE_SANDBOX_RECEIPT";
    /// The proxy's loopback port (tests run several pods at once).
    pub const PROXY_PORT: &str = "CLAUDE_SANDBOX_PROXY_PORT";
    /// The per-job placeholder the agent holds instead of a credential; the holder knows it too.
    pub const PLACEHOLDER: &str = "CLAUDE_SANDBOX_PLACEHOLDER";
    /// What Claude Code reads: the proxy's address and the placeholder in the credential's place.
    pub const ANTHROPIC_BASE_URL: &str = "ANTHROPIC_BASE_URL";
    pub const ANTHROPIC_API_KEY: &str = "ANTHROPIC_API_KEY";
    pub const ANTHROPIC_AUTH_TOKEN: &str = "ANTHROPIC_AUTH_TOKEN";
    pub const CLAUDE_CODE_OAUTH_TOKEN: &str = "CLAUDE_CODE_OAUTH_TOKEN";
    pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
    pub const TELEGRAM_BOT_TOKEN: &str = "TELEGRAM_BOT_TOKEN";
    pub const TELEGRAM_CHAT_ID: &str = "TELEGRAM_CHAT_ID";

    /// Credentials: set in the holder only (from the secret), never printed.
    pub const SECRETS: &[&str] = &[
        GITHUB_TOKEN,
        CLAUDE_CODE_OAUTH_TOKEN,
        ANTHROPIC_API_KEY,
        TELEGRAM_BOT_TOKEN,
    ];

    /// Set by the tool on the agent; `--env` may not replace them.
    pub const RESERVED: &[&str] = &[
        TASK,
        REPO_URL,
        REPO_BRANCH,
        REPO_COMMIT,
        JOB,
        DATABASE_URL,
        REDIS_URL,
        DEADLINE,
        ANTHROPIC_BASE_URL,
        ANTHROPIC_API_KEY,
        ANTHROPIC_AUTH_TOKEN,
        CLAUDE_CODE_OAUTH_TOKEN,
        GITHUB_TOKEN,
        TELEGRAM_BOT_TOKEN,
        TELEGRAM_CHAT_ID,
    ];
}

/// Labels and annotations the tool owns; `list`/`clean` select by these.
pub mod keys {
    pub const APP: &str = "app";
    pub const NAME: &str = "app.kubernetes.io/name";
    pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
    pub const MANAGED_BY_VALUE: &str = "claude-sandbox-cli";
    pub const REPO: &str = "claude-sandbox/repo";
    pub const BRANCH: &str = "claude-sandbox/branch";
    pub const TASK: &str = "claude-sandbox/task";
    pub const REPO_URL: &str = "claude-sandbox/repo-url";
    pub const BRANCH_FULL: &str = "claude-sandbox/branch-name";
    pub const COMMIT: &str = "claude-sandbox/commit";
    pub const CLI_VERSION: &str = "claude-sandbox/cli-version";
    /// A uid made for each `remote`: a create whose answer was lost finds its job by name and
    /// knows it by this, rather than reporting a failure or taking a stranger's job for its own.
    pub const SUBMISSION: &str = "claude-sandbox/submission";
    /// The label selector that finds every job this tool made, and nothing else.
    pub const SELECTOR: &str = "app.kubernetes.io/managed-by=claude-sandbox-cli";
}

/// The holder's word to the agent once the clone is done: where to start, or why it cannot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedState {
    /// The commit the agent starts from; its work is everything after it.
    pub base: Option<String>,
    /// Why there is nothing to work on (the clone or the decryption failed).
    pub error: Option<String>,
    /// Seconds since the epoch when the holder started: the pod's clock for the deadline.
    pub started_at: i64,
    /// The decrypted `.env.sops` of this repository (never the key that decrypts it).
    #[serde(default)]
    pub project_env: Vec<(String, String)>,
}

/// The agent's word to the holder: every process of the agent is gone. Untrusted input.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HandOff {
    pub exit_code: u8,
    /// False when the setup steps failed: there is no work of the agent's to publish.
    pub publish: bool,
    /// The agent's own figures from its `result` line, for the pull request's description. Numbers
    /// only: nothing the agent writes reaches the holder's request as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
}

/// The holder's answer to the hand-off: the events to show, and whether publishing failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Published {
    pub events: Vec<SandboxEvent>,
    pub failed: bool,
    /// The pull request opened for the pushed branch, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_url: Option<String>,
    /// Why the pull request asked for was not opened; the push stands either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_error: Option<String>,
}

/// The JSON lines the pod prints about its own work, interleaved with the agent's stream-json.
/// On the wire: `{"type":"claude_sandbox","event":"pushed",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SandboxEvent {
    Pushed {
        #[serde(default)]
        branch: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commits: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compare_url: Option<String>,
        /// The commit pushed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commit: Option<String>,
    },
    PushFailed {
        #[serde(default)]
        branch: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    NoChanges,
    /// A file GitHub would refuse, left out of what was pushed.
    LeftOut {
        path: String,
        bytes: u64,
    },
}

/// What a job did, in a few hundred bytes: written by the agent's PID 1 once the holder has
/// published, into the agent container's termination message. A schema for scripts
/// (docs/guide.md): fields that do not apply are absent. Everything in it is agent-side data
/// (the agent's own `result` line, the holder's published events); it never holds a credential.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// `succeeded`, `failed`, `stopped` (cancel or deadline) or `capped` (a budget ended it).
    pub outcome: String,
    pub exit_code: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turns: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_url: Option<String>,
    /// Why the pull request asked for was not opened (the branch was pushed all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pr_error: Option<String>,
    /// The budget that ended the run (`max_turns`, `max_budget_usd`), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<String>,
}

/// Longest string field a receipt keeps; longer values are cut, so the whole stays under
/// [`MAX_RECEIPT_BYTES`] whatever the agent's side supplied.
const MAX_RECEIPT_FIELD: usize = 512;

impl Receipt {
    /// The receipt as one JSON object, cut to fit a termination message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bounded = self.clone();
        for field in [
            &mut bounded.branch,
            &mut bounded.commit,
            &mut bounded.compare_url,
            &mut bounded.pr_url,
            &mut bounded.pr_error,
            &mut bounded.cap,
        ] {
            if field.as_ref().is_some_and(|v| v.len() > MAX_RECEIPT_FIELD) {
                *field = None;
            }
        }
        bounded.outcome.truncate(64);
        let bytes = serde_json::to_vec(&bounded).unwrap_or_default();
        if bytes.len() <= MAX_RECEIPT_BYTES {
            bytes
        } else {
            serde_json::to_vec(&Receipt {
                outcome: bounded.outcome,
                exit_code: bounded.exit_code,
                ..Receipt::default()
            })
            .unwrap_or_default()
        }
    }

    /// The receipt in a termination message, when it is one (older images wrote none).
    pub fn parse(message: &str) -> Option<Receipt> {
        if message.len() > MAX_RECEIPT_BYTES {
            return None;
        }
        serde_json::from_str(message.trim()).ok()
    }
}

/// The value of the `type` field that marks a [`SandboxEvent`] line.
pub const EVENT_TYPE: &str = "claude_sandbox";

#[derive(Serialize, Deserialize)]
struct EventLine {
    #[serde(rename = "type")]
    kind: String,
    #[serde(flatten)]
    event: SandboxEvent,
}

impl SandboxEvent {
    /// One JSON line, as the pod prints it.
    pub fn to_line(&self) -> String {
        serde_json::to_string(&EventLine {
            kind: EVENT_TYPE.to_owned(),
            event: self.clone(),
        })
        .unwrap_or_default()
    }

    /// The event in a parsed line whose `type` is [`EVENT_TYPE`]; None for any other line or an
    /// event this version does not know.
    pub fn from_value(value: &serde_json::Value) -> Option<SandboxEvent> {
        if value.get("type").and_then(serde_json::Value::as_str) != Some(EVENT_TYPE) {
            return None;
        }
        serde_json::from_value::<EventLine>(value.clone())
            .ok()
            .map(|l| l.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_one_line() {
        for event in [
            SandboxEvent::Pushed {
                branch: Some("claude-sandbox/j".into()),
                base: Some("main".into()),
                commits: Some(2),
                compare_url: None,
                commit: None,
            },
            SandboxEvent::PushFailed {
                branch: Some("claude-sandbox/j".into()),
                error: Some("refused".into()),
            },
            SandboxEvent::NoChanges,
            SandboxEvent::LeftOut {
                path: "big.bin".into(),
                bytes: 150_000_000,
            },
        ] {
            let line = event.to_line();
            assert!(
                line.starts_with(r#"{"type":"claude_sandbox","event":""#),
                "{line}"
            );
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(SandboxEvent::from_value(&value), Some(event));
        }
        let future = serde_json::json!({"type": "claude_sandbox", "event": "future"});
        assert_eq!(SandboxEvent::from_value(&future), None);
    }

    #[test]
    fn a_receipt_fits_a_termination_message_whatever_it_holds() {
        let receipt = Receipt {
            outcome: "succeeded".into(),
            exit_code: 0,
            cost_usd: Some(0.5),
            branch: Some("b".repeat(10_000)),
            compare_url: Some("https://github.com/o/r/compare/main...x".into()),
            ..Receipt::default()
        };
        let bytes = receipt.to_bytes();
        assert!(bytes.len() <= MAX_RECEIPT_BYTES);
        let back = Receipt::parse(std::str::from_utf8(&bytes).unwrap()).unwrap();
        assert_eq!(back.branch, None);
        assert_eq!(back.compare_url, receipt.compare_url);
        assert_eq!(Receipt::parse("agent crashed"), None);
    }
}
