//! Tell a Telegram chat how the job ended. Best effort: a notification that cannot be sent is a
//! warning in the log, never a reason to fail the job.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use super::Summary;
use super::env::{PodEnv, Telegram};
use super::log::{say, warn};
use super::publish::Published;
use crate::units::format_elapsed;

const SEND_TIMEOUT: Duration = Duration::from_secs(15);

pub fn send(telegram: &Telegram, env: &PodEnv, summary: &Summary, code: u8, elapsed: Duration) {
    let text = message(env, summary, code, elapsed);
    let body = json!({
        "chat_id": telegram.chat_id,
        "text": text,
        "disable_web_page_preview": true,
    })
    .to_string();
    // Telegram puts the bot token in the path; it stays inside this function and the log
    // redacts it should any error ever quote the address.
    let url = format!(
        "{}/bot{}/sendMessage",
        telegram.api_base.trim_end_matches('/'),
        telegram.token
    );
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return warn(&format!("could not notify Telegram: {e}")),
    };
    match runtime.block_on(async { tokio::time::timeout(SEND_TIMEOUT, post(&url, body)).await }) {
        Ok(Ok(status)) if (200..300).contains(&status) => say("sent the Telegram notification"),
        Ok(Ok(status)) => warn(&format!(
            "Telegram refused the notification (HTTP {status}); check TELEGRAM_BOT_TOKEN and \
             TELEGRAM_CHAT_ID in the secret"
        )),
        Ok(Err(e)) => warn(&format!("could not notify Telegram: {e}")),
        Err(_) => warn(&format!(
            "could not notify Telegram: no answer within {}s",
            SEND_TIMEOUT.as_secs()
        )),
    }
}

async fn post(url: &str, body: String) -> Result<u16, String> {
    let connector = super::http::connector()?;
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let request = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| "the Telegram API address is not a URL".to_owned())?;
    let response = client
        .request(request)
        .await
        .map_err(|e| super::http::describe(&e))?;
    let status = response.status().as_u16();
    // Read the answer so the connection closes cleanly; its content does not matter.
    let _ = response.into_body().collect().await;
    Ok(status)
}

pub fn message(env: &PodEnv, summary: &Summary, code: u8, elapsed: Duration) -> String {
    let verdict = if code == 0 {
        "succeeded".to_owned()
    } else {
        format!("failed (exit code {code})")
    };
    let mut lines = vec![
        format!(
            "claude-sandbox job {} {verdict} after {}",
            env.job,
            format_elapsed(elapsed)
        ),
        format!("repo: {} ({})", env.repo_url, env.branch),
    ];
    match &summary.published {
        Some(Published::Pushed {
            branch,
            commits,
            compare_url,
        }) => {
            lines.push(format!(
                "branch: {branch} ({commits} commit{})",
                if *commits == 1 { "" } else { "s" }
            ));
            if let Some(url) = compare_url {
                lines.push(url.clone());
            }
        }
        Some(Published::NoChanges) => lines.push("no changes".to_owned()),
        None => {}
    }
    if let Some(url) = &summary.pr_url {
        lines.push(format!("pull request: {url}"));
    }
    if let Some(agent) = &summary.agent_result
        && let Some(turns) = agent.turns
    {
        let cost = agent
            .cost_usd
            .map(|c| format!(", ${c:.2}"))
            .unwrap_or_default();
        lines.push(format!("{turns} turns{cost}"));
    }
    if let Some(failure) = &summary.failure {
        lines.push(format!("why: {failure}"));
    }
    lines.push(format!("task: {}", first_line(&env.task, 200)));
    lines.join("\n")
}

fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > max {
        format!("{}…", line.chars().take(max).collect::<String>())
    } else {
        line.to_owned()
    }
}
