//! Job-name completion through the compiled binary: the hidden `__complete-jobs` helper against
//! the loopback fake API server, against clusters that are down or never answer, and called the
//! way bash, zsh and fish call it from the committed scripts under completions/.

#[path = "support/fake_api/mod.rs"]
mod fake_api;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use fake_api::{Config, FakeApi};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use support::{stderr_of, stdout_of};

fn job(name: &str, namespace: &str, age_secs: i64, ours: bool) -> Job {
    let created = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(age_secs);
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
            namespace: Some(namespace.into()),
            labels: Some(labels),
            creation_timestamp: Some(Time(created)),
            ..Default::default()
        },
        spec: Some(Default::default()),
        status: Some(Default::default()),
    }
}

fn cluster() -> FakeApi {
    FakeApi::start(Config {
        namespaces: vec!["sandbox".into(), "elsewhere".into()],
        jobs: vec![
            job("job-old", "sandbox", 3 * 3600, true),
            job("job-mid", "sandbox", 600, true),
            job("job-new", "sandbox", 60, true),
            job("other-run", "sandbox", 300, true),
            job("not-ours", "sandbox", 30, false),
            job("far-away", "elsewhere", 60, true),
        ],
        ..Default::default()
    })
}

/// A data directory whose log archive holds these (namespace, job) pairs, oldest first.
fn archive(jobs: &[(&str, &str)]) -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for (i, (ns, name)) in jobs.iter().enumerate() {
        let dir = data.path().join("claude-sandbox/logs").join(ns);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.log"));
        std::fs::write(&path, "{}\n").unwrap();
        let when = std::time::SystemTime::now() - Duration::from_secs(3600 - 60 * i as u64);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    }
    data
}

fn complete(kubeconfig: &Path, data: &Path, args: &[&str]) -> Output {
    support::bin()
        .env("KUBECONFIG", kubeconfig)
        .env("XDG_DATA_HOME", data)
        .arg("__complete-jobs")
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap()
}

fn lines(out: &Output) -> Vec<String> {
    stdout_of(out).lines().map(str::to_string).collect()
}

#[test]
fn names_come_from_the_cluster_newest_first_and_filtered_by_what_is_typed() {
    let api = cluster();
    let data = archive(&[("sandbox", "only-archived")]);
    let ask = |line: &str| complete(api.kubeconfig(), data.path(), &[line]);

    let started = Instant::now();
    let all = ask("claude-sandbox logs ");
    eprintln!("answered by the cluster in {:?}", started.elapsed());
    assert_eq!(all.status.code(), Some(0), "{}", stderr_of(&all));
    assert_eq!(lines(&all), ["job-new", "other-run", "job-mid", "job-old"]);
    assert!(all.stderr.is_empty());

    assert_eq!(
        lines(&ask("claude-sandbox status job-")),
        ["job-new", "job-mid", "job-old"]
    );
    assert_eq!(
        lines(&ask("claude-sandbox cancel job-new job-o")),
        ["job-old"]
    );
    for cmd in ["diff", "checkout"] {
        assert_eq!(
            lines(&ask(&format!("claude-sandbox {cmd} oth"))),
            ["other-run"]
        );
    }
    // The namespace and context on the line choose where to look, before or after the command.
    assert_eq!(
        lines(&ask("claude-sandbox logs -n elsewhere ")),
        ["far-away"]
    );
    assert_eq!(
        lines(&ask("claude-sandbox --context other logs ")),
        ["far-away"]
    );
}

#[test]
fn anywhere_but_a_job_it_answers_nothing_and_exits_1() {
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    for line in [
        "claude-sandbox ",
        "claude-sandbox list ",
        "claude-sandbox logs --r",
        "claude-sandbox logs -c ",
        "claude-sandbox status job-new ",
    ] {
        for args in [vec![line], vec!["--check", line]] {
            let out = complete(api.kubeconfig(), data.path(), &args);
            assert_eq!(out.status.code(), Some(1), "{line:?}");
            assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{line:?}");
        }
    }
    let check = complete(
        api.kubeconfig(),
        data.path(),
        &["--check", "claude-sandbox logs "],
    );
    assert_eq!(check.status.code(), Some(0));
    assert!(check.stdout.is_empty());
    // --check answers from the line alone: the cluster is never asked.
    assert!(api.requests().is_empty());
}

