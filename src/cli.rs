//! The command-line shape: every flag is documented where it is defined, and that text is the help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cluster::jobs::JobState;
use crate::plan::{ServiceChoice, parse_services};
use crate::units::{self, ResourceSpec};

const EXAMPLES: &str = "\
Examples:
  claude-sandbox remote \"fix the flaky checkout spec\"   submit, print the job name, return
  claude-sandbox remote -f \"upgrade rails to 8\"          submit and follow until it ends
  claude-sandbox remote --dry-run \"…\"                    print the Job; no cluster needed
  claude-sandbox local \"fix the flaky checkout spec\"    the same pod on this machine, with podman
  claude-sandbox detect                                  what remote would use for this repository
  claude-sandbox completions zsh > ~/.zfunc/_claude-sandbox

Exit codes: 0 success, 1 error, 2 usage error, 3 the job failed, 124 --timeout expired.";

/// Run an autonomous Claude Code agent on your repository, as a Kubernetes Job.
///
/// claude-sandbox reads the repository URL, branch and commit from the git checkout you stand in,
/// detects the PostgreSQL and Redis services the project needs, and submits one Job that clones the
/// branch and runs the agent with those services as sidecars.
#[derive(Debug, Parser)]
#[command(name = "claude-sandbox", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The file name under which kubectl runs us as its plugin: kubectl maps `kubectl claude-sandbox`
/// to `kubectl-claude_sandbox` on the PATH (a dash in a plugin's name is an underscore in its file).
pub const KUBECTL_PLUGIN_FILE: &str = "kubectl-claude_sandbox";

/// How people type the command when it runs as kubectl's plugin.
pub const KUBECTL_PLUGIN_NAME: &str = "kubectl claude-sandbox";

/// The command line of this process. Run as kubectl's plugin, usage, help and error messages
/// name the command as the user typed it, `kubectl claude-sandbox …`.
pub fn parse() -> Cli {
    let program = std::env::args_os().next().unwrap_or_default();
    let as_plugin = std::path::Path::new(&program)
        .file_name()
        .is_some_and(|n| n == KUBECTL_PLUGIN_FILE);
    if !as_plugin {
        return Cli::parse();
    }
    let mut cmd = as_kubectl_plugin(<Cli as clap::CommandFactory>::command());
    let matches = cmd.clone().get_matches();
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
        .unwrap_or_else(|e| e.format(&mut cmd).exit())
}

/// The command renamed for kubectl's plugin: its usage lines and its examples.
pub fn as_kubectl_plugin(cmd: clap::Command) -> clap::Command {
    fn examples(cmd: clap::Command) -> clap::Command {
        let cmd = match cmd.get_after_help() {
            Some(text) => {
                let text = as_plugin_text(&text.to_string());
                cmd.after_help(text)
            }
            None => cmd,
        };
        cmd.mut_subcommands(examples)
    }
    examples(cmd.bin_name(KUBECTL_PLUGIN_NAME))
}

