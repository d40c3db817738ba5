//! The bad-input catalogue: every way a user, a repository or a cluster can hand the tool
//! something wrong, one row each, run through the compiled binary.
//!
//! A row says how to build its world (git repository, files, environment, fake API server), the
//! argv, the exit code, the words stderr must contain, and what must not have happened. Every row
//! also gets the checks the contract (DESIGN §2) makes for all of them: no panic, no backtrace, no
//! Rust debug output, and a failure is an `error: …` line (plus an optional `hint: …`), whether
//! it is ours or clap's.
//!
//! The rows run on a few worker threads, each with its own throwaway repository and, where it
//! needs one, its own fake API server, so the whole table stays fast in a debug build.

#[path = "support/fake_api/mod.rs"]
mod fake_api;
mod support;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fake_api::{Config, FakeApi, Faults, LogSource, Scenario};
use k8s_openapi::api::batch::v1::{Job, JobStatus};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use support::{TestRepo, agent_lines, stderr_of, stdout_of};

const TOKEN: &str = "ghp_TOPSECRETtoken0123456789";

// ---------------------------------------------------------------- the worlds rows run in

/// Where one row runs: the directory it starts in (a git repository or a plain directory), an
/// optional fake cluster, and what the process gets besides its argv.
struct World {
    dir: PathBuf,
    repo: Option<TestRepo>,
    _plain: Option<tempfile::TempDir>,
    api: Option<FakeApi>,
    env: Vec<(&'static str, OsString)>,
    stdin: Option<Vec<u8>>,
    /// Run the binary as `nobody` (through setpriv): root reads files whatever their mode.
    as_nobody: bool,
    /// Why this row cannot run here; it is reported, not silently passed.
    skip: Option<String>,
}

impl World {
    fn in_repo(repo: TestRepo) -> World {
        World {
            dir: repo.path().to_path_buf(),
            repo: Some(repo),
            _plain: None,
            api: None,
            env: Vec::new(),
            stdin: None,
            as_nobody: false,
            skip: None,
        }
    }

    /// A clean checkout on `main`, pushed to an `origin` at github.com.
    fn repo() -> World {
        World::in_repo(TestRepo::committed(&[("README.md", "hello\n")]))
    }

    /// A clean checkout whose HEAD commit holds exactly these files.
    fn repo_with(files: &[(&str, &str)]) -> World {
        World::in_repo(TestRepo::committed(files))
    }

    /// A clean checkout whose HEAD commit holds these raw bytes at `path`.
    fn repo_with_bytes(path: &str, bytes: &[u8]) -> World {
        let repo = TestRepo::new();
        repo.write(&[("README.md", "hello\n")]);
        write_bytes(&repo.path().join(path), bytes);
        let oid = repo.commit("initial");
        repo.push_to("main", oid);
        World::in_repo(repo)
    }

    /// A directory that is not inside any git repository.
    fn plain() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        World {
            dir: dir.path().to_path_buf(),
            repo: None,
            _plain: Some(dir),
            api: None,
            env: Vec::new(),
            stdin: None,
            as_nobody: false,
            skip: None,
        }
    }

    /// A repository with a Gemfile needing Postgres, and a fake cluster it is configured for.
    fn cluster(cfg: Config) -> World {
        let mut w = World::repo_with(&[("Gemfile", "gem \"pg\"\n")]);
        let api = FakeApi::start(cfg);
        w.env
            .push(("KUBECONFIG", api.kubeconfig().as_os_str().to_owned()));
        w.api = Some(api);
        w
    }

    fn env(mut self, key: &'static str, value: impl Into<OsString>) -> World {
        self.env.push((key, value.into()));
        self
    }

    fn stdin(mut self, bytes: Vec<u8>) -> World {
        self.stdin = Some(bytes);
        self
    }

    fn file(self, rel: &str, bytes: &[u8]) -> World {
        write_bytes(&self.dir.join(rel), bytes);
        self
    }

    fn git(&self) -> &TestRepo {
        self.repo.as_ref().expect("this row has a repository")
    }

    fn api(&self) -> &FakeApi {
        self.api.as_ref().expect("this row has a fake cluster")
    }
}

fn write_bytes(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn secret(keys: &[&str]) -> Secret {
    support::credentials_secret(keys)
}

/// A cluster where `remote` can succeed: the credentials secret exists with both keys.
fn ready() -> Config {
    Config {
        secrets: vec![secret(&["GITHUB_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"])],
        ..Default::default()
    }
}

/// A job that is still running, seeded into the fake; `ours` decides the managed-by label.
fn running_job(name: &str, ours: bool) -> Job {
    let started = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(120);
    let mut labels = BTreeMap::from([("app".to_string(), "claude-sandbox".to_string())]);
    if ours {
        labels.insert(
            "app.kubernetes.io/managed-by".into(),
            "claude-sandbox-cli".into(),
        );
    }
    Job {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("sandbox".into()),
            labels: Some(labels),
            creation_timestamp: Some(Time(started)),
            ..Default::default()
        },
        spec: Some(Default::default()),
        status: Some(JobStatus {
            active: Some(1),
            start_time: Some(Time(started)),
            ..Default::default()
        }),
    }
}

/// A kubeconfig with contexts `fake` (current) and `other`, both at `server`.
fn kubeconfig_text(server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
users:
- name: fake
  user:
    token: fake-token
contexts:
- name: fake
  context: {{cluster: fake, user: fake, namespace: sandbox}}
- name: other
  context: {{cluster: fake, user: fake, namespace: elsewhere}}
current-context: fake
"
    )
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

