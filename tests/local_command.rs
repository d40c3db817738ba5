//! `local TASK` through the compiled binary: first against a fake `podman` on PATH that records
//! every call (its arguments and its standard input), then, where Podman and runc are installed,
//! against the real engine with a tiny image built here from busybox, git, our binary and the
//! fake agent in tests/support/local_agent.

mod support;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Pod;
use support::{TestRepo, stderr_of, stdout_of};

const GITHUB_TOKEN: &str = "ghs_LocalTierPushToken4b7e1a9c";
const API_KEY: &str = "sk-ant-api03-LocalTierApiKey-8c2f6a0e";

/// Each call gets a numbered directory with its arguments and standard input. `logs` prints
/// $FAKE_LOG (and sleeps $FAKE_LOGS_SLEEP after touching `following`), `wait` answers
/// $FAKE_EXIT, `volume export` answers with a tar of $FAKE_MOUNTPOINT. As docker: `run
/// --detach` answers a container id (kept in `containers`, which `ps` lists), records the
/// `--env-file` it is given (a copy, its mode and its directory's) and, on later runs, whether
/// that file is still there; `cp` answers with a tar of $FAKE_MOUNTPOINT/receipt.json.
const FAKE_PODMAN: &str = r#"#!/bin/sh
PATH=/usr/bin:/bin
n=$(ls "$FAKE_ENGINE_LOG" | wc -l)
call="$FAKE_ENGINE_LOG/$(printf '%03d' "$n")"
mkdir -p "$call"
printf '%s\n' "$@" > "$call/argv"
cat > "$call/stdin"
case "$1 $2" in
  "logs --follow")
    [ -n "$FAKE_LOG" ] && cat "$FAKE_LOG"
    if [ -n "$FAKE_LOGS_SLEEP" ]; then touch "$FAKE_ENGINE_LOG/../following"; sleep "$FAKE_LOGS_SLEEP"; fi ;;
  "wait "*) echo "${FAKE_EXIT:-0}" ;;
  "volume export") tar -C "$FAKE_MOUNTPOINT" -cf - . ;;
  "run "*)
    if [ -f "$FAKE_ENGINE_LOG/../env-file-path" ] && [ -e "$(cat "$FAKE_ENGINE_LOG/../env-file-path")" ]; then
      touch "$call/env-file-still-there"
    fi
    prev=
    for a in "$@"; do
      if [ "$prev" = "--env-file" ]; then
        echo "$a" > "$FAKE_ENGINE_LOG/../env-file-path"
        cp "$a" "$call/env-file"
        stat -c %a "$a" > "$call/env-file-mode"
        stat -c %a "$(dirname "$a")" > "$call/env-dir-mode"
      fi
      prev=$a
    done
    case " $* " in
      *" --detach "*) echo "c$n" >> "$FAKE_ENGINE_LOG/../containers"; echo "c$n" ;;
    esac ;;
  "ps --all") cat "$FAKE_ENGINE_LOG/../containers" 2>/dev/null ;;
  "cp "*) [ -e "$FAKE_MOUNTPOINT/receipt.json" ] && tar -C "$FAKE_MOUNTPOINT" -cf - receipt.json ;;
  "kube play")
    if [ -n "$FAKE_PLAY_SLEEP" ]; then touch "$FAKE_ENGINE_LOG/../playing"; sleep "$FAKE_PLAY_SLEEP"; fi
    echo "Pod:"; echo "0123abcd" ;;
esac
exit 0
"#;

struct Fake {
    dir: tempfile::TempDir,
    bin: PathBuf,
    log: PathBuf,
}

struct Call {
    dir: PathBuf,
    argv: Vec<String>,
    stdin: String,
}

impl Fake {
    fn new(names: &[&str]) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let log = dir.path().join("calls");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&log).unwrap();
        for name in names {
            let p = bin.join(name);
            std::fs::write(&p, FAKE_PODMAN).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(
            dir.path().join("agent.log"),
            [
                r#"{"type":"system","subtype":"init","model":"fake"}"#,
                r#"{"type":"assistant","message":{"content":[{"type":"text","text":"on it"}]}}"#,
                "a plain line from the pod",
            ]
            .join("\n")
                + "\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("handoff")).unwrap();
        Fake { dir, bin, log }
    }

    fn cmd(&self, repo: &TestRepo) -> assert_cmd::Command {
        let mut cmd = repo.cmd();
        cmd.env("PATH", &self.bin)
            .env("FAKE_ENGINE_LOG", &self.log)
            .env("FAKE_LOG", self.dir.path().join("agent.log"))
            .env("FAKE_MOUNTPOINT", self.dir.path().join("handoff"))
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .env("ANTHROPIC_API_KEY", API_KEY);
        cmd
    }

    fn calls(&self) -> Vec<Call> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&self.log)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        dirs.iter()
            .map(|d| Call {
                dir: d.clone(),
                argv: std::fs::read_to_string(d.join("argv"))
                    .unwrap_or_default()
                    .lines()
                    .map(String::from)
                    .collect(),
                stdin: std::fs::read_to_string(d.join("stdin")).unwrap_or_default(),
            })
            .collect()
    }

    /// The calls as `verb noun` pairs, in order.
    fn verbs(&self) -> Vec<String> {
        self.calls()
            .iter()
            .map(|c| c.argv.iter().take(2).cloned().collect::<Vec<_>>().join(" "))
            .collect()
    }
}