/// `claude-sandbox CMD` as the plugin's `kubectl claude-sandbox CMD`, wherever the name stands
/// as a command (not inside a path such as `~/.zfunc/_claude-sandbox`).
fn as_plugin_text(text: &str) -> String {
    const NAME: &str = "claude-sandbox ";
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find(NAME) {
        let before = rest[..at].chars().next_back();
        let in_a_word = before.is_some_and(|c| c.is_alphanumeric() || "_/.-~".contains(c));
        out.push_str(&rest[..at]);
        if !in_a_word {
            out.push_str("kubectl ");
        }
        out.push_str(NAME);
        rest = &rest[at + NAME.len()..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Kubernetes context to use (default: the kubeconfig's current context)
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "CLAUDE_SANDBOX_CONTEXT"
    )]
    pub context: Option<String>,

    /// Namespace for jobs (default: the context's namespace, then "default")
    #[arg(
        short = 'n',
        long,
        global = true,
        value_name = "NS",
        env = "CLAUDE_SANDBOX_NAMESPACE"
    )]
    pub namespace: Option<String>,

    /// Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Run as if started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// Print only results and errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say more about what is happening (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Submit a task as a Kubernetes Job (detect, render, submit)
    #[command(after_help = REMOTE_EXAMPLES)]
    Remote(Box<RemoteArgs>),
    /// Show what `remote` would use: repository, branch, commit, services and image
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// Follow the agent's output of a job (default: the newest job of this repository)
    #[command(after_help = LOGS_EXAMPLES)]
    Logs(LogsArgs),
    /// List the jobs made by claude-sandbox
    #[command(after_help = LIST_EXAMPLES)]
    List(ListArgs),
    /// Show one job in depth: containers, sidecars, warnings, and what to do next
    Status(StatusArgs),
    /// Delete running jobs and their pods
    Cancel(CancelArgs),
    /// Delete finished jobs made by claude-sandbox
    #[command(after_help = CLEAN_EXAMPLES)]
    Clean(CleanArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Create or update the credentials secret (hidden prompts on a terminal, else the environment)
    #[command(after_help = SETUP_EXAMPLES)]
    Setup(SetupArgs),
    /// Check everything a job needs: kubeconfig, cluster, permissions, the credentials secret
    #[command(
        after_help = "Examples:\n  claude-sandbox doctor\n  claude-sandbox doctor -o json | jq '.[] | select(.ok | not)'"
    )]
    Doctor(DoctorArgs),
    /// Show the effective settings and where each comes from, or the config file paths
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Build the agent image, or push it, with the container engine on this machine
    #[command(subcommand)]
    Image(ImageCommand),
    /// Show a job's changes against the commit it started from (fetched with your own git)
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Fetch a job's branch and switch to it, or open it in a new worktree
    #[command(after_help = CHECKOUT_EXAMPLES)]
    Checkout(CheckoutArgs),
    /// Print the manual page, or write one page per command into a directory
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
    /// Run a task on this machine with Podman or Docker: the same pod `remote` would submit, followed to its end
    #[command(after_help = LOCAL_EXAMPLES)]
    Local(Box<LocalArgs>),
}

const MAN_EXAMPLES: &str = "\
Examples:
  claude-sandbox man | man -l -
  claude-sandbox man --dir ~/.local/share/man/man1   then `man claude-sandbox-logs`";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write claude-sandbox.1 and a page per command (claude-sandbox-logs.1, …) into DIR and
    /// print their paths
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build image/Dockerfile from claude-sandbox's source, tagged for this repository by default
    #[command(after_help = IMAGE_BUILD_EXAMPLES)]
    Build(ImageBuildArgs),
    /// Push the image to its registry and print the config line that makes jobs use it
    #[command(after_help = IMAGE_PUSH_EXAMPLES)]
    Push(ImagePushArgs),
}

const IMAGE_BUILD_EXAMPLES: &str = "\
Examples:
  claude-sandbox image build                          tag and Ruby as `remote` would pick them
  claude-sandbox image build --ruby 3.3 --node 22
  claude-sandbox image build --with-agents -t registry.example.com/me/sandbox:mine
  CLAUDE_SANDBOX_ENGINE=docker claude-sandbox image build

The engine is podman, else docker, else buildah; CLAUDE_SANDBOX_ENGINE names another.";

const IMAGE_PUSH_EXAMPLES: &str = "\
Examples:
  claude-sandbox image push -t registry.example.com/me/sandbox:mine
  claude-sandbox image push -o json | jq -r .image";

/// Which image `image build` and `image push` work on.
#[derive(Debug, Args)]
pub struct ImageTagArgs {
    /// Image name and tag [default: the image `remote` would use for this repository]
    #[arg(short, long, value_name = "IMAGE")]
    pub tag: Option<String>,

    /// Output format (json: the image and the engine, for scripts)
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text, value_name = "FORMAT")]
    pub output: TextOrJson,
}

#[derive(Debug, Args)]
pub struct ImageBuildArgs {
    #[command(flatten)]
    pub image: ImageTagArgs,

    /// Ruby version of the image's base [default: the repository's, else the Dockerfile's]
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub ruby: Option<String>,

    /// Node.js major version [default: the Dockerfile's]
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub node: Option<String>,

