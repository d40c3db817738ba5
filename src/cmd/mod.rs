//! One module per command: each takes its parsed arguments and the shared context, does its work
//! through the library modules, and returns how it ended. None of them exits the process.

pub mod completions;
pub mod detect;
pub mod remote;
mod source;

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::failure::Outcome;
use crate::output::Printer;

/// What every command may need: how to print, and the global flags.
pub struct Ctx {
    pub printer: Printer,
    pub global: GlobalArgs,
}

impl Ctx {
    /// The directory the command works in (`-C DIR`, else the current directory).
    pub fn dir(&self) -> PathBuf {
        self.global
            .directory
            .clone()
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

pub fn run(cli: Cli) -> Result<Outcome> {
    let printer = Printer::new(cli.global.quiet, cli.global.verbose, cli.global.color);
    let ctx = Ctx {
        printer,
        global: cli.global,
    };
    match cli.command {
        Command::Remote(args) => remote::run(&ctx, args),
        Command::Detect(args) => detect::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
    }
}