// ---------------------------------------------------------------- one row

type After = fn(&World, &Output);

struct Case {
    name: &'static str,
    world: fn() -> World,
    /// `{dir}` is replaced by the directory the row runs in.
    argv: &'static [&'static str],
    code: i32,
    /// Each must appear in stderr.
    stderr: &'static [&'static str],
    /// Each must appear in stdout.
    stdout: &'static [&'static str],
    /// None may appear in stdout or stderr (credentials, secret values, raw library text).
    never: &'static [&'static str],
    /// What else must (not) have happened: nothing created, nothing deleted, every line once.
    after: After,
}

fn row(
    name: &'static str,
    world: fn() -> World,
    argv: &'static [&'static str],
    code: i32,
    stderr: &'static [&'static str],
) -> Case {
    Case {
        name,
        world,
        argv,
        code,
        stderr,
        stdout: &[],
        never: &[],
        after: |_, _| {},
    }
}

impl Case {
    fn stdout(mut self, words: &'static [&'static str]) -> Case {
        self.stdout = words;
        self
    }

    fn never(mut self, words: &'static [&'static str]) -> Case {
        self.never = words;
        self
    }

    fn after(mut self, f: After) -> Case {
        self.after = f;
        self
    }
}

// ---------------------------------------------------------------- what must not have happened

fn nothing_created(w: &World, _: &Output) {
    let st = w.api().state();
    assert!(
        st.created_jobs.is_empty(),
        "a job was created: {:?}",
        st.created_jobs
            .iter()
            .map(|j| j.metadata.name.clone())
            .collect::<Vec<_>>()
    );
    assert!(st.jobs().is_empty(), "a job is stored");
    assert!(st.pods().is_empty(), "a pod is stored");
}

fn nothing_deleted(w: &World, _: &Output) {
    let st = w.api().state();
    assert!(st.deletions.is_empty(), "deleted: {:?}", st.deletions);
}

fn one_job_created(w: &World, _: &Output) {
    assert_eq!(w.api().state().created_jobs.len(), 1, "exactly one job");
}

// ---------------------------------------------------------------- the catalogue

