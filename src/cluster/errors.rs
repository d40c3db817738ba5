//! kube errors as one line each: what was being done, to what, where, and what to check.

use crate::failure::Failure;

/// What the tool was doing when a call failed, so the message can say it.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    pub verb: &'a str,
    /// Plural resource as users know it: "jobs", "pods", "secrets", "pods/log".
    pub resource: &'a str,
    pub name: Option<&'a str>,
    pub namespace: &'a str,
}

impl<'a> Action<'a> {
    pub fn new(verb: &'a str, resource: &'a str, namespace: &'a str) -> Self {
        Action {
            verb,
            resource,
            name: None,
            namespace,
        }
    }

    pub fn named(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }
}

pub fn describe(err: kube::Error, action: &Action, server: &str) -> Failure {
    let what = match action.name {
        Some(n) => format!("{} {n}", singular(action.resource)),
        None => action.resource.to_string(),
    };
    match err {
        kube::Error::Api(status) => {
            let ns = action.namespace;
            match status.code {
                401 => Failure::new(format!(
                    "the cluster at {server} rejected the credentials (401 Unauthorized)"
                ))
                .hint("they may have expired: log in again (e.g. refresh your cloud CLI login) and check with `kubectl auth whoami`"),
                403 => Failure::new(format!(
                    "forbidden: you may not {} {} in namespace {ns}",
                    action.verb, action.resource
                ))
                .hint("ask a cluster admin for that permission; `claude-sandbox doctor` lists what the tool needs"),
                404 if status.is_missing_namespace(ns) => {
                    Failure::new(format!("namespace {ns} does not exist"))
                        .hint("create it with `kubectl create namespace NAME`, or choose another with -n")
                }
                404 => match action.name {
                    Some(n) => Failure::new(format!("{} {n} not found in namespace {ns}", singular(action.resource)))
                        .hint(match action.resource {
                            "jobs" => "see the jobs there with `claude-sandbox list`".to_string(),
                            _ => format!("check the namespace (-n) and the name of the {}", singular(action.resource)),
                        }),
                    None => Failure::new(format!("{} not found in namespace {ns}", action.resource)),
                },
                409 => Failure::new(format!("{what} already exists in namespace {ns}")),
                422 | 400 => Failure::new(format!(
                    "the cluster refused to {} {what}: {}",
                    action.verb,
                    first_line(&status.message)
                )),
                429 => Failure::new(format!(
                    "the cluster is throttling requests (429) while trying to {} {what}",
                    action.verb
                ))
                .hint("wait a moment and try again"),
                code => Failure::new(format!(
                    "the cluster failed to {} {what} ({code}): {}",
                    action.verb,
                    first_line(&status.message)
                )),
            }
        }
        // The request never left this machine: kube refused to build it, almost always because a
        // name the user typed cannot be part of an API path (empty, spaces, '/'). Saying "cannot
        // reach the cluster" here sent people chasing their VPN for a typo.
        kube::Error::BuildRequest(_) | kube::Error::HttpError(_) => match action.name {
            Some(n) => invalid_name(singular(action.resource), n),
            None => Failure::new(format!(
                "cannot {} {}: the request is invalid: {}",
                action.verb,
                action.resource,
                short(&err)
            )),
        },
        // The server answered, but not with what a Kubernetes API server sends.
        kube::Error::SerdeError(_) => Failure::new(format!(
            "the server at {server} gave an answer to {} {what} that is not from a Kubernetes API",
            action.verb
        ))
        .hint("check that the kubeconfig's server URL points at the API server, e.g. with `kubectl cluster-info`"),
        other if is_timeout(&other) && is_connecting(&other) => Failure::new(format!(
            "cannot reach the cluster at {server}: no connection within {} s",
            super::CONNECT_TIMEOUT.as_secs()
        ))
        .hint("check that the cluster is running and reachable (VPN?), e.g. with `kubectl cluster-info`"),
        other if is_timeout(&other) => Failure::new(format!(
            "the cluster at {server} did not answer within {} s while trying to {} {what}",
            super::READ_TIMEOUT.as_secs(),
            action.verb
        ))
        .hint("it accepted the connection but sent nothing back; check that the server URL is the API server and that it is healthy, e.g. with `kubectl cluster-info`"),
        other => {
            let text = short(&other);
            Failure::new(format!("cannot reach the cluster at {server}: {text}"))
                .hint("check that the cluster is running and reachable (VPN?), e.g. with `kubectl cluster-info`")
        }
    }
}