#[test]
fn a_hostile_job_name_never_reaches_the_terminal() {
    let hostile = [
        "job-\u{1b}]0;owned\u{7}",
        "job-x\n$(touch /tmp/owned)",
        "job-\u{1b}[2J",
        "Job-Upper",
    ];
    let mut jobs: Vec<Job> = hostile
        .iter()
        .map(|n| job(n, "sandbox", 10, true))
        .collect();
    jobs.push(job("job-fine", "sandbox", 20, true));
    let api = FakeApi::start(Config {
        jobs,
        ..Default::default()
    });
    let data = tempfile::tempdir().unwrap();
    let out = complete(api.kubeconfig(), data.path(), &["claude-sandbox logs "]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines(&out), ["job-fine"], "{:?}", stdout_of(&out));
    assert!(
        !out.stdout
            .iter()
            .any(|b| b.is_ascii_control() && *b != b'\n')
    );
}

/// A kubeconfig like the fake's, pointing at `url` instead.
fn kubeconfig_at(api: &FakeApi, url: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(api.kubeconfig()).unwrap();
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text.replace(&api.url(), url)).unwrap();
    path
}

#[test]
fn a_cluster_that_never_answers_falls_back_to_the_archive_within_the_bound() {
    let api = cluster();
    // The kernel completes the handshake for a listener nobody accepts from: the request goes
    // out and no byte ever comes back.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kubeconfig_at(
        &api,
        &format!("http://{}", silent.local_addr().unwrap()),
        dir.path(),
    );
    let data = archive(&[
        ("sandbox", "kept-old"),
        ("elsewhere", "kept-far"),
        ("sandbox", "kept-new"),
    ]);
    let started = Instant::now();
    let out = complete(&kubeconfig, data.path(), &["claude-sandbox logs "]);
    let took = started.elapsed();
    eprintln!("silent cluster: answered from the archive in {took:?}");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", stderr_of(&out));
    // The context's namespace is known without the server: only its jobs, newest first.
    assert_eq!(lines(&out), ["kept-new", "kept-old"]);
    assert!(took < Duration::from_secs(3), "took {took:?}");
    drop(silent);
}

#[test]
fn a_cluster_that_is_down_or_missing_falls_back_at_once() {
    let api = cluster();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = kubeconfig_at(&api, &format!("http://127.0.0.1:{port}"), dir.path());
    let data = archive(&[("sandbox", "kept-one"), ("elsewhere", "kept-far")]);

    let started = Instant::now();
    let down = complete(
        &kubeconfig,
        data.path(),
        &["claude-sandbox logs -n elsewhere "],
    );
    let took = started.elapsed();
    eprintln!("closed port: answered from the archive in {took:?}");
    assert_eq!(lines(&down), ["kept-far"]);
    assert!(down.stderr.is_empty(), "{}", stderr_of(&down));
    assert!(took < Duration::from_secs(3), "took {took:?}");

    // No kubeconfig at all: no namespace is known, so every kept job is offered.
    let none = complete(
        &dir.path().join("absent"),
        data.path(),
        &["claude-sandbox logs kept-"],
    );
    assert_eq!(lines(&none), ["kept-far", "kept-one"]);
    assert!(none.stderr.is_empty(), "{}", stderr_of(&none));
}

// ---------------------------------------------------------------- the shells

fn script(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

/// PATH with the binary under test first, as an installed one would be.
fn path_with_binary() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_claude-sandbox"))
        .parent()
        .unwrap()
        .to_path_buf();
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", bin.display())
}

fn shell(program: &str, args: &[&str], api: &FakeApi, data: &Path) -> Option<Output> {
    if Command::new(program).arg("--version").output().is_err() {
        support::cannot_run(&format!("{program} is not installed"));
        return None;
    }
    let home = tempfile::tempdir().unwrap();
    Some(
        Command::new(program)
            .args(args)
            .env("PATH", path_with_binary())
            .env("HOME", home.path())
            .env("KUBECONFIG", api.kubeconfig())
            .env("XDG_DATA_HOME", data)
            .env_remove("CLAUDE_SANDBOX_NAMESPACE")
            .env_remove("CLAUDE_SANDBOX_CONTEXT")
            .output()
            .unwrap(),
    )
}