    /// Bake your ~/.claude/agents and ~/.claude/commands into the image
    #[arg(long)]
    pub with_agents: bool,

    /// The claude-sandbox source tree to build [default: the one this binary was built from]
    #[arg(long, value_name = "DIR", env = "CLAUDE_SANDBOX_SOURCE")]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImagePushArgs {
    #[command(flatten)]
    pub image: ImageTagArgs,
}

/// A version as image tags and build arguments take it: digits and dots, like 3.3 or 24.
fn parse_version(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("'{s}' is not a version like 3.3 or 24"))
    }
}

const DIFF_EXAMPLES: &str = "\
Examples:
  claude-sandbox diff                          the newest job of this repository
  claude-sandbox diff JOB --stat               files changed, with counts
  claude-sandbox diff JOB --name-only | xargs -r $EDITOR";

const CHECKOUT_EXAMPLES: &str = "\
Examples:
  claude-sandbox checkout                      switch to the newest job's branch
  claude-sandbox checkout JOB --worktree ../review   leave this work tree as it is";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The job (default: the newest job of this repository, else the newest job)
    #[arg(value_name = "JOB")]
    pub job: Option<String>,

    /// Only the files changed and how much (git diff --stat)
    #[arg(long, conflicts_with = "name_only")]
    pub stat: bool,

    /// Only the names of the files changed
    #[arg(long)]
    pub name_only: bool,
}

#[derive(Debug, Args)]
pub struct CheckoutArgs {
    /// The job (default: the newest job of this repository, else the newest job)
    #[arg(value_name = "JOB")]
    pub job: Option<String>,

    /// Check the branch out in a new worktree at DIR instead of switching this one
    #[arg(long, value_name = "DIR")]
    pub worktree: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// The effective value of every setting and its source (flag, environment, file, default)
    Show(ConfigShowArgs),
    /// Where the user and repository config files are (whether or not they exist)
    Path,
}

#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Output format (json: each key's value and source, for scripts)
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text, value_name = "FORMAT")]
    pub output: TextOrJson,
}

const REMOTE_EXAMPLES: &str = "\
Examples:
  claude-sandbox remote \"fix the flaky checkout spec\"
  claude-sandbox remote -f \"upgrade rails to 8\"
  JOB=$(claude-sandbox remote -o name \"bump dependencies\")
  claude-sandbox remote --wait --timeout 30m \"make the linter pass\"
  claude-sandbox remote --task-file TASK.md --services postgres
  git log -1 --format=%B | claude-sandbox remote --task-file -
  claude-sandbox remote --dry-run -o json -- \"-v is broken\"
  claude-sandbox remote --max-turns 40 --max-budget-usd 5 \"port the importer to the new API\"
  claude-sandbox remote --pr \"fix the flaky test\"
  claude-sandbox remote --queue team-a --wait \"fix the flaky spec\"   waits for Kueue, then the job";

const LOGS_EXAMPLES: &str = "\
Examples:
  claude-sandbox logs                          newest job of this repository
  claude-sandbox logs JOB --raw | jq .         the stream-json lines as they are
  claude-sandbox logs JOB -c postgres          a sidecar's log
  claude-sandbox logs JOB --no-follow          what there is so far";

const LIST_EXAMPLES: &str = "\
Examples:
  claude-sandbox list
  claude-sandbox list --repo . --status running -o json
  claude-sandbox list -o wide                  what each run cost and pushed
  claude-sandbox list --status queued          jobs waiting for Kueue to admit them
  claude-sandbox list -o name | xargs claude-sandbox cancel";

const CLEAN_EXAMPLES: &str = "\
Examples:
  claude-sandbox clean                         every finished job
  claude-sandbox clean --failed --older-than 2h --dry-run
  claude-sandbox clean --all --yes             running jobs too";

const SETUP_EXAMPLES: &str = "\
Examples:
  claude-sandbox setup                              hidden prompts; keeps keys you leave empty
  GITHUB_TOKEN=… CLAUDE_CODE_OAUTH_TOKEN=… claude-sandbox setup --from-env
  claude-sandbox setup --from-env --dry-run         the secret as it would be, values redacted
  claude-sandbox setup --network-policy             also limit sandbox pods to DNS, 443 and 22";

const DETECT_EXAMPLES: &str = "\
Examples:
  claude-sandbox detect
  claude-sandbox detect -o json | jq -r '.services[].name'
  claude-sandbox -C ~/src/app detect";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  claude-sandbox completions bash > ~/.local/share/bash-completion/completions/claude-sandbox
  claude-sandbox completions zsh > ~/.zfunc/_claude-sandbox
  claude-sandbox completions fish > ~/.config/fish/completions/claude-sandbox.fish

In bash, zsh and fish, TAB where a job name goes (logs, status, cancel, diff, checkout) offers
the cluster's recent jobs, or the ones whose logs this machine kept when it does not answer.";

/// What decides the job's source and services; shared by `remote` and `detect` so `detect` shows
/// exactly what `remote` would use with the same flags.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Branch the job clones (default: the current branch; required on a detached HEAD)
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Repository URL the job clones (default: the origin remote, as an https URL)
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,

    /// Services to run beside the agent: auto (detect), none, or a list like postgres,redis
    #[arg(long, value_name = "auto|none|LIST", value_parser = parse_services, env = "CLAUDE_SANDBOX_SERVICES")]
    pub services: Option<ServiceChoice>,

    /// Container image for the agent [env: CLAUDE_SANDBOX_IMAGE, CLAUDE_IMAGE]
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
}

