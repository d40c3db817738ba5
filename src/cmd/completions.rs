use anyhow::Result;
use clap::CommandFactory;

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs};
use crate::failure::Outcome;

pub fn run(ctx: &Ctx, args: CompletionsArgs) -> Result<Outcome> {
    ctx.printer.out(&script(args.shell))?;
    Ok(Outcome::Success)
}

/// The completion script for a shell, as committed under `completions/`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "claude-sandbox", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
