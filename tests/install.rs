//! install.sh on a fresh HOME and PREFIX: installs the binary and completions, is idempotent, and
//! --uninstall removes exactly what it installed. The release build itself is plain cargo and
//! takes minutes, so the test hands the script the binary this test run already built.

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
        for f in [&installed, &bash, &zsh, &fish] {
            assert!(f.is_file(), "{} missing", f.display());
        }
        let version = Command::new(&installed).arg("--version").output().unwrap();
        assert!(String::from_utf8_lossy(&version.stdout).starts_with("claude-sandbox "));
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not on your PATH"));
    }

    let out = install(home.path(), prefix.path(), &["--uninstall"]);
    assert!(out.status.success());
    for f in [&installed, &bash, &zsh, &fish] {
        assert!(!f.exists(), "{} left behind", f.display());
    }
    let again = install(home.path(), prefix.path(), &["--uninstall"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to remove"));

    let bad = install(home.path(), prefix.path(), &["--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
}
