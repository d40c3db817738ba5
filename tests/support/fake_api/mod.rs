//! A loopback fake Kubernetes API server for end-to-end tests of a CLI that submits Jobs and
//! follows their pods, and for checking that fake against `kubectl`.
//!
//! ```ignore
//! let api = FakeApi::start(Config::default());
//! // point the binary at api.kubeconfig(), then inspect:
//! assert_eq!(api.state().created_jobs.len(), 1);
//! ```
//!
//! Plain HTTP on 127.0.0.1, one tokio runtime on its own thread, JSON everywhere. Objects live
//! in one store under a global resourceVersion; a pod's life is simulated by timers (see
//! `lifecycle`), so watches and log follows see the same sequence of states a cluster shows.
//!
//! Real-server behaviours a client is most likely to trip over, kept on purpose:
//! - the log of a pod not yet scheduled is an empty 200, even with `follow=true`;
//! - deleting a Job without a propagationPolicy orphans its pods (`State::orphaned_pods`);
//! - `sinceTime` returns lines at or after it, and lines may share a timestamp;
//! - list items carry no `kind`/`apiVersion`; watch objects and single GETs do;
//! - a second regular container that never exits keeps the pod Running and the Job active;
//! - below 1.29 an init container's `restartPolicy: Always` is dropped (and its probes then
//!   make the Job invalid).

// Each integration test binary includes this module tree and uses only part of it; the rest
// must not become dead-code errors under `-D warnings`.
#![allow(dead_code)]

mod config;
mod discovery;
mod events;
mod gc;
mod http;
mod kinds;
mod lifecycle;
mod logs;
mod patch;
mod pod_status;
mod resources;
mod select;
mod state;
mod status;
mod table;
mod util;
mod validation;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

// A test binary that includes this tree may name only some of these.
#[allow(unused_imports)]
pub use self::config::{Config, Faults, LogSource, Scenario};
#[allow(unused_imports)]
pub use self::kinds::Kind;
#[allow(unused_imports)]
pub use self::state::{ChangeType, DeletionRecord, RequestRecord, State};

pub struct FakeApi {
    addr: SocketAddr,
    shared: Arc<state::Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl FakeApi {
    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub fn start(cfg: Config) -> FakeApi {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(state::Shared::new(State::new(&cfg)));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let server_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fake-api-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("fake api runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let app = axum::Router::new()
                        .fallback(http::handle)
                        .with_state(server_shared);
                    let _ = ready_tx.send(());
                    let server = async move { axum::serve(listener, app).await };
                    tokio::select! {
                        _ = server => {}
                        _ = rx => {}
                    }
                });
                // Open follow/watch streams would keep a graceful shutdown waiting forever.
                rt.shutdown_timeout(Duration::from_millis(100));
            })
            .expect("spawn fake api thread");
        let _ = ready_rx.recv();
        let dir = tempfile::tempdir().expect("tempdir for kubeconfig");
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            kubeconfig_yaml(&format!("http://{addr}"), &cfg.namespace),
        )
        .expect("write kubeconfig");
        FakeApi {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
            kubeconfig,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Cluster/user/context `fake` (namespace from the config, token `fake-token`), plus a
    /// context `other` with namespace `elsewhere`; current context `fake`.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// Inspect or change the store, faults and records. Do not hold it across an await.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn kubeconfig_yaml(server: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
users:
- name: fake
  user:
    token: fake-token
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: {namespace}
- name: other
  context:
    cluster: fake
    user: fake
    namespace: elsewhere
current-context: fake
preferences: {{}}
"
    )
}