#[derive(Debug, Args)]
pub struct RemoteArgs {
    #[command(flatten)]
    pub task: TaskArgs,

    /// Print the Job instead of submitting it (needs no cluster)
    #[arg(long)]
    pub dry_run: bool,

    /// Output: yaml or json (the Job as submitted, or as it would be with --dry-run), name (only the job name)
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<RemoteOutput>,

    /// Follow the agent's output until the job ends; exit with its result
    #[arg(short, long, conflicts_with_all = ["wait", "dry_run"])]
    pub follow: bool,

    /// Wait silently until the job ends; exit with its result
    #[arg(long, conflicts_with = "dry_run")]
    pub wait: bool,

    /// Stop waiting after this long (exit 124); the job keeps running
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub timeout: Option<Duration>,

    /// With --follow: print the agent's stream-json lines as they are
    #[arg(long, requires = "follow")]
    pub raw: bool,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub agent: AgentArgs,

    /// Secret with the agent's credentials [default: claude-sandbox-secrets]
    #[arg(long, value_name = "NAME", env = "CLAUDE_SANDBOX_SECRET")]
    pub secret: Option<String>,

    /// Delete the finished job after this long [default: 1h]
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub ttl: Option<Duration>,

    /// Open a pull request for the pushed branch against the branch the job started from
    /// (config: pr); a draft unless --no-draft. The receipt has its address, or why not
    #[arg(long)]
    pub pr: bool,

    /// With --pr: open the pull request ready for review instead of as a draft (config: pr_draft)
    #[arg(long)]
    pub no_draft: bool,
    /// Wait in this Kueue LocalQueue until Kueue admits the job (config: queue; "" for none)
    #[arg(long, value_name = "NAME", env = "CLAUDE_SANDBOX_QUEUE")]
    pub queue: Option<String>,
}

const LOCAL_EXAMPLES: &str = "\
Examples:
  claude-sandbox local \"fix the flaky checkout spec\"
  claude-sandbox local --keep \"why does the import fail?\"   keep the stopped pod to inspect
  claude-sandbox local --credentials ~/.config/claude-sandbox/credentials \"bump rubocop\"
  claude-sandbox local --dry-run \"…\"                        the pod podman would run, as YAML
  CLAUDE_SANDBOX_ENGINE=docker claude-sandbox local --dry-run \"…\"   docker's commands instead
  claude-sandbox local -o json \"make the linter pass\" | jq .outcome

Credentials: GITHUB_TOKEN and CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY (TELEGRAM_BOT_TOKEN and
TELEGRAM_CHAT_ID optional), from --credentials FILE (KEY=VALUE lines), else the environment. Only
the credential holder's container gets them; never the agent's.