fn cases() -> Vec<Case> {
    vec![
        // ------------------------------------------------ the repository
        row(
            "not a git repository (detect)",
            World::plain,
            &["detect"],
            1,
            &["not inside a git repository", "hint: "],
        ),
        row(
            "not a git repository (remote)",
            World::plain,
            &["remote", "--dry-run", "x"],
            1,
            &["not inside a git repository", "hint: "],
        ),
        row(
            "-C to a directory that does not exist",
            World::repo,
            &["-C", "{dir}/nope", "detect"],
            1,
            &["{dir}/nope is not a directory", "hint: -C"],
        ),
        row(
            "empty repository, no commits",
            || World::in_repo(TestRepo::new()),
            &["remote", "--dry-run", "x"],
            1,
            &["no commits", "hint: commit and push"],
        ),
        row(
            "detached HEAD, remote without --branch",
            || {
                let w = World::repo();
                w.git().detach();
                w
            },
            &["remote", "--dry-run", "x"],
            1,
            &["detached", "hint: pass --branch"],
        ),
        row(
            "no origin remote",
            || {
                let w = World::repo();
                w.git().repo.remote_delete("origin").unwrap();
                w
            },
            &["remote", "--dry-run", "x"],
            1,
            &["no remote named 'origin'", "--repo-url"],
        ),
        row(
            "origin is a path on this machine",
            || {
                let w = World::repo();
                w.git().set_origin("/srv/git/widgets.git");
                w
            },
            &["detect"],
            1,
            &["path on this machine", "hint: pass --repo-url"],
        ),
        row(
            "origin with credentials (detect)",
            || {
                let w = World::repo();
                w.git().set_origin(&format!(
                    "https://x-access-token:{TOKEN}@github.com/acme/widgets"
                ));
                w
            },
            &["detect", "-o", "json", "-v", "-v"],
            0,
            &[],
        )
        .stdout(&["\"repo_url\": \"https://github.com/acme/widgets.git\""])
        .never(&["TOPSECRET", "x-access-token"]),
        row(
            "origin with credentials (remote --dry-run)",
            || {
                let w = World::repo();
                w.git().set_origin(&format!(
                    "https://deploy:{TOKEN}@github.com/acme/widgets.git"
                ));
                w
            },
            &["remote", "--dry-run", "-v", "-v", "x"],
            0,
            &[],
        )
        .stdout(&["value: https://github.com/acme/widgets.git"])
        .never(&["TOPSECRET", "deploy:"]),
        row(
            "origin on a non-GitHub host (ssh with a port)",
            || {
                let w = World::repo();
                w.git()
                    .set_origin("ssh://git@gitlab.example.com:2222/team/app");
                w
            },
            &["detect", "-o", "json"],
            0,
            &[],
        )
        .stdout(&["\"repo_url\": \"https://gitlab.example.com/team/app.git\""])
        .never(&["2222", "ssh://"]),
        row(
            "origin on a non-GitHub host (scp-like)",
            || {
                let w = World::repo();
                w.git().set_origin("git@git.example.org:team/app");
                w
            },
            &["remote", "--dry-run", "x"],
            0,
            &[],
        )
        .stdout(&["https://git.example.org/team/app.git"]),
        row(
            "--repo-url that no pod can clone",
            World::repo,
            &["remote", "--dry-run", "--repo-url", "not a url", "x"],
            1,
            &["'not a url' is not one a pod can clone", "hint: "],
        ),
        // Fixed: `--branch ""` rendered REPO_BRANCH "" and a branch-less job.
        row(
            "--branch empty",
            World::repo,
            &["remote", "--dry-run", "--branch", "", "x"],
            2,
            &["--branch needs a branch name", "hint: "],
        ),
        // Fixed: a name git cannot have made a job that could only fail at clone time.
        row(
            "--branch that git cannot have",
            World::repo,
            &["remote", "--dry-run", "--branch", "fix..it", "x"],
            2,
            &["'fix..it' is not a valid git branch name"],
        ),
        // ------------------------------------------------ manifests committed in HEAD
        // Fixed: an unclosed block used to be read silently, gems after it as if inside it.
        row(
            "unparseable Gemfile (block never closed)",
            || World::repo_with(&[("Gemfile", "gem \"pg\"\ngroup :test do\n  gem \"redis\"\n")]),
            &["detect"],
            0,
            &["warning: Gemfile: cannot parse", "`end`"],
        )
        .stdout(&["postgres"]),
        row(
            "unparseable package.json",
            || World::repo_with(&[("package.json", "{\"dependencies\": {\"pg\": \"8\",}")]),
            &["detect"],
            0,
            &["warning: package.json: cannot parse", "trailing comma"],
        ),
        row(
            "unparseable package.json below the root",
            || World::repo_with(&[("apps/api/package.json", "{\"dependencies\": ")]),
            &["detect"],
            0,
            &["warning: apps/api/package.json: cannot parse"],
        ),
        // Fixed: TOML warnings said only "TOML parse error at line 1, column 9", not what.
        row(
            "unparseable pyproject.toml",
            || World::repo_with(&[("pyproject.toml", "[project\ndependencies = [\"psycopg\"]\n")]),
            &["detect"],
            0,
            &["warning: pyproject.toml: cannot parse: line 1, column 9: unclosed table"],
        ),
        row(
            "unparseable Cargo.toml",
            || {
                World::repo_with(&[(
                    "Cargo.toml",
                    "[package]\nname = \"x\"\n[dependencies\npostgres = \"0.19\"\n",
                )])
            },
            &["remote", "--dry-run", "-o", "name", "x"],
            0,
            &["warning: Cargo.toml: cannot parse: line 3"],
        )
        .stdout(&["claude-sandbox-widgets-"]),
        // Fixed: go.mod problems were never reported.
        row(
            "unparseable go.mod (require block never closed)",
            || {
                World::repo_with(&[(
                    "go.mod",
                    "module example.com/x\n\nrequire (\n\tgithub.com/lib/pq v1.10.9\n",
                )])
            },
            &["detect"],
            0,
            &["warning: go.mod: cannot parse", "never closed"],
        ),
        row(
            "unparseable go.mod (not a go.mod at all)",
            || World::repo_with(&[("go.mod", "<<<<<<< HEAD\n{{ not go }}\n")]),
            &["detect"],
            0,
            &["warning: go.mod: cannot parse", "no `module` directive"],
        ),
        // Fixed: the YAML reason began with its own "error: " inside our warning.
        row(
            "unparseable compose file",
            || {
                World::repo_with(&[(
                    "docker-compose.yml",
                    "services:\n  db:\n    image: postgres\n   bad: [\n",
                )])
            },
            &["detect"],
            0,
            &["warning: docker-compose.yml: cannot parse: line 4"],
        )
        .never(&["cannot parse: error:"]),
        row(
            "unparseable config/database.yml",
            || {
                World::repo_with(&[(
                    "config/database.yml",
                    "development:\n  adapter: [postgresql\n",
                )])
            },
            &["detect"],
            0,
            &["warning: config/database.yml: cannot parse"],
        ),
        row(
            "binary file named Gemfile",
            || World::repo_with_bytes("Gemfile", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"),
            &["detect"],
            0,
            &["warning: Gemfile: skipped: not UTF-8 text"],
        ),
        row(
            "binary file named Cargo.toml (valid UTF-8, NULs)",
            || World::repo_with_bytes("Cargo.toml", b"\x00\x00\x00\x01\x02[\x00"),
            &["detect"],
            0,
            &["warning: Cargo.toml: cannot parse"],
        ),
        row(
            "binary file named package.json",
            || World::repo_with_bytes("package.json", &[0xff; 64]),
            &["remote", "--dry-run", "-o", "name", "x"],
            0,
            &["warning: package.json: skipped: not UTF-8 text"],
        ),
        row(
            "garbage only in the working tree, not in HEAD",
            || {
                World::repo_with(&[("Gemfile", "gem \"pg\"\n")])
                    .file("Gemfile", b"\xff\xfe not committed")
                    .file("package.json", b"{ not committed")
            },
            &["detect"],
            0,
            &[],
        )
        .stdout(&["postgres"])
        .never(&["warning"]),
        // ------------------------------------------------ the task
        row(
            "task empty",
            World::repo,
            &["remote", "--dry-run", "--", ""],
            2,
            &["the task is empty", "hint: "],
        ),
        row(
            "task whitespace only",
            World::repo,
            &["remote", "--dry-run", "--", " \n\t \u{a0}"],
            2,
            &["the task is empty"],
        ),
        row(
            "task containing a NUL byte (--task-file)",
            || World::repo().file("task.txt", b"fix it\0now"),
            &["remote", "--dry-run", "--task-file", "{dir}/task.txt"],
            2,
            &["NUL byte"],
        ),
        row(
            "task of 1 MB (--task-file)",
            || World::repo().file("task.txt", &vec![b'x'; 1024 * 1024]),
            &["remote", "--dry-run", "--task-file", "{dir}/task.txt"],
            2,
            &["the task is 1024 KiB; the limit is 120 KiB", "hint: "],
        ),
        // Fixed: the task was read whole before its size was checked, so this never ended.
        row(
            "task file that never ends (/dev/zero)",
            World::repo,
            &["remote", "--dry-run", "--task-file", "/dev/zero"],
            2,
            &["the task is more than 120 KiB"],
        ),
        row(
            "task on stdin over the limit",
            || World::repo().stdin(vec![b'y'; 300 * 1024]),
            &["remote", "--dry-run", "--task-file", "-"],
            2,
            &["the task is more than 120 KiB"],
        ),
        row(
            "--task-file missing",
            World::repo,
            &["remote", "--dry-run", "--task-file", "{dir}/nope.md"],
            1,
            &[
                "cannot read the task file {dir}/nope.md: no such file",
                "hint: ",
            ],
        ),
        row(
            "--task-file unreadable (chmod 000)",
            unreadable_task_file,
            &[
                "remote",
                "--dry-run",
                "--task-file",
                "{dir}/secret-task.txt",
            ],
            1,
            &["cannot read the task file", "permission denied"],
        ),
        row(
            "--task-file is a directory",
            World::repo,
            &["remote", "--dry-run", "--task-file", "{dir}"],
            1,
            &["cannot read the task file", "it is a directory"],
        ),
        row(
            "--task-file not UTF-8",
            || World::repo().file("task.txt", b"caf\xe9 \xff"),
            &["remote", "--dry-run", "--task-file", "{dir}/task.txt"],
            1,
            &["is not UTF-8 text"],
        ),
        row(
            "task on stdin not UTF-8",
            || World::repo().stdin(b"\xc3\x28".to_vec()),
            &["remote", "--dry-run", "--task-file", "-"],
            1,
            &["the task on standard input is not UTF-8 text"],
        ),
        row(
            "task and --task-file both",
            World::repo,
            &["remote", "--dry-run", "--task-file", "-", "x"],
            2,
            &["cannot be used with"],
        ),
        row(
            "no task at all",
            World::repo,
            &["remote", "--dry-run"],
            2,
            &["required arguments were not provided"],
        ),
        row(
            "task starting with a dash, without --",
            World::repo,
            &["remote", "--dry-run", "-x is broken"],
            2,
            &["unexpected argument"],
        ),
        // ------------------------------------------------ values
        row(
            "--memory a word",
            World::repo,
            &["remote", "--dry-run", "--memory", "lots", "x"],
            2,
            &["'lots' is not a Kubernetes quantity"],
        ),
        row(
            "--memory with a non-Kubernetes suffix",
            World::repo,
            &["remote", "--dry-run", "--memory", "4GB", "x"],
            2,
            &["'4GB' is not a Kubernetes quantity"],
        ),
        row(
            "--cpu negative",
            World::repo,
            &["remote", "--dry-run", "--cpu", "-1", "x"],
            2,
            &["unexpected argument '-1'"],
        ),
        row(
            "--cpu zero",
            World::repo,
            &["remote", "--dry-run", "--cpu", "0", "x"],
            2,
            &["must be more than zero"],
        ),
        row(
            "--cpu limit below request",
            World::repo,
            &["remote", "--dry-run", "--cpu", "2:1", "x"],
            2,
            &["the limit (1) is below the request (2)"],
        ),
        row(
            "--ttl without a unit",
            World::repo,
            &["remote", "--dry-run", "--ttl", "30", "x"],
            2,
            &["'30' needs a unit"],
        ),
        row(
            "--ttl longer than Kubernetes can store",
            World::repo,
            &["remote", "--dry-run", "--ttl", "30000d", "x"],
            2,
            &["--ttl is too long"],
        ),
        row(
            "--timeout junk",
            World::repo,
            &["remote", "--dry-run", "--timeout", "5x", "x"],
            2,
            &["'5x' is not a duration"],
        ),
        row(
            "--deadline zero",
            World::repo,
            &["remote", "--dry-run", "--deadline", "0", "x"],
            2,
            &["--deadline must be longer than zero"],
        ),
        row(
            "--deadline too large",
            World::repo,
            &["remote", "--dry-run", "--deadline", "99999999999d", "x"],
            2,
            &["too large a duration"],
        ),
        // Fixed: said "a number must come before 's'", as if `s…` were nearly a duration.
        row(
            "--older-than a word",
            World::repo,
            &["clean", "--older-than", "soon"],
            2,
            &["'soon' is not a duration: use a number with s, m, h or d"],
        ),
        row(
            "--env with a reserved name",
            World::repo,
            &[
                "remote",
                "--dry-run",
                "--env",
                "TASK=do something else",
                "x",
            ],
            2,
            &["--env TASK is set by claude-sandbox itself"],
        ),
        row(
            "--env REPO_URL is reserved too",
            World::repo,
            &[
                "remote",
                "--dry-run",
                "--env",
                "REPO_URL=https://evil.example/x.git",
                "x",
            ],
            2,
            &["--env REPO_URL is set by claude-sandbox itself"],
        ),
        row(
            "--env without =",
            World::repo,
            &["remote", "--dry-run", "--env", "NOEQUALS", "x"],
            2,
            &["'NOEQUALS' is not KEY=VALUE"],
        ),
        row(
            "--env with an invalid name",
            World::repo,
            &["remote", "--dry-run", "--env", "1BAD=x", "x"],
            2,
            &["'1BAD' is not a valid environment variable name"],
        ),
        row(
            "unknown --services name",
            World::repo,
            &["remote", "--dry-run", "--services", "postgres,mysql", "x"],
            2,
            &["unknown service 'mysql'", "postgres, redis"],
        ),
        row(
            "unknown service in CLAUDE_SANDBOX_SERVICES",
            || World::repo().env("CLAUDE_SANDBOX_SERVICES", "mongo"),
            &["detect"],
            2,
            &["unknown service 'mongo'"],
        ),
        // Fixed: `--secret ""` rendered `secretRef: {name: ""}`, then failed as "cannot reach".
        row(
            "--secret empty",
            World::repo,
            &["remote", "--dry-run", "--secret", "", "x"],
            2,
            &["the secret name is empty", "hint: --secret"],
        ),
        row(
            "--secret not a Kubernetes name",
            World::repo,
            &["remote", "--dry-run", "--secret", "My_Secrets", "x"],
            2,
            &["'My_Secrets' is not a valid secret name"],
        ),
        row(
            "-o unknown format for remote",
            World::repo,
            &["remote", "--dry-run", "-o", "xml", "x"],
            2,
            &["invalid value 'xml'", "yaml, json, name"],
        ),
        row(
            "-o unknown format for list",
            World::repo,
            &["list", "-o", "xml"],
            2,
            &["invalid value 'xml'", "table, wide, json, name"],
        ),
        row(
            "-o unknown format for detect",
            World::repo,
            &["detect", "-o", "yaml"],
            2,
            &["invalid value 'yaml'", "text, json"],
        ),
        row(
            "--color unknown",
            World::repo,
            &["--color", "sometimes", "detect"],
            2,
            &["invalid value 'sometimes'"],
        ),
        row(
            "--follow with --wait",
            World::repo,
            &["remote", "-f", "--wait", "x"],
            2,
            &["cannot be used with"],
        ),
        row(
            "unknown command",
            World::repo,
            &["frobnicate"],
            2,
            &["unrecognized subcommand"],
        ),
        // ------------------------------------------------ configuration files
        row(
            "config file with an unknown key",
            || World::repo_with(&[(".claude-sandbox.toml", "imagee = \"me/agent:1\"\n")]),
            &["detect"],
            1,
            &[
                ".claude-sandbox.toml: line 1: unknown field `imagee`",
                "hint: the keys",
            ],
        ),
        // Fixed: a bad value also got the "keys a config file may hold" hint, pointing away.
        row(
            "config file with a bad value",
            || World::repo_with(&[(".claude-sandbox.toml", "ttl = \"30\"\n")]),
            &["remote", "--dry-run", "x"],
            1,
            &[".claude-sandbox.toml: line 1: ttl: '30' needs a unit"],
        )
        .never(&["keys a config file may hold"]),
        row(
            "config file that is not TOML",
            || World::repo_with(&[(".claude-sandbox.toml", "ttl = [\n")]),
            &["detect"],
            1,
            &[".claude-sandbox.toml: line 1"],
        ),
        row(
            "job template that is not a Job",
            || World::repo_with(&[(".claude-sandbox/job.yaml", "apiVersion: v1\nkind: Pod\n")]),
            &["remote", "--dry-run", "x"],
            1,
            &["job.yaml is a Pod, not a batch/v1 Job", "hint: "],
        ),
        // Fixed: ended with serde's "; use Option<String>" advice for Rust programmers.
        row(
            "job template that is not a mapping",
            || World::repo_with(&[(".claude-sandbox/job.yaml", ": : :\n")]),
            &["remote", "--dry-run", "x"],
            1,
            &["job.yaml is not a valid Job"],
        )
        .never(&["Option<"]),
        // ------------------------------------------------ kubeconfig
        row(
            "kubeconfig missing",
            || World::repo().env("KUBECONFIG", "/no/such/kubeconfig"),
            &["list"],
            1,
            &[
                "kubeconfig /no/such/kubeconfig (from KUBECONFIG) does not exist",
                "hint: ",
            ],
        ),
        row(
            "kubeconfig malformed",
            || World::repo().file("kc", b"clusters: [unterminated\n"),
            &["--kubeconfig", "{dir}/kc", "list"],
            1,
            &["{dir}/kc is not valid YAML: line 1"],
        ),
        row(
            "kubeconfig without a current context",
            || World::repo().file("kc", b"apiVersion: v1\nkind: Config\n"),
            &["--kubeconfig", "{dir}/kc", "list"],
            1,
            &["has no current context", "hint: "],
        ),
        // Fixed: ended in std's "Is a directory (os error 21)".
        row(
            "kubeconfig is a directory",
            World::repo,
            &["--kubeconfig", "{dir}", "list"],
            1,
            &["cannot read kubeconfig {dir}: Is a directory"],
        )
        .never(&["os error"]),
        row(
            "kubeconfig pointing at a closed port",
            || {
                let server = format!("http://127.0.0.1:{}", closed_port());
                World::repo().file("kc", kubeconfig_text(&server).as_bytes())
            },
            &["--kubeconfig", "{dir}/kc", "remote", "x"],
            1,
            &["cannot reach the cluster at http://127.0.0.1:", "hint: "],
        ),
        row(
            "unknown --context",
            || World::cluster(ready()),
            &["--context", "nope", "remote", "x"],
            1,
            &[
                "context 'nope' is not in kubeconfig",
                "known contexts: fake, other",
            ],
        )
        .after(nothing_created),
        row(
            "--dry-run needs no kubeconfig",
            || World::repo().env("KUBECONFIG", "/no/such/kubeconfig"),
            &["remote", "--dry-run", "-o", "name", "x"],
            0,
            &[],
        )
        .stdout(&["claude-sandbox-widgets-"]),
        // ------------------------------------------------ the cluster says no
        row(
            "namespace that does not exist",
            || {
                World::cluster(Config {
                    namespaces: vec!["sandbox".into()],
                    ..ready()
                })
            },
            &["-n", "nope", "remote", "x"],
            1,
            &["namespace nope does not exist", "hint: "],
        )
        .after(nothing_created),
        row(
            "secret missing",
            || World::cluster(Config::default()),
            &["remote", "x"],
            1,
            &[
                "secret claude-sandbox-secrets not found in namespace sandbox",
                "hint: create it",
            ],
        )
        .after(nothing_created),
        row(
            "secret missing keys",
            || {
                World::cluster(Config {
                    secrets: vec![secret(&["GITHUB_TOKEN"])],
                    ..Default::default()
                })
            },
            &["remote", "-v", "-v", "x"],
            1,
            &[
                "lacks CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_API_KEY",
                "hint: ",
            ],
        )
        .never(&["planted-secret-value"])
        .after(nothing_created),
        row(
            "RBAC denied (403 on create jobs)",
            || {
                World::cluster(Config {
                    denied: vec![("create".into(), "jobs".into())],
                    ..ready()
                })
            },
            &["remote", "x"],
            1,
            &[
                "forbidden: you may not create jobs in namespace sandbox",
                "hint: ",
                "doctor",
            ],
        )
        .after(nothing_created),
        row(
            "RBAC denied (403 on list jobs)",
            || {
                World::cluster(Config {
                    denied: vec![("list".into(), "jobs".into())],
                    ..ready()
                })
            },
            &["list"],
            1,
            &["forbidden: you may not list jobs in namespace sandbox"],
        ),
        row(
            "credentials rejected (401)",
            || {
                World::cluster(Config {
                    bearer_token: Some("another-token".into()),
                    ..ready()
                })
            },
            &["remote", "x"],
            1,
            &["rejected the credentials (401 Unauthorized)", "hint: "],
        )
        .never(&["fake-token", "another-token"])
        .after(nothing_created),
        row(
            "a cluster older than 1.29 (the credential holder is a native sidecar)",
            || {
                World::cluster(Config {
                    server_version: (1, 28),
                    ..ready()
                })
            },
            &["remote", "--services", "none", "x"],
            1,
            &[
                "Kubernetes 1.28",
                "native sidecars",
                "credential holder",
                "1.29 or newer",
            ],
        )
        .after(nothing_created),
        row(
            "API 500 on create, every time",
            || {
                World::cluster(Config {
                    faults: Faults {
                        server_errors_on_create: 1000,
                        ..Default::default()
                    },
                    ..ready()
                })
            },
            &["remote", "x"],
            1,
            &[
                "the cluster failed to create job claude-sandbox-widgets-",
                "(500)",
            ],
        )
        .after(nothing_created),
        row(
            "429 with Retry-After, then success",
            || {
                World::cluster(Config {
                    faults: Faults {
                        too_many_requests: 3,
                        retry_after_seconds: 1,
                        ..Default::default()
                    },
                    ..ready()
                })
            },
            &["remote", "-o", "name", "x"],
            0,
            &[],
        )
        .stdout(&["claude-sandbox-widgets-"])
        .after(|w, out| {
            one_job_created(w, out);
            let throttled = w
                .api()
                .requests()
                .iter()
                .filter(|r| r.status == 429)
                .count();
            assert_eq!(throttled, 3, "the 429s were answered and retried");
        }),
        // ------------------------------------------------ jobs that are not there
        row(
            "logs of a job that does not exist",
            || World::cluster(ready()),
            &["logs", "claude-sandbox-nope"],
            1,
            &[
                "job claude-sandbox-nope not found in namespace sandbox",
                "hint: ",
            ],
        ),
        row(
            "status of a job that does not exist",
            || World::cluster(ready()),
            &["status", "claude-sandbox-nope"],
            1,
            &["job claude-sandbox-nope not found in namespace sandbox"],
        ),
        row(
            "cancel a job that does not exist",
            || World::cluster(ready()),
            &["cancel", "claude-sandbox-nope"],
            1,
            &["job claude-sandbox-nope not found"],
        )
        .after(nothing_deleted),
        row(
            "cancel a job not made by claude-sandbox",
            || {
                World::cluster(Config {
                    jobs: vec![running_job("someone-elses", false)],
                    ..ready()
                })
            },
            &["cancel", "someone-elses"],
            1,
            &["was not made by claude-sandbox"],
        )
        .after(nothing_deleted),
        row(
            "logs with no jobs at all",
            || World::cluster(ready()),
            &["logs"],
            1,
            &["no claude-sandbox jobs in namespace sandbox", "hint: "],
        ),
        // Fixed: an empty name failed inside kube and read "cannot reach the cluster".
        row(
            "status of an empty job name",
            || World::cluster(ready()),
            &["status", ""],
            2,
            &["the job name is empty"],
        )
        .never(&["cannot reach"]),
        row(
            "logs of a job name with a space",
            || World::cluster(ready()),
            &["logs", "my job"],
            2,
            &["'my job' is not a valid job name"],
        )
        .never(&["cannot reach", "invalid uri"]),
        // ------------------------------------------------ waiting and following
        row(
            "clean --all without a terminal and without --yes",
            || {
                World::cluster(Config {
                    jobs: vec![running_job("claude-sandbox-widgets-run", true)],
                    ..ready()
                })
            },
            &["clean", "--all"],
            2,
            &["--all would delete 1 running job; confirm with --yes"],
        )
        .after(nothing_deleted),
        row(
            "--timeout with --wait on a job that never ends",
            || {
                World::cluster(Config {
                    scenario: Scenario::stay_running(&agent_lines(2)),
                    ..ready()
                })
            },
            &["remote", "--wait", "--timeout", "1s", "x"],
            124,
            &[
                "timed out after 1s waiting for job claude-sandbox-widgets-",
                "keeps running",
            ],
        )
        .after(|w, out| {
            one_job_created(w, out);
            nothing_deleted(w, out);
        }),
        row(
            "a job that fails",
            || {
                World::cluster(Config {
                    scenario: Scenario::fail(&agent_lines(3), 2),
                    ..ready()
                })
            },
            &["remote", "-f", "x"],
            3,
            &["failed", "exited with code 2"],
        )
        .after(|_, out| assert_eq!(stdout_of(out).lines().count(), 3, "the whole log")),
        row(
            "stream dropped 3 times during follow",
            || {
                World::cluster(Config {
                    // Paced so that all three drops happen while the agent is still writing.
                    scenario: Scenario::Succeed {
                        log: LogSource::Lines(agent_lines(60)),
                        line_interval: Duration::from_millis(20),
                    },
                    faults: Faults {
                        drop_log_stream_after: vec![5, 8, 15],
                        ..Default::default()
                    },
                    ..ready()
                })
            },
            &["remote", "-f", "x"],
            0,
            &["succeeded"],
        )
        .after(|w, out| {
            assert_eq!(
                stdout_of(out).lines().collect::<Vec<_>>(),
                agent_lines(60),
                "every line exactly once, in order"
            );
            let follows = w
                .api()
                .requests()
                .iter()
                .filter(|r| r.path.ends_with("/log") && r.param("follow") == Some("true"))
                .count();
            assert!(follows >= 4, "three drops mean four streams, saw {follows}");
        }),
        // Known bug in src/cmd/logs.rs (not ours to edit; fix proposed in the report): a container
        // the job does not have is waited for forever when following, and with --no-follow is
        // reported as "has not started yet".
        row(
            "logs -c of a container the job does not have",
            || {
                let w = World::cluster(Config {
                    scenario: Scenario::stay_running(&agent_lines(2)),
                    ..ready()
                });
                let out = support::bin()
                    .current_dir(&w.dir)
                    .env("KUBECONFIG", w.api().kubeconfig())
                    .args(["remote", "-o", "name", "x"])
                    .timeout(Duration::from_secs(30))
                    .output()
                    .expect("run the binary");
                assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
                // let the pod start, so "not started yet" cannot be the truth
                std::thread::sleep(Duration::from_millis(300));
                w
            },
            &["logs", "--no-follow", "-c", "nosuch"],
            1,
            &["nosuch", "hint: "],
        )
        .never(&["has not started yet"]),
        // A stream that drops when the container has already exited must still deliver the rest
        // of the log. Deterministic here: the job has finished before `logs` starts, and its one
        // stream is cut after 10 of 40 lines.
        row(
            "stream dropped while following a finished job",
            || {
                let w = World::cluster(Config {
                    scenario: Scenario::succeed(&agent_lines(40)),
                    ..ready()
                });
                let done = support::bin()
                    .current_dir(&w.dir)
                    .env("KUBECONFIG", w.api().kubeconfig())
                    .args(["remote", "--wait", "-o", "name", "x"])
                    .timeout(Duration::from_secs(30))
                    .output()
                    .expect("run the binary");
                assert_eq!(done.status.code(), Some(0), "{}", stderr_of(&done));
                w.api().state().faults.drop_log_stream_after = vec![10];
                w
            },
            &["logs"],
            0,
            &["succeeded"],
        )
        .after(|_, out| {
            assert_eq!(
                stdout_of(out).lines().collect::<Vec<_>>(),
                agent_lines(40),
                "every line exactly once, in order"
            );
        }),
    ]
}

/// A task file with mode 000. Root reads it anyway, so as root the binary runs as `nobody`
/// through setpriv; without setpriv the row is skipped and says why.
fn unreadable_task_file() -> World {
    use std::os::unix::fs::PermissionsExt;
    let mut w = World::repo().file("secret-task.txt", b"the task\n");
    let path = w.dir.join("secret-task.txt");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod 000");
    if std::fs::read(&path).is_ok() {
        let setpriv = std::process::Command::new("setpriv")
            .arg("--version")
            .output();
        if setpriv.is_ok_and(|o| o.status.success()) {
            // `nobody` must reach the file: the temporary directory is 0700 and root's.
            std::fs::set_permissions(&w.dir, std::fs::Permissions::from_mode(0o755))
                .expect("chmod 755");
            w.as_nobody = true;
        } else {
            w.skip = Some(
                "running as root, which reads a chmod 000 file, and setpriv is not installed"
                    .into(),
            );
        }
    }
    w
}

// ---------------------------------------------------------------- running the table

/// Text on stderr that means something escaped the error handling: a panic, a backtrace, a Rust
/// `Debug` dump of an error, or a library's raw error chain.
const NEVER_ON_STDERR: &[&str] = &[
    "panicked",
    "RUST_BACKTRACE",
    "stack backtrace",
    "Status {",
    "ApiError",
    "Os {",
    "Custom {",
    "ErrorResponse",
    "HyperError",
    "ServiceError",
];

fn run(case: &Case, w: &World) -> Output {
    let argv: Vec<String> = case
        .argv
        .iter()
        .map(|a| a.replace("{dir}", &w.dir.to_string_lossy()))
        .collect();
    let mut cmd = if w.as_nobody {
        let mut c = assert_cmd::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_claude-sandbox"));
        // What support::bin() does for the direct run.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CLAUDE_") || k == "KUBECONFIG" || k == "NO_COLOR" {
                c.env_remove(&key);
            }
        }
        c.env("HOME", "/nonexistent")
            .env("KUBECONFIG", "/nonexistent/kubeconfig");
        c
    } else {
        support::bin()
    };
    cmd.current_dir(&w.dir)
        .args(&argv)
        .timeout(Duration::from_secs(30));
    for (k, v) in &w.env {
        cmd.env(k, v);
    }
    if let Some(input) = &w.stdin {
        cmd.write_stdin(input.clone());
    }
    cmd.output().expect("run the binary")
}

