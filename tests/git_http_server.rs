//! The loopback git host behaves like an authenticated GitHub remote for the real `git` CLI:
//! no credentials or a wrong token are refused, a token from a credential helper clones, pushes
//! and fetches shallowly, and the token never travels in a request URL.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::git_http::{GitHttpServer, RecordedRequest, bare_repo_with, commit_files};

const TOKEN: &str = "ghs_test-token-9f3a1c";

/// The credential helper the code under test is expected to install, given through the
/// environment: the empty value resets any inherited helper list, the second answers with the
/// token read from `TEST_TOKEN` (so the token is not on a command line either).
const HELPER: &str = r#"!f() { echo username=x-access-token; echo "password=$TEST_TOKEN"; }; f"#;

/// A host with `shop.git` (branch `main`, one commit holding README.md) and its temp root.
fn host() -> (tempfile::TempDir, GitHttpServer) {
    let root = tempfile::tempdir().expect("temp root");
    bare_repo_with(root.path(), "shop", "main", &[("README.md", "hi\n")]);
    let server = GitHttpServer::start(root.path(), TOKEN);
    (root, server)
}

/// `git` isolated from the developer's configuration and unable to prompt.
fn git(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") || key == "SSH_ASKPASS" {
            c.env_remove(&key);
        }
    }
    c.current_dir(cwd)
        .args(args)
        .env("HOME", cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Agent")
        .env("GIT_AUTHOR_EMAIL", "agent@example.com")
        .env("GIT_COMMITTER_NAME", "Agent")
        .env("GIT_COMMITTER_EMAIL", "agent@example.com");
    c
}

/// `git` with the token helper configured through `GIT_CONFIG_*`, answering `token`.
fn git_with_token(cwd: &Path, token: &str, args: &[&str]) -> Command {
    let mut c = git(cwd, args);
    c.env("GIT_CONFIG_COUNT", "2")
        .env("GIT_CONFIG_KEY_0", "credential.helper")
        .env("GIT_CONFIG_VALUE_0", "")
        .env("GIT_CONFIG_KEY_1", "credential.helper")
        .env("GIT_CONFIG_VALUE_1", HELPER)
        .env("TEST_TOKEN", token);
    c
}

/// `shop` cloned with the right token into a fresh directory (kept alive by the first value).
fn cloned_with_token(server: &GitHttpServer) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    ok(git_with_token(
        work.path(),
        TOKEN,
        &["clone", &server.url("shop"), "shop"],
    ));
    let clone = work.path().join("shop");
    (work, clone)
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("run git")
}

fn ok(cmd: Command) -> String {
    let desc = format!("{cmd:?}");
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{desc} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn assert_token_not_in_urls(requests: &[RecordedRequest]) {
    assert!(!requests.is_empty(), "the server saw no request");
    for r in requests {
        assert!(!r.uri.contains(TOKEN), "token in a request URL: {}", r.uri);
        assert!(
            !r.head.contains(TOKEN),
            "token in clear in a request:\n{}",
            r.head
        );
    }
}

#[test]
fn clone_without_credentials_is_refused_with_a_basic_challenge() {
    let (_root, server) = host();
    let work = tempfile::tempdir().unwrap();

    let out = run(git(work.path(), &["clone", &server.url("shop"), "shop"]));

    assert!(!out.status.success(), "clone without credentials succeeded");
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| !r.authorization_present && r.status == 401),
        "{requests:#?}"
    );
    assert_eq!(requests[0].method, "GET");
    assert_eq!(
        requests[0].uri,
        "/shop.git/info/refs?service=git-upload-pack"
    );
    assert!(!work.path().join("shop/README.md").exists());
}

