//! The command-line shape: every flag is documented where it is defined, and that text is the help.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::detect::Service;
use crate::output::ColorChoice;
use crate::units::{self, ResourceSpec};

const EXAMPLES: &str = "\
Examples:
  claude-sandbox remote \"fix the flaky checkout spec\"   submit, print the job name, return
  claude-sandbox remote -f \"upgrade rails to 8\"          submit and follow until it ends
  claude-sandbox remote --dry-run \"…\"                    print the Job; no cluster needed
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
    Remote(RemoteArgs),
    /// Show what `remote` would use: repository, branch, commit, services and image
    #[command(after_help = DETECT_EXAMPLES)]
    Detect(DetectArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
}

const REMOTE_EXAMPLES: &str = "\
Examples:
  claude-sandbox remote \"fix the flaky checkout spec\"
  claude-sandbox remote -f \"upgrade rails to 8\"
  JOB=$(claude-sandbox remote -o name \"bump dependencies\")
  claude-sandbox remote --wait --timeout 30m \"make the linter pass\"
  claude-sandbox remote --task-file TASK.md --services postgres
  git log -1 --format=%B | claude-sandbox remote --task-file -
  claude-sandbox remote --dry-run -o json -- \"-v is broken\"";

const DETECT_EXAMPLES: &str = "\
Examples:
  claude-sandbox detect
  claude-sandbox detect -o json | jq -r '.services[].name'
  claude-sandbox -C ~/src/app detect";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  claude-sandbox completions bash > ~/.local/share/bash-completion/completions/claude-sandbox
  claude-sandbox completions zsh > ~/.zfunc/_claude-sandbox
  claude-sandbox completions fish > ~/.config/fish/completions/claude-sandbox.fish";

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceChoice {
    Auto,
    None,
    List(Vec<Service>),
}

fn parse_services(text: &str) -> Result<ServiceChoice, String> {
    match text.trim() {
        "auto" => return Ok(ServiceChoice::Auto),
        "none" | "" => return Ok(ServiceChoice::None),
        _ => {}
    }
    let mut list = Vec::new();
    for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let service: Service = name.parse().map_err(|_| {
            format!("unknown service '{name}': choose from postgres, redis (or auto, none)")
        })?;
        if !list.contains(&service) {
            list.push(service);
        }
    }
    list.sort();
    Ok(ServiceChoice::List(list))
}

#[derive(Debug, Args)]
pub struct RemoteArgs {
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

    /// Print the Job instead of submitting it (needs no cluster)
    #[arg(long)]
    pub dry_run: bool,

    /// Output: yaml or json (the manifest, with --dry-run), name (only the job name)
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub output: Option<RemoteOutput>,

    #[command(flatten)]
    pub source: SourceArgs,

    /// CPU for the agent: REQUEST or REQUEST:LIMIT [default: 1:2]
    #[arg(long, value_name = "QTY", value_parser = units::parse_resource)]
    pub cpu: Option<ResourceSpec>,

    /// Memory for the agent: REQUEST or REQUEST:LIMIT [default: 2Gi:4Gi]
    #[arg(long, value_name = "QTY", value_parser = units::parse_resource)]
    pub memory: Option<ResourceSpec>,

    /// Extra environment variable for the agent (repeatable)
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = units::parse_env_pair)]
    pub env: Vec<(String, String)>,

    /// Secret with the agent's credentials [default: claude-sandbox-secrets]
    #[arg(long, value_name = "NAME", env = "CLAUDE_SANDBOX_SECRET")]
    pub secret: Option<String>,

    /// Delete the finished job after this long [default: 1h]
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub ttl: Option<Duration>,

    /// Stop the job if it runs longer than this [default: 4h]
    #[arg(long, value_name = "DUR", value_parser = units::parse_duration)]
    pub deadline: Option<Duration>,
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
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
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
