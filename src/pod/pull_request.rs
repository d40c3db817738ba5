//! The pull request for the pushed branch: the holder asks the GitHub REST API for it, the one
//! HTTP request of the pod that carries the GitHub token.
//!
//! Where it goes is the user's alone: the API from the Job (the user's `github_api`, or the API of
//! the repository's host), the owner and name from `REPO_URL`, the head from the job's name. The
//! agent's side supplies only numbers (turns, cost, tokens), so nothing it writes can change the
//! address, add a header or reach the request as text. Redirects are not followed. A refusal is
//! reported, never retried, and never touches the branch already pushed.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use super::env::{PodEnv, PullRequestEnv};
use crate::contract::HandOff;
use crate::text;

/// The whole exchange, the lookup of an existing pull request included.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// The API's answer is read up to this much; a pull request's JSON is a few kilobytes.
const MAX_ANSWER_BYTES: usize = 512 * 1024;
/// GitHub allows 256 characters; a title is a line, not a paragraph.
const MAX_TITLE_CHARS: usize = 120;
/// GitHub allows 65536 characters in a description; the task is cut to leave room for the rest.
const MAX_TASK_CHARS: usize = 60_000;
/// What the API says of a refusal is kept to this many characters, and the whole error to this
/// many, well inside what the receipt keeps of a field.
const MAX_REASON_CHARS: usize = 200;
const MAX_ERROR_CHARS: usize = 400;
const USER_AGENT_VALUE: &str = concat!("claude-sandbox/", env!("CARGO_PKG_VERSION"));

/// The pull request's content: everything but where it goes and the token.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub title: String,
    pub body: String,
    /// The pushed branch and the branch the job started from.
    pub head: String,
    pub base: String,
    pub draft: bool,
}

/// What to ask for: the task's first line as the title; the task and the run's figures known at
/// this point as the description.
pub fn wanted(
    env: &PodEnv,
    pr: &PullRequestEnv,
    branch: &str,
    commits: u64,
    hand_off: &HandOff,
) -> Wanted {
    let (first, _) = text::first_line(&env.task);
    let mut title = text::cut(first, MAX_TITLE_CHARS);
    if title.is_empty() {
        title = format!("claude-sandbox job {}", env.job);
    }
    let mut body = text::truncate(env.task.trim(), MAX_TASK_CHARS);
    body.push_str("\n\n---\n");
    body.push_str(&format!(
        "Opened by claude-sandbox for job `{}`: {commits} commit{} on `{branch}`, started from `{}`.",
        env.job,
        if commits == 1 { "" } else { "s" },
        env.branch
    ));
    let mut figures = vec![format!("exit code {}", hand_off.exit_code)];
    if let Some(t) = hand_off.turns {
        figures.push(format!("{t} turn{}", if t == 1 { "" } else { "s" }));
    }
    if let Some(c) = hand_off.cost_usd.filter(|c| c.is_finite()) {
        figures.push(format!("${c:.2}"));
    }
    if let (Some(i), Some(o)) = (hand_off.input_tokens, hand_off.output_tokens) {
        figures.push(format!("{i} tokens in, {o} out"));
    }
    body.push_str(&format!("\nThe agent ended with {}.\n", figures.join(", ")));
    Wanted {
        title,
        body,
        head: branch.to_owned(),
        base: env.branch.clone(),
        draft: pr.draft,
    }
}

/// Open the pull request; its web address, or why not in words that never hold the token.
pub fn open(pr: &PullRequestEnv, wanted: &Wanted, token: &str) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("could not start the request: {e}"))?;
    let result = runtime
        .block_on(async { tokio::time::timeout(TIMEOUT, exchange(pr, wanted, token)).await });
    let outcome = match result {
        Ok(r) => r,
        Err(_) => Err(format!(
            "the GitHub API at {} did not answer within {} s",
            pr.api,
            TIMEOUT.as_secs()
        )),
    };
    // Whatever the server sent back, the token is not repeated.
    outcome
        .map(|url| without(&url, token))
        .map_err(|e| text::cut(&without(&e, token), MAX_ERROR_CHARS))
}

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

async fn exchange(pr: &PullRequestEnv, wanted: &Wanted, token: &str) -> Result<String, String> {
    let connector = super::http::connector()?;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(connector);
    let pulls = format!("{}/repos/{}/{}/pulls", pr.api, pr.repo.owner, pr.repo.name);
    let body = json!({
        "title": wanted.title,
        "body": wanted.body,
        "head": wanted.head,
        "base": wanted.base,
        "draft": wanted.draft,
    })
    .to_string();
    let (status, answer) = call(&client, "POST", &pulls, token, Some(body)).await?;
    match status {
        201 => html_url(&answer).ok_or_else(|| {
            "GitHub opened the pull request but its answer had no address".to_owned()
        }),
        422 if already_exists(&answer) => {
            // The branch is this job's alone, so an open pull request for it is this job's too.
            let query = format!("{pulls}?head={}:{}&state=open", pr.repo.owner, wanted.head);
            let existing = match call(&client, "GET", &query, token, None).await {
                Ok((200, list)) => serde_json::from_slice::<Vec<Value>>(&list)
                    .ok()
                    .and_then(|l| l.first().and_then(url_of)),
                _ => None,
            };
            existing.ok_or_else(|| {
                format!(
                    "GitHub refused: a pull request for {} already exists",
                    wanted.head
                )
            })
        }
        _ => Err(refusal(status, &answer)),
    }
}

