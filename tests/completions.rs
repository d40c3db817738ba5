//! The committed completion scripts under completions/ must match what the binary generates.
//! Regenerate with: `for s in bash zsh fish powershell elvish; do cargo run -q -- completions $s > completions/…; done`
//! (see the file names below), or run this test with UPDATE_COMPLETIONS=1.

use std::path::PathBuf;

use clap_complete::Shell;
use claude_sandbox::cmd::completions::script;

#[test]
fn committed_completions_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "claude-sandbox.bash"),
        (Shell::Zsh, "_claude-sandbox"),
        (Shell::Fish, "claude-sandbox.fish"),
        (Shell::PowerShell, "_claude-sandbox.ps1"),
        (Shell::Elvish, "claude-sandbox.elv"),
    ] {
        let want = script(shell);
        let path = dir.join(file);
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: run `UPDATE_COMPLETIONS=1 cargo test --test completions` and commit"
    );
}

#[test]
fn the_binary_prints_completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = assert_cmd::Command::cargo_bin("claude-sandbox")
            .unwrap()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("remote"),
            "{shell}"
        );
    }
    let bad = assert_cmd::Command::cargo_bin("claude-sandbox")
        .unwrap()
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
