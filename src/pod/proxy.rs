//! The holder's Anthropic proxy: the agent's Claude Code talks to `http://127.0.0.1:<port>` with a
//! placeholder key; the proxy forwards to the Anthropic API only, with the real credential in
//! place of whatever the request carried, and streams the answer back as it arrives.
//!
//! The listener is on loopback, which the pod's containers share and nothing outside reaches. The
//! upstream is fixed by the holder's environment: no request can name another host.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;

use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::log::{say, warn};

/// The credential the holder has, and how the API wants it.
#[derive(Clone)]
pub enum Credential {
    /// `ANTHROPIC_API_KEY`, sent as `x-api-key`.
    ApiKey(String),
    /// `CLAUDE_CODE_OAUTH_TOKEN`, sent as a bearer token with the OAuth beta.
    OAuth(String),
}

/// The beta flag the API wants alongside a subscription (OAuth) token.
const OAUTH_BETA: &str = "oauth-2025-04-20";

type Body = Either<Incoming, Full<Bytes>>;
type Https = hyper_rustls::HttpsConnector<HttpConnector>;

struct Upstream {
    base: String,
    credential: Credential,
    client: Client<Https, Incoming>,
}

/// Listen on the loopback port and serve in a thread of its own. The port is bound before this
/// returns, so the agent never starts before the proxy can answer.
pub fn start(port: u16, upstream: &str, credential: Credential) -> Result<u16, String> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(|e| format!("the Anthropic proxy cannot listen on 127.0.0.1:{port}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?.port();
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let connector = super::http::connector().map_err(|e| format!("the Anthropic proxy: {e}"))?;
    let name = upstream.trim_end_matches('/').to_owned();
    let upstream = Arc::new(Upstream {
        base: upstream.trim_end_matches('/').to_owned(),
        credential,
        client: Client::builder(TokioExecutor::new()).build(connector),
    });
    // One thread serves every connection: requests are few and the time is spent waiting.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = Arc::clone(&upstream);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let upstream = Arc::clone(&upstream);
                        async move { Ok::<_, Infallible>(forward(&upstream, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    say(&format!(
        "the Anthropic proxy listens on 127.0.0.1:{bound} and forwards to {name}"
    ));
    Ok(bound)
}

/// Headers that describe one hop, never forwarded; and the request's own credentials.
const DROPPED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "x-api-key",
    "authorization",
];

async fn forward(upstream: &Upstream, req: Request<Incoming>) -> Response<Body> {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    // Only paths: an absolute-form request line cannot choose another host.
    if !path.starts_with('/') {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the sandbox's proxy takes paths only",
        );
    }
    let (parts, body) = req.into_parts();
    let mut out = Request::builder()
        .method(parts.method)
        .uri(format!("{}{path}", upstream.base));
    let Some(headers) = out.headers_mut() else {
        return refuse(StatusCode::BAD_REQUEST, "the request is malformed");
    };
    let mut beta: Option<String> = None;
    for (name, value) in &parts.headers {
        if DROPPED.contains(&name.as_str()) {
            continue;
        }
        if name.as_str() == "anthropic-beta" {
            beta = value.to_str().ok().map(str::to_owned);
            continue;
        }
        headers.append(name, value.clone());
    }
    match &upstream.credential {
        Credential::ApiKey(key) => {
            if let Ok(v) = HeaderValue::from_str(key) {
                headers.insert(HeaderName::from_static("x-api-key"), v);
            }
        }
        Credential::OAuth(token) => {
            if let Ok(v) = HeaderValue::from_str(&format!("Bearer {token}")) {
                headers.insert(hyper::header::AUTHORIZATION, v);
            }
            let list = match beta.take() {
                Some(b) if b.split(',').any(|f| f.trim() == OAUTH_BETA) => b,
                Some(b) if !b.trim().is_empty() => format!("{b},{OAUTH_BETA}"),
                _ => OAUTH_BETA.to_owned(),
            };
            beta = Some(list);
        }
    }
    if let Some(b) = beta
        && let Ok(v) = HeaderValue::from_str(&b)
    {
        headers.insert(HeaderName::from_static("anthropic-beta"), v);
    }
    let Ok(request) = out.body(body) else {
        return refuse(StatusCode::BAD_REQUEST, "the request is malformed");
    };
    match upstream.client.request(request).await {
        Ok(response) => response.map(Either::Left),
        Err(e) => {
            let message = format!("the sandbox's proxy could not reach the Anthropic API: {e}");
            warn(&message);
            refuse(StatusCode::BAD_GATEWAY, &message)
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Response<Body> {
    let body = serde_json::json!({
        "type": "error",
        "error": {"type": "api_error", "message": message},
    })
    .to_string();
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    response
}
