//! `claude-sandbox run-in-pod holder` and `run-in-pod agent`, the pod's two containers, run as two
//! subprocesses the way the Job runs them: each with only its own environment (the agent without
//! any credential, with the proxy's address and a placeholder key), sharing the seed, hand-off and
//! work directories. A local bare repository (or the loopback git host) is the remote; fake
//! `claude`/`sops`/installer scripts sit on a PATH that holds nothing else; TCP listeners stand in
//! for the services and loopback servers for Telegram and the Anthropic API. Every git started is
//! recorded, so the tests can say no token was ever on a command line.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::ops::Not;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{stderr_of, stdout_of};

const TOKEN: &str = "ghp_PLANTEDtoken0123456789abcdefghijklmnop";
const TELEGRAM_TOKEN: &str = "7777777:AAplantedTelegramTokenValue";
const JOB: &str = "claude-sandbox-shop-20261123-101500-ab12";
const WORK_BRANCH: &str = "claude-sandbox/claude-sandbox-shop-20261123-101500-ab12";

/// The tools the fake scripts and git need; nothing else is on the pod's PATH, so no installer
/// of the machine running the tests can sneak into a test.
const SYSTEM_TOOLS: &[&str] = &[
    "sh", "bash", "cat", "env", "printf", "echo", "mkdir", "rm", "grep", "head", "tail", "wc",
    "tr", "sed", "dirname", "basename", "ls", "cp", "mv", "touch", "true", "false", "tee", "id",
    "sleep", "date", "expr", "test", "[", "truncate", "ln", "setsid", "chmod", "stat", "kill",
];

/// What the holder alone gets: the credentials secret, the age key, its upstreams.
const HOLDER_ONLY: &[&str] = &[
    "GITHUB_TOKEN",
    "ANTHROPIC_API_KEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_CHAT_ID",
    "CLAUDE_SANDBOX_AGE_KEY",
    "CLAUDE_SANDBOX_ANTHROPIC_API",
    "CLAUDE_SANDBOX_TELEGRAM_API",
    "CLAUDE_SANDBOX_PULL_REQUEST",
    "CLAUDE_SANDBOX_GITHUB_API",
];
const API_KEY: &str = "sk-ant-api03-plantedAnthropicKeyValue";
const PLACEHOLDER: &str = "sk-ant-placeholder-claude-sandbox-shop-20261123-101500-ab12";

/// The fake agent: records how it was started, checks out what it saw, then does what
/// FAKE_CLAUDE says.
const FAKE_CLAUDE: &str = r#"#!/bin/sh
printf '%s\n' "$@" > "$RECORD/claude-args"
env > "$RECORD/claude-env"
git rev-parse HEAD > "$RECORD/claude-saw-commit"
git rev-parse --abbrev-ref HEAD > "$RECORD/claude-saw-branch"
echo '{"type":"system","subtype":"init","model":"fake-model"}'
echo 'plain line from the agent'
case "$FAKE_CLAUDE" in
  commit)
    echo "agent change" >> README.md
    git add README.md
    git commit -q -m "Fix the thing"
    ;;
  dirty)
    echo "left over" > NOTES.txt
    ;;
  push-base)
    echo "sneaky" >> README.md
    git commit -q -am "sneaky"
    if git push origin HEAD:main > "$RECORD/agent-push" 2>&1; then echo pushed > "$RECORD/agent-push-result"; else echo refused > "$RECORD/agent-push-result"; fi
    ;;
  slow)
    echo "agent change" >> README.md
    git add README.md
    git commit -q -m "Work in progress"
    # A process that leaves the agent's process group and keeps writing to the work tree.
    setsid sh -c 'while true; do echo tick >> "$RECORD/late-writes"; sleep 0.1; done' > /dev/null 2>&1 &
    touch "$RECORD/slow-ready"
    sleep 30
    ;;
  proxy)
    touch "$RECORD/proxy-ready"
    i=0; while [ ! -e "$RECORD/proxy-done" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
    ;;
  hostile)
    # The environment of the sandbox's own process (PID 1 of its container in a pod; the other
    # containers' processes are out of its sight there, which the namespace tests check), its
    # own, and git's and our helper's idea of the remote's credentials.
    for f in /proc/$PPID/environ /proc/$PPID/cmdline /proc/$$/environ; do tr '\000' '\n' < "$f"; done > "$RECORD/hostile-saw" 2>/dev/null
    printf 'url=%s\n\n' "$REPO_URL" | git credential fill >> "$RECORD/hostile-saw" 2>&1
    printf 'protocol=https\nhost=github.com\n\n' | claude-sandbox git-credential get >> "$RECORD/hostile-saw" 2>&1
    # Its own commit, with a file GitHub would refuse.
    echo "agent change" >> README.md
    truncate -s 150M committed-big.bin
    git add README.md committed-big.bin
    git commit -q -m "Fix the thing"
    # Left uncommitted: a note, another large file, links to the holder's secrets.
    echo "left over" > NOTES.txt
    truncate -s 150M big.bin
    ln -s "$RECORD/../age-key" age-link
    ln -s /proc/self/environ env-link
    # Programs that would run in whoever next runs git here; each leaves a mark if it runs.
    for n in fsmonitor clean smudge gpg credential include askpass pre-commit pre-push post-commit reference-transaction; do
      printf '#!/bin/sh\ntouch "%s/planted-ran-%s"\nenv > "%s/planted-env-%s"\ncat > /dev/null\n' "$RECORD" "$n" "$RECORD" "$n" > "$RECORD/prog-$n"
      chmod +x "$RECORD/prog-$n"
    done
    git config core.fsmonitor "$RECORD/prog-fsmonitor"
    git config filter.evil.clean "$RECORD/prog-clean"
    git config filter.evil.smudge "$RECORD/prog-smudge"
    git config filter.evil.required true
    echo '* filter=evil' > .gitattributes
    printf '[core]\n\tfsmonitor = %s\n' "$RECORD/prog-include" > "$RECORD/evil.cfg"
    git config include.path "$RECORD/evil.cfg"
    git config commit.gpgSign true
    git config gpg.program "$RECORD/prog-gpg"
    git config credential.helper "$RECORD/prog-credential"
    git config core.askPass "$RECORD/prog-askpass"
    git config http.proxy http://127.0.0.1:9
    git config url."file:///nonexistent/".insteadOf "$REPO_URL"
    for h in pre-commit pre-push post-commit reference-transaction; do cp "$RECORD/prog-$h" ".git/hooks/$h"; done
    git config core.hooksPath .git/hooks
    echo "$RECORD/.." > .git/objects/info/alternates
    # A process that leaves the agent's process group and keeps writing to the work tree.
    setsid sh -c 'while true; do echo tick >> "$RECORD/late-writes"; echo tick >> late.txt; sleep 0.1; done' > /dev/null 2>&1 &
    sleep 0.3
    ;;
  orphan)
    # Its branch moved to a history of its own, unrelated to the commit it started from.
    echo "agent change" >> README.md
    git checkout -q --orphan unrelated
    git commit -q -m "unrelated history"
    git branch -f "claude-sandbox/$CLAUDE_SANDBOX_JOB" HEAD
    ;;
  capped)
    # It forges a receipt of its own where PID 1 will write the real one.
    echo '{"outcome":"succeeded","exit_code":0,"cost_usd":0}' > "$RECORD/../receipt.json"
    echo "agent change" >> README.md
    git commit -q -am "part of it"
    echo '{"type":"result","subtype":"error_max_turns","is_error":false,"num_turns":5,"total_cost_usd":0.25,"usage":{"input_tokens":100,"output_tokens":20}}'
    exit 0
    ;;
  inject)
    # Its own figures, written to break a request they might be pasted into, and a settings file
    # for the next job that would send the token to it.
    echo "agent change" >> README.md
    printf 'github_api = "http://127.0.0.1:9/collect"\n' > .claude-sandbox.toml
    git add README.md .claude-sandbox.toml
    git commit -q -m "Fix the thing"
    printf '{"type":"result","subtype":"success","is_error":false,"num_turns":"2\\r\\nX-Injected: yes","total_cost_usd":"1\\r\\nHost: 127.0.0.1:9","usage":{"input_tokens":"5\\r\\n\\r\\nGET /evil HTTP/1.1","output_tokens":7}}\n'
    exit 0
    ;;
  fail)
    echo "half done" >> README.md
    git commit -q -am "half"
    echo '{"type":"result","subtype":"error_during_execution","is_error":true,"num_turns":3}'
    exit 3
    ;;