#[test]
fn bash_completes_job_names_and_leaves_the_rest_to_clap() {
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    let program = format!(
        r#"source "{}"
at() {{
    COMP_LINE="$1"; COMP_POINT=${{#COMP_LINE}}
    read -ra COMP_WORDS <<<"$COMP_LINE"
    [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    COMPREPLY=()
    _claude__sandbox_jobs claude-sandbox "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "$1=${{COMPREPLY[*]}}"
}}
complete -p claude-sandbox
at "claude-sandbox logs job-"
at "claude-sandbox cancel "
at "claude-sandbox -n elsewhere status "
at "claude-sandbox log"
"#,
        script("claude-sandbox.bash").display()
    );
    let Some(out) = shell(
        "bash",
        &["--norc", "--noprofile", "-c", &program],
        &api,
        data.path(),
    ) else {
        return;
    };
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}{}", stderr_of(&out));
    assert!(
        text.contains("-F _claude__sandbox_jobs claude-sandbox"),
        "{text}"
    );
    assert!(
        text.contains("claude-sandbox logs job-=job-new job-mid job-old\n"),
        "{text}"
    );
    assert!(
        text.contains("claude-sandbox cancel =job-new other-run job-mid job-old\n"),
        "{text}"
    );
    assert!(
        text.contains("claude-sandbox -n elsewhere status =far-away\n"),
        "{text}"
    );
    // Not a job: clap's completion answers, with the command names.
    assert!(text.contains("claude-sandbox log=logs\n"), "{text}");
}

#[test]
fn zsh_completes_job_names_through_its_hook() {
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    // compadd only works inside a completion widget; standing in for it shows what the hook
    // would offer, and the real compinit and compdef run.
    let program = format!(
        r#"autoload -Uz compinit && compinit -u -d "$HOME/.zcompdump"
source "{}"
compadd() {{ print -r -- "compadd $*" }}
_claude-sandbox() {{ print -r -- "clap's completion" }}
print -r -- "registered: $_comps[claude-sandbox]"
words=(claude-sandbox logs job-); CURRENT=3; _claude-sandbox_with_jobs
words=(claude-sandbox -n elsewhere status ''); CURRENT=5; _claude-sandbox_with_jobs
words=(claude-sandbox log); CURRENT=2; _claude-sandbox_with_jobs
"#,
        script("_claude-sandbox").display()
    );
    let Some(out) = shell("zsh", &["-f", "-c", &program], &api, data.path()) else {
        return;
    };
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}{}", stderr_of(&out));
    assert!(
        text.contains("registered: _claude-sandbox_with_jobs"),
        "{text}"
    );
    assert!(
        text.contains("compadd -V jobs -- job-new job-mid job-old\n"),
        "{text}"
    );
    assert!(text.contains("compadd -V jobs -- far-away\n"), "{text}");
    assert!(text.contains("clap's completion\n"), "{text}");
}

#[test]
fn zsh_completes_job_names_at_a_real_prompt() {
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    // The script as installed: autoloaded from fpath by compinit, first TAB and later ones.
    let fpath = tempfile::tempdir().unwrap();
    std::fs::copy(
        script("_claude-sandbox"),
        fpath.path().join("_claude-sandbox"),
    )
    .unwrap();
    let program = format!(
        r#"zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="%% "; fpath=({} $fpath); autoload -Uz compinit; compinit -u -d "$HOME/.zcompdump"'
zpty -w -n z $'claude-sandbox logs j\t'
sleep 2
zpty -w -n z $'\t'
sleep 2
zpty -w -n z $'\x15'
zpty -w -n z $'claude-sandbox status -n elsewhere f\t'
sleep 2
out=""
while zpty -r -t z chunk; do out+=$chunk; done
print -r -- "$out"
zpty -d z
"#,
        fpath.path().display()
    );
    let Some(out) = shell("zsh", &["-f", "-c", &program], &api, data.path()) else {
        return;
    };
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}{}", stderr_of(&out));
    // The first TAB inserts what the names share, the second lists them.
    assert!(text.contains("claude-sandbox logs job-"), "{text:?}");
    for name in ["job-new", "job-mid", "job-old"] {
        assert!(text.contains(name), "{name} not offered: {text:?}");
    }
    assert!(!text.contains("other-run"), "{text:?}");
    // A later line still goes through the hook: the only match is inserted.
    assert!(
        text.contains("claude-sandbox status -n elsewhere far-away"),
        "{text:?}"
    );
}

