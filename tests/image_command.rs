//! `image build` and `image push` through the compiled binary, against a fake engine on PATH that
//! records its arguments, its input and the build context it was handed.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::{TestRepo, stderr_of, stdout_of};

/// Records what it was asked into $FAKE_ENGINE_LOG, prints a line like an engine's progress, and
/// exits with $FAKE_ENGINE_EXIT.
const FAKE_ENGINE: &str = r#"#!/bin/sh
PATH=/usr/bin:/bin
log="$FAKE_ENGINE_LOG"
printf '%s\n' "$(basename "$0")" > "$log/program"
printf '%s\n' "$@" > "$log/argv"
cat > "$log/stdin"
if [ "$1" = build ]; then
  for last; do :; done
  (cd "$last" && find . -print | LC_ALL=C sort) > "$log/context"
  cp "$last/Dockerfile" "$log/Dockerfile"
  if [ -d "$last/claude-home" ]; then cp -R "$last/claude-home" "$log/claude-home"; fi
fi
echo "STEP 1/1: the fake engine at work"
if [ -n "$FAKE_ENGINE_SLEEP" ]; then touch "$log/started"; sleep "$FAKE_ENGINE_SLEEP"; fi
exit "${FAKE_ENGINE_EXIT:-0}"
"#;

struct Fake {
    _dir: tempfile::TempDir,
    bin: PathBuf,
    log: PathBuf,
    tmp: PathBuf,
    home: PathBuf,
}

impl Fake {
    /// A directory for PATH holding fake engines under these names.
    fn new(names: &[&str]) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let log = dir.path().join("log");
        let tmp = dir.path().join("tmp");
        let home = dir.path().join("home");
        for d in [&bin, &log, &tmp, &home] {
            std::fs::create_dir_all(d).unwrap();
        }
        for name in names {
            let p = bin.join(name);
            std::fs::write(&p, FAKE_ENGINE).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Fake {
            _dir: dir,
            bin,
            log,
            tmp,
            home,
        }
    }

    fn run(&self, repo: &TestRepo, args: &[&str]) -> std::process::Output {
        let mut cmd = repo.cmd();
        cmd.env("PATH", &self.bin)
            .env("FAKE_ENGINE_LOG", &self.log)
            .env("TMPDIR", &self.tmp)
            .env("HOME", &self.home)
            .args(args);
        cmd.output().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.log.join(name)).unwrap_or_default()
    }

    fn argv(&self) -> Vec<String> {
        self.read("argv").lines().map(String::from).collect()
    }

    /// Build contexts left behind in TMPDIR.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(&self.tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("claude-sandbox-build-"))
            .collect()
    }
}