esac
echo '{"type":"result","subtype":"success","is_error":false,"num_turns":2,"total_cost_usd":0.01,"usage":{"input_tokens":1200,"output_tokens":340},"result":"done"}'
"#;

/// Every git the sandbox (or the agent) starts is recorded, arguments NUL-separated.
fn git_wrapper(real_git: &Path) -> String {
    format!(
        "#!/bin/sh\nprintf '%s\\0' \"$@\" >> \"$RECORD/git-args\"\necho >> \"$RECORD/git-args\"\nexec {} \"$@\"\n",
        real_git.display()
    )
}

/// A fake installer: records that it ran, and fails with FAIL_<NAME> when that is set.
fn fake_tool(name: &str) -> String {
    let var = format!("FAIL_{}", name.to_uppercase().replace(['-', '/', '.'], "_"));
    format!(
        "#!/bin/sh\necho \"{name} $*\" >> \"$RECORD/steps\"\nenv > \"$RECORD/{name}-env\"\n\
         if [ -n \"${var}\" ]; then i=1; while [ $i -le 40 ]; do echo \"{name} output line $i\"; i=$((i+1)); done; echo \"{name}: it broke\" >&2; exit ${var}; fi\n"
    )
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(which("git").expect("git"))
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr_of(&out));
    stdout_of(&out).trim().to_owned()
}

/// One pod: its remote, its work directory, its PATH of fakes, and what they recorded.
struct Pod {
    root: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

impl Pod {
    /// A remote `shop.git` whose `main` has two commits (the files given go into the first).
    fn new(files: &[(&str, &str)]) -> Pod {
        let root = tempfile::tempdir().unwrap();
        let p = root.path();
        let seed = p.join("seed");
        std::fs::create_dir_all(&seed).unwrap();
        git(&seed, &["init", "-q", "-b", "main"]);
        std::fs::write(seed.join("README.md"), "shop\n").unwrap();
        for (name, text) in files {
            let f = seed.join(name);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(&f, text).unwrap();
            if name.starts_with("bin/") {
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-q", "-m", "first"]);
        std::fs::write(seed.join("CHANGELOG.md"), "v2\n").unwrap();
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-q", "-m", "second"]);
        git(p, &["clone", "-q", "--bare", "seed", "shop.git"]);

        let real_git = which("git").expect("git on PATH");
        let bin = p.join("bin");
        write_exe(&bin.join("git"), &git_wrapper(&real_git));
        write_exe(&bin.join("claude"), FAKE_CLAUDE);
        let sys = p.join("sys");
        std::fs::create_dir_all(&sys).unwrap();
        for tool in SYSTEM_TOOLS {
            if let Some(real) = which(tool) {
                std::os::unix::fs::symlink(real, sys.join(tool)).unwrap();
            }
        }
        std::fs::create_dir_all(p.join("record")).unwrap();

        let mut env = BTreeMap::new();
        for (k, v) in [
            ("TASK", "fix the flaky spec"),
            ("REPO_BRANCH", "main"),
            ("CLAUDE_SANDBOX_JOB", JOB),
            ("GITHUB_TOKEN", TOKEN),
            ("ANTHROPIC_API_KEY", API_KEY),
            ("CLAUDE_SANDBOX_PLACEHOLDER", PLACEHOLDER),
            ("FAKE_CLAUDE", "commit"),
            ("HOME", "/nonexistent"),
        ] {
            env.insert(k.to_owned(), v.to_owned());
        }
        env.insert(
            "REPO_URL".into(),
            format!("file://{}/shop.git", p.display()),
        );
        env.insert(
            "CLAUDE_SANDBOX_WORKDIR".into(),
            p.join("work").display().to_string(),
        );
        env.insert("RECORD".into(), p.join("record").display().to_string());
        env.insert(
            "CLAUDE_SANDBOX_RECEIPT".into(),
            p.join("receipt.json").display().to_string(),
        );
        for (var, dir) in [
            ("CLAUDE_SANDBOX_SEED", "seed-volume"),
            ("CLAUDE_SANDBOX_HANDOFF", "handoff-volume"),
            ("CLAUDE_SANDBOX_HOLDER_DIR", "holder-volume"),
        ] {
            std::fs::create_dir_all(p.join(dir)).unwrap();
            env.insert(var.into(), p.join(dir).display().to_string());
        }
        env.insert(
            "CLAUDE_SANDBOX_PROXY_PORT".into(),
            closed_port().to_string(),
        );
        env.insert(
            "PATH".into(),
            format!("{}:{}", bin.display(), sys.display()),
        );
        env.insert(
            "CLAUDE_SANDBOX_AGE_KEY".into(),
            p.join("age-key").display().to_string(),
        );
        Pod { root, env }
    }

    fn path(&self) -> &Path {
        self.root.path()
    }

    fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.env.insert(key.to_owned(), value.into());
        self
    }

    fn unset(&mut self, key: &str) -> &mut Self {
        self.env.remove(key);
        self
    }

    fn tool(&mut self, name: &str) -> &mut Self {
        write_exe(&self.path().join("bin").join(name), &fake_tool(name));
        self
    }

    /// The receipt the agent's PID 1 left as the termination message.
    fn receipt(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path().join("receipt.json")).expect("a receipt");
        assert!(text.len() < 4096, "{text}");
        serde_json::from_str(&text).expect("the receipt is JSON")
    }

    fn remote(&self) -> PathBuf {
        self.path().join("shop.git")
    }

    fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    fn record(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join("record").join(name)).unwrap_or_default()
    }

    fn remote_rev(&self, rev: &str) -> Option<String> {
        let out = Command::new(which("git").unwrap())
            .args(["rev-parse", "--verify", "--quiet", rev])
            .current_dir(self.remote())
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| stdout_of(&out).trim().to_owned())
    }

    /// Nothing the agent started is still running: the writer it left behind has stopped.
    fn assert_nothing_left_running(&self) {
        let size = || self.record("late-writes").len();
        let before = size();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(before, size(), "a process of the agent's still writes");
    }

    fn assert_agent_never_ran(&self) {
        assert!(
            self.record("claude-args").is_empty(),
            "the agent must not start"
        );
    }

    /// One role's process, with the environment its container gets.
    fn command(&self, role: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_claude-sandbox"));
        cmd.args(["run-in-pod", role]).env_clear();
        if role == "holder" {
            cmd.envs(&self.env);
        } else {
            cmd.envs(
                self.env
                    .iter()
                    .filter(|(k, _)| !HOLDER_ONLY.contains(&k.as_str())),
            )
            .env(
                "ANTHROPIC_BASE_URL",
                format!("http://127.0.0.1:{}", self.env["CLAUDE_SANDBOX_PROXY_PORT"]),
            )
            .env("ANTHROPIC_API_KEY", PLACEHOLDER);
        }
        cmd
    }

    fn proxy_port(&self) -> u16 {
        self.env["CLAUDE_SANDBOX_PROXY_PORT"].parse().unwrap()
    }

    /// The holder first; the agent once the holder's startup probe passes, as the kubelet does.
    fn start(&self) -> Running {
        let file = |name: &str| std::fs::File::create(self.path().join(name)).unwrap();
        let mut holder = self
            .command("holder")
            .stdout(file("holder-stdout"))
            .stderr(file("holder-stderr"))
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        loop {
            let probe = self
                .command("ready")
                .env_clear()
                .envs(&self.env)
                .status()
                .unwrap();
            if probe.success() || holder.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the holder's startup probe never passed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Files, not pipes: a process the agent left behind may keep its copies open, and the
        // container runtime's log does not wait for them either.
        let agent = self
            .command("agent")
            .stdout(file("agent-stdout"))
            .stderr(file("agent-stderr"))
            .spawn()
            .unwrap();
        Running {
            root: self.path().to_owned(),
            holder,
            agent,
        }
    }

    fn run(&self) -> Output {
        let out = self.start().finish();
        self.assert_no_secret_leaked(&out);
        out
    }

    /// The planted secrets appear in no output, no git argument list, no agent argument list,
    /// and no file git keeps in the clone.
    fn assert_no_secret_leaked(&self, out: &Output) {
        let mut places = vec![
            ("stdout", stdout_of(out)),
            ("stderr", stderr_of(out)),
            ("git arguments", self.record("git-args")),
            ("claude arguments", self.record("claude-args")),
        ];
        for file in ["config", "FETCH_HEAD", "packed-refs"] {
            for dir in [
                self.work().join(".git"),
                self.path().join("seed-volume/repo.git"),
            ] {
                places.push((
                    "clone's .git",
                    std::fs::read_to_string(dir.join(file)).unwrap_or_default(),
                ));
            }
        }
        // Everything the agent's programs saw of their environment.
        for file in [
            "claude-env",
            "bundle-env",
            "npm-env",
            "yarn-env",
            "hostile-saw",
        ] {
            places.push(("agent's environment", self.record(file)));
        }
        for (place, text) in places {
            for secret in [TOKEN, TELEGRAM_TOKEN, API_KEY, OAUTH_TOKEN] {
                assert!(
                    !text.contains(secret),
                    "a secret is in the {place}:\n{text}"
                );
            }
        }
        assert!(
            !stdout_of(out).contains("panicked") && !stderr_of(out).contains("panicked"),
            "{}",
            stderr_of(out)
        );
    }
}