Exit codes: 0 the agent succeeded, 1 error, 2 usage error, 3 the agent failed, 124 --timeout
expired, 130 interrupted. The pod and its volumes are removed at the end (stopped and kept with
--keep), also after Ctrl-C.

The engine is podman, else docker (which runs the pod's containers one by one in the holder's
network); CLAUDE_SANDBOX_ENGINE names one.";

#[derive(Debug, Args)]
pub struct LocalArgs {
    #[command(flatten)]
    pub task: TaskArgs,

    /// Print what the engine would run (podman: the pod as YAML; docker: its commands) and run nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Output: with --dry-run the pod as yaml or json; after a run, json prints the receipt
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<LocalOutput>,

    /// Print the agent's stream-json lines as they are
    #[arg(long)]
    pub raw: bool,

    /// Stop the run after this long (exit 124); the pod is removed (kept with --keep)
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration, conflicts_with = "dry_run")]
    pub timeout: Option<Duration>,

    /// Leave the pod (stopped) and its volumes for inspection instead of removing them
    #[arg(long, conflicts_with = "dry_run")]
    pub keep: bool,

    /// The engine's network the pod joins [default: the engine's]; `host` shares this machine's
    /// network with the agent, only for a git host that listens on this machine alone
    #[arg(long, value_name = "NAME", conflicts_with = "dry_run")]
    pub network: Option<String>,

    /// Read the credentials from FILE (KEY=VALUE lines) before the environment
    #[arg(long, value_name = "FILE", env = "CLAUDE_SANDBOX_CREDENTIALS")]
    pub credentials: Option<PathBuf>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub agent: AgentArgs,
}

/// The task, as an argument or from a file: the same for `remote` and `local`.
#[derive(Debug, Args)]
pub struct TaskArgs {
    /// What the agent should do (use -- before a task that starts with '-')
    #[arg(
        value_name = "TASK",
        required_unless_present = "task_file",
        conflicts_with = "task_file"
    )]
    pub task: Option<String>,

    /// Read the task from FILE ('-' for stdin)
    #[arg(long, value_name = "FILE")]
    pub task_file: Option<PathBuf>,
}

/// What the agent gets and how long it may go on: the same for `remote` and `local`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]
    #[arg(long, value_name = "QTY", value_parser = units::parse_resource)]
    pub cpu: Option<ResourceSpec>,

    /// Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]
    #[arg(long, value_name = "QTY", value_parser = units::parse_resource)]
    pub memory: Option<ResourceSpec>,

    /// Extra environment variable for the agent (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = units::parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Stop the job if it runs longer than this [default: 4h]
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub deadline: Option<Duration>,

    /// Stop the agent after N turns (config: max_turns); the receipt says when it did
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,

    /// Stop the agent once it has spent this many US dollars (config: max_budget_usd)
    #[arg(long, value_name = "DOLLARS")]
    pub max_budget_usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LocalOutput {
    Yaml,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemoteOutput {
    Yaml,
    Json,
    Name,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text, value_name = "FORMAT")]
    pub output: TextOrJson,

    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The job (default: the newest job of this repository, else the newest job)
    #[arg(value_name = "JOB")]
    pub job: Option<String>,

    /// Print what there is and return instead of following
    #[arg(long)]
    pub no_follow: bool,

    /// Print the stream-json lines as they are (the default when stdout is not a terminal)
    #[arg(long)]
    pub raw: bool,

    /// Container to read [default: claude]; e.g. postgres or redis for a sidecar
    #[arg(short = 'c', long, value_name = "CONTAINER")]
    pub container: Option<String>,
}

/// `list --status`: the job states by the names users type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Queued,
    Pending,
    Running,
    Succeeded,
    Failed,
}

impl From<StatusFilter> for JobState {
    fn from(s: StatusFilter) -> Self {
        match s {
            StatusFilter::Queued => JobState::Queued,
            StatusFilter::Pending => JobState::Pending,
            StatusFilter::Running => JobState::Running,
            StatusFilter::Succeeded => JobState::Succeeded,
            StatusFilter::Failed => JobState::Failed,
        }
    }
}