/// The checks every row gets, then the row's own.
fn check(case: &Case, w: &World, out: &Output) {
    let dir = w.dir.to_string_lossy().into_owned();
    let err = stderr_of(out);
    // `BAD_INPUTS_SHOW=1 cargo test --test bad_inputs -- --nocapture` prints what each row said,
    // for reading the messages side by side.
    if std::env::var_os("BAD_INPUTS_SHOW").is_some() {
        eprintln!(
            "=== {} (exit {:?})\n{}",
            case.name,
            out.status.code(),
            err.replace(&dir, "{dir}")
        );
    }
    let all = format!("{}{}", stdout_of(out), err);
    let context = format!("stderr:\n{err}\nstdout:\n{}", stdout_of(out));
    assert_eq!(out.status.code(), Some(case.code), "exit code; {context}");
    for bad in NEVER_ON_STDERR {
        assert!(!err.contains(bad), "{bad:?} on stderr; {context}");
    }
    for word in case.stderr {
        let word = word.replace("{dir}", &dir);
        assert!(err.contains(&word), "{word:?} not in stderr; {context}");
    }
    for word in case.stdout {
        assert!(
            stdout_of(out).contains(word),
            "{word:?} not in stdout; {context}"
        );
    }
    for word in case.never {
        assert!(
            !all.contains(word),
            "{word:?} must not be printed; {context}"
        );
    }
    match case.code {
        1 | 2 => {
            let first = err.lines().find(|l| l.starts_with("error: "));
            assert!(first.is_some(), "no `error: ` line; {context}");
            let from_clap = err.contains("For more information, try '--help'.");
            let verbose = case.argv.iter().any(|a| a.starts_with("-v"));
            if from_clap {
                assert_eq!(case.code, 2, "clap's errors are usage errors");
            } else if !verbose {
                // Ours: `error: …` lines, each with an optional `hint: …`, after any warnings
                // (and `logs` naming the job it picked).
                for line in err.lines() {
                    assert!(
                        ["error: ", "hint: ", "warning: ", "following "]
                            .iter()
                            .any(|p| line.starts_with(p)),
                        "a stray stderr line {line:?}; {context}"
                    );
                }
            }
        }
        0 => assert!(
            !err.lines().any(|l| l.starts_with("error")),
            "an error line on success; {context}"
        ),
        _ => {}
    }
    (case.after)(w, out);
}