const OAUTH_TOKEN: &str = "sk-ant-oat01-plantedOauthTokenValue";

/// Both containers of a running pod.
struct Running {
    root: PathBuf,
    holder: std::process::Child,
    agent: std::process::Child,
}

impl Running {
    fn agent_pid(&self) -> u32 {
        self.agent.id()
    }

    /// Wait for the agent's container to end, then stop the holder as the kubelet stops a
    /// sidecar; the agent's status, and both logs (the agent's first).
    fn finish(mut self) -> Output {
        let status = wait_at_most(&mut self.agent, Duration::from_secs(120));
        let _ = Command::new("kill")
            .args(["-TERM", &self.holder.id().to_string()])
            .status();
        let holder_status = wait_at_most(&mut self.holder, Duration::from_secs(60));
        let read = |name: &str| std::fs::read(self.root.join(name)).unwrap_or_default();
        let mut stdout = read("agent-stdout");
        stdout.extend(read("holder-stdout"));
        let mut stderr = read("agent-stderr");
        stderr.extend(read("holder-stderr"));
        assert!(
            holder_status.code().is_some(),
            "the holder must end by itself at SIGTERM: {holder_status:?}"
        );
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

/// A test that fails half-way leaves no pod process behind.
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.agent.kill();
        let _ = self.holder.kill();
        let _ = self.agent.wait();
        let _ = self.holder.wait();
    }
}

fn wait_at_most(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("a pod process did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout_of(out),
        stderr_of(out)
    );
}

/// A port nothing listens on: bound, then let go.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn events(out: &Output) -> Vec<serde_json::Value> {
    stdout_of(out)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "claude_sandbox")
        .collect()
}

#[test]
fn the_agents_commit_is_pushed_to_a_new_branch_from_the_requested_commit() {
    let mut pod = Pod::new(&[]);
    let first = pod.remote_rev("main~1").unwrap();
    let main_before = pod.remote_rev("main").unwrap();
    pod.set("REPO_COMMIT", &first);
    let out = pod.run();
    assert_exit(&out, 0);

    // The agent worked on the commit the CLI saw, not on the newer tip, on the work branch.
    assert_eq!(pod.record("claude-saw-commit").trim(), first);
    assert_eq!(pod.record("claude-saw-branch").trim(), WORK_BRANCH);
    // Its commit is on the new branch, right after that commit; main is untouched.
    let pushed = pod
        .remote_rev(WORK_BRANCH)
        .expect("the work branch was pushed");
    assert_eq!(pod.remote_rev(&format!("{WORK_BRANCH}~1")).unwrap(), first);
    assert_eq!(pod.remote_rev("main").unwrap(), main_before);
    let readme = git(&pod.remote(), &["show", &format!("{pushed}:README.md")]);
    assert!(readme.contains("agent change"), "{readme}");

    let stdout = stdout_of(&out);
    // The agent's lines pass through untouched, in order.
    assert!(stdout.contains("{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"fake-model\"}\nplain line from the agent\n"), "{stdout}");
    let ev = events(&out);
    assert_eq!(ev.len(), 1, "{stdout}");
    assert_eq!(ev[0]["event"], "pushed");
    assert_eq!(ev[0]["branch"], WORK_BRANCH);
    assert_eq!(ev[0]["commits"], 1);
    // What `logs` shows a user of this pod's output: the push as one readable line.
    let mut renderer = claude_sandbox::follow::render::Renderer::new(
        claude_sandbox::follow::render::Style::default(),
    );
    let shown: Vec<String> = stdout.lines().filter_map(|l| renderer.line(l)).collect();
    assert!(
        shown.contains(&format!("→ pushed 1 commit to branch {WORK_BRANCH}")),
        "{shown:#?}"
    );
    // The agent got the task as its prompt and no push credential.
    let args: Vec<String> = pod
        .record("claude-args")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        args,
        [
            "-p",
            "fix the flaky spec",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions"
        ]
    );
    let agent_env = pod.record("claude-env");
    assert!(!agent_env.contains("GITHUB_TOKEN"), "{agent_env}");
    assert!(
        agent_env.contains(&format!("ANTHROPIC_API_KEY={PLACEHOLDER}")),
        "the agent holds the placeholder: {agent_env}"
    );
    assert!(agent_env.contains(&format!(
        "ANTHROPIC_BASE_URL=http://127.0.0.1:{}",
        pod.proxy_port()
    )));
    assert!(agent_env.contains("GIT_TERMINAL_PROMPT=0"));
    // Shallow where the transport allows it.
    assert!(pod.work().join(".git/shallow").exists());
    let receipt = pod.receipt();
    assert_eq!(receipt["outcome"], "succeeded", "{receipt}");
    assert_eq!(receipt["exit_code"], 0);
    assert_eq!(receipt["turns"], 2);
    assert_eq!(receipt["cost_usd"], 0.01);
    assert_eq!(receipt["input_tokens"], 1200);
    assert_eq!(receipt["output_tokens"], 340);
    assert_eq!(receipt["branch"], WORK_BRANCH);
    assert_eq!(receipt["commit"], pushed.as_str());
    assert!(receipt["duration_s"].is_u64());
    assert!(receipt.get("cap").is_none() && receipt.get("pr_url").is_none());
    for phase in [
        "cloning file://",
        "cloned in",
        "starting the agent",
        "handing the work over",
        "pushing 1 commit",
    ] {
        assert!(stdout.contains(phase), "no {phase:?} in:\n{stdout}");
    }
}

#[test]
fn left_over_changes_are_committed_with_the_task_as_message() {
    let mut pod = Pod::new(&[]);
    let task = "Rename the «checkout» step\n\nKeep `$PATH` and \"quotes\"; -- not an option";
    pod.set("FAKE_CLAUDE", "dirty").set("TASK", task);
    let out = pod.run();
    assert_exit(&out, 0);
    let message = git(&pod.remote(), &["log", "-1", "--format=%B", WORK_BRANCH]);
    assert_eq!(message, task);
    let notes = git(
        &pod.remote(),
        &["show", &format!("{WORK_BRANCH}:NOTES.txt")],
    );
    assert_eq!(notes, "left over");
    assert!(
        git(&pod.remote(), &["log", "-1", "--format=%an", WORK_BRANCH]) == "claude-sandbox",
        "the image has no git identity, so the sandbox names itself"
    );
}

#[test]
fn no_changes_pushes_nothing_and_says_so() {
    let mut pod = Pod::new(&[]);
    pod.set("FAKE_CLAUDE", "nothing");
    let out = pod.run();
    assert_exit(&out, 0);
    assert_eq!(pod.remote_rev(WORK_BRANCH), None);
    assert_eq!(events(&out)[0]["event"], "no_changes");
    assert!(stdout_of(&out).contains("the agent made no changes"));
}

