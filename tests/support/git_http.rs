//! A loopback git smart-HTTP host that insists on a token, for proving that code under test hands
//! its GitHub token to `git` through a credential helper and never through a URL.
//!
//! ```ignore
//! let root = tempfile::tempdir().unwrap();
//! bare_repo_with(root.path(), "shop", "main", &[("README.md", "hi")]);
//! let server = GitHttpServer::start(root.path(), "s3cret");
//! // git clone server.url("shop") with a helper answering x-access-token / s3cret, then:
//! assert!(server.requests().iter().any(|r| r.status == 401));
//! ```
//!
//! Plain HTTP on 127.0.0.1, one tokio runtime on its own thread. Each request is checked for
//! HTTP Basic auth `x-access-token:<token>` (GitHub's convention for app and Actions tokens) and,
//! when accepted, handed to the real `git http-backend` as a CGI program, so clone, fetch, shallow
//! fetch, protocol v2 and push behave as `git` itself implements them.
//!
//! Behaviour a client meets, as on GitHub:
//! - every request without valid credentials gets `401` with `WWW-Authenticate: Basic`; that
//!   challenge is what makes `git` ask its credential helper (it never sends credentials first);
//! - push works for authenticated requests: http-backend enables `receive-pack` only when
//!   `REMOTE_USER` is set, which this server does for every accepted request;
//! - a commit reachable from a ref can be fetched by its id, also over protocol v0:
//!   [`bare_repo_with`] sets `uploadpack.allowReachableSHA1InWant=true` (protocol v2 allows it
//!   without the setting).
//!
//! What the records can and cannot prove: a token written into the remote URL
//! (`http://x-access-token:TOKEN@host/…`) is sent by `git` as the same Basic header after the same
//! 401, so it never shows up in a request line either. [`RecordedRequest::uri`] catches a token put
//! into a path or query; a token in the URL's user part must be caught where it is stored
//! (`remote.origin.url` in the clone's config, process arguments).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// The user name GitHub expects alongside a token in HTTP Basic auth.
pub const TOKEN_USER: &str = "x-access-token";

/// The largest request body accepted; a pack pushed by a test is far smaller.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// One HTTP request as the server saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// Path and query exactly as in the request line, e.g.
    /// `/shop.git/info/refs?service=git-upload-pack`.
    pub uri: String,
    /// An `Authorization` header was sent, right or wrong.
    pub authorization_present: bool,
    /// The header carried `x-access-token` and the server's token.
    pub authorized: bool,
    /// The status answered: 401 when not authorized, else http-backend's.
    pub status: u16,
    /// The request line and every header (names lower-case) as text, one per line.
    pub head: String,
}

