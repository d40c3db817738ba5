//! `claude-sandbox man`: pages rendered from the clap definitions, one per command, readable by
//! man and groff without a warning.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use clap::CommandFactory;
use claude_sandbox::cli::Cli;
use support::{stderr_of, stdout_of};

/// Every page `--help` implies: the program, and each visible command and subcommand.
fn expected_pages() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
        out.insert(format!("{prefix}.1"));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() != "help" {
                walk(sub, &format!("{prefix}-{}", sub.get_name()), out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&Cli::command(), "claude-sandbox", &mut out);
    out
}

#[test]
fn the_page_names_every_command() {
    let out = support::bin().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let page = stdout_of(&out);
    assert!(page.contains("\n.TH claude-sandbox 1 "), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section}");
    }
    for sub in Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
    {
        let name = format!(
            "claude\\-sandbox\\-{}(1)",
            sub.get_name().replace('-', "\\-")
        );
        assert!(page.contains(&name), "{name} not in the page");
    }
    assert!(page.is_ascii(), "non-ASCII text must be roff escapes");
}

#[test]
fn dir_writes_one_page_per_command_and_prints_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::bin()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let files: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, expected_pages());
    let printed: BTreeSet<String> = stdout_of(&out)
        .lines()
        .map(|l| {
            let p = std::path::Path::new(l);
            assert_eq!(p.parent(), Some(dir.path()), "{l}");
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(printed, files);

    // Each page formats without a warning, and man shows the help text and its examples.
    let have = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !have("groff") || !have("man") {
        support::cannot_run("groff and man are not installed");
        return;
    }
    for f in &files {
        let check = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.path().join(f))
            .output()
            .unwrap();
        assert!(
            check.status.success() && check.stderr.is_empty(),
            "{f}: {}",
            stderr_of(&check)
        );
    }
    let shown = Command::new("man")
        .arg("-l")
        .arg(dir.path().join("claude-sandbox-logs.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    let text = stdout_of(&shown);
    assert!(shown.status.success(), "{}", stderr_of(&shown));
    for words in [
        "Follow the agent's output of a job",
        "--no-follow",
        "-c, --container <CONTAINER>",
        "claude-sandbox logs JOB --raw | jq .",
    ] {
        assert!(text.contains(words), "{words:?} not in:\n{text}");
    }
}