async fn call(
    client: &HttpClient,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<String>,
) -> Result<(u16, Vec<u8>), String> {
    let mut bearer = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| "GITHUB_TOKEN holds characters no token has".to_owned())?;
    bearer.set_sensitive(true);
    let request = hyper::Request::builder()
        .method(method)
        .uri(uri)
        .header(AUTHORIZATION, bearer)
        .header(USER_AGENT, USER_AGENT_VALUE)
        .header(ACCEPT, "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|_| format!("the GitHub API address {uri} is not a URL"))?;
    let response = client.request(request).await.map_err(|e| {
        format!(
            "could not reach the GitHub API: {}",
            super::http::describe(&e)
        )
    })?;
    let status = response.status().as_u16();
    let answer = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|_| {
            format!("the GitHub API answered HTTP {status} with more than {MAX_ANSWER_BYTES} bytes")
        })?
        .to_bytes();
    // Taken out before anything is parsed or cut, so no part of the token survives a cut.
    let answer = without(&String::from_utf8_lossy(&answer), token).into_bytes();
    Ok((status, answer))
}

fn html_url(answer: &[u8]) -> Option<String> {
    url_of(&serde_json::from_slice::<Value>(answer).ok()?)
}

/// The pull request's web address, one line, short, and a web address at all.
fn url_of(pull: &Value) -> Option<String> {
    let url = pull.get("html_url")?.as_str()?;
    (url.starts_with("https://") || url.starts_with("http://")).then(|| text::cut(url, 300))
}

fn already_exists(answer: &[u8]) -> bool {
    reasons(answer).iter().any(|r| r.contains("already exists"))
}

/// GitHub's `message` and each of its `errors[].message`.
fn reasons(answer: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(answer) else {
        return Vec::new();
    };
    let mut out: Vec<String> = value
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if let Some(errors) = value.get("errors").and_then(Value::as_array) {
        out.extend(
            errors
                .iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .map(str::to_owned),
        );
    }
    out
}

fn refusal(status: u16, answer: &[u8]) -> String {
    let hint = match status {
        401 => " (check GITHUB_TOKEN in the secret)",
        403 | 404 => {
            " (the token may lack pull-request write access to this repository, or github_api is not its API)"
        }
        _ => "",
    };
    let said = reasons(answer).join("; ");
    if said.is_empty() {
        format!("GitHub refused the pull request: HTTP {status}{hint}")
    } else {
        format!(
            "GitHub refused the pull request: HTTP {status}{hint}: {}",
            text::cut(&said, MAX_REASON_CHARS)
        )
    }
}

/// `text` with every occurrence of the token blanked out.
fn without(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::Repository;

    fn env(task: &str) -> PodEnv {
        PodEnv::from_lookup(|k| match k {
            "TASK" => Some(task.to_owned()),
            "REPO_URL" => Some("https://github.com/acme/shop.git".to_owned()),
            "REPO_BRANCH" => Some("main".to_owned()),
            "CLAUDE_SANDBOX_JOB" => Some("claude-sandbox-shop-1".to_owned()),
            _ => None,
        })
        .unwrap()
    }

    fn pr() -> PullRequestEnv {
        PullRequestEnv {
            api: "https://api.github.com".into(),
            draft: true,
            repo: Repository {
                origin: "https://github.com".into(),
                owner: "acme".into(),
                name: "shop".into(),
            },
        }
    }

    #[test]
    fn the_title_is_the_tasks_first_line_made_plain_and_short() {
        let hand_off = HandOff {
            exit_code: 0,
            publish: true,
            turns: Some(3),
            cost_usd: Some(0.126),
            input_tokens: Some(10),
            output_tokens: Some(2),
        };
        let task = format!(
            "\n  fix the \u{1b}[31mflaky\r spec {}\nthen more",
            "x".repeat(300)
        );
        let w = wanted(&env(&task), &pr(), "claude-sandbox/j", 2, &hand_off);
        assert!(w.title.starts_with("fix the"), "{}", w.title);
        assert!(w.title.chars().count() <= MAX_TITLE_CHARS);
        assert!(!w.title.chars().any(char::is_control), "{:?}", w.title);
        assert!(w.body.contains("then more"));
        assert!(
            w.body.contains("2 commits on `claude-sandbox/j`"),
            "{}",
            w.body
        );
        assert!(
            w.body.contains("3 turns, $0.13, 10 tokens in, 2 out"),
            "{}",
            w.body
        );
        assert_eq!(
            (w.head.as_str(), w.base.as_str(), w.draft),
            ("claude-sandbox/j", "main", true)
        );
    }

    #[test]
    fn a_refusal_is_told_by_what_github_says_without_the_token() {
        let answer =
            br#"{"message":"Bad credentials: Bearer ghp_secretTOKEN","errors":[{"message":"no"}]}"#;
        let said = without(&refusal(401, answer), "ghp_secretTOKEN");
        assert!(
            said.contains("HTTP 401") && said.contains("GITHUB_TOKEN"),
            "{said}"
        );
        assert!(!said.contains("ghp_secretTOKEN"), "{said}");
        assert!(already_exists(
            br#"{"message":"Validation Failed","errors":[{"message":"A pull request already exists for acme:b."}]}"#
        ));
        assert!(!already_exists(b"not json"));
    }
}