pub struct GitHttpServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    root: PathBuf,
    backend: PathBuf,
    /// `x-access-token:<token>`, compared with the decoded Basic credentials.
    credentials: Vec<u8>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl GitHttpServer {
    /// Serves the bare repositories under `root` (as `/<name>.git`) to clients that present
    /// `x-access-token` / `token`. The port is bound before this returns and served until drop.
    pub fn start(root: &Path, token: &str) -> GitHttpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            backend: http_backend_path(),
            credentials: format!("{TOKEN_USER}:{token}").into_bytes(),
            requests: requests.clone(),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("git-http-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("git http runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let app = axum::Router::new().fallback(handle).with_state(shared);
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = rx => {}
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(100));
            })
            .expect("spawn git http thread");
        GitHttpServer {
            addr,
            requests,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT/<repo>.git`, with no credentials in it.
    pub fn url(&self, repo: &str) -> String {
        format!("http://{}/{repo}.git", self.addr)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.lock().expect("request log").clone()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `$(git --exec-path)/git-http-backend`.
fn http_backend_path() -> PathBuf {
    let out = std::process::Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("run git --exec-path");
    assert!(out.status.success(), "git --exec-path failed");
    let dir = String::from_utf8(out.stdout).expect("exec path is UTF-8");
    let backend = Path::new(dir.trim()).join("git-http-backend");
    assert!(backend.is_file(), "no {}", backend.display());
    backend
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let uri = parts.uri.path_and_query().map_or_else(
        || parts.uri.path().to_string(),
        |pq| pq.as_str().to_string(),
    );
    let mut head = format!("{} {uri} {:?}\n", parts.method, parts.version);
    for (name, value) in &parts.headers {
        head.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    let authorization = parts.headers.get("authorization");
    let authorized = authorization
        .and_then(|v| basic_credentials(v.as_bytes()))
        .is_some_and(|c| c == shared.credentials);
    let mut record = RecordedRequest {
        method: parts.method.to_string(),
        uri,
        authorization_present: authorization.is_some(),
        authorized,
        status: 0,
        head,
    };

    let response = if !authorized {
        challenge()
    } else {
        match axum::body::to_bytes(body, BODY_LIMIT).await {
            Err(e) => plain(StatusCode::BAD_REQUEST, format!("reading body: {e}")),
            Ok(body) => {
                let cgi = cgi_env(&shared.root, &parts, body.len());
                let backend = shared.backend.clone();
                match tokio::task::spawn_blocking(move || run_cgi(&backend, &cgi, body)).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(e)) => plain(StatusCode::INTERNAL_SERVER_ERROR, e),
                    Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                }
            }
        }
    };
    record.status = response.status().as_u16();
    shared.requests.lock().expect("request log").push(record);
    response
}

fn challenge() -> Response {
    let mut r = plain(StatusCode::UNAUTHORIZED, "authentication required\n".into());
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Basic realm=\"test\""),
    );
    r
}

fn plain(status: StatusCode, text: String) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    r
}

/// The decoded `user:password` of a `Basic` Authorization header.
fn basic_credentials(header: &[u8]) -> Option<Vec<u8>> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    base64_decode(encoded.trim())
}

/// Standard-alphabet base64 with optional padding; `None` on anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The CGI/1.1 environment for one authenticated request. Request headers travel as `HTTP_*`:
/// `Content-Encoding: gzip` (git compresses upload-pack bodies over 1 KiB) reaches http-backend
/// as `HTTP_CONTENT_ENCODING`, which makes it inflate the body itself; without it upload-pack
/// reads gzip as pkt-lines and the fetch fails. `Git-Protocol` is also set as `GIT_PROTOCOL`, the
/// variable upload-pack reads to speak protocol v2 (git 2.47's http-backend also copies
/// `HTTP_GIT_PROTOCOL` over by itself; setting it here does not depend on the version).
fn cgi_env(
    root: &Path,
    parts: &axum::http::request::Parts,
    body_len: usize,
) -> Vec<(String, String)> {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut env = vec![
        ("GIT_PROJECT_ROOT".into(), root.display().to_string()),
        ("GIT_HTTP_EXPORT_ALL".into(), "1".into()),
        ("GATEWAY_INTERFACE".into(), "CGI/1.1".into()),
        ("SERVER_PROTOCOL".into(), "HTTP/1.1".into()),
        ("REQUEST_METHOD".into(), parts.method.to_string()),
        ("PATH_INFO".into(), parts.uri.path().to_string()),
        (
            "QUERY_STRING".into(),
            parts.uri.query().unwrap_or("").into(),
        ),
        ("REMOTE_USER".into(), TOKEN_USER.into()),
        ("REMOTE_ADDR".into(), "127.0.0.1".into()),
        ("CONTENT_LENGTH".into(), body_len.to_string()),
    ];
    if let Some(ct) = header("content-type") {
        env.push(("CONTENT_TYPE".into(), ct));
    }
    if let Some(proto) = header("git-protocol") {
        env.push(("GIT_PROTOCOL".into(), proto));
    }
    for (name, value) in &parts.headers {
        if is_cgi_meta(name) {
            continue;
        }
        if let Ok(value) = value.to_str() {
            let var = format!(
                "HTTP_{}",
                name.as_str().to_ascii_uppercase().replace('-', "_")
            );
            env.push((var, value.to_string()));
        }
    }
    env
}

/// Headers a CGI server passes as meta-variables of their own, or (credentials) not at all.
fn is_cgi_meta(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "authorization" | "content-type" | "content-length"
    )
}

/// Runs http-backend with `env` alone (plus `PATH`, and no system or global git config, so the
/// developer's settings cannot change what the server does), feeds it `body`, and turns its CGI
/// response into an HTTP one.
fn run_cgi(backend: &Path, env: &[(String, String)], body: Bytes) -> Result<Response, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let mut cmd = Command::new(backend);
    cmd.env_clear()
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("starting {}: {e}", backend.display()))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Written from its own thread: the backend may answer before it has read everything.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("running {}: {e}", backend.display()))?;
    let _ = writer.join();
    if !out.stderr.is_empty() {
        eprintln!(
            "git-http-backend: {}",
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    parse_cgi_response(&out.stdout)
}

/// `Header: value` lines, a blank line, the body; `Status: 404 Not Found` sets the status.
fn parse_cgi_response(raw: &[u8]) -> Result<Response, String> {
    let (head_len, sep_len) = find(raw, b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(raw, b"\n\n").map(|i| (i, 2)))
        .ok_or_else(|| "http-backend wrote no header block".to_string())?;
    let head = std::str::from_utf8(&raw[..head_len]).map_err(|e| format!("CGI headers: {e}"))?;
    let mut status = StatusCode::OK;
    let mut headers = HeaderMap::new();
    for line in head.lines() {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("CGI header line without a colon: {line:?}"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value.split_whitespace().next().unwrap_or("");
            status = code
                .parse::<u16>()
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| format!("CGI status {value:?}"))?;
        } else {
            let name = HeaderName::try_from(name).map_err(|e| format!("{name:?}: {e}"))?;
            let value = HeaderValue::try_from(value).map_err(|e| format!("{value:?}: {e}"))?;
            headers.append(name, value);
        }
    }
    let mut response = Response::new(Body::from(raw[head_len + sep_len..].to_vec()));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A bare repository `<root>/<name>.git` whose branch `branch` holds one commit of `files`
/// (HEAD points at it), with `uploadpack.allowReachableSHA1InWant=true` as on GitHub.
pub fn bare_repo_with(root: &Path, name: &str, branch: &str, files: &[(&str, &str)]) -> PathBuf {
    let path = root.join(format!("{name}.git"));
    let mut opts = git2::RepositoryInitOptions::new();
    opts.bare(true).initial_head(branch);
    let repo = git2::Repository::init_opts(&path, &opts).expect("git init --bare");
    repo.config()
        .expect("repo config")
        .set_bool("uploadpack.allowReachableSHA1InWant", true)
        .expect("set uploadpack.allowReachableSHA1InWant");
    commit_files(&path, branch, files, "initial");
    path
}

/// Commits `files` (paths may contain `/`) on top of `branch` in the bare repository at `bare`,
/// creating the branch if needed; other files stay as they were. Returns the new commit.
pub fn commit_files(bare: &Path, branch: &str, files: &[(&str, &str)], message: &str) -> git2::Oid {
    let repo = git2::Repository::open_bare(bare).expect("open bare repo");
    let refname = format!("refs/heads/{branch}");
    let parent = repo
        .find_reference(&refname)
        .ok()
        .map(|r| r.peel_to_commit().expect("branch points at a commit"));
    let base = match &parent {
        Some(c) => c.tree().expect("parent tree"),
        None => {
            let empty = repo.treebuilder(None).expect("treebuilder");
            repo.find_tree(empty.write().expect("empty tree"))
                .expect("find empty tree")
        }
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    for (path, content) in files {
        let blob = repo.blob(content.as_bytes()).expect("write blob");
        update.upsert(*path, blob, git2::FileMode::Blob);
    }
    let tree_id = update.create_updated(&repo, &base).expect("new tree");
    let tree = repo.find_tree(tree_id).expect("find tree");
    let sig = git2::Signature::now("Test", "test@example.com").expect("signature");
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some(&refname), &sig, &sig, message, &tree, &parents)
        .expect("commit")
}