fn ruby_repo() -> TestRepo {
    TestRepo::committed(&[(".ruby-version", "3.3.6\n"), ("Gemfile", "")])
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn build_hands_the_engine_the_dockerfile_the_source_and_the_repository_ruby() {
    let fake = Fake::new(&["podman", "docker"]);
    let repo = ruby_repo();
    let out = fake.run(&repo, &["image", "build", "--node", "22"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.read("program").trim(), "podman");

    let argv = fake.argv();
    let context = argv.last().unwrap().clone();
    assert!(
        context.starts_with(fake.tmp.to_str().unwrap()),
        "the context is a fresh directory under TMPDIR: {context}"
    );
    assert_eq!(
        argv,
        [
            "build",
            "--tag",
            "landovsky/claude-sandbox:ruby-3.3",
            "--file",
            &format!("{context}/Dockerfile"),
            "--build-arg",
            "RUBY_VERSION=3.3",
            "--build-arg",
            "NODE_MAJOR=22",
            &context,
        ]
    );
    // The image's Dockerfile, unchanged without --with-agents.
    assert_eq!(
        fake.read("Dockerfile"),
        std::fs::read_to_string(manifest_dir().join("image/Dockerfile")).unwrap()
    );
    // Exactly what the Dockerfile copies: never the checkout's target/, .git or tests.
    let listing = fake.read("context");
    for wanted in [
        "./Cargo.toml",
        "./Cargo.lock",
        "./src/main.rs",
        "./templates",
        "./Dockerfile",
    ] {
        assert!(
            listing.lines().any(|l| l == wanted),
            "{wanted} missing:\n{listing}"
        );
    }
    let tops: Vec<&str> = listing
        .lines()
        .filter(|l| l.matches('/').count() == 1)
        .collect();
    assert_eq!(
        tops,
        [
            "./Cargo.lock",
            "./Cargo.toml",
            "./Dockerfile",
            "./src",
            "./templates"
        ]
    );

    assert_eq!(stdout_of(&out).trim(), "landovsky/claude-sandbox:ruby-3.3");
    assert!(
        stderr_of(&out).contains("STEP 1/1: the fake engine at work"),
        "the engine's output is the progress: {}",
        stderr_of(&out)
    );
    assert!(fake.leftovers().is_empty(), "{:?}", fake.leftovers());
}

#[test]
fn build_flags_win_over_detection_and_json_says_what_was_built() {
    let fake = Fake::new(&["docker"]);
    let repo = ruby_repo();
    let out = fake.run(
        &repo,
        &[
            "image",
            "build",
            "--ruby",
            "3.4",
            "-t",
            "reg.example/me/box:1",
            "-o",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let argv = fake.argv();
    assert_eq!(argv[..3], ["build", "--tag", "reg.example/me/box:1"]);
    assert!(argv.contains(&"RUBY_VERSION=3.4".to_string()), "{argv:?}");
    assert!(
        !argv.iter().any(|a| a.starts_with("NODE_MAJOR")),
        "{argv:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(json["image"], "reg.example/me/box:1");
    assert_eq!(json["engine"], "docker");
    assert_eq!(json["build_args"], serde_json::json!(["RUBY_VERSION=3.4"]));
}

#[test]
fn with_agents_bakes_in_agents_and_commands_and_nothing_else_from_claude_home() {
    let fake = Fake::new(&["podman"]);
    let claude = fake.home.join(".claude");
    std::fs::create_dir_all(claude.join("agents/review")).unwrap();
    std::fs::create_dir_all(claude.join("commands")).unwrap();
    std::fs::write(claude.join("agents/review/strict.md"), "be strict").unwrap();
    std::fs::write(claude.join("commands/ship.md"), "ship it").unwrap();
    // The user's own login must never end up in an image others may pull.
    std::fs::write(
        claude.join(".credentials.json"),
        "{\"token\":\"SECRET-LOGIN\"}",
    )
    .unwrap();
    std::fs::write(claude.join("settings.json"), "{}").unwrap();

    let repo = ruby_repo();
    let out = fake.run(&repo, &["image", "build", "--with-agents", "-o", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let baked = fake.log.join("claude-home");
    assert_eq!(
        std::fs::read_to_string(baked.join("agents/review/strict.md")).unwrap(),
        "be strict"
    );
    assert_eq!(
        std::fs::read_to_string(baked.join("commands/ship.md")).unwrap(),
        "ship it"
    );
    let listing = fake.read("context");
    let from_home: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with("./claude-home/"))
        .collect();
    assert_eq!(
        from_home,
        [
            "./claude-home/agents",
            "./claude-home/agents/review",
            "./claude-home/agents/review/strict.md",
            "./claude-home/commands",
            "./claude-home/commands/ship.md",
        ]
    );
    assert!(!listing.contains("credentials"), "{listing}");
    assert!(
        fake.read("Dockerfile")
            .ends_with("COPY --chown=1000:1000 claude-home/ /home/agent/.claude/\n"),
        "{}",
        fake.read("Dockerfile")
    );
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(
        json["with_agents"],
        serde_json::json!(["agents", "commands"])
    );
    assert!(fake.leftovers().is_empty());
}

#[test]
fn with_agents_and_nothing_to_bake_is_an_error_before_the_engine_runs() {
    let fake = Fake::new(&["podman"]);
    let out = fake.run(&ruby_repo(), &["image", "build", "--with-agents"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("found neither"),
        "{}",
        stderr_of(&out)
    );
    assert!(fake.argv().is_empty());
    assert!(fake.leftovers().is_empty(), "{:?}", fake.leftovers());
}

#[test]
fn no_engine_names_the_engines_tried() {
    let fake = Fake::new(&[]);
    for args in [&["image", "build"][..], &["image", "push"][..]] {
        let out = fake.run(&ruby_repo(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr_of(&out);
        assert!(
            err.contains(
                "no container engine found: looked for podman, docker and buildah on PATH"
            ),
            "{err}"
        );
        assert!(err.contains("CLAUDE_SANDBOX_ENGINE"), "{err}");
    }
}

#[test]
fn the_engine_variable_chooses_among_those_installed() {
    let fake = Fake::new(&["podman", "buildah"]);
    let repo = ruby_repo();
    let mut cmd = repo.cmd();
    let out = cmd
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("TMPDIR", &fake.tmp)
        .env("CLAUDE_SANDBOX_ENGINE", "buildah")
        .args(["image", "build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.read("program").trim(), "buildah");

    let out = repo
        .cmd()
        .env("PATH", &fake.bin)
        .env("CLAUDE_SANDBOX_ENGINE", "docker")
        .args(["image", "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("CLAUDE_SANDBOX_ENGINE=docker is not a program on PATH"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_failed_build_fails_and_still_removes_the_context() {
    let fake = Fake::new(&["podman"]);
    let repo = ruby_repo();
    let out = repo
        .cmd()
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("TMPDIR", &fake.tmp)
        .env("FAKE_ENGINE_EXIT", "125")
        .args(["image", "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("podman build failed: it exited with 125"),
        "{}",
        stderr_of(&out)
    );
    assert!(stdout_of(&out).is_empty());
    assert!(fake.leftovers().is_empty(), "{:?}", fake.leftovers());
}

/// Ctrl-C at a terminal reaches the whole foreground process group: the engine stops, and the
/// build context must still be removed.
#[test]
fn ctrl_c_stops_the_build_and_removes_the_context() {
    use std::os::unix::process::CommandExt;

    let fake = Fake::new(&["podman"]);
    let repo = ruby_repo();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("claude-sandbox"))
        .env_clear()
        .current_dir(repo.path())
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("FAKE_ENGINE_SLEEP", "30")
        .env("TMPDIR", &fake.tmp)
        .env("HOME", &fake.home)
        .env("XDG_CONFIG_HOME", fake.home.join("config"))
        .args(["image", "build"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !fake.log.join("started").exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the fake engine never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        fake.leftovers().len(),
        1,
        "the context exists while building"
    );
    let group = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on the process group this test just created.
    assert_eq!(unsafe { libc::kill(-group, libc::SIGINT) }, 0);
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "it waited for the engine's sleep instead of stopping"
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("podman build interrupted"),
        "{}",
        stderr_of(&out)
    );
    assert!(fake.leftovers().is_empty(), "{:?}", fake.leftovers());
}

#[test]
fn a_source_without_the_dockerfile_is_refused() {
    let fake = Fake::new(&["podman"]);
    let elsewhere = tempfile::tempdir().unwrap();
    let out = fake.run(
        &ruby_repo(),
        &[
            "image",
            "build",
            "--source",
            elsewhere.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("is not a claude-sandbox source tree"),
        "{}",
        stderr_of(&out)
    );
    assert!(fake.argv().is_empty());
}

#[test]
fn push_pushes_the_default_tag_and_prints_the_config_line() {
    let fake = Fake::new(&["podman"]);
    let repo = ruby_repo();
    let out = fake.run(&repo, &["image", "push"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.argv(), ["push", "landovsky/claude-sandbox:ruby-3.3"]);
    assert_eq!(
        stdout_of(&out),
        "image = \"landovsky/claude-sandbox:ruby-3.3\"\n"
    );
    assert!(stderr_of(&out).contains(".claude-sandbox.toml"));

    let out = fake.run(
        &repo,
        &["image", "push", "-t", "reg.example/me/box:1", "-o", "json"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.argv(), ["push", "reg.example/me/box:1"]);
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(json["image"], "reg.example/me/box:1");
    assert_eq!(json["config_line"], "image = \"reg.example/me/box:1\"");
}

/// `-q` keeps the result and quiets the engine too: its progress is what `-q` asks to hide.
#[test]
fn quiet_quiets_the_engine_and_keeps_the_result() {
    let fake = Fake::new(&["podman"]);
    let repo = ruby_repo();
    let out = fake.run(
        &repo,
        &["-q", "image", "push", "-t", "reg.example/me/box:1"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.argv(), ["push", "--quiet", "reg.example/me/box:1"]);
    assert_eq!(stdout_of(&out), "image = \"reg.example/me/box:1\"\n");
    let out = fake.run(&repo, &["-q", "image", "build"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.argv()[..2], ["build", "--quiet"]);
    assert_eq!(stdout_of(&out).trim(), "landovsky/claude-sandbox:ruby-3.3");
}

#[test]
fn the_configured_image_is_the_default_tag() {
    let fake = Fake::new(&["podman"]);
    let repo = TestRepo::committed(&[(
        ".claude-sandbox.toml",
        "image = \"reg.example/team/agent:7\"\n",
    )]);
    let out = fake.run(&repo, &["image", "push"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(fake.argv(), ["push", "reg.example/team/agent:7"]);
}

/// The context holds only what build_context::SOURCE_ITEMS lists; a COPY of anything else from
/// the source would fail in the engine, long after this could have said so.
#[test]
fn the_dockerfile_copies_only_what_the_context_holds() {
    let dockerfile = std::fs::read_to_string(manifest_dir().join("image/Dockerfile")).unwrap();
    for line in dockerfile.lines().map(str::trim) {
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        if rest.contains("--from=") {
            continue;
        }
        let words: Vec<&str> = rest
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        for source in &words[..words.len() - 1] {
            assert!(
                claude_sandbox::build_context::SOURCE_ITEMS.contains(source),
                "image/Dockerfile copies {source}, which the build context does not hold"
            );
        }
    }
}

/// The real engine, when there is one: a tiny image from a source tree whose Dockerfile copies a
/// fixture into `scratch` (no registry is reachable to pull a base from), with an agent baked in,
/// and the baked file read back out of the image. Fails under CI=true without podman.
#[test]
fn a_real_podman_builds_the_context_we_hand_it() {
    let Some(podman) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("podman"))
        .find(|p| p.is_file())
    else {
        let message = "podman is not installed, so no image was built by a real engine";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}; CI must not pass without it");
        }
        eprintln!("SKIPPED: {message}");
        return;
    };
    let source = tempfile::tempdir().unwrap();
    let fixture = std::fs::read_to_string(manifest_dir().join("Cargo.toml")).unwrap();
    for (path, text) in [
        ("Cargo.toml", fixture.as_str()),
        ("Cargo.lock", ""),
        ("src/main.rs", "fn main() {}\n"),
        ("templates/job.yaml", ""),
        (
            "image/Dockerfile",
            "FROM scratch\nCOPY Cargo.toml /Cargo.toml\n",
        ),
    ] {
        let p = source.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".claude/agents")).unwrap();
    std::fs::write(home.path().join(".claude/agents/tiny.md"), "tiny agent\n").unwrap();

    let tag = format!("localhost/claude-sandbox-test:{}", std::process::id());
    let repo = ruby_repo();
    let out = repo
        .cmd()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .args(["image", "build", "--with-agents", "-t", &tag, "--source"])
        .arg(source.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out).trim(), tag);
    assert!(stderr_of(&out).contains("COPY"), "{}", stderr_of(&out));

    let podman = |args: &[&str]| {
        std::process::Command::new(&podman)
            .args(args)
            .output()
            .unwrap()
    };
    let name = format!("claude-sandbox-test-{}", std::process::id());
    let created = podman(&["create", "--name", &name, &tag, "/none"]);
    assert!(created.status.success(), "{}", stderr_of(&created));
    let baked = podman(&[
        "cp",
        &format!("{name}:/home/agent/.claude/agents/tiny.md"),
        "-",
    ]);
    let _ = podman(&["rm", &name]);
    let _ = podman(&["rmi", &tag]);
    assert!(baked.status.success(), "{}", stderr_of(&baked));
    // `podman cp … -` writes a tar stream; the file's content is inside it.
    assert!(stdout_of(&baked).contains("tiny agent"));
}
