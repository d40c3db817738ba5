//! The one way the pod's own HTTP clients (the Anthropic proxy, the pull request, the Telegram
//! message) reach the outside: rustls with the system's CA certificates, HTTP/1, and errors told
//! with their causes.

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;

/// HTTPS with the system's CA certificates, plain HTTP for the loopback servers tests use.
pub fn connector() -> Result<HttpsConnector<HttpConnector>, String> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| format!("no CA certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build())
}

/// hyper's error chain names the failing step (connect, TLS); the sources say why.
pub fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
