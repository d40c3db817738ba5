//! install.sh on a fresh HOME and PREFIX: installs the binary, completions and the kubectl plugin,
//! is idempotent, and --uninstall removes exactly what it installed. The release build itself is plain cargo and
//! takes minutes, so the test hands the script the binary this test run already built.

mod support;

use std::path::Path;
use std::process::Command;

fn install(home: &Path, prefix: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("PREFIX", prefix)
        .output()
        .unwrap()
}

#[test]
fn install_is_idempotent_and_uninstall_removes_it_all() {
    let home = tempfile::tempdir().unwrap();
    let prefix = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_claude-sandbox");
    let installed = prefix.path().join("bin/claude-sandbox");
    let plugin = prefix.path().join("bin/kubectl-claude_sandbox");
    let plugin_completer = prefix.path().join("bin/kubectl_complete-claude_sandbox");
    let man = prefix.path().join("share/man/man1/claude-sandbox.1");
    let man_logs = prefix.path().join("share/man/man1/claude-sandbox-logs.1");
    let bash = home
        .path()
        .join(".local/share/bash-completion/completions/claude-sandbox");
    let zsh = home
        .path()
        .join(".local/share/zsh/site-functions/_claude-sandbox");
    let fish = home
        .path()
        .join(".config/fish/completions/claude-sandbox.fish");

    for _ in 0..2 {
        let out = install(home.path(), prefix.path(), &["--binary", bin]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for f in [
            &installed,
            &plugin,
            &plugin_completer,
            &bash,
            &zsh,
            &fish,
            &man,
            &man_logs,
        ] {
            assert!(f.is_file(), "{} missing", f.display());
        }
        let version = Command::new(&installed).arg("--version").output().unwrap();
        assert!(String::from_utf8_lossy(&version.stdout).starts_with("claude-sandbox "));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not on your PATH"));
    }

    let out = install(home.path(), prefix.path(), &["--uninstall"]);
    assert!(out.status.success());
    for f in [&installed, &bash, &zsh, &fish, &man, &man_logs] {
        assert!(!f.exists(), "{} left behind", f.display());
    }
    let man_dir = prefix.path().join("share/man/man1");
    let left: Vec<_> = std::fs::read_dir(&man_dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left in {}: {left:?}", man_dir.display());
    for link in [&plugin, &plugin_completer] {
        assert!(
            link.symlink_metadata().is_err(),
            "{} left behind",
            link.display()
        );
    }
    let again = install(home.path(), prefix.path(), &["--uninstall"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to remove"));

    let bad = install(home.path(), prefix.path(), &["--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn kubectl_runs_the_installed_plugin_and_its_help_names_it() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        support::cannot_run("kubectl is not installed");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let prefix = tempfile::tempdir().unwrap();
    let out = install(
        home.path(),
        prefix.path(),
        &["--binary", env!("CARGO_BIN_EXE_claude-sandbox")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = format!(
        "{}:{}",
        prefix.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .args(args)
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("KUBECONFIG", home.path().join("no-kubeconfig"))
            .output()
            .unwrap()
    };
    let text = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };

    let plugins = kubectl(&["plugin", "list", "--name-only"]);
    assert!(
        text(&plugins).contains("kubectl-claude_sandbox"),
        "{}",
        text(&plugins)
    );
    let version = kubectl(&["claude-sandbox", "--version"]);
    assert!(version.status.success(), "{}", text(&version));
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with("claude-sandbox "),
        "{}",
        text(&version)
    );
    let help = kubectl(&["claude-sandbox", "--help"]);
    assert!(
        text(&help).contains("Usage: kubectl claude-sandbox [OPTIONS] <COMMAND>"),
        "{}",
        text(&help)
    );
    assert!(
        text(&help).contains("  kubectl claude-sandbox remote "),
        "{}",
        text(&help)
    );
    let logs = kubectl(&["claude-sandbox", "logs", "--help"]);
    assert!(
        text(&logs).contains("Usage: kubectl claude-sandbox logs [OPTIONS] [JOB]"),
        "{}",
        text(&logs)
    );
    // A usage error names the plugin too, with the usual exit code.
    let wrong = kubectl(&["claude-sandbox", "list", "--bogus"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));
    assert!(
        text(&wrong).contains("kubectl claude-sandbox list"),
        "{}",
        text(&wrong)
    );
    // The command itself runs: `list` reaches for the cluster and explains there is none.
    let list = kubectl(&["claude-sandbox", "list"]);
    assert_eq!(list.status.code(), Some(1), "{}", text(&list));
    assert!(text(&list).contains("kubeconfig"), "{}", text(&list));
}