#[test]
fn clone_with_the_token_from_a_credential_helper_gets_the_content() {
    let (_root, server) = host();
    let work = tempfile::tempdir().unwrap();

    ok(git_with_token(
        work.path(),
        TOKEN,
        &["clone", &server.url("shop"), "shop"],
    ));

    let readme = std::fs::read_to_string(work.path().join("shop/README.md")).unwrap();
    assert_eq!(readme, "hi\n");
    let requests = server.requests();
    // git sends nothing until challenged, then asks the helper and retries.
    assert_eq!(requests[0].status, 401, "{requests:#?}");
    assert!(!requests[0].authorization_present);
    assert!(
        requests[1..]
            .iter()
            .all(|r| r.authorized && r.status == 200),
        "{requests:#?}"
    );
    assert!(requests.iter().any(|r| r.method == "POST"), "{requests:#?}");
    // The clone remembers a URL without credentials.
    let origin = ok(git(
        &work.path().join("shop"),
        &["remote", "get-url", "origin"],
    ));
    assert_eq!(origin, server.url("shop"));
}

#[test]
fn clone_with_a_wrong_token_fails_authentication() {
    let (_root, server) = host();
    let work = tempfile::tempdir().unwrap();

    let out = run(git_with_token(
        work.path(),
        "ghs_wrong",
        &["clone", &server.url("shop"), "shop"],
    ));

    assert!(!out.status.success(), "clone with a wrong token succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Authentication failed"), "{stderr}");
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.authorization_present && !r.authorized && r.status == 401),
        "{requests:#?}"
    );
    assert!(requests.iter().all(|r| !r.authorized), "{requests:#?}");
}

#[test]
fn push_of_a_new_branch_lands_in_the_bare_repository() {
    let (root, server) = host();
    let (_work, clone) = cloned_with_token(&server);
    std::fs::write(clone.join("fix.txt"), "fixed\n").unwrap();
    ok(git(&clone, &["add", "fix.txt"]));
    ok(git(&clone, &["commit", "-m", "fix"]));
    let pushed = ok(git(&clone, &["rev-parse", "HEAD"]));

    ok(git_with_token(
        &clone,
        TOKEN,
        &["push", &server.url("shop"), "HEAD:refs/heads/feature"],
    ));

    let bare = git2::Repository::open_bare(root.path().join("shop.git")).unwrap();
    let feature = bare.refname_to_id("refs/heads/feature").unwrap();
    assert_eq!(feature.to_string(), pushed);
    let tree = bare.find_commit(feature).unwrap().tree().unwrap();
    assert!(tree.get_name("fix.txt").is_some());
    let main = bare.refname_to_id("refs/heads/main").unwrap();
    assert_eq!(
        bare.find_commit(feature).unwrap().parent_id(0).unwrap(),
        main
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.uri == "/shop.git/git-receive-pack" && r.authorized && r.status == 200),
        "{:#?}",
        server.requests()
    );
}

#[test]
fn shallow_clone_holds_only_the_tip() {
    let (root, server) = host();
    commit_files(
        &root.path().join("shop.git"),
        "main",
        &[("b.txt", "b")],
        "second",
    );
    let work = tempfile::tempdir().unwrap();

    ok(git_with_token(
        work.path(),
        TOKEN,
        &["clone", "--depth", "1", &server.url("shop"), "shop"],
    ));

    let clone = work.path().join("shop");
    assert_eq!(ok(git(&clone, &["rev-list", "--count", "HEAD"])), "1");
    assert_eq!(
        ok(git(&clone, &["rev-parse", "--is-shallow-repository"])),
        "true"
    );
    assert!(clone.join("README.md").exists() && clone.join("b.txt").exists());
}