#[test]
fn a_run_ended_by_its_turn_budget_says_so_in_the_receipt_whatever_the_agent_wrote_there() {
    let mut pod = Pod::new(&[]);
    pod.set("FAKE_CLAUDE", "capped");
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(pod.remote_rev(WORK_BRANCH).is_some(), "its work is pushed");
    let receipt = pod.receipt();
    assert_eq!(receipt["outcome"], "capped", "{receipt}");
    assert_eq!(receipt["cap"], "max_turns");
    assert_eq!(receipt["turns"], 5);
    assert_eq!(receipt["cost_usd"], 0.25);
    assert!(stdout_of(&out).contains("max_turns budget"));
}

#[test]
fn a_failed_agent_keeps_its_exit_code_and_its_work_is_still_pushed() {
    let mut pod = Pod::new(&[]);
    pod.set("FAKE_CLAUDE", "fail");
    let out = pod.run();
    assert_exit(&out, 3);
    assert!(pod.remote_rev(WORK_BRANCH).is_some());
    assert!(stdout_of(&out).contains("exit code 3"));
    let receipt = pod.receipt();
    assert_eq!(receipt["outcome"], "failed", "{receipt}");
    assert_eq!(receipt["exit_code"], 3);
}

#[test]
fn the_longest_task_the_cli_allows_reaches_the_agent_whole() {
    let mut pod = Pod::new(&[]);
    // 120 KiB, the CLI's limit: just under Linux's 128 KiB for one environment string or argument.
    let task = "é".repeat(60 * 1024);
    pod.set("TASK", &task).set("FAKE_CLAUDE", "dirty");
    let out = pod.run();
    assert_exit(&out, 0);
    assert_eq!(
        pod.record("claude-args").lines().nth(1),
        Some(task.as_str())
    );
    // The commit message is the whole task too (given to git on stdin).
    let message = git(&pod.remote(), &["log", "-1", "--format=%B", WORK_BRANCH]);
    assert_eq!(message, task);
}

#[test]
fn services_are_waited_for_and_one_that_never_listens_is_named() {
    let postgres = TcpListener::bind("127.0.0.1:0").unwrap();
    let pg_port = postgres.local_addr().unwrap().port();
    let mut pod = Pod::new(&[]);
    pod.set(
        "DATABASE_URL",
        format!("postgres://claude:claude@127.0.0.1:{pg_port}/sandbox_development"),
    );
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(stdout_of(&out).contains("postgres is up"));
    // The agent sees the service URL.
    assert!(
        pod.record("claude-env")
            .contains(&format!("127.0.0.1:{pg_port}"))
    );

    let closed = closed_port();
    let mut pod = Pod::new(&[]);
    pod.set("REDIS_URL", format!("redis://127.0.0.1:{closed}"))
        .set("CLAUDE_SANDBOX_SERVICE_TIMEOUT", "1s");
    let started = std::time::Instant::now();
    let out = pod.run();
    assert_exit(&out, 1);
    assert!(started.elapsed() < Duration::from_secs(10));
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains(&format!(
            "redis at 127.0.0.1:{closed} (REDIS_URL) did not accept connections within 1s"
        )),
        "{stdout}"
    );
    pod.assert_agent_never_ran();
}

#[test]
fn setup_steps_follow_the_lockfiles_and_run_before_the_agent() {
    let rails = "#!/bin/sh\necho \"bin/rails $*\" >> \"$RECORD/steps\"\n";
    let mut pod = Pod::new(&[
        ("Gemfile", "gem \"rails\"\n"),
        ("Gemfile.lock", ""),
        ("bin/rails", rails),
        ("package.json", "{}"),
        ("package-lock.json", "{}"),
        ("go.mod", "module x\n"),
    ]);
    pod.tool("bundle").tool("npm");
    let db = TcpListener::bind("127.0.0.1:0").unwrap();
    pod.set(
        "DATABASE_URL",
        format!(
            "postgres://claude:claude@127.0.0.1:{}/db",
            db.local_addr().unwrap().port()
        ),
    );
    let out = pod.run();
    assert_exit(&out, 0);
    assert_eq!(
        pod.record("steps"),
        "bundle install\nbin/rails db:prepare\nnpm ci\n"
    );
    let stdout = stdout_of(&out);
    assert!(stdout.contains("[sandbox] $ bundle install\n"), "{stdout}");
    assert!(stdout.contains("bundle install: done in "), "{stdout}");
    // No Go in this image: skipped with a warning, not a failure.
    assert!(
        stdout.contains("skipping `go mod download`: go is not installed in this image"),
        "{stdout}"
    );
    // Installers run non-interactively, without any credential, not even the placeholder.
    let bundle_env = pod.record("bundle-env");
    assert!(bundle_env.contains("CI=true"));
    assert!(!bundle_env.contains("GITHUB_TOKEN"));
    assert!(!bundle_env.contains("ANTHROPIC"), "{bundle_env}");
    // The step output stays out of the log when all is well.
    assert!(!stdout.contains("output line"));
}

#[test]
fn a_failing_step_stops_the_run_with_its_code_and_last_lines() {
    let mut pod = Pod::new(&[("package.json", "{}"), ("yarn.lock", "")]);
    pod.tool("yarn").set("FAIL_YARN", "7");
    let out = pod.run();
    assert_exit(&out, 7);
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains("`yarn install --frozen-lockfile` failed with exit code 7"),
        "{stdout}"
    );
    assert!(
        stdout.contains("yarn: it broke"),
        "stderr lines are kept: {stdout}"
    );
    assert!(stdout.contains("yarn output line 40"), "{stdout}");
    assert!(
        !stdout.contains("yarn output line 5\n"),
        "only the last lines: {stdout}"
    );
    pod.assert_agent_never_ran();
}

#[test]
fn a_setup_script_in_the_repository_replaces_the_built_in_steps() {
    let script = "echo \"custom setup\" >> \"$RECORD/steps\"\n";
    let mut pod = Pod::new(&[
        ("Gemfile", "gem \"pg\"\n"),
        (".claude-sandbox/setup.sh", script),
    ]);
    pod.tool("bundle");
    let out = pod.run();
    assert_exit(&out, 0);
    assert_eq!(pod.record("steps"), "custom setup\n");
}

#[test]
fn sops_secrets_reach_the_agent_by_name_only_in_the_log() {
    let mut pod = Pod::new(&[(".env.sops", "ENC[...]\n")]);
    std::fs::write(pod.path().join("age-key"), "AGE-SECRET-KEY-1PLANTED").unwrap();
    write_exe(
        &pod.path().join("bin/sops"),
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$RECORD/sops-args\"\necho \"key=$SOPS_AGE_KEY_FILE\" > \"$RECORD/sops-key\"\nprintf 'STRIPE_SECRET=sk_test_plantedStripeValue\\n# c\\nFEATURE=on\\n'\n",
    );
    pod.set("FAKE_CLAUDE", "nothing");
    let out = pod.run();
    assert_exit(&out, 0);
    let agent_env = pod.record("claude-env");
    assert!(agent_env.contains("STRIPE_SECRET=sk_test_plantedStripeValue"));
    assert!(agent_env.contains("FEATURE=on"));
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains("decrypted .env.sops: STRIPE_SECRET, FEATURE"),
        "{stdout}"
    );
    assert!(!stdout.contains("sk_test_plantedStripeValue"));
    assert!(pod.record("sops-key").contains("age-key"));
    assert!(pod.record("sops-args").contains("--decrypt"));
}

