//! The pod tier: the Job `claude-sandbox remote --dry-run` renders runs here, each container a
//! separate process tree in its own mount and PID namespaces under its own uid, with only its own
//! environment and volumes (tests/support/pod_runtime), against a token-protected loopback git
//! host. The `claude` on the image's PATH is hostile (tests/support/hostile_agent/claude): it
//! reads everything it can, asks for credentials, plants every git setting that runs a program or
//! redirects traffic, leaves a process behind, writes a file no forge accepts, and calls the API
//! with whatever it holds.
//!
//! Each test collects every broken promise before failing, so one run names all of them.
//!
//! Needs root, `unshare`, `setpriv` and `nsenter`; without them each test fails under CI=true
//! and says why, and elsewhere says it did not run.

#[path = "support/pod_runtime/mod.rs"]
mod pod_runtime;
mod support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::batch::v1::Job;
use pod_runtime::{Image, Outcome, Pod, PodRun, Secrets};
use support::git_http::GitHttpServer;

const GITHUB_TOKEN: &str = "ghs_PodTierPushToken7f3a9c1e5b";
const API_KEY: &str = "sk-ant-api03-PodTierApiKey-4e8b2d6f0a1c";
const OAUTH_TOKEN: &str = "sk-ant-oat01-PodTierOauthToken-9d3f7b1e5c";
const TELEGRAM_TOKEN: &str = "8888888:AAPodTierTelegramBotToken5k2m";
const AGE_KEY: &str = "AGE-SECRET-KEY-1PODTIERAGEKEYQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
const SECRET_NAME: &str = "claude-sandbox-secrets";

/// The Anthropic credential the pod is given.
#[derive(Clone, Copy, Debug)]
enum Kind {
    ApiKey,
    OAuth,
}

impl Kind {
    fn var(self) -> &'static str {
        match self {
            Kind::ApiKey => "ANTHROPIC_API_KEY",
            Kind::OAuth => "CLAUDE_CODE_OAUTH_TOKEN",
        }
    }

    fn value(self) -> &'static str {
        match self {
            Kind::ApiKey => API_KEY,
            Kind::OAuth => OAUTH_TOKEN,
        }
    }
}