fn repo() -> TestRepo {
    TestRepo::committed(&[("README.md", "hello\n")])
}

fn played_pod(fake: &Fake) -> Pod {
    let call = fake
        .calls()
        .into_iter()
        .find(|c| c.argv.starts_with(&["kube".into(), "play".into()]))
        .expect("kube play was called");
    serde_saphyr::from_str(&call.stdin).expect("the played YAML is a Pod")
}

#[test]
fn credentials_reach_only_the_holder_and_never_an_argument() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "--services", "none", "fix the checkout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));

    let calls = fake.calls();
    for c in &calls {
        for a in &c.argv {
            assert!(
                !a.contains(GITHUB_TOKEN) && !a.contains(API_KEY),
                "a credential in an argument: {:?}",
                c.argv
            );
        }
    }
    // The secret's values come on standard input, as base64 JSON, and nowhere else.
    let secret = calls
        .iter()
        .find(|c| c.argv.starts_with(&["secret".into(), "create".into()]))
        .expect("the secret is made");
    let values: BTreeMap<String, ByteString> = serde_json::from_str(&secret.stdin).unwrap();
    assert_eq!(values["GITHUB_TOKEN"].0, GITHUB_TOKEN.as_bytes());
    assert_eq!(values["ANTHROPIC_API_KEY"].0, API_KEY.as_bytes());
    let secret_name = secret.argv[2].clone();
    assert_eq!(secret.argv[3], "-");
    for c in &calls {
        if c.argv[0] != "secret" {
            assert!(
                !c.stdin.contains(GITHUB_TOKEN) && !c.stdin.contains(API_KEY),
                "a credential in the input of {:?}",
                c.argv
            );
        }
    }

    let pod = played_pod(&fake);
    let spec = pod.spec.unwrap();
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["holder", "claude"], "the holder starts first");
    for c in &spec.containers {
        let refs: Vec<&str> = c
            .env_from
            .iter()
            .flatten()
            .filter_map(|e| e.secret_ref.as_ref().map(|r| r.name.as_str()))
            .chain(c.env.iter().flatten().filter_map(|e| {
                e.value_from
                    .as_ref()
                    .and_then(|f| f.secret_key_ref.as_ref().map(|r| r.name.as_str()))
            }))
            .collect();
        if c.name == "holder" {
            assert_eq!(refs, [secret_name.as_str()]);
        } else {
            assert!(refs.is_empty(), "{} refers to a secret: {refs:?}", c.name);
        }
    }

    // Made in order, then removed: exactly what was made.
    let verbs = fake.verbs();
    let created: Vec<String> = calls
        .iter()
        .filter(|c| c.argv.starts_with(&["volume".into(), "create".into()]))
        .map(|c| c.argv.last().unwrap().clone())
        .collect();
    assert_eq!(
        created.len(),
        4,
        "seed, handoff, workspace, holder-home: {created:?}"
    );
    let position = |v: &str| verbs.iter().position(|x| x == v).unwrap_or(usize::MAX);
    assert!(position("secret create") < position("kube play"));
    assert!(position("kube play") < position("logs --follow"));
    assert!(position("logs --follow") < position("pod rm"));
    let removed = calls
        .iter()
        .find(|c| c.argv.starts_with(&["volume".into(), "rm".into()]))
        .expect("the volumes are removed");
    let mut gone: Vec<String> = removed.argv[3..].to_vec();
    let mut made = created.clone();
    gone.sort();
    made.sort();
    assert_eq!(gone, made);
    assert!(verbs.contains(&"secret rm".to_string()), "{verbs:?}");

    // The agent's log, as `logs` shows it to a pipe: the lines as they are.
    let stdout = stdout_of(&out);
    assert!(stdout.contains(r#""text":"on it""#), "{stdout}");
    assert!(stdout.contains("a plain line from the pod"), "{stdout}");
    assert!(!stderr_of(&out).contains(GITHUB_TOKEN));
}

#[test]
fn a_failed_agent_exits_3_and_json_prints_only_the_receipt() {
    let fake = Fake::new(&["podman"]);
    std::fs::write(
        fake.dir.path().join("handoff/receipt.json"),
        r#"{"outcome":"failed","exit_code":1,"turns":3}"#,
    )
    .unwrap();
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .env("FAKE_EXIT", "1")
        .args(["local", "-o", "json", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let receipt: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is the receipt only ({e}): {}", stdout_of(&out)));
    assert_eq!(receipt["outcome"], "failed");
    assert_eq!(receipt["turns"], 3);
    let stderr = stderr_of(&out);
    assert!(stderr.contains("the agent exited with code 1"), "{stderr}");
    assert!(stderr.contains("on it"), "the log went to stderr: {stderr}");
}

#[test]
fn a_receipt_that_links_elsewhere_on_this_machine_is_not_read() {
    let fake = Fake::new(&["podman"]);
    let outside = fake.dir.path().join("not-the-agents.json");
    std::fs::write(
        &outside,
        r#"{"outcome":"succeeded","exit_code":0,"branch":"host-file-contents"}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, fake.dir.path().join("handoff/receipt.json")).unwrap();
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "-o", "json", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        !stdout_of(&out).contains("host-file-contents"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn ctrl_c_removes_the_pod_its_volumes_and_the_credentials() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let home = fake.dir.path().join("home");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    cmd.current_dir(repo.path())
        .env_clear()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("FAKE_MOUNTPOINT", fake.dir.path().join("handoff"))
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("ANTHROPIC_API_KEY", API_KEY)
        .env("FAKE_LOGS_SLEEP", "30")
        .args(["local", "--services", "none", "fix it"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    let marker = fake.dir.path().join("following");
    while !marker.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never followed the log"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "Ctrl-C waited for the log"
    );
    let verbs = fake.verbs();
    for wanted in ["pod rm", "volume rm", "secret rm"] {
        assert!(verbs.iter().any(|v| v == wanted), "no {wanted}: {verbs:?}");
    }
    assert!(
        stderr_of(&out).contains("interrupted"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn ctrl_c_at_a_terminal_while_the_pod_starts_also_removes_everything() {
    use std::os::unix::process::CommandExt;
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    cmd.current_dir(repo.path())
        .env_clear()
        .env("HOME", fake.dir.path().join("home"))
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("ANTHROPIC_API_KEY", API_KEY)
        .env("FAKE_PLAY_SLEEP", "30")
        .args(["local", "--services", "none", "fix it"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        // A group of its own, as a terminal's foreground job has: Ctrl-C reaches all of it.
        .process_group(0);
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    while !fake.dir.path().join("playing").exists() {
        assert!(started.elapsed() < Duration::from_secs(30), "never played");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on the process group of a child we spawned and have not reaped.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    let verbs = fake.verbs();
    for wanted in ["pod rm", "volume rm", "secret rm"] {
        assert!(verbs.iter().any(|v| v == wanted), "no {wanted}: {verbs:?}");
    }
    assert!(!verbs.iter().any(|v| v == "logs --follow"), "{verbs:?}");
}

#[test]
fn keep_stops_the_pod_and_leaves_it_but_not_the_credentials() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "--keep", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let verbs = fake.verbs();
    assert!(verbs.contains(&"pod stop".to_string()), "{verbs:?}");
    assert!(!verbs.contains(&"pod rm".to_string()), "{verbs:?}");
    assert!(!verbs.contains(&"volume rm".to_string()), "{verbs:?}");
    assert!(verbs.contains(&"secret rm".to_string()), "{verbs:?}");
    assert!(
        stderr_of(&out).contains("podman pod rm"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn yaml_output_is_for_dry_runs() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "-o", "yaml", "fix it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(fake.calls().is_empty());
}

#[test]
fn missing_credentials_are_refused_before_anything_is_made() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .env_remove("GITHUB_TOKEN")
        .args(["local", "fix it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("GITHUB_TOKEN"),
        "{}",
        stderr_of(&out)
    );
    assert!(fake.calls().is_empty());
}

#[test]
fn credentials_can_come_from_a_file() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let file = fake.dir.path().join("credentials");
    std::fs::write(
        &file,
        format!("# mine\nGITHUB_TOKEN={GITHUB_TOKEN}\nCLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-x\n"),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = fake
        .cmd(&repo)
        .env_remove("GITHUB_TOKEN")
        .env_remove("ANTHROPIC_API_KEY")
        .args(["local", "--services", "none", "--credentials"])
        .arg(&file)
        .arg("fix it")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let secret = fake
        .calls()
        .into_iter()
        .find(|c| c.argv.starts_with(&["secret".into(), "create".into()]))
        .unwrap();
    let values: BTreeMap<String, ByteString> = serde_json::from_str(&secret.stdin).unwrap();
    assert_eq!(
        values.keys().collect::<Vec<_>>(),
        ["CLAUDE_CODE_OAUTH_TOKEN", "GITHUB_TOKEN"]
    );
}

/// The value after `flag` in each place it appears.
fn flag_values<'a>(argv: &'a [String], flag: &str) -> Vec<&'a str> {
    argv.windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].as_str())
        .collect()
}

fn is_detached_run(c: &Call) -> bool {
    c.argv.first().is_some_and(|a| a == "run") && c.argv.iter().any(|a| a == "--detach")
}

#[test]
fn docker_runs_the_pod_in_the_holders_network_with_credentials_only_in_its_env_file() {
    let fake = Fake::new(&["docker"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "--services", "none", "fix the checkout"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let calls = fake.calls();
    let verbs = fake.verbs();

    // The exact sequence: four volumes, each made then handed to its writer; the holder, then
    // the agent; the log, the exit code, the receipt; then everything with the job's label and
    // the volumes removed.
    let mut expected: Vec<&str> = Vec::new();
    for _ in 0..4 {
        expected.extend(["volume create", "run --rm"]);
    }
    expected.extend([
        "run --detach",
        "run --detach",
        "logs --follow",
        "wait claude-sandbox-widgets",
        "cp claude-sandbox-widgets",
        "ps --all",
        "rm --force",
        "volume rm",
    ]);
    let got: Vec<String> = verbs
        .iter()
        .map(|v| {
            v.split_once("-20")
                .map(|(head, _)| head.to_string())
                .unwrap_or(v.clone())
        })
        .collect();
    assert_eq!(got, expected, "{verbs:?}");

    for c in &calls {
        for a in &c.argv {
            assert!(
                !a.contains(GITHUB_TOKEN) && !a.contains(API_KEY),
                "a credential in an argument: {:?}",
                c.argv
            );
        }
        assert!(!c.stdin.contains(GITHUB_TOKEN), "{:?}", c.argv);
    }

    let runs: Vec<&Call> = calls.iter().filter(|c| is_detached_run(c)).collect();
    let holder = runs[0];
    let agent = runs[1];
    let holder_name = flag_values(&holder.argv, "--name")[0].to_string();
    assert!(holder_name.ends_with("-holder"), "{holder_name}");
    let job = holder_name.trim_end_matches("-holder").to_string();
    let agent_argv: Vec<String> = agent
        .argv
        .iter()
        .map(|a| a.replace(&job, "JOB"))
        .filter(|a| !a.starts_with("REPO_COMMIT="))
        .collect();
    let expected_agent = "run --detach --name JOB-claude --label claude-sandbox.job=JOB \
        --network container:JOB-holder --user 1000:1000 --cap-drop ALL \
        --security-opt no-new-privileges --memory 4294967296 --cpus 2 --workdir /workspace \
        --mount type=volume,src=JOB-workspace,dst=/workspace,volume-nocopy \
        --mount type=volume,src=JOB-seed,dst=/seed,volume-nocopy,readonly \
        --mount type=volume,src=JOB-handoff,dst=/handoff,volume-nocopy";
    let head: Vec<&str> = expected_agent.split_whitespace().collect();
    assert_eq!(agent_argv[..head.len()], head, "{agent_argv:?}");
    let tail = [
        "--entrypoint",
        "claude-sandbox",
        "landovsky/claude-sandbox:latest",
        "run-in-pod",
        "agent",
    ];
    assert_eq!(agent_argv[agent_argv.len() - tail.len()..], tail);
    assert!(agent_argv.contains(&"CLAUDE_SANDBOX_RECEIPT=/handoff/receipt.json".to_string()));
    assert!(agent_argv.contains(&"TASK=fix the checkout".to_string()));
    assert!(flag_values(&agent.argv, "--name")[0].ends_with("-claude"));
    // One network namespace, the holder's, as a pod's containers share one.
    assert!(flag_values(&holder.argv, "--network").is_empty());
    assert_eq!(
        flag_values(&agent.argv, "--network"),
        [format!("container:{holder_name}")]
    );
    // Only the holder gets the credentials, from a file only this user could read.
    assert_eq!(flag_values(&agent.argv, "--env-file"), Vec::<&str>::new());
    let env_file = flag_values(&holder.argv, "--env-file")[0].to_string();
    let dir = &holder.dir;
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(read("env-file-mode"), "600");
    assert_eq!(read("env-dir-mode"), "700");
    let content = read("env-file");
    assert!(
        content.contains(&format!("GITHUB_TOKEN={GITHUB_TOKEN}"))
            && content.contains(&format!("ANTHROPIC_API_KEY={API_KEY}")),
        "{content}"
    );
    // Gone as soon as the holder was made: the agent's start did not find it.
    assert!(!agent.dir.join("env-file-still-there").exists());
    assert!(!Path::new(&env_file).exists(), "{env_file} is left behind");
    for run in &runs {
        assert_eq!(flag_values(&run.argv, "--cap-drop"), ["ALL"]);
        assert_eq!(
            flag_values(&run.argv, "--security-opt"),
            ["no-new-privileges"]
        );
    }
    // The containers removed are the ones the engine said it made.
    let rm = calls.iter().find(|c| c.argv[0] == "rm").unwrap();
    assert_eq!(rm.argv[2..], ["c8", "c9"]);

    let stdout = stdout_of(&out);
    assert!(stdout.contains(r#""text":"on it""#), "{stdout}");
    assert!(
        stderr_of(&out).contains("with docker"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn docker_a_failed_agent_exits_3_with_its_receipt() {
    let fake = Fake::new(&["docker"]);
    std::fs::write(
        fake.dir.path().join("handoff/receipt.json"),
        r#"{"outcome":"failed","exit_code":1,"turns":3}"#,
    )
    .unwrap();
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .env("FAKE_EXIT", "1")
        .args(["local", "-o", "json", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr_of(&out));
    let receipt: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is the receipt only ({e}): {}", stdout_of(&out)));
    assert_eq!(receipt["outcome"], "failed");
    assert!(stderr_of(&out).contains("the agent exited with code 1"));
}

#[test]
fn docker_a_receipt_that_is_a_link_is_not_followed() {
    let fake = Fake::new(&["docker"]);
    let outside = fake.dir.path().join("not-the-agents.json");
    std::fs::write(
        &outside,
        r#"{"outcome":"succeeded","exit_code":0,"branch":"host-file-contents"}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, fake.dir.path().join("handoff/receipt.json")).unwrap();
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "-o", "json", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(!stdout_of(&out).contains("host-file-contents"));
}

#[test]
fn docker_ctrl_c_removes_every_container_the_volumes_and_the_credentials() {
    let fake = Fake::new(&["docker"]);
    let repo = repo();
    let home = fake.dir.path().join("home");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    cmd.current_dir(repo.path())
        .env_clear()
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", &fake.bin)
        .env("FAKE_ENGINE_LOG", &fake.log)
        .env("FAKE_MOUNTPOINT", fake.dir.path().join("handoff"))
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("ANTHROPIC_API_KEY", API_KEY)
        .env("FAKE_LOGS_SLEEP", "30")
        .args(["local", "--services", "none", "fix it"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let started = Instant::now();
    while !fake.dir.path().join("following").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never followed the log"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    let calls = fake.calls();
    let rm = calls
        .iter()
        .find(|c| c.argv[0] == "rm")
        .unwrap_or_else(|| panic!("no rm: {:?}", fake.verbs()));
    assert_eq!(rm.argv[2..], ["c8", "c9"]);
    assert!(fake.verbs().iter().any(|v| v == "volume rm"));
    let env_file =
        std::fs::read_to_string(fake.dir.path().join("env-file-path")).unwrap_or_default();
    assert!(!Path::new(env_file.trim()).exists(), "{env_file}");
}

#[test]
fn docker_keep_stops_the_containers_and_leaves_the_volumes() {
    let fake = Fake::new(&["docker"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "--keep", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let verbs = fake.verbs();
    assert!(verbs.iter().any(|v| v.starts_with("stop ")), "{verbs:?}");
    assert!(!verbs.iter().any(|v| v.starts_with("rm ")), "{verbs:?}");
    assert!(!verbs.contains(&"volume rm".to_string()), "{verbs:?}");
    assert!(stderr_of(&out).contains("docker volume rm"));
}

#[test]
fn the_variable_chooses_docker_over_podman() {
    let fake = Fake::new(&["podman", "docker"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .env("CLAUDE_SANDBOX_ENGINE", "docker")
        .args(["local", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let verbs = fake.verbs();
    assert!(verbs.iter().any(|v| v == "run --detach"), "{verbs:?}");
    assert!(!verbs.iter().any(|v| v == "kube play"), "{verbs:?}");

    // Without it, podman comes first.
    let fake = Fake::new(&["podman", "docker"]);
    let out = fake
        .cmd(&repo)
        .args(["local", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(fake.verbs().iter().any(|v| v == "kube play"));
}

#[test]
fn docker_dry_run_prints_the_commands_with_credentials_by_name_only() {
    let fake = Fake::new(&["docker"]);
    let repo = repo();
    let out = fake
        .cmd(&repo)
        .args(["local", "--dry-run", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("docker run --detach"), "{text}");
    assert!(text.contains("--network container:"), "{text}");
    assert!(text.contains("GITHUB_TOKEN"), "{text}");
    assert!(
        !text.contains(GITHUB_TOKEN) && !text.contains(API_KEY),
        "{text}"
    );
    assert!(fake.calls().is_empty());

    // Chosen, docker need not be installed for its commands to be shown.
    let out = repo
        .cmd()
        .env("PATH", "/nonexistent")
        .env("CLAUDE_SANDBOX_ENGINE", "docker")
        .args(["local", "--dry-run", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(stdout_of(&out).contains("docker run --detach"));
}

#[test]
fn dry_run_prints_the_pod_and_needs_no_engine_or_credentials() {
    let repo = repo();
    let out = repo
        .cmd()
        .env("PATH", "/nonexistent")
        .args(["local", "--dry-run", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("# made first"), "{text}");
    let pod: Pod = serde_saphyr::from_str(&text).unwrap();
    let spec = pod.spec.unwrap();
    assert_eq!(spec.containers[0].name, "holder");
    assert!(spec.init_containers.is_none());
}

#[test]
fn a_template_volume_from_this_machine_is_refused() {
    let fake = Fake::new(&["podman"]);
    let repo = TestRepo::committed(&[
        ("README.md", "hello\n"),
        (
            ".claude-sandbox/job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: claude\n          image: x\n          volumeMounts:\n            - name: stash\n              mountPath: /stash\n      volumes:\n        - name: stash\n          persistentVolumeClaim:\n            claimName: my-documents\n",
        ),
    ]);
    let out = fake
        .cmd(&repo)
        .args(["local", "--services", "none", "fix it"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("stash"), "{}", stderr_of(&out));
    assert!(fake.calls().is_empty());
}

// ------------------------------------------------------------------------------------------------
// The real engine.

/// Podman with runc, as root, or a refusal: a failure under CI=true, a note elsewhere.
fn real_engine() -> bool {
    let mut missing = vec![];
    for tool in ["podman", "runc", "busybox", "git", "ldd"] {
        if which(tool).is_none() {
            missing.push(tool);
        }
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        missing.push("root");
    }
    if missing.is_empty() {
        return true;
    }
    support::cannot_run(&format!(
        "the local tier needs {} (.ci/run installs them)",
        missing.join(", ")
    ));
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    [
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
    ]
    .iter()
    .map(|d| Path::new(d).join(tool))
    .find(|p| p.is_file())
}

const IMAGE: &str = "localhost/claude-sandbox-local-test:latest";

/// One real pod at a time: the machine's cores are shared with the rest of the suite.
static ONE_POD: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The engine's settings for the tests: runc (crun cannot set rlimits in this sandbox) and
/// explicit rlimits. The pod joins the host's network (`--network host`) to reach the test's git
/// host, which listens on 127.0.0.1 only.
fn containers_conf(dir: &Path) -> PathBuf {
    let path = dir.join("containers.conf");
    std::fs::write(
        &path,
        "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=1000:1000\"]\n[engine]\nruntime = \"runc\"\n",
    )
    .unwrap();
    path
}

fn podman(conf: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("podman")
        .env("CONTAINERS_CONF", conf)
        .args(args)
        .output()
        .unwrap()
}

/// Build the tiny image once per test run: busybox for the shell tools, git with its HTTP helper
/// and every library they and our binary load, our binary, and the fake agent as `claude`.
fn build_image(conf: &Path) {
    static BUILT: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let mut built = BUILT.lock().unwrap();
    if *built {
        return;
    }
    let ctx = tempfile::tempdir().unwrap();
    let root = ctx.path().join("rootfs");
    let ours = Path::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    let agent = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/local_agent/claude");
    let place = |from: &Path, to: &str| {
        let dest = root.join(to.trim_start_matches('/'));
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(from, &dest).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    };
    let git_core = Path::new("/usr/lib/git-core");
    let programs = [
        (
            ours.to_path_buf(),
            "/usr/local/bin/claude-sandbox".to_string(),
        ),
        (agent, "/usr/local/bin/claude".to_string()),
        (which("busybox").unwrap(), "/bin/busybox".to_string()),
        (which("git").unwrap(), "/usr/bin/git".to_string()),
        (
            git_core.join("git-remote-http"),
            "/usr/lib/git-core/git-remote-http".to_string(),
        ),
    ];
    for (from, to) in &programs {
        place(from, to);
    }
    for link in ["git-upload-pack", "git-receive-pack", "git-upload-archive"] {
        std::os::unix::fs::symlink("../../bin/git", root.join("usr/lib/git-core").join(link))
            .unwrap();
    }
    for applet in [
        "sh", "cat", "env", "grep", "tr", "mkdir", "ls", "sleep", "printf", "id", "head", "rm",
        "touch", "echo", "true", "false", "test", "sed", "pwd", "wc",
    ] {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet)).unwrap();
    }
    let ldd = std::process::Command::new("ldd")
        .args([
            ours,
            &which("git").unwrap(),
            &git_core.join("git-remote-http"),
        ])
        .output()
        .unwrap();
    for word in String::from_utf8_lossy(&ldd.stdout).split_whitespace() {
        if word.starts_with('/') && Path::new(word).is_file() {
            place(&std::fs::canonicalize(word).unwrap(), word);
        }
    }
    // The holder's proxy loads the system's root certificates when it starts.
    place(
        Path::new("/etc/ssl/certs/ca-certificates.crt"),
        "/etc/ssl/certs/ca-certificates.crt",
    );
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/gitconfig"), "[safe]\n\tdirectory = *\n").unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0::/root:/bin/sh\nagent:x:1000:1000::/tmp:/bin/sh\nholder:x:1001:1000::/holder:/bin/sh\n",
    )
    .unwrap();
    for dir in ["tmp", "workspace"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::set_permissions(root.join(dir), std::fs::Permissions::from_mode(0o1777)).unwrap();
    }
    std::fs::write(
        ctx.path().join("Containerfile"),
        "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp\nUSER 1000:1000\nWORKDIR /workspace\nENTRYPOINT [\"claude-sandbox\", \"run-in-pod\"]\n",
    )
    .unwrap();
    let ctx_path = ctx.path().display().to_string();
    let previous = stdout_of(&podman(conf, &["images", "-q", IMAGE]));
    let out = podman(conf, &["build", "-q", "-t", IMAGE, &ctx_path]);
    assert!(
        out.status.success(),
        "building the test image: {}",
        stderr_of(&out)
    );
    // The build before this one, now untagged, would pile up run after run.
    let new_id = stdout_of(&out);
    for old in previous.split_whitespace() {
        if !new_id.starts_with(old) {
            podman(conf, &["rmi", old]);
        }
    }
    *built = true;
}

/// A repository on a token-protected loopback git host, and a clone of it to run `local` in.
struct World {
    _host_root: tempfile::TempDir,
    host: support::git_http::GitHttpServer,
    bare: PathBuf,
    checkout: TestRepo,
    conf_dir: tempfile::TempDir,
    conf: PathBuf,
}

fn world() -> World {
    let host_root = tempfile::tempdir().unwrap();
    let bare = support::git_http::bare_repo_with(
        host_root.path(),
        "shop",
        "main",
        &[("README.md", "the shop\n")],
    );
    let host = support::git_http::GitHttpServer::start(host_root.path(), GITHUB_TOKEN);
    let checkout = TestRepo::new();
    let status = std::process::Command::new("git")
        .args(["fetch", "-q"])
        .arg(&bare)
        .arg("main:refs/remotes/origin/main")
        .current_dir(checkout.path())
        .status()
        .unwrap();
    assert!(status.success());
    let head = checkout
        .repo
        .find_reference("refs/remotes/origin/main")
        .unwrap()
        .target()
        .unwrap();
    checkout
        .repo
        .reference("refs/heads/main", head, true, "test")
        .unwrap();
    checkout.repo.checkout_head(None).ok();
    checkout.push_to("main", head);
    checkout.set_origin(&host.url("shop"));
    let conf_dir = tempfile::tempdir().unwrap();
    let conf = containers_conf(conf_dir.path());
    World {
        _host_root: host_root,
        host,
        bare,
        checkout,
        conf_dir,
        conf,
    }
}

impl World {
    fn local(&self, args: &[&str]) -> std::process::Output {
        self.checkout
            .cmd()
            .env("CONTAINERS_CONF", &self.conf)
            .env("TMPDIR", self.conf_dir.path())
            .env("CLAUDE_SANDBOX_HOLDER_IMAGE", IMAGE)
            .env("GITHUB_TOKEN", GITHUB_TOKEN)
            .env("ANTHROPIC_API_KEY", API_KEY)
            .env("CLAUDE_SANDBOX_ANTHROPIC_API", "http://127.0.0.1:9")
            .args([
                "local",
                "--services",
                "none",
                "--network",
                "host",
                "--image",
                IMAGE,
            ])
            .args(args)
            .timeout(Duration::from_secs(300))
            .output()
            .unwrap()
    }

    /// The pods, volumes and secrets the engine still has whose names carry this repository's.
    fn leftovers(&self) -> Vec<String> {
        let mut left = vec![];
        for (what, args) in [
            ("pod", &["pod", "ps", "--format", "{{.Name}}"][..]),
            ("volume", &["volume", "ls", "--format", "{{.Name}}"][..]),
            ("secret", &["secret", "ls", "--format", "{{.Name}}"][..]),
        ] {
            let out = podman(&self.conf, args);
            for name in stdout_of(&out).lines() {
                if name.starts_with("claude-sandbox-widgets-")
                    || name.starts_with("claude-sandbox-shop-")
                {
                    left.push(format!("{what} {name}"));
                }
            }
        }
        left
    }

    fn branches(&self) -> Vec<String> {
        let repo = git2::Repository::open_bare(&self.bare).unwrap();
        repo.branches(None)
            .unwrap()
            .map(|b| b.unwrap().0.name().unwrap().unwrap().to_string())
            .collect()
    }
}

#[test]
fn real_podman_runs_the_pod_publishes_and_leaves_nothing() {
    if !real_engine() {
        return;
    }
    let _one = ONE_POD.lock().unwrap_or_else(|e| e.into_inner());
    let w = world();
    build_image(&w.conf);
    let before = w.leftovers();
    let started = Instant::now();
    let out = w.local(&["-o", "json", "add a local file"]);
    eprintln!("local run, start to removal: {:?}", started.elapsed());
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("credentials found: 0"),
        "the agent reached a credential: {stderr}"
    );
    assert!(stderr.contains("working in /workspace"), "{stderr}");
    let receipt: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the receipt ({e}): {}\n{stderr}", stdout_of(&out)));
    assert_eq!(receipt["outcome"], "succeeded", "{receipt}");
    assert_eq!(receipt["turns"], 2, "{receipt}");
    let branch = receipt["branch"].as_str().unwrap_or_default().to_string();
    assert!(branch.starts_with("claude-sandbox/"), "{receipt}\n{stderr}");
    assert!(w.branches().contains(&branch), "{:?}", w.branches());
    assert!(
        w.host.requests().iter().any(|r| r.authorized),
        "the holder used the token"
    );
    let left: Vec<String> = w
        .leftovers()
        .into_iter()
        .filter(|l| !before.contains(l))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn real_podman_keeps_the_stopped_pod_with_keep_and_a_failed_agent_exits_3() {
    if !real_engine() {
        return;
    }
    let _one = ONE_POD.lock().unwrap_or_else(|e| e.into_inner());
    let w = world();
    build_image(&w.conf);
    let before = w.leftovers();
    let out = w.local(&["--keep", "--raw", "give up and exit 5"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}\n{}", stdout_of(&out));
    assert!(stderr.contains("exited with code 5"), "{stderr}");
    let left: Vec<String> = w
        .leftovers()
        .into_iter()
        .filter(|l| !before.contains(l))
        .collect();
    let pods: Vec<&String> = left.iter().filter(|l| l.starts_with("pod ")).collect();
    assert_eq!(pods.len(), 1, "{left:?}");
    assert!(
        !left.iter().any(|l| l.starts_with("secret ")),
        "the credentials stay behind: {left:?}"
    );
    let pod = pods[0].trim_start_matches("pod ").to_string();
    // What the engine gave each container: the token in the holder's environment only.
    let env_of = |container: &str| {
        stdout_of(&podman(
            &w.conf,
            &[
                "inspect",
                "--format",
                "{{.Config.Env}}",
                &format!("{pod}-{container}"),
            ],
        ))
    };
    assert!(
        env_of("holder").contains(GITHUB_TOKEN),
        "the holder has the token"
    );
    let agent_env = env_of("claude");
    assert!(agent_env.contains("TASK="), "{agent_env}");
    for secret in [GITHUB_TOKEN, API_KEY] {
        assert!(
            !agent_env.contains(secret),
            "the agent's container holds a credential"
        );
    }
    // Clean up what --keep left.
    podman(&w.conf, &["pod", "rm", "--force", &pod]);
    for l in &left {
        if let Some(v) = l.strip_prefix("volume ") {
            podman(&w.conf, &["volume", "rm", "--force", v]);
        }
    }
}

#[test]
fn timeout_stops_the_run_with_124_and_removes_the_pod() {
    let fake = Fake::new(&["podman"]);
    let repo = repo();
    let started = Instant::now();
    let out = fake
        .cmd(&repo)
        .env("FAKE_LOGS_SLEEP", "30")
        .args([
            "local",
            "--timeout",
            "1s",
            "--network",
            "sandbox-net",
            "--services",
            "none",
            "fix it",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", stderr_of(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        stderr_of(&out).contains("timed out after 1s"),
        "{}",
        stderr_of(&out)
    );
    let calls = fake.calls();
    let play = calls
        .iter()
        .find(|c| c.argv.starts_with(&["kube".into(), "play".into()]))
        .unwrap();
    assert_eq!(play.argv, ["kube", "play", "--network", "sandbox-net", "-"]);
    let verbs = fake.verbs();
    assert!(verbs.contains(&"pod rm".to_string()), "{verbs:?}");
    assert!(!verbs.contains(&"wait claude-sandbox".to_string()));
}

#[test]
fn real_podman_ctrl_c_removes_the_running_pod() {
    if !real_engine() {
        return;
    }
    let _one = ONE_POD.lock().unwrap_or_else(|e| e.into_inner());
    let w = world();
    build_image(&w.conf);
    let before = w.leftovers();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
    let home = w.conf_dir.path().join("home");
    cmd.current_dir(w.checkout.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("CONTAINERS_CONF", &w.conf)
        .env("CLAUDE_SANDBOX_HOLDER_IMAGE", IMAGE)
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("ANTHROPIC_API_KEY", API_KEY)
        .env("CLAUDE_SANDBOX_ANTHROPIC_API", "http://127.0.0.1:9")
        .args([
            "local",
            "--services",
            "none",
            "--network",
            "host",
            "--image",
            IMAGE,
        ])
        .arg("linger a while")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("lingering") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(120)).is_err() {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!("the agent never started lingering: {}", stderr_of(&out));
    }
    let interrupted = Instant::now();
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    eprintln!("Ctrl-C to exit: {:?}", interrupted.elapsed());
    let left: Vec<String> = w
        .leftovers()
        .into_iter()
        .filter(|l| !before.contains(l))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn the_job_flags_shape_the_pod_as_they_shape_a_remote_job() {
    let repo = repo();
    let task = repo.path().join("TASK.md");
    std::fs::write(&task, "the task from a file\n").unwrap();
    let out = repo
        .cmd()
        .env("PATH", "/nonexistent")
        .args([
            "local",
            "--dry-run",
            "-o",
            "json",
            "--services",
            "redis",
            "--image",
            "example.com/me/agent:1",
            "--branch",
            "feature/x",
            "--repo-url",
            "https://example.com/me/other.git",
            "--env",
            "FOO=bar",
            "--cpu",
            "3",
            "--memory",
            "5Gi",
            "--deadline",
            "2h",
            "--max-turns",
            "7",
            "--task-file",
        ])
        .arg(&task)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let pod: Pod = serde_json::from_slice(&out.stdout).unwrap();
    let spec = pod.spec.unwrap();
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["holder", "redis", "claude"]);
    let agent = spec.containers.iter().find(|c| c.name == "claude").unwrap();
    assert_eq!(agent.image.as_deref(), Some("example.com/me/agent:1"));
    let env: BTreeMap<&str, &str> = agent
        .env
        .iter()
        .flatten()
        .map(|e| (e.name.as_str(), e.value.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(env["TASK"], "the task from a file\n");
    assert_eq!(env["REPO_BRANCH"], "feature/x");
    assert_eq!(env["REPO_URL"], "https://example.com/me/other.git");
    assert_eq!(env["FOO"], "bar");
    assert_eq!(env["REDIS_URL"], "redis://localhost:6379");
    assert_eq!(env["CLAUDE_SANDBOX_DEADLINE_SECONDS"], "7200");
    assert!(env["CLAUDE_SANDBOX_AGENT_ARGS"].contains("7"), "{env:?}");
    let resources = agent.resources.as_ref().unwrap();
    assert_eq!(resources.requests.as_ref().unwrap()["cpu"].0, "3");
    assert_eq!(resources.requests.as_ref().unwrap()["memory"].0, "5Gi");
}

#[test]
fn docker_timeout_stops_the_run_with_124_and_the_holder_joins_the_chosen_network() {
    let fake = Fake::new(&["docker"]);
    let repo = repo();
    let started = Instant::now();
    let out = fake
        .cmd(&repo)
        .env("FAKE_LOGS_SLEEP", "30")
        .args([
            "local",
            "--timeout",
            "1s",
            "--network",
            "sandbox-net",
            "--services",
            "none",
            "fix it",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(124), "{}", stderr_of(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
    let calls = fake.calls();
    let runs: Vec<&Call> = calls.iter().filter(|c| is_detached_run(c)).collect();
    assert_eq!(flag_values(&runs[0].argv, "--network"), ["sandbox-net"]);
    assert!(flag_values(&runs[1].argv, "--network")[0].starts_with("container:"));
    let verbs = fake.verbs();
    assert!(verbs.contains(&"rm --force".to_string()), "{verbs:?}");
    assert!(verbs.contains(&"volume rm".to_string()), "{verbs:?}");
    assert!(!verbs.iter().any(|v| v.starts_with("wait ")), "{verbs:?}");
}
