//! `man`: the manual pages, rendered from the same clap definitions as `--help`, so a flag added
//! anywhere is documented in both.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::CommandFactory;

use super::Ctx;
use crate::cli::{Cli, ManArgs};
use crate::failure::Outcome;

pub fn run(ctx: &Ctx, args: ManArgs) -> Result<Outcome> {
    match args.dir {
        None => {
            ctx.printer.out(&render(&man(root()))?)?;
        }
        Some(dir) => {
            let written = write_pages(&dir)?;
            let list: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            ctx.printer.out(&list.join("\n"))?;
        }
    }
    Ok(Outcome::Success)
}

/// The command as the pages describe it: `help` is a flag there, not a command with a page.
fn root() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

fn man(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd)
        .source(concat!("claude-sandbox ", env!("CARGO_PKG_VERSION")))
        .manual("claude-sandbox manual")
}

/// A page as roff text. Characters beyond ASCII (the help's `…` and `—`) are written as roff's
/// `\[uXXXX]` escapes, which every formatter reads whatever the locale or input encoding.
fn render(page: &clap_mangen::Man) -> Result<String> {
    let mut bytes = Vec::new();
    page.render(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    Ok(out)
}

/// One page for the program and one for every command and subcommand that `--help` lists
/// (claude-sandbox.1, claude-sandbox-logs.1, claude-sandbox-image-build.1, …), written into `dir`.
pub fn write_pages(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    let mut written = Vec::new();
    let mut todo = vec![root()];
    while let Some(cmd) = todo.pop() {
        todo.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let page = man(cmd);
        let path = dir.join(page.get_filename());
        std::fs::write(&path, render(&page)?)
            .with_context(|| format!("cannot write the manual page {}", path.display()))?;
        written.push(path);
    }
    written.sort();
    Ok(written)
}