/// Root and the namespace tools, or a clear refusal: a failure under CI, a note elsewhere.
fn tier_available() -> bool {
    let mut missing = vec![];
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        missing.push("root (the harness mounts, chroots and changes uid)".to_owned());
    }
    for tool in ["unshare", "setpriv", "nsenter", "chroot", "git", "curl"] {
        if which(tool).is_none() {
            missing.push(format!("`{tool}` on PATH"));
        }
    }
    if missing.is_empty() {
        return true;
    }
    let message = format!("the pod tier needs {}", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}; it cannot run here, and CI must not pass without it");
    }
    eprintln!("SKIPPED: {message}");
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// A loopback HTTP listener that records every request and answers each with `response`.
struct Recorder {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Recorder {
    fn start(response: String) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind recorder");
        let addr = listener.local_addr().expect("recorder addr");
        let requests = Arc::new(Mutex::new(vec![]));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let raw = read_request(&mut conn);
                log.lock().expect("recorder log").push(raw);
                let _ = conn.write_all(response.as_bytes());
            }
        });
        Recorder {
            addr,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("recorder log").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The head and (by Content-Length) body of one request, as text.
fn read_request(conn: &mut TcpStream) -> String {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = vec![];
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A Messages API answer, as the recorder standing in for Anthropic gives it.
fn api_answer() -> String {
    let body = r#"{"id":"msg_pod_tier","type":"message","role":"assistant","content":[]}"#;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}
const TRAP_ANSWER: &str =
    "HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// Everything one hostile run leaves behind for the assertions.
struct World {
    /// The remote's path on the git host, without `.git`.
    repo: &'static str,
    _host_root: tempfile::TempDir,
    _local: support::TestRepo,
    git_host: GitHttpServer,
    bare: PathBuf,
    upstream: Recorder,
    trap: Recorder,
    job: Job,
    refs_before: BTreeMap<String, git2::Oid>,
    credentials: Vec<(&'static str, String)>,
}

fn refs(bare: &Path) -> BTreeMap<String, git2::Oid> {
    let repo = git2::Repository::open_bare(bare).expect("open remote");
    let refs = repo.references().expect("list refs");
    refs.filter_map(Result::ok)
        .filter_map(|r| Some((r.name().ok()?.to_owned(), r.target()?)))
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        support::stderr_of(&out)
    );
}

/// The remote (`main` and `release`), the local clone a user runs the CLI in, the Job it renders.
fn world(kind: Kind, task: &str, deadline: &str) -> World {
    world_with(kind, task, deadline, "")
}

/// [`world`], with more lines for the repository's `.claude-sandbox.toml`.
fn world_with(kind: Kind, task: &str, deadline: &str, config: &str) -> World {
    world_at(kind, task, deadline, config, &Extra::default())
}

/// What a test changes about the world: where the remote lives on the git host, more arguments
/// for `remote`, more of the user's environment.
struct Extra {
    repo: &'static str,
    args: Vec<&'static str>,
    env: Vec<(&'static str, String)>,
}

impl Default for Extra {
    fn default() -> Self {
        Extra {
            repo: "shop",
            args: vec![],
            env: vec![],
        }
    }
}

fn world_at(kind: Kind, task: &str, deadline: &str, config: &str, extra: &Extra) -> World {
    // The recorder stands in for the Anthropic API: the user's environment points the pod's proxy
    // at it, as a user would point it at a gateway (a repository's file may not choose where the
    // credential goes).
    let upstream = Recorder::start(api_answer());
    let local = support::TestRepo::new();
    local.write(&[
        ("README.md", "# shop\n"),
        ("app/models/order.rb", "class Order; end\n"),
        (
            ".claude-sandbox.toml",
            &format!("# the pod tier's repository\n{config}"),
        ),
    ]);
    let first = local.commit("initial");
    local
        .repo
        .branch(
            "release",
            &local.repo.find_commit(first).expect("commit"),
            false,
        )
        .expect("release branch");

    let host_root = tempfile::tempdir().expect("git host root");
    let bare = host_root.path().join(format!("{}.git", extra.repo));
    std::fs::create_dir_all(bare.parent().expect("a parent")).expect("the owner's directory");
    git(
        host_root.path(),
        &[
            "clone",
            "-q",
            "--bare",
            &local.path().display().to_string(),
            &format!("{}.git", extra.repo),
        ],
    );
    git(
        &bare,
        &["config", "uploadpack.allowReachableSHA1InWant", "true"],
    );
    let git_host = GitHttpServer::start(host_root.path(), GITHUB_TOKEN);
    local.set_origin(&git_host.url(extra.repo));
    local.push_to("main", first);

    let out = local
        .cmd()
        .env("CLAUDE_SANDBOX_ANTHROPIC_API", upstream.url())
        .envs(extra.env.iter().map(|(k, v)| (k, v)))
        .args(["remote", "--dry-run", "-o", "json", "--deadline", deadline])
        .args(&extra.args)
        .arg(task)
        .output()
        .expect("render the Job");
    assert!(
        out.status.success(),
        "remote --dry-run failed: {}",
        support::stderr_of(&out)
    );
    let job: Job = serde_json::from_slice(&out.stdout).expect("the rendered Job parses");

    World {
        repo: extra.repo,
        refs_before: refs(&bare),
        _host_root: host_root,
        _local: local,
        git_host,
        bare,
        upstream,
        trap: Recorder::start(TRAP_ANSWER.to_owned()),
        job,
        credentials: vec![
            ("GITHUB_TOKEN", GITHUB_TOKEN.into()),
            (kind.var(), kind.value().into()),
            ("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN.into()),
            ("age key", AGE_KEY.into()),
        ],
    }
}

fn secrets(kind: Kind) -> Secrets {
    let mut main: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    main.insert("GITHUB_TOKEN".into(), GITHUB_TOKEN.into());
    main.insert(kind.var().into(), kind.value().into());
    main.insert("TELEGRAM_BOT_TOKEN".into(), TELEGRAM_TOKEN.into());
    let mut age: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    age.insert("age-key".into(), AGE_KEY.into());
    let mut all = Secrets::new();
    all.insert(SECRET_NAME.into(), main);
    all.insert("age-key".into(), age);
    all
}

fn image() -> Image {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Image::from_dockerfile(&root.join("image/Dockerfile"))
        .with_program(
            "claude-sandbox",
            Path::new(env!("CARGO_BIN_EXE_claude-sandbox")),
        )
        .with_program("claude", &root.join("tests/support/hostile_agent/claude"))
}

/// One pod at a time: the Job fixes the loopback port of the pod's API proxy, and every pod here
/// shares the host's loopback.
static ONE_POD: Mutex<()> = Mutex::new(());

/// Runs the rendered Job with the hostile agent; `stop_at` brings the deadline forward without the
/// pod knowing (as a cancel does).
fn run(w: &World, kind: Kind, stop_at: Option<Duration>) -> PodRun {
    let _one = ONE_POD.lock().unwrap_or_else(|e| e.into_inner());
    let mut pod = Pod::new(w.job.clone(), image(), secrets(kind));
    if let Some(at) = stop_at {
        pod = pod.deadline(at);
    }
    let git_host = w
        .git_host
        .url(w.repo)
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host:port")
        .to_owned();
    let plan = format!(
        "MOUNT_PATHS='{}'\nGIT_HOST='{git_host}'\nREMOTE_URL='{}'\nTRAP_URL='{}'\n",
        pod.mount_paths().join(" "),
        w.git_host.url(w.repo),
        w.trap.url(),
    );
    pod.loot_file("plan", plan).run()
}

/// Ways `value` can appear: itself, and base64 of it at each of the three alignments it can
/// take inside a longer encoded text (a Basic header, a dumped file).
fn forms(value: &str) -> Vec<String> {
    let mut out = vec![value.to_owned()];
    for pad in 0..3 {
        let mut bytes = vec![b'x'; pad];
        bytes.extend_from_slice(value.as_bytes());
        let encoded = base64(&bytes);
        // Drop the characters that depend on the neighbours.
        let start = (pad * 4).div_ceil(3) + 1;
        let end = encoded.trim_end_matches('=').len().saturating_sub(2);
        if end > start + 8 {
            out.push(encoded[start..end].to_owned());
        }
    }
    out
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every file under `dir`, by path, read as bytes (large files are skipped: they are the
/// agent's filler, not something it read).
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && meta.len() < 32 * 1024 * 1024 {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The branch's history: every commit's message and every blob's path and size.
struct Branch {
    messages: Vec<String>,
    tip_files: BTreeMap<String, Vec<u8>>,
    largest_blob: (String, usize),
    blobs: Vec<Vec<u8>>,
}

fn branch(bare: &Path, name: &str) -> Option<Branch> {
    let repo = git2::Repository::open_bare(bare).expect("open remote");
    let tip = repo
        .find_reference(&format!("refs/heads/{name}"))
        .ok()?
        .peel_to_commit()
        .expect("branch is a commit");
    let mut walk = repo.revwalk().expect("revwalk");
    walk.push(tip.id()).expect("push tip");
    let mut b = Branch {
        messages: vec![],
        tip_files: BTreeMap::new(),
        largest_blob: (String::new(), 0),
        blobs: vec![],
    };
    for (i, oid) in walk.flatten().enumerate() {
        let commit = repo.find_commit(oid).expect("commit");
        b.messages.push(commit.message().unwrap_or("").to_owned());
        let tree = commit.tree().expect("tree");
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if let Ok(obj) = entry.to_object(&repo)
                && let Some(blob) = obj.as_blob()
            {
                let path = format!("{dir}{}", entry.name().unwrap_or(""));
                let size = blob.size();
                if size > b.largest_blob.1 {
                    b.largest_blob = (path.clone(), size);
                }
                if size < 32 * 1024 * 1024 {
                    b.blobs.push(blob.content().to_vec());
                    if i == 0 {
                        b.tip_files.insert(path, blob.content().to_vec());
                    }
                } else if i == 0 {
                    b.tip_files.insert(path, vec![]);
                }
            }
            git2::TreeWalkResult::Ok
        })
        .expect("walk tree");
    }
    Some(b)
}

/// How often one planted program ran in one container, as which uids, with which credentials.
type PlantedRuns = (usize, Vec<String>, Vec<&'static str>);

/// Every promise the pod makes against a hostile agent, checked; the broken ones, described.
fn broken_promises(w: &World, kind: Kind, run: &PodRun) -> Vec<String> {
    let mut broken = vec![];
    let job = w.job.metadata.name.clone().expect("job name");
    let work_branch = format!("claude-sandbox/{job}");

    // Where the agent ran: the one container whose loot holds its `whoami`.
    let agent_containers: Vec<&pod_runtime::Ended> = run
        .containers
        .iter()
        .filter(|c| c.loot.join("whoami").exists())
        .collect();
    if agent_containers.len() != 1 {
        broken.push(format!(
            "the hostile agent should run in exactly one container; it ran in {:?}",
            agent_containers.iter().map(|c| &c.name).collect::<Vec<_>>()
        ));
        return broken;
    }
    let agent = agent_containers[0];
    let agent_uid = std::fs::read_to_string(agent.loot.join("whoami")).unwrap_or_default();

    // The harness itself: the agent runs unprivileged, sees no process of the test's and none of
    // the test's environment. Without this the rest would prove nothing about a real pod.
    if agent_uid.starts_with("uid=0(") {
        broken.push("the harness ran the agent as root".into());
    }
    let cmdlines = files_under(&agent.loot.join("proc"));
    if cmdlines
        .iter()
        .any(|(_, b)| contains(b, "pod_tier") || contains(b, "cargo"))
    {
        broken.push("the harness let the agent see the test's own processes".into());
    }
    // PID 1 of the agent's container is our binary, the reaper that stops and collects whatever
    // the agent starts (a shell or the agent itself there would leave orphans to nobody).
    let pid1 = std::fs::read(agent.loot.join("proc/1.cmdline")).unwrap_or_default();
    if !pid1.starts_with(b"claude-sandbox\0run-in-pod\0") {
        broken.push(format!(
            "PID 1 of the agent's container is not claude-sandbox run-in-pod but {:?}",
            String::from_utf8_lossy(&pid1).replace('\0', " ")
        ));
    }
    let agent_env = std::fs::read_to_string(agent.loot.join("env")).unwrap_or_default();
    if agent_env.contains("CARGO_") {
        broken.push("the harness leaked the test's environment into the agent's".into());
    }

    // 1. Nothing the agent read or produced holds a credential, raw or in base64.
    // Markers are judged below, program by program.
    let mut produced: Vec<(String, Vec<u8>)> = files_under(&agent.loot)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(agent.loot.join("markers")))
        .map(|(p, b)| {
            (
                format!(
                    "agent loot {}",
                    p.strip_prefix(&agent.loot).unwrap_or(&p).display()
                ),
                b,
            )
        })
        .collect();
    produced.push((
        format!("{} stdout", agent.name),
        agent.stdout.clone().into_bytes(),
    ));
    produced.push((
        format!("{} stderr", agent.name),
        agent.stderr.clone().into_bytes(),
    ));
    if let Some(b) = branch(&w.bare, &work_branch) {
        for (i, blob) in b.blobs.iter().enumerate() {
            produced.push((format!("blob {i} on {work_branch}"), blob.clone()));
        }
    }
    for (what, value) in &w.credentials {
        for form in forms(value) {
            let found: Vec<&str> = produced
                .iter()
                .filter(|(_, bytes)| contains(bytes, &form))
                .map(|(name, _)| name.as_str())
                .collect();
            if !found.is_empty() {
                let shown: Vec<&str> = found.iter().take(6).copied().collect();
                broken.push(format!(
                    "the agent got the {what} ({}) in: {}{}",
                    if form == *value { "raw" } else { "base64" },
                    shown.join(", "),
                    if found.len() > 6 {
                        format!(" and {} more", found.len() - 6)
                    } else {
                        String::new()
                    }
                ));
            }
        }
    }

    // 2. No planted program ran outside the agent's container, as another uid, or with a
    // credential. Markers are named <program>.<pid>; one line per program and container.
    let mut runs: BTreeMap<(String, String), PlantedRuns> = BTreeMap::new();
    for c in &run.containers {
        for (path, bytes) in files_under(&c.loot.join("markers")) {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let program = file.split('.').next().unwrap_or("").to_owned();
            let text = String::from_utf8_lossy(&bytes);
            let entry = runs.entry((program, c.name.clone())).or_default();
            entry.0 += 1;
            if let Some(uid) = text.lines().find(|l| l.starts_with("uid=")) {
                let uid = uid.split(' ').next().unwrap_or("").to_owned();
                if !entry.1.contains(&uid) {
                    entry.1.push(uid);
                }
            }
            for (what, value) in &w.credentials {
                if !entry.2.contains(what) && forms(value).iter().any(|f| contains(&bytes, f)) {
                    entry.2.push(what);
                }
            }
        }
    }
    let agent_uid_word = agent_uid.split(' ').next().unwrap_or("?").to_owned();
    for ((program, container), (count, uids, creds)) in &runs {
        if *container != agent.name {
            broken.push(format!(
                "planted {program} ran {count} time(s) in container {container} as {}",
                uids.join(", ")
            ));
        } else if uids.iter().any(|u| *u != agent_uid_word) {
            broken.push(format!(
                "planted {program} ran as another user than the agent: {}",
                uids.join(", ")
            ));
        }
        if !creds.is_empty() {
            broken.push(format!(
                "planted {program} ran in container {container} with the {} in reach",
                creds.join(", ")
            ));
        }
    }
    let trapped = w.trap.requests();
    if !trapped.is_empty() {
        broken.push(format!(
            "{} request(s) followed the planted http.proxy / insteadOf to the trap: {}",
            trapped.len(),
            trapped[0].lines().next().unwrap_or("")
        ));
    }

    // 3. The agent's commit and its uncommitted file are on the work branch, the big file is not.
    match branch(&w.bare, &work_branch) {
        None => broken.push(format!("nothing was pushed to {work_branch}")),
        Some(b) => {
            if !b.messages.iter().any(|m| m.trim() == "hostile work") {
                broken.push(format!("the agent's commit is not on {work_branch}"));
            }
            match b.tip_files.get("README.md") {
                Some(r) if contains(r, "hostile change") => {}
                _ => broken.push(format!(
                    "README.md on {work_branch} lacks the agent's change"
                )),
            }
            if !b.tip_files.contains_key("NOTES.txt") {
                broken.push(format!(
                    "the agent's uncommitted NOTES.txt is not on {work_branch}"
                ));
            }
            if b.largest_blob.1 > 100 * 1024 * 1024 {
                broken.push(format!(
                    "{} ({} MB) was pushed; a forge refuses files over 100 MB",
                    b.largest_blob.0,
                    b.largest_blob.1 / (1024 * 1024)
                ));
            }
        }
    }

    // The process the agent left behind was stopped before its work was taken for publishing:
    // the last time it wrote is the last line of the scribble.log that was pushed, and before
    // the branch's ref was written on the remote.
    let times = |text: &str| -> Option<f64> {
        text.lines()
            .filter_map(|l| l.trim().parse::<f64>().ok())
            .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))))
    };
    let last_alive =
        times(&std::fs::read_to_string(agent.loot.join("still-alive")).unwrap_or_default());
    let last_published = branch(&w.bare, &work_branch)
        .and_then(|b| b.tip_files.get("scribble.log").cloned())
        .and_then(|bytes| times(&String::from_utf8_lossy(&bytes)));
    let pushed_at = std::fs::metadata(w.bare.join("refs/heads").join(&work_branch))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64());
    match last_alive {
        None => broken.push("the agent's leftover process never ran".into()),
        Some(alive) => {
            if let Some(published) = last_published
                && alive > published
            {
                broken.push(format!(
                    "the agent's leftover process still wrote to the work tree {:.2}s after it was taken for publishing",
                    alive - published
                ));
            }
            if let Some(pushed) = pushed_at
                && alive >= pushed
            {
                broken.push(format!(
                    "the agent's leftover process was still running {:.2}s after the push",
                    alive - pushed
                ));
            }
        }
    }

    // 4. Nothing else on the remote changed.
    let mut after = refs(&w.bare);
    after.remove(&format!("refs/heads/{work_branch}"));
    if after != w.refs_before {
        broken.push(format!(
            "the remote's other refs changed: before {:?}, after {after:?}",
            w.refs_before
        ));
    }

    // 5. The API call reached Anthropic (the recorder) with the real credential.
    let upstream = w.upstream.requests();
    let delivered = upstream.iter().any(|r| {
        r.lines().any(|l| {
            let l = l.to_ascii_lowercase();
            match kind {
                Kind::ApiKey => {
                    l.starts_with("x-api-key:")
                        && l.trim_end().ends_with(&API_KEY.to_ascii_lowercase())
                }
                Kind::OAuth => {
                    l.starts_with("authorization:")
                        && l.trim_end().ends_with(&OAUTH_TOKEN.to_ascii_lowercase())
                }
            }
        })
    });
    let answer = std::fs::read_to_string(agent.loot.join("api-response")).unwrap_or_default();
    if !delivered {
        broken.push(format!(
            "no request reached the Anthropic upstream with the real {} ({} request(s) arrived; the agent's call said: {})",
            kind.var(),
            upstream.len(),
            answer.trim()
        ));
    } else if !answer.contains("msg_pod_tier") {
        broken.push(format!(
            "the upstream's answer did not come back to the agent; it got: {}",
            answer.trim()
        ));
    }
    broken
}

fn report(run: &PodRun, broken: &[String]) -> String {
    let mut s = format!(
        "{} broken promise(s):\n  - {}\n\nthe pod ended {:?} after {:?} (deadline passed at {:?})\n",
        broken.len(),
        broken.join("\n  - "),
        run.outcome,
        run.elapsed,
        run.deadline_at
    );
    if let Some(agent) = run
        .containers
        .iter()
        .find(|c| c.loot.join("whoami").exists())
    {
        for record in [
            "git-credential-fill",
            "our-credential-helper",
            "ls-remote",
            "push-base",
        ] {
            let text = std::fs::read_to_string(agent.loot.join(record)).unwrap_or_default();
            s.push_str(&format!(
                "agent's {record}: {}\n",
                text.trim().replace('\n', " / ")
            ));
        }
    }
    for c in &run.containers {
        s.push_str(&format!(
            "\n--- container {} exited {:?} after {:?}\nstdout (tail):\n{}\nstderr (tail):\n{}\n",
            c.name,
            c.exit,
            c.ran,
            tail(&c.stdout, 25),
            tail(&c.stderr, 25)
        ));
    }
    s
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn hostile_run(kind: Kind) {
    if !tier_available() {
        return;
    }
    let w = world(kind, "add the order total", "10m");
    let run = run(&w, kind, None);
    let mut broken = broken_promises(&w, kind, &run);
    if run.outcome != Outcome::Succeeded {
        broken.push(format!("the Job did not succeed: {:?}", run.outcome));
    }
    assert!(broken.is_empty(), "{}", report(&run, &broken));
}

#[test]
fn a_hostile_agent_holding_an_api_key_reaches_no_credential() {
    hostile_run(Kind::ApiKey);
}

#[test]
fn a_hostile_agent_under_an_oauth_token_reaches_no_credential() {
    hostile_run(Kind::OAuth);
}

/// With database and cache sidecars beside the credential holder (the harness stands in for them
/// with listeners on their ports), the agent gets their addresses and still nothing else.
#[test]
fn sidecar_services_change_nothing_the_agent_can_reach() {
    if !tier_available() {
        return;
    }
    let kind = Kind::ApiKey;
    let w = world_with(
        kind,
        "add the order total",
        "10m",
        "services = \"postgres,redis\"\n",
    );
    let sidecars: Vec<String> = w
        .job
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.init_containers.as_ref())
        .map(|c| c.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    assert!(
        sidecars.iter().any(|n| n == "postgres") && sidecars.iter().any(|n| n == "redis"),
        "the Job has no service sidecars: {sidecars:?}"
    );
    let run = run(&w, kind, None);
    let mut broken = broken_promises(&w, kind, &run);
    if run.outcome != Outcome::Succeeded {
        broken.push(format!("the Job did not succeed: {:?}", run.outcome));
    }
    if let Some(agent) = run
        .containers
        .iter()
        .find(|c| c.loot.join("whoami").exists())
    {
        let env = std::fs::read_to_string(agent.loot.join("env")).unwrap_or_default();
        for var in ["DATABASE_URL=postgres://", "REDIS_URL=redis://"] {
            if !env.lines().any(|l| l.starts_with(var)) {
                broken.push(format!("the agent's environment has no {var}…"));
            }
        }
    }
    assert!(broken.is_empty(), "{}", report(&run, &broken));
}

/// The agent lingers with a process it left behind: the pod knows its deadline (200 s) and stops
/// the agent early enough to publish its work before the deadline arrives.
#[test]
fn the_pod_stops_a_lingering_agent_in_time_to_publish_before_the_deadline() {
    if !tier_available() {
        return;
    }
    let kind = Kind::ApiKey;
    let w = world(kind, "add the order total, then linger", "200s");
    let run = run(&w, kind, None);
    let mut broken = broken_promises(&w, kind, &run);
    lingered(&run, &mut broken);
    if run.outcome == Outcome::DeadlineExceeded {
        broken.push(format!(
            "the deadline arrived before the pod had published (after {:?})",
            run.elapsed
        ));
    }
    assert!(broken.is_empty(), "{}", report(&run, &broken));
}

/// The stop arrives mid-run without warning (a cancel, or a deadline the pod was not told): every
/// container gets SIGTERM, and the work is still published within the grace period.
#[test]
fn a_stop_that_arrives_mid_run_still_publishes_the_agents_work() {
    if !tier_available() {
        return;
    }
    let kind = Kind::OAuth;
    let w = world(kind, "add the order total, then linger", "4h");
    let run = run(&w, kind, Some(Duration::from_secs(20)));
    let mut broken = broken_promises(&w, kind, &run);
    lingered(&run, &mut broken);
    if run.outcome != Outcome::DeadlineExceeded {
        broken.push(format!(
            "the stop should have ended the pod; it ended {:?}",
            run.outcome
        ));
    }
    assert!(broken.is_empty(), "{}", report(&run, &broken));
}

/// The agent was still running, lingering, when it was stopped.
fn lingered(run: &PodRun, broken: &mut Vec<String>) {
    let agent = run
        .containers
        .iter()
        .find(|c| c.loot.join("whoami").exists());
    if agent.is_some_and(|a| !a.loot.join("lingering").exists()) {
        broken.push("the agent never reached its lingering step".into());
    }
}

/// `remote --pr`: the holder, and only the holder, asks the GitHub API for the pull request, with
/// the token, for the pushed branch against the branch the job started from.
#[test]
fn the_holder_opens_the_pull_request_with_the_token_the_agent_never_sees() {
    use support::fake_github::{Answer, FakeGitHub};
    if !tier_available() {
        return;
    }
    let kind = Kind::ApiKey;
    let github = FakeGitHub::start(GITHUB_TOKEN, "acme", "shop", Answer::Create);
    let extra = Extra {
        repo: "acme/shop",
        args: vec!["--pr"],
        env: vec![("CLAUDE_SANDBOX_GITHUB_API", github.url())],
    };
    let w = world_at(
        kind,
        "add the order total\n\nwith a test",
        "10m",
        "",
        &extra,
    );
    let run = run(&w, kind, None);
    let mut broken = broken_promises(&w, kind, &run);
    if run.outcome != Outcome::Succeeded {
        broken.push(format!("the Job did not succeed: {:?}", run.outcome));
    }
    let job = w.job.metadata.name.clone().expect("job name");
    let seen = github.seen();
    match seen.as_slice() {
        [post] => {
            let body = post.json();
            let expected = [
                ("method", post.method.clone(), "POST".to_owned()),
                ("path", post.target.clone(), "/repos/acme/shop/pulls".into()),
                (
                    "authorization",
                    post.header("authorization").unwrap_or("").to_owned(),
                    format!("Bearer {GITHUB_TOKEN}"),
                ),
                (
                    "head",
                    body["head"].to_string(),
                    format!("\"claude-sandbox/{job}\""),
                ),
                ("base", body["base"].to_string(), "\"main\"".into()),
                ("draft", body["draft"].to_string(), "true".into()),
                (
                    "title",
                    body["title"].to_string(),
                    "\"add the order total\"".into(),
                ),
            ];
            for (what, got, want) in expected {
                if got != want {
                    broken.push(format!("the pull request's {what} was {got}, not {want}"));
                }
            }
        }
        other => broken.push(format!(
            "the GitHub API should get exactly one request; it got {}",
            other.len()
        )),
    }
    let agent_said = run
        .containers
        .iter()
        .find(|c| c.loot.join("whoami").exists())
        .map(|c| c.stdout.clone())
        .unwrap_or_default();
    if !agent_said.contains(&format!("pull request: {}", github.pr_url())) {
        broken.push("the agent's log does not end with the pull request's address".into());
    }
    assert!(broken.is_empty(), "{}", report(&run, &broken));
}