/// How one row went; a broken setup is reported as such, not as the row failing.
enum RowResult {
    Passed,
    Skipped(String),
    SetupFailed(String),
    CheckFailed(String),
}

fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn run_row(case: &Case) -> RowResult {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let w = match catch_unwind(case.world) {
        Ok(w) => w,
        Err(panic) => return RowResult::SetupFailed(panic_text(panic)),
    };
    if let Some(why) = &w.skip {
        return RowResult::Skipped(why.clone());
    }
    match catch_unwind(AssertUnwindSafe(|| check(case, &w, &run(case, &w)))) {
        Ok(()) => RowResult::Passed,
        Err(panic) => RowResult::CheckFailed(panic_text(panic)),
    }
}

#[test]
fn every_bad_input_is_answered_in_our_words() {
    let cases = cases();
    assert!(cases.len() >= 40, "the catalogue has {} rows", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "row names are unique");

    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = Instant::now();
    // Most rows are a process start; cluster rows wait on the fake's timers. Four at a time
    // keeps both cores busy without making the timing-sensitive rows flaky.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(case) = cases.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let t = Instant::now();
                    let failure = match run_row(case) {
                        RowResult::Passed => None,
                        RowResult::Skipped(why) => {
                            support::cannot_run(&format!("{}: {why}", case.name));
                            None
                        }
                        RowResult::SetupFailed(msg) => Some(format!("setting up: {msg}")),
                        RowResult::CheckFailed(msg) => Some(msg),
                    };
                    if let Some(msg) = failure {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {msg}", case.name));
                    }
                    if t.elapsed() > Duration::from_secs(10) {
                        eprintln!("slow row: {} took {:?}", case.name, t.elapsed());
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!("{} rows in {:?}", cases.len(), started.elapsed());
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