/// A stand-in for api.telegram.org that records what it was sent.
struct FakeTelegram {
    port: u16,
    got: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeTelegram {
    fn start() -> FakeTelegram {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let record = Arc::clone(&got);
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, body: axum::Json<serde_json::Value>| {
                let record = Arc::clone(&record);
                async move {
                    record.lock().unwrap().push((uri.path().to_owned(), body.0));
                    axum::Json(serde_json::json!({"ok": true}))
                }
            },
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        FakeTelegram {
            port,
            got,
            _runtime: runtime,
        }
    }
}

#[test]
fn telegram_hears_how_the_job_ended_and_a_dead_telegram_is_only_a_warning() {
    let telegram = FakeTelegram::start();
    let mut pod = Pod::new(&[]);
    pod.set("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
        .set("TELEGRAM_CHAT_ID", "-100123")
        .set(
            "CLAUDE_SANDBOX_TELEGRAM_API",
            format!("http://127.0.0.1:{}", telegram.port),
        );
    let out = pod.run();
    assert_exit(&out, 0);
    let got = telegram.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{}", stdout_of(&out));
    assert_eq!(got[0].0, format!("/bot{TELEGRAM_TOKEN}/sendMessage"));
    assert_eq!(got[0].1["chat_id"], "-100123");
    let text = got[0].1["text"].as_str().unwrap();
    for part in [
        JOB,
        "succeeded",
        "shop.git (main)",
        WORK_BRANCH,
        "fix the flaky spec",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    let agent_env = pod.record("claude-env");
    assert!(
        !agent_env.contains("TELEGRAM_BOT_TOKEN") && !agent_env.contains("TELEGRAM_CHAT_ID"),
        "the agent gets no bot token"
    );

    let closed = closed_port();
    let mut pod = Pod::new(&[]);
    pod.set("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
        .set("TELEGRAM_CHAT_ID", "1")
        .set(
            "CLAUDE_SANDBOX_TELEGRAM_API",
            format!("http://127.0.0.1:{closed}"),
        );
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(
        stdout_of(&out).contains("warning: could not notify Telegram"),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn bad_instructions_fail_before_any_work() {
    // Not started by a Job at all.
    let mut pod = Pod::new(&[]);
    pod.unset("TASK");
    let out = pod.run();
    assert_exit(&out, 1);
    assert!(stdout_of(&out).contains("TASK is not set"));
    assert!(!pod.work().exists());

    // A commit the remote does not have (local commits not pushed).
    let mut pod = Pod::new(&[]);
    pod.set("REPO_COMMIT", "0123456789abcdef0123456789abcdef01234567");
    let out = pod.run();
    assert_exit(&out, 1);
    assert!(
        stdout_of(&out).contains("commit 0123456789ab is not on main"),
        "{}",
        stdout_of(&out)
    );

    // A branch the remote does not have.
    let mut pod = Pod::new(&[]);
    pod.set("REPO_BRANCH", "no-such-branch");
    let out = pod.run();
    assert_exit(&out, 1);
    assert!(
        stdout_of(&out).contains("could not clone"),
        "{}",
        stdout_of(&out)
    );
    pod.assert_agent_never_ran();

    // A work directory with something in it already.
    let pod = Pod::new(&[]);
    std::fs::create_dir_all(pod.work()).unwrap();
    std::fs::write(pod.work().join("stray"), "x").unwrap();
    let out = pod.run();
    assert_exit(&out, 1);
    assert!(stdout_of(&out).contains("is not empty"));

    // No agent in the image.
    let pod = Pod::new(&[]);
    std::fs::remove_file(pod.path().join("bin/claude")).unwrap();
    let out = pod.run();
    assert_exit(&out, 127);
    assert!(stdout_of(&out).contains("claude (the Claude Code CLI) is not installed"));
}

#[test]
fn the_credential_helper_answers_only_for_the_repository_host() {
    let ask = |request: &str, repo_url: &str| {
        let out = support::bin()
            .args(["git-credential", "get"])
            .env("REPO_URL", repo_url)
            .env("GITHUB_TOKEN", TOKEN)
            .write_stdin(request)
            .output()
            .unwrap();
        assert_exit(&out, 0);
        stdout_of(&out)
    };
    assert_eq!(
        ask(
            "protocol=https\nhost=github.com\npath=acme/shop.git\n\n",
            "https://github.com/acme/shop.git"
        ),
        format!("username=x-access-token\npassword={TOKEN}\n")
    );
    assert_eq!(
        ask(
            "protocol=https\nhost=evil.example\n\n",
            "https://github.com/acme/shop.git"
        ),
        ""
    );
    // git also calls helpers to store and erase; there is nothing to do.
    let out = support::bin()
        .args(["git-credential", "store"])
        .write_stdin("protocol=https\nhost=github.com\npassword=x\n")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn run_in_pod_is_not_offered_to_users() {
    for args in [
        &["--help"][..],
        &["completions", "bash"],
        &["completions", "fish"],
    ] {
        let out = support::bin().args(args).output().unwrap();
        assert_exit(&out, 0);
        assert!(!stdout_of(&out).contains("run-in-pod"), "{args:?}");
        assert!(!stdout_of(&out).contains("git-credential"), "{args:?}");
    }
}

#[test]
fn over_https_style_auth_the_token_comes_from_the_helper_and_the_agent_cannot_push_the_base() {
    let mut pod = Pod::new(&[]);
    let server = support::git_http::GitHttpServer::start(pod.path(), TOKEN);
    let main_before = pod.remote_rev("main").unwrap();
    pod.set("REPO_URL", server.url("shop"))
        .set("FAKE_CLAUDE", "push-base");
    let out = pod.run();
    assert_exit(&out, 0);

    // The agent had no credential: its push to main was refused and main is as it was.
    assert_eq!(pod.record("agent-push-result").trim(), "refused");
    assert_eq!(pod.remote_rev("main").unwrap(), main_before);
    // The sandbox's own push, with the helper's token, made the work branch.
    let pushed = pod.remote_rev(WORK_BRANCH).expect("work branch pushed");
    let readme = git(&pod.remote(), &["show", &format!("{pushed}:README.md")]);
    assert!(readme.contains("sneaky"));

    let requests = server.requests();
    // git was challenged and then authorised: the token went through the helper, not up front.
    assert!(
        requests
            .iter()
            .any(|r| r.status == 401 && !r.authorization_present)
    );
    assert!(
        requests
            .iter()
            .any(|r| r.authorized && r.uri.contains("git-receive-pack"))
    );
    for r in &requests {
        assert!(!r.uri.contains(TOKEN), "{}", r.uri);
    }
    let config = std::fs::read_to_string(pod.work().join(".git/config")).unwrap();
    assert!(config.contains(&server.url("shop")), "{config}");
    assert!(
        !config.contains("credential"),
        "no helper is left behind: {config}"
    );
}

fn wait_for_file(path: &Path) {
    let started = std::time::Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_cancel_stops_the_agent_and_everything_it_started_and_its_commits_are_still_pushed() {
    let mut pod = Pod::new(&[]);
    pod.set("FAKE_CLAUDE", "slow");
    let running = pod.start();
    wait_for_file(&pod.path().join("record/slow-ready"));
    // What the kubelet does when the job is deleted or at activeDeadlineSeconds.
    let killed = Command::new("kill")
        .args(["-TERM", &running.agent_pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let out = running.finish();
    pod.assert_no_secret_leaked(&out);
    assert_exit(&out, 143);
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the agent's 30 s sleep (and the orphan holding its pipe) must not be waited for"
    );
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains("stopping the agent to publish its work"),
        "{stdout}"
    );
    let pushed = pod.remote_rev(WORK_BRANCH).expect("the work was pushed");
    assert_eq!(
        git(&pod.remote(), &["log", "-1", "--format=%s", &pushed]),
        "Work in progress"
    );
    pod.assert_nothing_left_running();
}

#[test]
fn the_pod_stops_the_agent_itself_before_the_deadline_and_publishes_in_time() {
    let mut pod = Pod::new(&[]);
    // The deadline is 183 s after the pod's start and 180 s are kept for publishing: the agent
    // (which would sleep 30 s) is stopped about 3 s in.
    pod.set("FAKE_CLAUDE", "slow")
        .set("CLAUDE_SANDBOX_DEADLINE_SECONDS", "183");
    let started = std::time::Instant::now();
    let out = pod.run();
    assert_exit(&out, 143);
    assert!(started.elapsed() < Duration::from_secs(25));
    let stdout = stdout_of(&out);
    assert!(stdout.contains("the job's deadline is near"), "{stdout}");
    assert!(pod.remote_rev(WORK_BRANCH).is_some(), "{stdout}");
    pod.assert_nothing_left_running();
}

#[test]
fn a_work_directory_owned_by_another_user_is_still_worked_in() {
    // In the pod the workspace volume belongs to root while the sandbox runs as uid 1000; git
    // calls that "dubious ownership". Here the tests run as root, so the mirror image is made:
    // a work directory owned by uid 1000.
    if running_as_root().not() {
        support::cannot_run("needs to run as root to give the work directory to another user");
        return;
    }
    let pod = Pod::new(&[]);
    std::fs::create_dir_all(pod.work()).unwrap();
    std::os::unix::fs::chown(pod.work(), Some(1000), Some(1000)).unwrap();
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(pod.remote_rev(WORK_BRANCH).is_some(), "{}", stdout_of(&out));
    // The agent's own git worked there too: its commit, not the sandbox's commit of left-overs.
    assert_eq!(
        git(&pod.remote(), &["log", "-1", "--format=%s", WORK_BRANCH]),
        "Fix the thing"
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| stdout_of(&o).trim() == "0")
}

#[test]
fn what_only_the_installers_changed_is_not_the_agents_work() {
    // bundle install adding a platform to Gemfile.lock and leaving a cache file behind.
    let bundle = "#!/bin/sh\necho '  x86_64-linux' >> Gemfile.lock\nmkdir -p tmp && echo cache > tmp/cache.bin\n";
    let mut pod = Pod::new(&[("Gemfile", "gem \"pg\"\n"), ("Gemfile.lock", "PLATFORMS\n")]);
    write_exe(&pod.path().join("bin/bundle"), bundle);
    pod.set("FAKE_CLAUDE", "nothing");
    let out = pod.run();
    assert_exit(&out, 0);
    assert_eq!(pod.remote_rev(WORK_BRANCH), None, "{}", stdout_of(&out));
    assert_eq!(events(&out)[0]["event"], "no_changes");
    assert!(
        stdout_of(&out)
            .contains("left out what only the setup steps changed: Gemfile.lock, tmp/cache.bin"),
        "{}",
        stdout_of(&out)
    );

    // With real work, only the agent's files are committed.
    let mut pod = Pod::new(&[("Gemfile", "gem \"pg\"\n"), ("Gemfile.lock", "PLATFORMS\n")]);
    write_exe(&pod.path().join("bin/bundle"), bundle);
    pod.set("FAKE_CLAUDE", "dirty");
    let out = pod.run();
    assert_exit(&out, 0);
    let files = git(&pod.remote(), &["diff", "--name-only", "main", WORK_BRANCH]);
    assert_eq!(files, "NOTES.txt");
}

/// The agent as an attacker: it reads every environment it can see, asks git and our helper for
/// credentials, plants every configuration that makes git run a program or go elsewhere, links to
/// the holder's secret files, writes files GitHub refuses and leaves a writer behind. Its work
/// still arrives, without the large files; nothing it planted runs; nothing else changes.
#[test]
fn a_hostile_agent_gets_no_credential_and_its_planted_config_never_runs() {
    let mut pod = Pod::new(&[]);
    std::fs::write(pod.path().join("age-key"), "AGE-SECRET-KEY-1PLANTEDAGEKEY").unwrap();
    // The agent may call this binary too: the image has it on PATH.
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_claude-sandbox"),
        pod.path().join("bin/claude-sandbox"),
    )
    .unwrap();
    let main_before = pod.remote_rev("main").unwrap();
    pod.set("FAKE_CLAUDE", "hostile");
    let out = pod.run();
    assert_exit(&out, 0);
    pod.assert_nothing_left_running();

    let record = std::fs::read_dir(pod.path().join("record")).unwrap();
    let ran: Vec<String> = record
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("planted-ran-"))
        .collect();
    assert!(ran.is_empty(), "planted programs ran: {ran:?}");

    // The work arrived: the agent's commit (without its large file) and its left-overs.
    let remote = pod.remote();
    let files = git(&remote, &["diff", "--name-only", "main", WORK_BRANCH]);
    let files: Vec<&str> = files.lines().collect();
    for f in [
        "README.md",
        "NOTES.txt",
        ".gitattributes",
        "age-link",
        "env-link",
        "late.txt",
    ] {
        assert!(
            files.contains(&f) || f == "late.txt",
            "{f} missing from {files:?}"
        );
    }
    assert!(
        !files.contains(&"big.bin") && !files.contains(&"committed-big.bin"),
        "{files:?}"
    );
    let subjects = git(
        &remote,
        &["log", "--format=%s", &format!("main..{WORK_BRANCH}")],
    );
    assert!(subjects.lines().any(|l| l == "Fix the thing"), "{subjects}");
    // Links are published as links: their target's text, never the holder's file behind them.
    let tree = git(&remote, &["ls-tree", WORK_BRANCH, "age-link", "env-link"]);
    assert!(tree.lines().all(|l| l.starts_with("120000 ")), "{tree}");
    let link = git(
        &remote,
        &["cat-file", "-p", &format!("{WORK_BRANCH}:age-link")],
    );
    assert!(link.ends_with("/record/../age-key"), "{link}");
    let everything = git(
        &remote,
        &["log", "-p", "--binary", &format!("main..{WORK_BRANCH}")],
    );
    for secret in [TOKEN, API_KEY, "AGE-SECRET-KEY-1PLANTEDAGEKEY"] {
        assert!(!everything.contains(secret), "a secret was published");
    }
    // Nothing else on the remote changed.
    assert_eq!(pod.remote_rev("main").unwrap(), main_before);
    let refs = git(&remote, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(
        refs.lines().collect::<Vec<_>>(),
        [
            "refs/heads/claude-sandbox/claude-sandbox-shop-20261123-101500-ab12",
            "refs/heads/main"
        ]
    );
    let left_out: Vec<String> = events(&out)
        .iter()
        .filter(|e| e["event"] == "left_out")
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        left_out,
        ["committed-big.bin", "big.bin"],
        "{}",
        stdout_of(&out)
    );
    assert!(
        stdout_of(&out).contains("left out big.bin (157 MB)"),
        "{}",
        stdout_of(&out)
    );
    // It looked, and saw only its placeholder.
    let saw = pod.record("hostile-saw");
    assert!(saw.contains(PLACEHOLDER), "{saw}");
}

/// A stand-in for the Anthropic API: records each request and answers with a short event stream.
struct FakeAnthropic {
    port: u16,
    got: Arc<Mutex<Vec<(String, axum::http::HeaderMap, String)>>>,
    _runtime: tokio::runtime::Runtime,
}

const SSE_REPLY: &str = "event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

impl FakeAnthropic {
    fn start() -> FakeAnthropic {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let record = Arc::clone(&got);
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
                let record = Arc::clone(&record);
                async move {
                    record
                        .lock()
                        .unwrap()
                        .push((uri.to_string(), headers, body));
                    (
                        [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
                        SSE_REPLY,
                    )
                }
            },
        );
        runtime.spawn(async move { axum::serve(listener, app).await });
        FakeAnthropic {
            port,
            got,
            _runtime: runtime,
        }
    }
}

/// What Claude Code sends: one HTTP/1.1 request to the proxy, the whole answer back.
fn post_to_proxy(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn the_proxy_swaps_the_placeholder_for_the_real_credential_of_either_kind() {
    for (credential, value) in [
        ("ANTHROPIC_API_KEY", API_KEY),
        ("CLAUDE_CODE_OAUTH_TOKEN", OAUTH_TOKEN),
    ] {
        let upstream = FakeAnthropic::start();
        let mut pod = Pod::new(&[]);
        pod.unset("ANTHROPIC_API_KEY")
            .set(credential, value)
            .set(
                "CLAUDE_SANDBOX_ANTHROPIC_API",
                format!("http://127.0.0.1:{}", upstream.port),
            )
            .set("FAKE_CLAUDE", "proxy");
        let running = pod.start();
        wait_for_file(&pod.path().join("record/proxy-ready"));
        let body = r#"{"model":"claude-sonnet-4-5","stream":true,"messages":[]}"#;
        let reply = post_to_proxy(
            pod.proxy_port(),
            "/v1/messages?beta=true",
            &[
                ("x-api-key", PLACEHOLDER),
                ("authorization", &format!("Bearer {PLACEHOLDER}")),
                ("anthropic-version", "2023-06-01"),
                ("anthropic-beta", "fine-grained-tool-streaming-2025-05-14"),
            ],
            body,
        );
        std::fs::write(pod.path().join("record/proxy-done"), "").unwrap();
        let out = running.finish();
        assert_exit(&out, 0);

        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(
            reply
                .to_ascii_lowercase()
                .contains("content-type: text/event-stream")
        );
        assert!(reply.contains("event: message_stop"), "{reply}");
        assert!(!reply.contains(value), "the proxy echoed the credential");

        let got = upstream.got.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{credential}");
        let (uri, headers, sent) = &got[0];
        assert_eq!(uri, "/v1/messages?beta=true");
        assert_eq!(sent, body);
        let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header("anthropic-version").as_deref(), Some("2023-06-01"));
        for (_, v) in headers {
            assert!(
                !v.to_str().unwrap_or("").contains(PLACEHOLDER),
                "{headers:?}"
            );
        }
        if credential == "ANTHROPIC_API_KEY" {
            assert_eq!(header("x-api-key").as_deref(), Some(API_KEY));
            assert_eq!(header("authorization"), None);
            assert_eq!(
                header("anthropic-beta").as_deref(),
                Some("fine-grained-tool-streaming-2025-05-14")
            );
        } else {
            assert_eq!(header("x-api-key"), None);
            assert_eq!(
                header("authorization"),
                Some(format!("Bearer {OAUTH_TOKEN}"))
            );
            assert_eq!(
                header("anthropic-beta").as_deref(),
                Some("fine-grained-tool-streaming-2025-05-14,oauth-2025-04-20")
            );
        }
        // The agent's container never had the real credential in any form.
        let agent_env = pod.record("claude-env");
        assert!(!agent_env.contains(value));
        assert!(
            !agent_env.contains("CLAUDE_CODE_OAUTH_TOKEN"),
            "{agent_env}"
        );
    }
}

/// The agent's branch is untrusted data: moved to a history that does not start where the agent
/// started, it is not pushed; the work tree still is, on top of the start commit.
#[test]
fn a_branch_that_does_not_lead_back_to_the_start_is_not_pushed() {
    let mut pod = Pod::new(&[]);
    let main = pod.remote_rev("main").unwrap();
    pod.set("FAKE_CLAUDE", "orphan");
    let out = pod.run();
    assert_exit(&out, 0);
    let stdout = stdout_of(&out);
    assert!(
        stdout.contains("does not lead back to the commit it started from"),
        "{stdout}"
    );
    let pushed = pod
        .remote_rev(WORK_BRANCH)
        .expect("the work tree was published");
    assert_eq!(pod.remote_rev(&format!("{WORK_BRANCH}~1")).unwrap(), main);
    let subjects = git(&pod.remote(), &["log", "--format=%s", &pushed]);
    assert!(!subjects.contains("unrelated history"), "{subjects}");
    let readme = git(&pod.remote(), &["show", &format!("{pushed}:README.md")]);
    assert!(readme.contains("agent change"), "{readme}");
}

/// A cancel while the installers run stops the step's whole process group at once; the agent
/// never starts and nothing is pushed.
#[test]
fn a_cancel_during_the_setup_steps_stops_them_and_the_agent_never_starts() {
    let mut pod = Pod::new(&[("Gemfile", "gem \"pg\"\n")]);
    write_exe(
        &pod.path().join("bin/bundle"),
        "#!/bin/sh\ntouch \"$RECORD/bundle-started\"\nsleep 30\n",
    );
    pod.set("FAKE_CLAUDE", "commit");
    let running = pod.start();
    wait_for_file(&pod.path().join("record/bundle-started"));
    let started = std::time::Instant::now();
    Command::new("kill")
        .args(["-TERM", &running.agent_pid().to_string()])
        .status()
        .unwrap();
    let out = running.finish();
    assert_exit(&out, 143);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the step was waited for"
    );
    pod.assert_agent_never_ran();
    assert_eq!(pod.remote_rev(WORK_BRANCH), None);
}

/// Claude Code reads the answer as a stream of events while the model writes it: the proxy passes
/// each part on as it arrives instead of waiting for the whole answer.
#[test]
fn the_proxy_streams_each_event_as_it_arrives() {
    use std::io::{BufRead, BufReader, Write};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let upstream_port = listener.local_addr().unwrap().port();
    // The second event is only sent once the first has reached the client.
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let go = Arc::new(Mutex::new(Some(go_rx)));
    let app = axum::Router::new().fallback(move || {
        let go = go.lock().unwrap().take();
        async move {
            let first = futures::stream::once(async {
                Ok::<_, std::io::Error>("event: message_start\ndata: {}\n\n")
            });
            let second = futures::stream::once(async move {
                if let Some(go) = go {
                    let _ = go.await;
                }
                Ok::<_, std::io::Error>("event: message_stop\ndata: {}\n\n")
            });
            (
                [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
                axum::body::Body::from_stream(futures::StreamExt::chain(first, second)),
            )
        }
    });
    runtime.spawn(async move { axum::serve(listener, app).await });

    let mut pod = Pod::new(&[]);
    pod.set(
        "CLAUDE_SANDBOX_ANTHROPIC_API",
        format!("http://127.0.0.1:{upstream_port}"),
    )
    .set("FAKE_CLAUDE", "proxy");
    let running = pod.start();
    wait_for_file(&pod.path().join("record/proxy-ready"));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", pod.proxy_port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /v1/messages HTTP/1.1\r\nHost: x\r\nConnection: close\r\nx-api-key: {PLACEHOLDER}\r\nContent-Length: 2\r\n\r\n{{}}"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut seen = String::new();
    while !seen.contains("message_start") {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .expect("the first event never came through on its own");
        assert!(n > 0, "the answer ended early: {seen}");
        seen.push_str(&line);
    }
    assert!(!seen.contains("message_stop"));
    go_tx.send(()).unwrap();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
    assert!(rest.contains("message_stop"), "{rest}");
    std::fs::write(pod.path().join("record/proxy-done"), "").unwrap();
    assert_exit(&running.finish(), 0);
}

/// The agent runs under the same uid as the sandbox's process in its container (PID 1 in a pod),
/// which holds the decrypted project values and the hand-off. That process is non-dumpable, so
/// the agent cannot read its environment or memory through /proc. Needs root to take uid 1000.
#[test]
fn the_agents_own_uid_cannot_read_the_sandbox_process() {
    if running_as_root().not() {
        support::cannot_run("needs root to run processes as uid 1000");
        return;
    }
    use std::os::unix::process::CommandExt;
    let empty = tempfile::tempdir().unwrap();
    // No seed yet: the sandbox's process waits for the holder, alive and holding its environment.
    let mut sandbox = Command::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .args(["run-in-pod", "agent"])
        .env_clear()
        .env("TASK", "a task only the sandbox holds")
        .env("REPO_URL", "https://github.com/acme/shop.git")
        .env("REPO_BRANCH", "main")
        .env("CLAUDE_SANDBOX_SEED", empty.path().join("no-seed-yet"))
        .current_dir("/")
        .uid(1000)
        .gid(1000)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let pid = sandbox.id();
    let read = |what: &str| {
        Command::new(which("cat").unwrap())
            .arg(format!("/proc/{pid}/{what}"))
            .uid(1000)
            .gid(1000)
            .output()
            .unwrap()
    };
    let environ = read("environ");
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert!(
        !environ.status.success() && !stdout_of(&environ).contains("only the sandbox holds"),
        "the agent's uid read the sandbox's environment: {}",
        stdout_of(&environ)
    );
}

/// The kubelet restarts a native sidecar that exits; a holder restarted after publishing must not
/// clone or publish again.
#[test]
fn a_restarted_holder_does_not_publish_twice() {
    let pod = Pod::new(&[]);
    let out = pod.run();
    assert_exit(&out, 0);
    let pushed = pod.remote_rev(WORK_BRANCH).unwrap();
    let log = pod.path().join("second-holder");
    let mut again = pod
        .command("holder")
        .stdout(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("already published")
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            std::fs::read_to_string(&log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-TERM", &again.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(
        wait_at_most(&mut again, Duration::from_secs(20)).code(),
        Some(0)
    );
    let second = std::fs::read_to_string(&log).unwrap();
    assert!(!second.contains("cloning"), "{second}");
    assert_eq!(pod.remote_rev(WORK_BRANCH).unwrap(), pushed);
}

/// A pod whose remote is `acme/shop` on the loopback git host and whose holder is asked for a
/// pull request through `github`.
fn pull_request_pod(
    github: &support::fake_github::FakeGitHub,
) -> (Pod, support::git_http::GitHttpServer) {
    let mut pod = Pod::new(&[]);
    std::fs::create_dir_all(pod.path().join("acme")).unwrap();
    std::os::unix::fs::symlink(pod.remote(), pod.path().join("acme/shop.git")).unwrap();
    let server = support::git_http::GitHttpServer::start(pod.path(), TOKEN);
    pod.set("REPO_URL", server.url("acme/shop"))
        .set("TASK", "fix the flaky spec\n\nIt fails one run in ten.")
        .set("CLAUDE_SANDBOX_PULL_REQUEST", "draft")
        .set("CLAUDE_SANDBOX_GITHUB_API", github.url());
    (pod, server)
}

#[test]
fn a_draft_pull_request_is_opened_for_the_pushed_branch_against_the_base() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Create);
    let telegram = FakeTelegram::start();
    let (mut pod, _git_host) = pull_request_pod(&github);
    pod.set("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
        .set("TELEGRAM_CHAT_ID", "-100123")
        .set(
            "CLAUDE_SANDBOX_TELEGRAM_API",
            format!("http://127.0.0.1:{}", telegram.port),
        );
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(
        pod.remote_rev(WORK_BRANCH).is_some(),
        "the branch is pushed"
    );
    let told = telegram.got.lock().unwrap().clone();
    let told = told[0].1["text"].as_str().unwrap().to_owned();
    assert!(
        told.contains(&format!("pull request: {}", github.pr_url())),
        "{told}"
    );

    let seen = github.seen();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    let post = &seen[0];
    assert_eq!(
        (post.method.as_str(), post.target.as_str(), post.status),
        ("POST", "/repos/acme/shop/pulls", 201)
    );
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(post.header("accept"), Some("application/vnd.github+json"));
    assert!(
        post.header("user-agent")
            .is_some_and(|u| u.starts_with("claude-sandbox/")),
        "{post:?}"
    );
    let body = post.json();
    assert_eq!(body["title"], "fix the flaky spec");
    assert_eq!(body["head"], WORK_BRANCH);
    assert_eq!(body["base"], "main");
    assert_eq!(body["draft"], true);
    let text = body["body"].as_str().unwrap();
    assert!(text.contains("It fails one run in ten."), "{text}");
    assert!(
        text.contains("2 turns, $0.01, 1200 tokens in, 340 out"),
        "the receipt's figures known then: {text}"
    );

    let receipt = pod.receipt();
    assert_eq!(receipt["pr_url"], github.pr_url().as_str(), "{receipt}");
    assert!(receipt.get("pr_error").is_none(), "{receipt}");
    assert!(stdout_of(&out).contains(&format!("pull request: {}", github.pr_url())));

    // Ready for review when asked.
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Create);
    let (mut pod, _git_host) = pull_request_pod(&github);
    pod.set("CLAUDE_SANDBOX_PULL_REQUEST", "ready");
    assert_exit(&pod.run(), 0);
    assert_eq!(github.seen()[0].json()["draft"], false);
}

#[test]
fn no_changes_means_no_pull_request_and_the_receipt_says_why() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Create);
    let (mut pod, _git_host) = pull_request_pod(&github);
    pod.set("FAKE_CLAUDE", "nothing");
    assert_exit(&pod.run(), 0);
    assert!(github.seen().is_empty(), "{:#?}", github.seen());
    let receipt = pod.receipt();
    assert!(
        receipt["pr_error"]
            .as_str()
            .is_some_and(|e| e.contains("no changes")),
        "{receipt}"
    );
}

#[test]
fn a_pull_request_that_already_exists_is_found_and_reported() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Exists);
    let (pod, _git_host) = pull_request_pod(&github);
    assert_exit(&pod.run(), 0);
    let seen = github.seen();
    assert_eq!(
        seen.iter()
            .map(|s| (s.method.as_str(), s.status))
            .collect::<Vec<_>>(),
        [("POST", 422), ("GET", 200)],
        "{seen:#?}"
    );
    assert!(
        seen[1].target.contains(&format!("head=acme:{WORK_BRANCH}")),
        "{}",
        seen[1].target
    );
    assert_eq!(pod.receipt()["pr_url"], github.pr_url().as_str());
}

