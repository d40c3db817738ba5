//! Parse, run, map the outcome to an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

use claude_sandbox::cli::{Cli, Command};
use claude_sandbox::{cmd, failure, pod};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The in-pod commands end with other programs' exit codes, not the CLI's outcomes.
    match &cli.command {
        Command::RunInPod => return ExitCode::from(pod::run()),
        Command::GitCredential { operation } => {
            return ExitCode::from(pod::credential::run(operation));
        }
        _ => {}
    }
    let code = match cmd::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            let report = failure::report(&err);
            for line in &report.lines {
                eprintln!("{line}");
            }
            report.code
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