#[test]
fn fish_completes_job_names_and_no_files_there() {
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    let program = format!(
        r#"source "{}"
echo "logs:"; complete -C "claude-sandbox logs job-"
echo "elsewhere:"; complete -C "claude-sandbox status -n elsewhere "
echo "commands:"; complete -C "claude-sandbox log"
"#,
        script("claude-sandbox.fish").display()
    );
    let Some(out) = shell("fish", &["--no-config", "-c", &program], &api, data.path()) else {
        return;
    };
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}{}", stderr_of(&out));
    let section = |name: &str| -> Vec<String> {
        text.split(&format!("{name}:\n"))
            .nth(1)
            .unwrap_or("")
            .lines()
            .take_while(|l| !l.ends_with(':'))
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(section("logs"), ["job-new", "job-mid", "job-old"], "{text}");
    assert_eq!(section("elsewhere"), ["far-away"], "{text}");
    assert!(section("commands").contains(&"logs".to_string()), "{text}");
}

#[test]
fn a_credential_plugin_that_hangs_and_talks_is_cut_off_and_silenced() {
    let api = cluster();
    let dir = tempfile::tempdir().unwrap();
    // A kubeconfig whose user runs an interactive credential plugin (it inherits stdin and
    // stderr, so it could prompt on the user's terminal): it writes to stderr, then blocks far
    // past the budget.
    let text = std::fs::read_to_string(api.kubeconfig()).unwrap();
    let plugin = "    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: sh
      args: [\"-c\", \"echo plugin-noise >&2; sleep 20\"]
      interactiveMode: IfAvailable
";
    let text = text.replacen("    token: fake-token\n", plugin, 1);
    assert!(text.contains("plugin-noise"));
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, text).unwrap();
    let data = archive(&[("sandbox", "kept-one")]);

    let started = Instant::now();
    let out = complete(&kubeconfig, data.path(), &["claude-sandbox logs "]);
    let took = started.elapsed();
    eprintln!("hanging credential plugin: answered from the archive in {took:?}");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", stderr_of(&out));
    assert_eq!(lines(&out), ["kept-one"]);
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn kubectl_completes_its_plugin_through_the_completer_link() {
    if Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err()
    {
        support::cannot_run("kubectl is not installed");
        return;
    }
    let api = cluster();
    let data = tempfile::tempdir().unwrap();
    // The two names install.sh links to the binary.
    let bin = tempfile::tempdir().unwrap();
    for name in ["kubectl-claude_sandbox", "kubectl_complete-claude_sandbox"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_claude-sandbox"), bin.path().join(name))
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let complete = |args: &[&str]| {
        let out = Command::new("kubectl")
            .arg("__complete")
            .args(args)
            .env("PATH", &path)
            .env("HOME", data.path())
            .env("KUBECONFIG", api.kubeconfig())
            .env("XDG_DATA_HOME", data.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        stdout_of(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        complete(&["claude-sandbox", "logs", "job-"]),
        ["job-new", "job-mid", "job-old", ":36"]
    );
    assert_eq!(
        complete(&["claude-sandbox", "status", "-n", "elsewhere", ""]),
        ["far-away", ":36"]
    );
    assert_eq!(complete(&["claude-sandbox", "log"]), ["logs", ":4"]);
    assert_eq!(
        complete(&["claude-sandbox", "logs", "--no"]),
        ["--no-follow", ":4"]
    );
}