#[test]
fn a_refused_pull_request_is_in_the_receipt_without_the_token_and_the_push_stands() {
    use support::fake_github::{Answer, FakeGitHub};
    // This server knows another token, and its 401 repeats the Authorization header it got.
    let github = FakeGitHub::start("ghp_someoneElsesToken", "acme", "shop", Answer::Create);
    let (pod, _git_host) = pull_request_pod(&github);
    let out = pod.run();
    assert_exit(&out, 0);
    assert!(
        pod.remote_rev(WORK_BRANCH).is_some(),
        "the branch is pushed"
    );
    let seen = github.seen();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].status, 401);

    let receipt = pod.receipt();
    assert!(receipt.get("pr_url").is_none(), "{receipt}");
    let error = receipt["pr_error"].as_str().expect("pr_error");
    assert!(error.contains("HTTP 401"), "{error}");
    assert_eq!(receipt["branch"], WORK_BRANCH);
    for (place, text) in [
        ("receipt", receipt.to_string()),
        (
            "published.json",
            std::fs::read_to_string(pod.path().join("seed-volume/published.json"))
                .unwrap_or_default(),
        ),
        ("log", stdout_of(&out)),
    ] {
        assert!(
            !text.contains(&TOKEN[..12]),
            "the token, or its start, is in the {place}: {text}"
        );
    }
    assert!(stdout_of(&out).contains("no pull request: GitHub refused the pull request: HTTP 401"));
}