/// A Kubernetes object name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting
/// and ending with a letter or digit, at most 253 characters). Checked before a name the user typed
/// goes into an API path, so a typo is reported as what it is.
pub fn check_name(kind: &str, name: &str) -> Result<(), Failure> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(invalid_name(kind, name))
    }
}

/// Whether `name` is a valid object name (see [`check_name`]); such a name holds nothing a
/// terminal or a shell would act on.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn invalid_name(kind: &str, name: &str) -> Failure {
    let message = if name.trim().is_empty() {
        format!("the {kind} name is empty")
    } else {
        format!("'{name}' is not a valid {kind} name")
    };
    Failure::usage(message)
        .hint("Kubernetes names use lowercase letters, digits, '-' and '.', and start and end with a letter or digit")
}

trait StatusExt {
    fn is_missing_namespace(&self, namespace: &str) -> bool;
}

impl StatusExt for kube::core::Status {
    /// A 404 about the namespace itself, by what the server says is missing: its details, or the
    /// message's `namespaces "NAME" not found` when there are none. A word inside the message
    /// proves nothing: a job of a repository called `k8s-namespaces` carries it in its name.
    fn is_missing_namespace(&self, namespace: &str) -> bool {
        match &self.details {
            Some(d) if !d.kind.is_empty() => {
                d.kind == "namespaces" && (d.name.is_empty() || d.name == namespace)
            }
            _ => self
                .message
                .starts_with(&format!("namespaces \"{namespace}\" not found")),
        }
    }
}

fn singular(resource: &str) -> &str {
    match resource {
        "jobs" => "job",
        "pods" => "pod",
        "secrets" => "secret",
        "events" => "event",
        "pods/log" => "log of pod",
        "networkpolicies" => "network policy",
        "namespaces" => "namespace",
        other => other,
    }
}

/// The innermost cause of an error, which is where the useful words are ("Connection refused").
pub fn short(err: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &dyn std::error::Error = err;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    let text = if text.is_empty() {
        err.to_string()
    } else {
        text
    };
    first_line(&tidy(&text))
}

fn tidy(text: &str) -> String {
    // std's io errors read "Connection refused (os error 111)"; the number helps no one.
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

pub fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// Whether an error is worth retrying for a call that is safe to repeat. A server that let a
/// request time out is not: asking again would multiply the wait before the user hears of it.
pub fn is_transient(err: &kube::Error) -> bool {
    if is_timeout(err) {
        return false;
    }
    match err {
        kube::Error::Api(s) => matches!(s.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// Whether the server accepted the connection and then did not answer in time (or the
/// connection itself timed out).
pub fn is_timeout(err: &kube::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether a failure happened while opening the connection, before any request was sent.
fn is_connecting(err: &kube::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(client) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return client.is_connect();
        }
        cause = e.source();
    }
    false
}

pub fn is_not_found(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 404)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_they_reach_a_path() {
        for good in ["claude-sandbox-widgets-20250101-120000-ab12", "a", "x.y-1"] {
            assert!(check_name("job", good).is_ok(), "{good}");
        }
        for bad in ["", " ", "My_Job", "a/b", "my job", "-a", "a-", "../x"] {
            let f = check_name("job", bad).unwrap_err();
            assert_eq!(f.code, 2, "{bad}");
        }
        assert_eq!(
            check_name("job", "").unwrap_err().message,
            "the job name is empty"
        );
    }
}
