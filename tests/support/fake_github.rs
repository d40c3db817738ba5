//! A loopback stand-in for the GitHub REST API's pull requests, for the credential holder's one
//! request: plain HTTP/1.1 on 127.0.0.1, written on std alone, one connection at a time.
//!
//! It checks what GitHub checks and answers as GitHub does: `Authorization: Bearer <token>` or
//! 401 (whose message repeats the header it got, so a test can prove our error never prints it);
//! `POST /repos/<owner>/<repo>/pulls` for the one repository it serves or 404; a JSON body with a
//! title, head, base and a boolean draft or 422; then 201 with `html_url`. [`Answer`] scripts the
//! other ways it can go: a pull request that already exists (422, then the list for `GET
//! …/pulls?head=…`), a server that accepts the connection and never answers, one whose answer
//! never ends (2 MiB before the JSON).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How the fake answers a well-formed, authorised request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    /// 201 with the new pull request.
    Create,
    /// 422 "A pull request already exists", and the existing one listed for `GET ?head=`.
    Exists,
    /// Accept the connection, read the request, never answer.
    Silent,
    /// 201 with the pull request after 2 MiB of JSON whitespace.
    Flood,
}

/// One request as the fake read it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// Path and query as in the request line.
    pub target: String,
    /// Every header, names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

pub struct FakeGitHub {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    owner: String,
    repo: String,
}

/// The address of the one pull request this fake ever holds.
pub const PR_NUMBER: u32 = 7;

impl FakeGitHub {
    /// Serves `owner/repo` to clients holding `token`, answering as `answer` says.
    pub fn start(token: &str, owner: &str, repo: &str, answer: Answer) -> FakeGitHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake GitHub API");
        let addr = listener.local_addr().expect("its address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (seen.clone(), stop.clone());
        let (token, owner_, repo_) = (token.to_owned(), owner.to_owned(), repo.to_owned());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming() {
                if halt.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let Some(mut seen) = read(&mut conn) else {
                    continue;
                };
                let reply = reply(&seen, &token, &owner_, &repo_, answer, addr);
                match reply {
                    None => {
                        seen.status = 0;
                        // Kept open and unanswered until the fake is dropped.
                        held.push(conn);
                    }
                    Some((status, body)) => {
                        seen.status = status;
                        let _ = conn.write_all(
                            format!(
                                "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                reason(status),
                                body.len()
                            )
                            .as_bytes(),
                        );
                    }
                }
                log.lock().expect("request log").push(seen);
            }
        });
        FakeGitHub {
            addr,
            seen,
            stop,
            thread: Some(thread),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
        }
    }

    /// The API base to configure: `github_api` / `CLAUDE_SANDBOX_GITHUB_API`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The web address the fake gives its pull request.
    pub fn pr_url(&self) -> String {
        format!(
            "http://{}/{}/{}/pull/{PR_NUMBER}",
            self.addr, self.owner, self.repo
        )
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("request log").clone()
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        _ => "Other",
    }
}

/// The request line, headers and (by Content-Length) body; None for a connection that sent none.
fn read(conn: &mut TcpStream) -> Option<Seen> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < end + 4 + length {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[(end + 4).min(buf.len())..]).into_owned();
    Some(Seen {
        method,
        target,
        headers,
        body,
        status: 0,
    })
}

/// What GitHub would answer; None: no answer at all.
fn reply(
    seen: &Seen,
    token: &str,
    owner: &str,
    repo: &str,
    answer: Answer,
    addr: SocketAddr,
) -> Option<(u16, String)> {
    let auth = seen.header("authorization").unwrap_or_default();
    if auth != format!("Bearer {token}") {
        // A careless server repeats what it was sent; the client must not pass it on, not even
        // the part before a cut (the padding puts the token across 200 characters).
        let body = serde_json::json!({
            "message": format!("Bad credentials: {}{auth}", "-".repeat(161)),
            "documentation_url": "https://docs.github.com/rest",
        });
        return Some((401, body.to_string()));
    }
    if answer == Answer::Silent {
        return None;
    }
    let pulls = format!("/repos/{owner}/{repo}/pulls");
    let pr = serde_json::json!({
        "number": PR_NUMBER,
        "html_url": format!("http://{addr}/{owner}/{repo}/pull/{PR_NUMBER}"),
    });
    if seen.method == "GET" && seen.target.starts_with(&format!("{pulls}?")) {
        let wanted_head = format!("head={owner}:");
        let list = if answer == Answer::Exists && seen.target.contains(&wanted_head) {
            serde_json::json!([pr])
        } else {
            serde_json::json!([])
        };
        return Some((200, list.to_string()));
    }
    if seen.method != "POST" || seen.target != pulls {
        return Some((404, r#"{"message":"Not Found"}"#.to_owned()));
    }
    let body = seen.json();
    let valid = ["title", "head", "base"]
        .iter()
        .all(|k| body[k].as_str().is_some_and(|v| !v.is_empty()))
        && body["draft"].is_boolean();
    if !valid {
        return Some((422, r#"{"message":"Validation Failed"}"#.to_owned()));
    }
    if answer == Answer::Exists {
        let head = body["head"].as_str().unwrap_or_default();
        let said = serde_json::json!({
            "message": "Validation Failed",
            "errors": [{
                "resource": "PullRequest",
                "code": "custom",
                "message": format!("A pull request already exists for {owner}:{head}."),
            }],
        });
        return Some((422, said.to_string()));
    }
    if answer == Answer::Flood {
        return Some((201, format!("{}{pr}", " ".repeat(2 << 20))));
    }
    Some((201, pr.to_string()))
}