/// `--color`: when to colour what is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only jobs of this repository URL ('.' for the repository you are in)
    #[arg(long, value_name = "URL|.")]
    pub repo: Option<String>,

    /// Only jobs of this branch
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Only jobs in this state
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusFilter>,

    /// Output format
    #[arg(short, long, value_enum, default_value_t = ListOutput::Table, value_name = "FORMAT")]
    pub output: ListOutput,

    /// List the logs saved on this machine instead (they outlive the jobs; no cluster needed)
    #[arg(long, conflicts_with_all = ["repo", "branch", "status"])]
    pub archived: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListOutput {
    Table,
    Wide,
    Json,
    Name,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The job
    #[arg(value_name = "JOB")]
    pub job: String,
}

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The jobs to delete, with their pods
    #[arg(value_name = "JOB", required = true)]
    pub jobs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Only failed jobs
    #[arg(long)]
    pub failed: bool,

    /// Only succeeded jobs
    #[arg(long)]
    pub succeeded: bool,

    /// Only jobs that ended (or, with --all, started) longer ago than this
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub older_than: Option<Duration>,

    /// Also delete jobs that are still running (asks first; --yes when not at a terminal)
    #[arg(long, conflicts_with_all = ["failed", "succeeded"])]
    pub all: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    /// Show what would be deleted and delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Name of the secret [default: claude-sandbox-secrets]
    #[arg(long, value_name = "NAME", env = "CLAUDE_SANDBOX_SECRET")]
    pub secret: Option<String>,

    /// Take the values from GITHUB_TOKEN, CLAUDE_CODE_OAUTH_TOKEN / ANTHROPIC_API_KEY,
    /// TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID (the default when not at a terminal)
    #[arg(long)]
    pub from_env: bool,

    /// Show the secret that would be written, values redacted, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also apply a NetworkPolicy: no ingress; egress only to cluster DNS and public HTTPS
    #[arg(long)]
    pub network_policy: bool,

    /// Record a registry secret for pulling images in your config (image_pull_secrets)
    #[arg(long, value_name = "NAME")]
    pub image_pull_secret: Option<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = TextOrJson::Text, value_name = "FORMAT")]
    pub output: TextOrJson,

    /// The credentials secret to check [default: claude-sandbox-secrets]
    #[arg(long, value_name = "NAME", env = "CLAUDE_SANDBOX_SECRET")]
    pub secret: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Service;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn as_kubectl_s_plugin_the_examples_name_the_plugin() {
        let text = as_plugin_text(
            "  claude-sandbox logs JOB\n  JOB=$(claude-sandbox remote -o name \"x\")\n  claude-sandbox completions zsh > ~/.zfunc/_claude-sandbox\n  list -o name | xargs claude-sandbox cancel",
        );
        assert_eq!(
            text,
            "  kubectl claude-sandbox logs JOB\n  JOB=$(kubectl claude-sandbox remote -o name \"x\")\n  kubectl claude-sandbox completions zsh > ~/.zfunc/_claude-sandbox\n  list -o name | xargs kubectl claude-sandbox cancel"
        );
        let mut cmd = as_kubectl_plugin(Cli::command());
        let help = cmd.render_help().to_string();
        assert!(
            help.contains("Usage: kubectl claude-sandbox [OPTIONS] <COMMAND>"),
            "{help}"
        );
        assert!(!help.contains("\n  claude-sandbox "), "{help}");
        cmd.build();
        let logs = cmd
            .find_subcommand_mut("logs")
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            logs.contains("Usage: kubectl claude-sandbox logs"),
            "{logs}"
        );
        assert!(
            logs.contains("  kubectl claude-sandbox logs JOB --raw"),
            "{logs}"
        );
    }

    #[test]
    fn services_parse_lists_and_keywords() {
        assert_eq!(parse_services("auto"), Ok(ServiceChoice::Auto));
        assert_eq!(parse_services("none"), Ok(ServiceChoice::None));
        assert_eq!(
            parse_services("redis, postgres,redis"),
            Ok(ServiceChoice::List(vec![Service::Postgres, Service::Redis]))
        );
        assert!(parse_services("mysql").unwrap_err().contains("mysql"));
    }
}