#[test]
fn a_github_api_that_never_answers_costs_the_pod_a_bounded_wait() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Silent);
    let (pod, _git_host) = pull_request_pod(&github);
    let started = std::time::Instant::now();
    assert_exit(&pod.run(), 0);
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    let receipt = pod.receipt();
    let error = receipt["pr_error"].as_str().expect("pr_error");
    assert!(error.contains("did not answer within 30 s"), "{error}");
    assert!(
        pod.remote_rev(WORK_BRANCH).is_some(),
        "the branch is pushed"
    );
}

#[test]
fn an_answer_larger_than_any_pull_request_is_not_read_to_its_end() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Flood);
    let (pod, _git_host) = pull_request_pod(&github);
    assert_exit(&pod.run(), 0);
    let receipt = pod.receipt();
    let error = receipt["pr_error"].as_str().expect("pr_error");
    assert!(error.contains("with more than 524288 bytes"), "{error}");
}

/// The agent writes its own figures to split the request they might be pasted into, and commits
/// a settings file naming another API: the request still goes where the user's Job said, with
/// exactly the headers the holder sets.
#[test]
fn the_agent_cannot_redirect_the_pull_request_or_add_to_its_headers() {
    use support::fake_github::{Answer, FakeGitHub};
    let github = FakeGitHub::start(TOKEN, "acme", "shop", Answer::Create);
    let (mut pod, _git_host) = pull_request_pod(&github);
    pod.set("FAKE_CLAUDE", "inject");
    let out = pod.run();
    assert_exit(&out, 0);
    let seen = github.seen();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].target, "/repos/acme/shop/pulls");
    let mut names: Vec<&str> = seen[0].headers.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "accept",
            "authorization",
            "content-length",
            "content-type",
            "host",
            "user-agent",
            "x-github-api-version"
        ]
    );
    assert_eq!(
        seen[0].header("host"),
        Some(github.url().trim_start_matches("http://"))
    );
    let body = seen[0].json();
    let text = body["body"].as_str().unwrap();
    assert!(
        !text.contains("X-Injected") && !text.contains("/evil"),
        "{text}"
    );
    assert_eq!(pod.receipt()["pr_url"], github.pr_url().as_str());
}
