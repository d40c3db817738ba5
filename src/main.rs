//! Parse, run, map the outcome to an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

use claude_sandbox::cli::Cli;
use claude_sandbox::{cmd, failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