/// A sandbox checks out the exact commit it was given, which need not be a branch tip.
#[test]
fn fetch_by_id_of_a_commit_below_the_tip_works_over_protocol_v2_and_v0() {
    let (root, server) = host();
    let bare = root.path().join("shop.git");
    let wanted = commit_files(&bare, "main", &[("b.txt", "b")], "second").to_string();
    commit_files(&bare, "main", &[("c.txt", "c")], "third");

    for version in ["2", "0"] {
        let work = tempfile::tempdir().unwrap();
        ok(git(work.path(), &["init", "-q", "-b", "work"]));
        ok(git(
            work.path(),
            &["remote", "add", "origin", &server.url("shop")],
        ));
        let proto = format!("protocol.version={version}");

        ok(git_with_token(
            work.path(),
            TOKEN,
            &["-c", &proto, "fetch", "--depth", "1", "origin", &wanted],
        ));

        assert_eq!(
            ok(git(work.path(), &["rev-parse", "FETCH_HEAD"])),
            wanted,
            "v{version}"
        );
        ok(git(work.path(), &["checkout", "-q", "FETCH_HEAD"]));
        assert!(work.path().join("b.txt").exists() && !work.path().join("c.txt").exists());
    }
}

/// `Git-Protocol` reaches upload-pack: under v2 even `ls-remote` needs a POST (the `ls-refs`
/// command), under v0 the advertisement from the GET is all there is.
#[test]
fn git_protocol_v2_is_negotiated() {
    let (_root, server) = host();
    let work = tempfile::tempdir().unwrap();

    let refs = ok(git_with_token(
        work.path(),
        TOKEN,
        &["-c", "protocol.version=2", "ls-remote", &server.url("shop")],
    ));

    assert!(refs.contains("refs/heads/main"), "{refs}");
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.method == "POST" && r.uri == "/shop.git/git-upload-pack" && r.status == 200),
        "{requests:#?}"
    );
    assert!(
        requests
            .iter()
            .any(|r| r.head.contains("git-protocol: version=2")),
        "{requests:#?}"
    );
}

/// git gzips upload-pack request bodies over 1 KiB; here the 60 wants of a 60-branch clone.
#[test]
fn gzipped_request_bodies_are_understood() {
    let (root, server) = host();
    let bare = root.path().join("shop.git");
    for i in 0..60 {
        commit_files(
            &bare,
            &format!("b{i}"),
            &[(&format!("f{i}"), "x")],
            "branch",
        );
    }
    let (_work, clone) = cloned_with_token(&server);
    let branches = ok(git(&clone, &["branch", "-r"]));
    assert!(branches.contains("origin/b59"), "{branches}");
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.head.contains("content-encoding: gzip") && r.status == 200),
        "no gzipped request: {requests:#?}"
    );
}

#[test]
fn the_token_never_appears_in_a_request_url() {
    let (_root, server) = host();
    let (_work, clone) = cloned_with_token(&server);
    ok(git(
        &clone,
        &["commit", "-q", "--allow-empty", "-m", "empty"],
    ));
    ok(git_with_token(
        &clone,
        TOKEN,
        &["push", "origin", "HEAD:refs/heads/t"],
    ));
    ok(git_with_token(
        &clone,
        TOKEN,
        &["fetch", "--depth", "1", "origin", "main"],
    ));

    let requests = server.requests();
    assert!(
        requests.iter().filter(|r| r.authorized).count() >= 4,
        "{requests:#?}"
    );
    assert_token_not_in_urls(&requests);
}

/// Why the records alone cannot catch a token in the remote URL: git sends the URL's user part
/// as the same Basic header, after the same 401, so a leak of that kind shows up in the clone's
/// config, not on the wire.
#[test]
fn a_token_in_the_remote_url_is_invisible_on_the_wire_but_stored_in_the_clone() {
    let (_root, server) = host();
    let work = tempfile::tempdir().unwrap();
    let leaky = server
        .url("shop")
        .replace("http://", &format!("http://x-access-token:{TOKEN}@"));

    ok(git(work.path(), &["clone", &leaky, "shop"]));

    let requests = server.requests();
    assert_eq!(requests[0].status, 401, "{requests:#?}");
    assert_token_not_in_urls(&requests);
    let origin = ok(git(
        &work.path().join("shop"),
        &["config", "remote.origin.url"],
    ));
    assert!(origin.contains(TOKEN), "{origin}");
}
