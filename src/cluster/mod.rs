//! Talking to the cluster: which kubeconfig, context and namespace (as kubectl chooses them), the
//! client, and errors turned into one line a user can act on.
//!
//! Every API call the CLI makes lives in this module tree (jobs, pods and their logs and events,
//! secrets, the egress policy, the server's version and permissions). Each returns data, or a
//! `Failure` worded for the user, and notes for the caller to show; none of them prints.

pub mod errors;
pub mod jobs;
pub mod kueue;
pub mod pods;
pub mod policy;
pub mod retry;
pub mod secrets;
pub mod server;

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use crate::failure::Failure;

pub use errors::{Action, describe};

/// Where to connect, as the user said it (flags and environment).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// How long opening a connection to the API server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request may wait for the server's next byte before it is given up. The API
/// server's own limit for a request is a minute; admission webhooks may take up to 30 s each.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Cluster {
    /// For every request that expects an answer soon: a server that accepts the connection and
    /// then says nothing fails it after [`READ_TIMEOUT`] instead of hanging the command.
    pub client: kube::Client,
    /// For log follows only, which stay quiet for as long as the agent prints nothing.
    pub streams: kube::Client,
    pub namespace: String,
    pub context: String,
    pub server: String,
}

impl Cluster {
    /// The typed API for one kind of object in the namespace the user chose.
    pub fn api<K>(&self) -> kube::Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as kube::Resource>::DynamicType: Default,
    {
        kube::Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// A failed call as one line a user can act on: what was being done (`verb` on `resource`,
    /// `name` when there is one), in this namespace, on this server.
    pub fn failure(
        &self,
        err: kube::Error,
        verb: &str,
        resource: &str,
        name: Option<&str>,
    ) -> Failure {
        let action = Action::new(verb, resource, &self.namespace);
        let action = match name {
            Some(n) => action.named(n),
            None => action,
        };
        describe(err, &action, &self.server)
    }
}

pub async fn connect(target: &Target) -> Result<Cluster, Failure> {
    let (kubeconfig, source) = load_kubeconfig(target)?;
    let context = match &target.context {
        Some(c) => {
            if !kubeconfig.contexts.iter().any(|n| &n.name == c) {
                let known: Vec<&str> = kubeconfig
                    .contexts
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                return Err(
                    Failure::new(format!("context '{c}' is not in {source}")).hint(
                        if known.is_empty() {
                            "the kubeconfig defines no contexts".to_string()
                        } else {
                            format!("known contexts: {}", known.join(", "))
                        },
                    ),
                );
            }
            c.clone()
        }
        None => kubeconfig
            .current_context
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Failure::new(format!("{source} has no current context"))
                    .hint("pick one with --context NAME or `kubectl config use-context NAME`")
            })?,
    };
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        cluster: None,
        user: None,
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| kubeconfig_failure(e, &source))?;
    // Fail fast when the API server is down or stops answering. The timeout counts from when a
    // request was sent, not from when its pooled connection went idle.
    config.connect_timeout = Some(CONNECT_TIMEOUT);
    config.read_timeout = Some(READ_TIMEOUT);
    config.reset_reader_on_write = true;
    let mut stream_config = config.clone();
    stream_config.read_timeout = None;
    let namespace = target
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| config.default_namespace.clone());
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let setup_failure = |e: kube::Error| {
        Failure::new(format!(
            "cannot set up a client for context '{context}': {}",
            errors::short(&e)
        ))
    };
    let client = kube::Client::try_from(config).map_err(setup_failure)?;
    let streams = kube::Client::try_from(stream_config).map_err(setup_failure)?;
    Ok(Cluster {
        client,
        streams,
        namespace,
        context,
        server,
    })
}

fn load_kubeconfig(target: &Target) -> Result<(Kubeconfig, String), Failure> {
    if let Some(path) = &target.kubeconfig {
        let source = format!("kubeconfig {}", path.display());
        return Kubeconfig::read_from(path)
            .map(|k| (k, source.clone()))
            .map_err(|e| kubeconfig_failure(e, &source));
    }
    let source = match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(v) => format!("kubeconfig {} (from KUBECONFIG)", v.to_string_lossy()),
        None => "kubeconfig ~/.kube/config".to_string(),
    };
    Kubeconfig::read()
        .map(|k| (k, source.clone()))
        .map_err(|e| kubeconfig_failure(e, &source))
}

fn kubeconfig_failure(e: KubeconfigError, source: &str) -> Failure {
    let no_cluster_hint = "point at one with --kubeconfig PATH or KUBECONFIG; `remote --dry-run` and `detect` need no cluster";
    match e {
        KubeconfigError::ReadConfig(io, _) if io.kind() == std::io::ErrorKind::NotFound => {
            Failure::new(format!("{source} does not exist")).hint(no_cluster_hint)
        }
        KubeconfigError::FindPath => {
            Failure::new("no kubeconfig found (no KUBECONFIG and no ~/.kube/config)")
                .hint(no_cluster_hint)
        }
        // `--kubeconfig ~/.kube` (a directory) or an unreadable file: the reason without std's
        // "(os error 21)" tail.
        KubeconfigError::ReadConfig(io, _) => {
            Failure::new(format!("cannot read {source}: {}", errors::short(&io)))
                .hint(no_cluster_hint)
        }
        KubeconfigError::Parse(p) => Failure::new(format!(
            "{source} is not valid YAML: {}",
            // The YAML reader starts its message with its own "error: ", which read as a second
            // error inside ours.
            errors::first_line(&p.to_string()).trim_start_matches("error: ")
        ))
        .hint("check it with `kubectl config view`"),
        KubeconfigError::CurrentContextNotSet => {
            Failure::new(format!("{source} has no current context"))
                .hint("pick one with --context NAME or `kubectl config use-context NAME`")
        }
        KubeconfigError::LoadContext(c) => {
            Failure::new(format!("context '{c}' is not in {source}"))
        }
        KubeconfigError::LoadClusterOfContext(c) => Failure::new(format!(
            "the cluster '{c}' named by the context is not in {source}"
        )),
        other => Failure::new(format!(
            "{source} cannot be used: {}",
            errors::first_line(&other.to_string())
        )),
    }
}
