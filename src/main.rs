//! Parse, run, map the outcome to an exit code. Everything else lives in the library.

use std::process::ExitCode;

use claude_sandbox::{cli, cmd, failure, pod};

fn main() -> ExitCode {
    // The pod's entrypoint, git's credential helper and the shells' job-name helper are not
    // commands for people: they stay out of --help and completions, take their input from the environment and stdin, and end with
    // other programs' exit codes rather than the CLI's.
    // kubectl completes `kubectl claude-sandbox …` by running kubectl_complete-claude_sandbox,
    // which install.sh links to this binary.
    let program = std::env::args_os().next().unwrap_or_default();
    if std::path::Path::new(&program)
        .file_name()
        .is_some_and(|n| n == cmd::complete::KUBECTL_COMPLETER_FILE)
    {
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        return ExitCode::from(cmd::complete::kubectl(&args));
    }
    let mut args = std::env::args_os().skip(1);
    match args.next().as_deref().and_then(|a| a.to_str()) {
        Some("run-in-pod") => {
            let role = args.next();
            return ExitCode::from(pod::run(role.as_deref().and_then(|r| r.to_str())));
        }
        Some("git-credential") => {
            let operation = args.next().unwrap_or_default();
            return ExitCode::from(pod::credential::run(&operation.to_string_lossy()));
        }
        Some(cmd::complete::SUBCOMMAND) => {
            return ExitCode::from(cmd::complete::run(&args.collect::<Vec<_>>()));
        }
        _ => {}
    }
    let cli = cli::parse();
    let code = match cmd::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            let report = failure::report(&err);
            for line in &report.lines {
                claude_sandbox::output::to_stderr(line);
            }
            report.code
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
